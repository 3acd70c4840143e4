// A deleted pod with real delays (as under `kubemu up`): the kubelet stops its containers at once
// (Killing events, as the kubelet writes them when it sees the deletion), and the pod is gone
// when its grace period ends.
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

describe('pod termination with real delays', () => {
  it('records Killing when the deletion is seen, and removes the pod after the grace period', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    const random = new SeededRandom(Number(process.env.SEED ?? 20261124))
    const plane = new ControlPlane(api, clock, () => random.next())
    try {
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const admin = new ApiClient(api, apiServerUser)
      await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'web', namespace: 'default'}, spec: {terminationGracePeriodSeconds: 20, containers: [{name: 'nginx', image: 'nginx:1.27'}]}} as KubeObject)
      await plane.settle()
      expect((await admin.get<KubeObject & {status: {phase: string}}>(resources.pods, 'default', 'web')).status.phase).toBe('Running')
      await admin.delete(resources.pods, 'default', 'web')
      const killing = async () => (await admin.list<KubeObject & {reason: string; message: string}>(resources.events, 'default')).items.filter((event) => event.reason === 'Killing').map((event) => event.message)
      // The plane's informers learn of the admin's delete through their watch: a few turns of the event loop, no time.
      for (let turn = 0; turn < 100 && (await killing()).length === 0; turn++) {
        await nextMacrotask()
        await plane.settle(false)
      }
      expect(await killing()).toEqual(['Stopping container nginx'])
      expect((await admin.get(resources.pods, 'default', 'web')).metadata.deletionTimestamp).toBe('2026-11-24T12:00:20Z')
      clock.advance(19_000)
      await plane.settle(false)
      expect((await admin.get(resources.pods, 'default', 'web')).metadata.name).toBe('web')
      clock.advance(1_000)
      await plane.settle(false)
      await expect(admin.get(resources.pods, 'default', 'web')).rejects.toSatisfy(isNotFound)
      expect(await killing()).toEqual(['Stopping container nginx'])
    } finally {
      plane.stop()
      await store.close()
    }
  })

  it('restarts a crashing container after the back-off its restart count gives, from the pod status alone', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    const random = new SeededRandom(Number(process.env.SEED ?? 20261124))
    try {
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const admin = new ApiClient(api, apiServerUser)
      await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'crash', namespace: 'default', annotations: {'kubemu.io/run-seconds': '0', 'kubemu.io/exit-code': '1'}}, spec: {containers: [{name: 'main', image: 'busybox'}]}} as KubeObject)
      // A fresh control plane per step, as one-shot commands run it: the back-off survives in the status.
      const settle = async () => {
        const plane = new ControlPlane(api, clock, () => random.next())
        try {
          await plane.settle()
        } finally {
          plane.stop()
        }
      }
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
})

