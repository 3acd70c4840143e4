// A bootstrapped cluster in this process, on a temporary folder and an injected clock, with the
// admin's API client and a settle() that runs the control plane until it is done.
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient, type RequestHandler} from '../../src/core/client/client.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {clusterContainers} from '../../src/core/kubelet/containers.js'
import {createPodNetwork} from '../../src/core/network/pod-network.js'
import {MemorySyncedRules} from '../../src/core/proxy/synced-rules.js'
import type {SettleResult} from '../../src/core/controlplane/runner.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import type {ManualClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {temporaryFolder} from './temp.js'

export interface InProcessCluster {
  readonly api: ApiServer
  /** The cluster's folder (its members' databases) and the API server's store. */
  readonly folder: string
  readonly store: LazyEmbeddedStore
  readonly admin: ApiClient
  readonly random: SeededRandom
  /** The rules the nodes' kube-proxies synced (kept across settles, as a host keeps them). */
  readonly syncedRules: MemorySyncedRules
  /** Runs a fresh control plane (as a one-shot command would) through `handler` (the API server by default); `collapseDelays` false runs only what is due at the clock's now, as `up` does. */
  settle(handler?: RequestHandler, collapseDelays?: boolean): Promise<SettleResult>
  close(): Promise<void>
}

export async function inProcessCluster(clock: ManualClock, seed: number): Promise<InProcessCluster> {
  const folder = temporaryFolder()
  const store = new LazyEmbeddedStore(folder, {clock})
  const api = new ApiServer({store, clock})
  // The containers' probes and programs reach each other through the pod network, as on a host.
  const syncedRules = new MemorySyncedRules()
  const network = createPodNetwork(new ApiClient(api, apiServerUser, 'kubemu'), clock, {syncedRules})
  const containers = clusterContainers(folder, () => network)
  await ensureBootstrapped(api, clock.nowMilliseconds())
  const random = new SeededRandom(seed)
  return {
    api,
    folder,
    store,
    admin: new ApiClient(api, apiServerUser),
    random,
    syncedRules,
    async settle(handler: RequestHandler = api, collapseDelays = true) {
      const plane = new ControlPlane(handler, clock, () => random.next(), undefined, {containers, syncedRules})
      try {
        return await plane.settle(collapseDelays)
      } finally {
        plane.stop()
      }
    },
    close: () => store.close(),
  }
}
