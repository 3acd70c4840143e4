// `kubemu why` from a command line: the named object, read through the host's API server at the
// cluster's time, explained.
import {inspectTarget, type TargetOptions} from '../inspect/target.js'
import {readSchedulingReport} from '../scheduler/reports.js'
import {explain} from './why.js'
import type {Diagnosis} from './diagnosis.js'
import {clientReader} from './reader.js'

export {TargetError as WhyError} from '../inspect/target.js'

export function why(target: TargetOptions): Promise<Diagnosis> {
  return inspectTarget(target, 'kubemu-why', ({client, resource, object, label, now}, host) =>
    // The scheduler keeps its last attempt per pod in the cluster folder (one-shot and under `up`).
    explain(object, resource.group, label, clientReader(client, now, async (pod) => readSchedulingReport(host.folder, String(pod.metadata.uid)))),
  )
}
