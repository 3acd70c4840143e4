// `kubemu trace` from a command line: the named object, read through the host's API server, and
// its chain from the cluster folder's change log.
import {readChanges} from '../apiserver/change-log.js'
import {openHost} from '../host/host.js'
import {resolveTarget} from '../inspect/target.js'
import {type Trace, traceOf} from './trace.js'

export {TargetError as TraceError} from '../inspect/target.js'

export interface TraceTarget {
  readonly environment: NodeJS.ProcessEnv
  readonly cluster?: string
  readonly namespace: string
  readonly words: readonly string[]
}

export async function trace(target: TraceTarget): Promise<Trace> {
  const host = await openHost({environment: target.environment, clusterName: target.cluster})
  try {
    await host.catchUp()
    await host.release()
    const {object, label} = await resolveTarget(host, target.words, target.namespace, 'kubemu-trace')
    return traceOf(object, label, readChanges(host.folder))
  } finally {
    await host.close()
  }
}
