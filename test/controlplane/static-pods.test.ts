// The masters' kubelets on an injected clock: a stopped component's container restarts on the
// kubelet's back-off (10 s, doubling, at most 5 minutes) and fails again, counted even across a
// long pause between commands; started again, it runs and is Ready.
import {describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import type {StaticPodState} from '../../src/core/kubelet/static-pods.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {temporaryFolder} from '../support/temp.js'

describe('static pods of the masters', () => {
  it('a stopped component crash-loops on the back-off, and runs again when started', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 9, 0, 0))
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    try {
      const api = new ApiServer({store, clock})
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const random = new SeededRandom(20261203)
      const states = new Map<string, StaticPodState>()
      const plane = () => new ControlPlane(api, clock, () => random.next(), undefined, {staticPodHealth: (node, component) => states.get(`${node}/${component}`) ?? 'running'})
      const settle = async () => {
        const control = plane()
        try {
          expect((await control.settle()).settled).toBe(true)
        } finally {
          control.stop()
        }
      }
      const admin = new ApiClient(api, apiServerUser)
      const scheduler = async () => {
        const pod = await admin.get<Pod>(resources.pods, 'kube-system', 'kube-scheduler-control-plane')
        const [status] = (pod.status as {containerStatuses: Array<Record<string, any>>}).containerStatuses
        return `${status!.ready} ${status!.restartCount} ${Object.keys(status!.state)[0]} ${status!.state.waiting?.message?.split(' ')[1] ?? ''}`
      }
      await settle()
      expect(await scheduler()).toBe('true 0 running ')

      states.set('control-plane/kube-scheduler', 'stopped')
      await settle()
      expect(await scheduler()).toBe('false 1 waiting 10s')
      clock.advance(9_000)
      await settle()
      expect(await scheduler()).toBe('false 1 waiting 10s')
      clock.advance(1_000)
      await settle()
      expect(await scheduler()).toBe('false 2 waiting 20s')
      // The control plane knows when the next restart is due.
      const control = plane()
      await control.settle()
      expect(control.loops.map((loop) => loop.nextDue()).filter((due) => due !== null)).toContain(clock.nowMilliseconds() + 20_000)
      control.stop()
      // An hour without a command: 20 s + 40 s + 80 s + 160 s, then every 5 minutes.
      clock.advance(3_600_000)
      await settle()
      expect(await scheduler()).toBe(`false ${2 + 4 + Math.floor((3_600_000 - 300_000) / 300_000)} waiting 5m0s`)

      states.delete('control-plane/kube-scheduler')
      await settle()
      expect(await scheduler()).toBe('true 17 running ')
      const pod = await admin.get<Pod>(resources.pods, 'kube-system', 'kube-scheduler-control-plane')
      expect(pod.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('True')
    } finally {
      await store.close()
    }
  })
})
