// A loop that breaks (an invariant, an error it does not handle, a handler that throws) is
// reported with its component's name and built again, from the informers' caches, after a
// back-off; the other loops keep going and the cluster settles.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import type {ControlLoop} from '../../src/core/client/informer-factory.js'
import {resources} from '../../src/core/client/resources.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {loopRestartBackoffInitialMilliseconds, type LoopDefinition, retriesPerSettleMax} from '../../src/core/controlplane/runner.js'
import {heartbeatRetryInitialMilliseconds} from '../../src/core/kubelet/kubelet.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {temporaryFolder} from '../support/temp.js'

type Pod = KubeObject & {spec: {nodeName?: string}; status?: {phase?: string}}

/** A loop that counts its builds and the pods its handler has seen, and breaks as told. */
class FaultyLoop implements ControlLoop {
  readonly name = 'faulty-controller'
  readonly seen = new Set<string>()
  pending = true

  constructor(
    informers: Parameters<LoopDefinition['build']>[0],
    private readonly faults: {process: boolean; handlerOn: string | null},
  ) {
    informers.informer<Pod>(resources.pods).onEvent((event) => {
      if (event.object.metadata.name === faults.handlerOn) {
        faults.handlerOn = null
        throw new Error(`invariant: pod ${event.object.metadata.name} seen twice`)
      }
      this.seen.add(String(event.object.metadata.name))
    })
  }

  hasWork(): boolean {
    return this.pending
  }

  async process(): Promise<number> {
    if (this.faults.process) throw new TypeError("Cannot read properties of undefined (reading 'spec')")
    this.pending = false
    return 1
  }

  nextDue(): number | null {
    return null
  }
}

async function startCluster() {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 9, 0, 0))
  const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
  const api = new ApiServer({store, clock})
  await ensureBootstrapped(api, clock.nowMilliseconds())
  return {clock, store, api, admin: new ApiClient(api, apiServerUser)}
}

function faultyPlane(api: ApiServer, clock: ManualClock, faults: {process: boolean; handlerOn: string | null}) {
  const builds: FaultyLoop[] = []
  const reports: string[] = []
  const random = new SeededRandom(3)
  const definition: LoopDefinition = {component: 'kube-test-manager', build: (informers) => builds[builds.push(new FaultyLoop(informers, faults)) - 1]!}
  const plane = new ControlPlane(api, clock, () => random.next(), undefined, {onFailure: (line) => reports.push(line), extraLoops: [definition]})
  return {plane, builds, reports}
}

const webDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {name: 'web', namespace: 'default'},
  spec: {replicas: 2, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx'}]}}},
} as unknown as KubeObject

