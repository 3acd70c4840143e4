// `kubemu trace` from a command line: the named object, read through the host's API server, and
// its chain from the cluster folder's change log.
import {readChanges} from '../apiserver/change-log.js'
import {inspectTarget, type TargetOptions} from '../inspect/target.js'
import {type Trace, traceOf} from './trace.js'

export {TargetError as TraceError} from '../inspect/target.js'

export function trace(target: TargetOptions): Promise<Trace> {
  return inspectTarget(target, 'kubemu-trace', ({object, label}, host) => traceOf(object, label, readChanges(host.folder)))
}
