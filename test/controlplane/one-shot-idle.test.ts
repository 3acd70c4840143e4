// One-shot commands skip the replay of the control plane while its loops have nothing due: the
// last settle notes when their next work is due and the store's revision, and a command before
// then, with the store unchanged, finds the cluster as that settle left it. A write that no settle
// followed, or work coming due, makes the next command replay.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {clusterFolder} from '../../src/core/home.js'
import type {KubernetesHandler} from '../../src/core/host/cluster-host.js'
import {idleSkipMillisecondsMax, OneShotHost} from '../../src/core/host/one-shot-host.js'
import {readHostState} from '../../src/core/host/state.js'
import {type Clock, ManualClock, systemClock} from '../../src/core/util/clock.js'

type Pod = KubeObject & {spec: {nodeName?: string}; status?: {phase?: string; containerStatuses?: Array<{state?: {running?: {startedAt: string}}}>}}

let home: string
let host: OneShotHost
/** Wall time that moves only when the test says; sleeping waits really (a jump on every sleep would run the loops' waits ahead). */
const wallTime = new ManualClock(Date.parse('2026-12-06T10:00:00Z'))
const wall: Clock & {advance(milliseconds: number): void} = {nowMilliseconds: () => wallTime.nowMilliseconds(), sleep: systemClock.sleep, advance: (milliseconds) => wallTime.advance(milliseconds)}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'kubemu-one-shot-idle-'))
})

afterEach(async () => {
  await host?.close()
  rmSync(home, {recursive: true, force: true})
})

async function request<T>(api: KubernetesHandler, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await api.handle({method, path, user: apiServerUser, headers: {'content-type': 'application/json'}, ...(body ? {body: JSON.stringify(body)} : {})})
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300)
  return response.body as T
}

const schedulerLeaseRenewTime = async (api: KubernetesHandler) => (await request<{spec: {renewTime: string}}>(api, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler')).spec.renewTime
const pod = (api: KubernetesHandler) => request<Pod>(api, 'GET', '/api/v1/namespaces/default/pods/sleeper')

/** A command: the host of a process that starts now, catching the cluster up before it reads. */
async function command(): Promise<KubernetesHandler> {
  await host?.close()
  host = new OneShotHost(clusterFolder({KUBEMU_HOME: home}), {environment: {KUBEMU_HOME: home}, wallClock: wall})
  const api = await host.kubernetes()
  await host.catchUp()
  return api
}

describe('one-shot commands while the loops are idle', () => {
  it('skip the replay until work is due, and replay after a write no settle followed', async () => {
    let api = await command()
    const settledRenewTime = await schedulerLeaseRenewTime(api)
    const idle = readHostState(clusterFolder({KUBEMU_HOME: home})).idle
    expect(idle).toBeDefined()

    // Nothing due and nothing written: the cluster is as the last settle left it (a replay would
    // have renewed the leader's Lease, which every settle does).
    wall.advance(3_000)
    api = await command()
    expect(await schedulerLeaseRenewTime(api)).toBe(settledRenewTime)

    // A write with no settle after it (as `kubemu etcdctl put` or KUBEMU_WAIT=false leave): the
    // next command replays, and the scheduler places the pod.
    await request(api, 'POST', '/api/v1/namespaces/default/pods', {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'sleeper'}, spec: {restartPolicy: 'Never', containers: [{name: 'main', image: 'busybox', command: ['sleep', '5']}]}})
    wall.advance(1_500)
    api = await command()
    // Placed by the scheduler on a worker (the masters' taint keeps it off them).
    expect((await pod(api)).spec.nodeName).toMatch(/^worker-\d+$/)
    expect(await schedulerLeaseRenewTime(api)).not.toBe(settledRenewTime)

    // Wait for the container to start, one command every half second (bounded).
    let startedAt: number | null = null
    for (let command_ = 0; command_ < 60 && startedAt === null; command_++) {
      const started = (await pod(api)).status?.containerStatuses?.[0]?.state?.running?.startedAt
      if (started) startedAt = Date.parse(started)
      else {
        wall.advance(500)
        api = await command()
      }
    }
    expect(startedAt).not.toBeNull()

    // The container's exit is due 5 s after it started, well within the longest skip: the
    // command after it replays up to it.
    const lastSettle = readHostState(clusterFolder({KUBEMU_HOME: home})).settledAtMilliseconds!
    const exitShownAt = startedAt! + 6_200
    expect(exitShownAt).toBeLessThan(lastSettle + idleSkipMillisecondsMax)
    wall.advance(exitShownAt - host.clock.nowMilliseconds())
    api = await command()
    expect((await pod(api)).status?.phase).toBe('Succeeded')
  }, 120_000)

  it('replay after a master stops, which the loops see in files rather than in the store', async () => {
    let api = await command()
    const apiServerPod = () => request<Pod & {status?: {containerStatuses?: Array<{ready?: boolean}>}}>(api, 'GET', '/api/v1/namespaces/kube-system/pods/kube-apiserver-control-plane2')
    expect((await apiServerPod()).status?.containerStatuses?.[0]?.ready).toBe(true)
    await host.fault('masters', 'control-plane2', 'stop', false)
    wall.advance(1_500)
    api = await command()
    expect((await apiServerPod()).status?.containerStatuses?.[0]?.ready).toBe(false)
  }, 120_000)
})
