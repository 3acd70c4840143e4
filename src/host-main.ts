// What kubemu's own commands on the cluster's host call (time, member, master, node start/stop/add/
// remove, load, status): one module that `npm run build` bundles into dist/tools/host.cjs, run with V8's code
// cache as kubectl's bundle is (src/tool-bundle.ts). Imported one by one, these modules took about
// 0.45 s of CPU per command on Node 20 (`kubemu time` 0.73 s against `kubemu version` 0.30 s), more
// than most of the commands' own work. src/command-cores.ts loads it.
export {advanceClusterTime, applyFault, HostCommandError, readClusterTime} from './core/host/commands.js'
export {parseAdvanceDuration, TimeArgumentError} from './core/host/clock.js'
export {addNode, NodeCommandError, parseLabels, parseTaints, removeNode, setNodeStopped} from './core/host/nodes.js'
export {LoadCommandError, setSimulatedLoad} from './core/kubectl/simulated-load.js'
export {formatAdvance, formatAdvanceOutage, formatClusterTime} from './core/printers/host.js'
export {progressLine} from './core/printers/progress.js'
export {KubernetesUnavailableError} from './core/apiserver/open.js'
export {formatStatus} from './core/status/printer.js'
export {clusterStatus, StatusUnavailableError} from './core/status/cluster-status.js'
export {changeKey, StatusWatchNeedsUpError, watchStatus} from './core/status/watch.js'
