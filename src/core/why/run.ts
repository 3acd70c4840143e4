// `kubemu why` from a command line: the named object, read through the host's API server at the
// cluster's time, explained.
import {openHost} from '../host/host.js'
import {resolveTarget} from '../inspect/target.js'
import {readSchedulingReport} from '../scheduler/reports.js'
import {explain} from './why.js'
import type {Diagnosis} from './diagnosis.js'
import {clientReader} from './reader.js'

export {TargetError as WhyError} from '../inspect/target.js'

export interface WhyTarget {
  readonly environment: NodeJS.ProcessEnv
  readonly cluster?: string
  readonly namespace: string
  /** `pod/web`, `deploy/web`, or the type and the name as two words. */
  readonly words: readonly string[]
}

export async function why(target: WhyTarget): Promise<Diagnosis> {
  const host = await openHost({environment: target.environment, clusterName: target.cluster})
  try {
    // A reader like any other: the cluster first catches up to now (one-shot mode).
    await host.catchUp()
    await host.release()
    const {client, resource, object, label, now} = await resolveTarget(host, target.words, target.namespace, 'kubemu-why')
    // The scheduler keeps its last attempt per pod in the cluster folder (one-shot and under `up`).
    const reader = clientReader(client, now, async (pod) => readSchedulingReport(host.folder, String(pod.metadata.uid)))
    return await explain(object, resource.group, label, reader)
  } finally {
    await host.close()
  }
}
