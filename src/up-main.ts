// What `kubemu up` runs: one module that `npm run build` bundles into dist/tools/up.cjs, run with
// V8's code cache (src/tool-bundle.ts) so that up neither resolves nor compiles its ~500 modules at
// every start. src/command-cores.ts loads it.
export {runUp} from './core/host/up.js'
export {mountWebPage} from './core/ui/mount.js'
export {containerTools} from './core/etcdctl/container-etcdctl.js'
export {FrontDoorError} from './core/server/etcd-grpc.js'
export {systemClock} from './core/util/clock.js'
