// The kubelet's side of a pod's life: a deleted pod with real delays (as under `kubemu up`) has its
// containers stopped at once (Killing) and is gone when its grace period ends; a crashing
// container restarts after its back-off; ephemeral containers (kubectl debug) start.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient, isNotFound} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {nextMacrotask} from '../../src/core/util/macrotask.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {temporaryFolder} from '../support/temp.js'

/** A bootstrapped cluster on an injected clock; settle() runs a fresh control plane, as a one-shot command does. */
async function startCluster() {
  const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
  const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
  const api = new ApiServer({store, clock})
  const random = new SeededRandom(Number(process.env.SEED ?? 20261124))
  await ensureBootstrapped(api, clock.nowMilliseconds())
  const settle = async () => {
    const plane = new ControlPlane(api, clock, () => random.next())
    try {
      await plane.settle()
    } finally {
      plane.stop()
    }
  }
  return {clock, store, api, random, admin: new ApiClient(api, apiServerUser), settle}
}

describe('pod lifecycle in the kubelet', () => {
  it('records Killing when the deletion is seen, and removes a pod that ignores SIGTERM after the grace period', async () => {
    const {clock, store, api, random, admin} = await startCluster()
    // One long-lived control plane, as `kubemu up` runs it.
    const plane = new ControlPlane(api, clock, () => random.next())
    try {
      await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web', namespace: 'default'}, spec: {terminationGracePeriodSeconds: 20, containers: [{name: 'sleeper', image: 'busybox', command: ['sleep', '3600']}]}} as KubeObject)
      await plane.settle()
      expect((await admin.get<KubeObject & {status: {phase: string}}>(resources.pods, 'default', 'web')).status.phase).toBe('Running')
      await admin.delete(resources.pods, 'default', 'web')
      const killing = async () => (await admin.list<KubeObject & {reason: string; message: string}>(resources.events, 'default')).items.filter((event) => event.reason === 'Killing').map((event) => event.message)
      // The plane's informers learn of the admin's delete through their watch: a few turns of the event loop, no time.
      for (let turn = 0; turn < 100 && (await killing()).length === 0; turn++) {
        await nextMacrotask()
        await plane.settle(false)
      }
      expect(await killing()).toEqual(['Stopping container sleeper'])
      expect((await admin.get(resources.pods, 'default', 'web')).metadata.deletionTimestamp).toBe('2026-11-24T12:00:20Z')
      clock.advance(19_000)
      await plane.settle(false)
      expect((await admin.get(resources.pods, 'default', 'web')).metadata.name).toBe('web')
      clock.advance(1_000)
      await plane.settle(false)
      await expect(admin.get(resources.pods, 'default', 'web')).rejects.toSatisfy(isNotFound)
      expect(await killing()).toEqual(['Stopping container sleeper'])
    } finally {
      plane.stop()
      await store.close()
    }
  })

  it('restarts a crashing container after the back-off its restart count gives, from the pod status alone', async () => {
    const {clock, store, admin, settle} = await startCluster()
    try {
      await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'crash', namespace: 'default', annotations: {'kubemu.io/run-seconds': '0', 'kubemu.io/exit-code': '1'}}, spec: {containers: [{name: 'main', image: 'busybox'}]}} as KubeObject)
      // A fresh control plane per step: the back-off survives in the status.
      const restarts = async () => ((await admin.get<KubeObject & {status: {containerStatuses: Array<{restartCount: number; state: Record<string, unknown>}>}}>(resources.pods, 'default', 'crash')).status.containerStatuses[0]!)
      await settle()
      expect(await restarts()).toMatchObject({restartCount: 1, state: {waiting: {reason: 'CrashLoopBackOff'}}})
      clock.advance(9_000)
      await settle()
      expect((await restarts()).restartCount).toBe(1)
      clock.advance(1_000) // 10 s after the first exit: it runs, and exits again
      await settle()
      expect(await restarts()).toMatchObject({restartCount: 2, state: {waiting: {reason: 'CrashLoopBackOff'}}})
      clock.advance(19_000)
      await settle()
      expect((await restarts()).restartCount).toBe(2)
      clock.advance(1_000) // 20 s after the second
      await settle()
      expect((await restarts()).restartCount).toBe(3)
    } finally {
      await store.close()
    }
  })

  it('starts the ephemeral containers added to a running pod', async () => {
    const {store, admin, settle} = await startCluster()
    try {
      await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'app', namespace: 'default'}, spec: {containers: [{name: 'app', image: 'nginx'}]}} as KubeObject)
      await settle()
      await admin.patch(resources.pods, 'default', 'app', {spec: {ephemeralContainers: [{name: 'debugger', image: 'busybox', targetContainerName: 'app'}]}}, {subresource: 'ephemeralcontainers', type: 'strategic'})
      await settle()
      const pod = await admin.get<KubeObject & {status: {ephemeralContainerStatuses: Array<Record<string, unknown>>}}>(resources.pods, 'default', 'app')
      expect(pod.status.ephemeralContainerStatuses).toEqual([{name: 'debugger', state: {running: {startedAt: '2026-11-24T12:00:00Z'}}, lastState: {}, ready: false, restartCount: 0, image: 'docker.io/library/busybox:latest', imageID: expect.stringMatching(/^docker.io\/library\/busybox@sha256:/), containerID: expect.stringMatching(/^containerd:\/\//)}])
    } finally {
      await store.close()
    }
  })

  it('keeps the nodes alive while the kubelets work through more pods than fit in the grace period', async () => {
    const {clock, store, api, random, admin} = await startCluster()
    // Each pod status a kubelet writes takes a second of wall time; nothing else does.
    let slow = false
    const slowKubelets = {
      handle: (request: Parameters<ApiServer['handle']>[0]) => {
        if (slow && request.user?.groups.includes('system:nodes') && /\/pods\/[^/]+\/status$/.test(request.path)) clock.advance(1_000)
        return api.handle(request)
      },
    }
    const plane = new ControlPlane(slowKubelets, clock, () => random.next())
    try {
      await plane.settle()
      // Spread over the workers: a node's kubelet admits at most 110 pods.
      for (let index = 0; index < 200; index++) {
        await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: `p-${index}`, namespace: 'default'}, spec: {nodeName: `worker-${(index % 3) + 1}`, containers: [{name: 'main', image: 'nginx'}]}} as KubeObject)
      }
      const started = clock.nowMilliseconds()
      slow = true
      expect((await plane.settle()).settled).toBe(true)
      slow = false
      // Minutes of kubelet work in one round, yet every Lease was renewed in time: no node went NotReady.
      expect(clock.nowMilliseconds() - started).toBeGreaterThanOrEqual(400_000)
      const reasons = (await admin.list<KubeObject & {reason: string}>(resources.events, '')).items.map((event) => event.reason)
      expect(reasons.filter((reason) => reason === 'NodeNotReady' || reason === 'TaintManagerEviction')).toEqual([])
      const running = (await admin.list<KubeObject & {status?: {phase?: string}}>(resources.pods, 'default')).items.filter((pod) => pod.status?.phase === 'Running')
      expect(running).toHaveLength(200)
    } finally {
      plane.stop()
      await store.close()
    }
  }, 60_000)
})