describe('a failing control loop', () => {
  it('is reported by component and restarted a bounded number of times while the other loops settle the cluster (one-shot)', async () => {
    const {clock, store, api, admin} = await startCluster()
    const {plane, builds, reports} = faultyPlane(api, clock, {process: true, handlerOn: null})
    try {
      await admin.create(resources.deployments, webDeployment)
      const result = await plane.settle()
      expect(result.settled).toBe(true)
      const pods = (await admin.list<Pod>(resources.pods, 'default')).items
      expect(pods.map((pod) => pod.status?.phase)).toEqual(['Running', 'Running'])
      const line = "kube-test-manager: faulty-controller failed: Cannot read properties of undefined (reading 'spec')"
      expect(result.failures).toEqual([...Array(retriesPerSettleMax).fill(`${line}; restarting it`), `${line}; restarting it with the next command`])
      expect(reports).toEqual(result.failures)
      expect(builds).toHaveLength(1 + retriesPerSettleMax)
    } finally {
      plane.stop()
      await store.close()
    }
  })

  it('is built again after its back-off on the clock, from the informers\' whole state, when a handler of its threw (up)', async () => {
    const {clock, store, api, admin} = await startCluster()
    const faults = {process: false, handlerOn: 'web-2'}
    const {plane, builds, reports} = faultyPlane(api, clock, faults)
    try {
      for (const name of ['web-1', 'web-2', 'web-3']) await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'default'}, spec: {containers: [{name: 'web', image: 'nginx'}]}} as KubeObject)
      await plane.settle(false)
      expect(reports).toEqual([`kube-test-manager: faulty-controller failed: invariant: pod web-2 seen twice; restarting it in ${loopRestartBackoffInitialMilliseconds / 1000} s`])
      expect(builds).toHaveLength(1)
      // The others went on: the pods were scheduled, and started once their node pulled nginx on the clock.
      expect((await admin.list<Pod>(resources.pods, 'default')).items.every((pod) => pod.spec.nodeName !== undefined)).toBe(true)
      clock.advance(loopRestartBackoffInitialMilliseconds - 1)
      await plane.settle(false)
      expect((await admin.list<Pod>(resources.pods, 'default')).items.map((pod) => pod.status?.phase)).toEqual(['Running', 'Running', 'Running'])
      expect(builds).toHaveLength(1)
      clock.advance(1)
      await plane.settle(false)
      expect(builds).toHaveLength(2)
      expect([...builds[1]!.seen].filter((name) => name.startsWith('web-')).sort()).toEqual(['web-1', 'web-2', 'web-3'])
      expect(builds[1]!.pending).toBe(false)
      expect(reports).toHaveLength(1)
    } finally {
      plane.stop()
      await store.close()
    }
  })

  it('does not spin on refused heartbeats: the kubelets retry them after a back-off, and the loops settle', async () => {
    const {clock, store, api} = await startCluster()
    const random = new SeededRandom(5)
    // The API server refuses the kubelets' Lease writes (etcd unavailable to it, say).
    let refusing = false
    let refused = 0
    const refusingLeases = {
      handle: (request: Parameters<ApiServer['handle']>[0]) => {
        if (refusing && request.method !== 'GET' && request.path.includes('/namespaces/kube-node-lease/leases')) {
          refused++
          return Promise.resolve({status: 500, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'etcdserver: request timed out', code: 500}, warnings: []})
        }
        return api.handle(request)
      },
    }
    const plane = new ControlPlane(refusingLeases, clock, () => random.next())
    try {
      expect((await plane.settle(false)).settled).toBe(true)
      refusing = true
      clock.advance(10_000)
      const result = await plane.settle(false)
      expect(result).toMatchObject({settled: true, failures: []})
      // One try per node (six nodes), not one per round.
      expect(refused).toBe(6)
      clock.advance(heartbeatRetryInitialMilliseconds)
      await plane.settle(false)
      expect(refused).toBe(12)
    } finally {
      plane.stop()
      await store.close()
    }
  })

  it('whose constructor throws is reported and built again', async () => {
    const {clock, store, api} = await startCluster()
    const random = new SeededRandom(7)
    const reports: string[] = []
    let builds = 0
    const definition: LoopDefinition = {
      component: 'kube-test-manager',
      build: (informers) => {
        if (++builds === 1) throw new Error('invariant: no informer for widgets')
        return new FaultyLoop(informers, {process: false, handlerOn: null})
      },
    }
    const plane = new ControlPlane(api, clock, () => random.next(), undefined, {onFailure: (line) => reports.push(line), extraLoops: [definition]})
    try {
      // The loop's number is its place after the built-in loops, which grow as components do.
      expect(reports).toHaveLength(1)
      expect(reports[0]).toMatch(/^kube-test-manager: kube-test-manager loop \d+ failed: invariant: no informer for widgets; restarting it$/)
      expect(await plane.settle()).toMatchObject({settled: true, failures: []})
      expect(builds).toBe(2)
      expect(plane.loops.map((loop) => loop.name)).toContain('faulty-controller')
    } finally {
      plane.stop()
      await store.close()
    }
  })
})
