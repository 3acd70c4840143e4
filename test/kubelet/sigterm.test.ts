// A deleted pod ends as its containers take SIGTERM: servers that handle it (nginx, a script that
// traps TERM) go at once, a shell or sleep as PID 1 ignores it and the pod waits out its grace
// period (the pod's own, or the one the delete gives). Driven on an injected cluster clock.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {isNotFound} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {termReaction} from '../../src/core/kubelet/termination.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {type InProcessCluster, inProcessCluster} from '../support/in-process-cluster.js'

function pod(name: string, container: Record<string, unknown>, gracePeriodSeconds?: number): KubeObject {
  return {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'default'}, spec: {...(gracePeriodSeconds === undefined ? {} : {terminationGracePeriodSeconds: gracePeriodSeconds}), containers: [{name: 'main', ...container}]}} as KubeObject
}

describe('containers and SIGTERM at deletion', () => {
  let clock: ManualClock
  let cluster: InProcessCluster
  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2026-06-01T00:00:00Z'))
    cluster = await inProcessCluster(clock, 7)
  })
  afterEach(() => cluster.close())

  const exists = async (name: string) => {
    try {
      await cluster.admin.get(resources.pods, 'default', name)
      return true
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
  }
  const start = async (...pods: KubeObject[]) => {
    for (const entry of pods) await cluster.admin.create(resources.pods, entry)
    await cluster.settle()
    for (const entry of pods) expect((await cluster.admin.get(resources.pods, 'default', String(entry.metadata.name))).status).toMatchObject({phase: 'Running'})
  }
  /** Moves the cluster clock to `at` (never back). */
  const advanceTo = (at: number) => clock.advance(Math.max(0, at - clock.nowMilliseconds()))
  /** Runs the control plane as `up` does: only what is due at the cluster clock's now. */
  const settleAsUp = () => cluster.settle(undefined, false)

  it('ends an nginx pod at once, and a sleep 3600 pod only when its grace period is over', async () => {
    await start(pod('web', {image: 'nginx'}), pod('sleeper', {image: 'busybox', command: ['sh', '-c', 'sleep 3600']}), pod('trapper', {image: 'busybox', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"]}))
    clock.advance(500)
    for (const name of ['web', 'sleeper', 'trapper']) await cluster.admin.delete(resources.pods, 'default', name)
    await settleAsUp()
    expect(await exists('web')).toBe(false)
    expect(await exists('sleeper')).toBe(true)
    // The trap runs when the foreground sleep 1 ends: within the second.
    clock.advance(1_000)
    await settleAsUp()
    expect(await exists('trapper')).toBe(false)
    clock.advance(28_000)
    await settleAsUp()
    expect(await exists('sleeper')).toBe(true)
    clock.advance(1_000)
    await settleAsUp()
    expect(await exists('sleeper')).toBe(false)
  })

  it('ends a pod whose shell ignores TERM when its script ends within the grace period', async () => {
    await start(pod('short-script', {image: 'busybox', command: ['sh', '-c', 'sleep 10']}))
    const startedAt = Date.parse(String(((await cluster.admin.get(resources.pods, 'default', 'short-script')).status as Record<string, any>).containerStatuses[0].state.running.startedAt))
    advanceTo(startedAt + 500)
    await cluster.admin.delete(resources.pods, 'default', 'short-script')
    await settleAsUp()
    advanceTo(startedAt + 9_900)
    await settleAsUp()
    expect(await exists('short-script')).toBe(true)
    advanceTo(startedAt + 10_000)
    await settleAsUp()
    expect(await exists('short-script')).toBe(false)
  })

  it('stops a sidecar that ignores TERM when its own script ends within the grace period, with its own status', async () => {
    const withSidecar = {
      apiVersion: 'v1', kind: 'Pod', metadata: {name: 'job-like', namespace: 'default'},
      spec: {
        restartPolicy: 'Never',
        initContainers: [{name: 'flusher', image: 'busybox', restartPolicy: 'Always', command: ['sh', '-c', 'sleep 20; exit 3']}],
        containers: [{name: 'main', image: 'busybox', command: ['sh', '-c', 'sleep 5']}],
      },
    } as KubeObject
    await start(withSidecar)
    const read = async () => (await cluster.admin.get(resources.pods, 'default', 'job-like')).status as Record<string, any>
    const startedAt = Date.parse(String((await read()).initContainerStatuses[0].state.running.startedAt))
    advanceTo(startedAt + 19_900)
    await settleAsUp()
    expect((await read()).phase).toBe('Running')
    advanceTo(startedAt + 20_000)
    await settleAsUp()
    const ended = await read()
    expect(ended.phase).toBe('Succeeded')
    // Its exit, not the grace period's SIGKILL (137 at 35 s).
    expect(ended.initContainerStatuses[0].state.terminated).toMatchObject({exitCode: 3, reason: 'Error', finishedAt: new Date(startedAt + 20_000).toISOString().replace('.000Z', 'Z')})
  })

  it("honours the delete's --grace-period and the pod's terminationGracePeriodSeconds", async () => {
    await start(pod('short', {image: 'busybox', args: ['sleep', '3600']}, 5), pod('given', {image: 'busybox', command: ['sleep', '3600']}))
    await cluster.admin.delete(resources.pods, 'default', 'short')
    await cluster.admin.delete(resources.pods, 'default', 'given', {gracePeriodSeconds: 12})
    await settleAsUp()
    clock.advance(4_900)
    await settleAsUp()
    expect(await exists('short')).toBe(true)
    clock.advance(100)
    await settleAsUp()
    expect(await exists('short')).toBe(false)
    clock.advance(6_900)
    await settleAsUp()
    expect(await exists('given')).toBe(true)
    clock.advance(100)
    await settleAsUp()
    expect(await exists('given')).toBe(false)
  })

  it('keeps its rules in one table: shells and sleep as PID 1 ignore TERM, servers and traps end on it', () => {
    expect(termReaction({name: 'a', image: 'nginx:1.27'}).kind).toBe('exits')
    expect(termReaction({name: 'a', image: 'docker.io/library/httpd'}).kind).toBe('exits')
    expect(termReaction({name: 'a', image: 'redis:7'}).kind).toBe('exits')
    expect(termReaction({name: 'a', image: 'registry.k8s.io/pause:3.10'}).kind).toBe('exits')
    expect(termReaction({name: 'a', image: 'registry.k8s.io/e2e-test-images/agnhost:2.53', args: ['netexec']}).kind).toBe('exits')
    expect(termReaction({name: 'a', image: 'nginx', args: ['sleep', '3600']}).kind).toBe('ignores')
    expect(termReaction({name: 'a', image: 'busybox'}).kind).toBe('ignores')
    expect(termReaction({name: 'a', image: 'busybox', command: ['sh', '-c', 'sleep 3600']})).toMatchObject({kind: 'ignores', why: expect.stringContaining('PID 1')})
    expect(termReaction({name: 'a', image: 'busybox', command: ['sh', '-c', "trap '' TERM; sleep 3600"]}).kind).toBe('ignores')
    expect(termReaction({name: 'a', image: 'busybox', command: ['sh', '-c', 'trap "exit 0" SIGTERM INT; sleep 3600 & wait']}).kind).toBe('trap')
    expect(termReaction({name: 'a', image: 'busybox', command: ['sh', '-c', "trap 'echo bye' TERM; while true; do sleep 1; done"]})).toMatchObject({kind: 'ignores', why: expect.stringContaining('does not end it')})
    expect(termReaction({name: 'a', image: 'example.com/my-app:1'})).toMatchObject({kind: 'ignores', why: expect.stringContaining('cannot tell')})
  })
})
