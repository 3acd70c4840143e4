// Events of processes that start anew (each one-shot command builds its recorders again): an
// identical event a component wrote before is counted on, as client-go's correlator would have
// counted it had the process kept running; another message, another component or another node's
// kubelet writes an event of its own. A kubelet, which may not list events, reads them through
// the history client.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {EarlierEventsReader, EventRecorder} from '../../src/core/client/events.js'
import {resources} from '../../src/core/client/resources.js'
import {componentUsers} from '../../src/core/controlplane/control-plane.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

interface StoredEvent {
  metadata: {name: string}
  reason: string
  message: string
  count: number
  source: {component: string; host?: string}
  firstTimestamp: string
  lastTimestamp: string
}

describe('EventRecorder across processes', () => {
  let store: LazyEmbeddedStore
  let api: ApiServer
  let admin: ApiClient
  let clock: ManualClock
  let pod: KubeObject

  beforeEach(async () => {
    clock = new ManualClock(Date.UTC(2026, 11, 4, 12, 0, 0))
    store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    admin = new ApiClient(api, apiServerUser)
    pod = await admin.create(resources.pods, {kind: 'Pod', apiVersion: 'v1', metadata: {name: 'web', namespace: 'default'}, spec: {containers: [{name: 'web', image: 'nginx'}]}} as unknown as KubeObject)
  })
  afterEach(async () => {
    await store.close()
  })

  const events = async () => ((await admin.list(resources.events, 'default')).items as unknown as StoredEvent[]).sort((left, right) => (left.metadata.name < right.metadata.name ? -1 : 1))

  it('counts on an identical event of an earlier process of the same component', async () => {
    const controller = new ApiClient(api, componentUsers.controllerManager)
    await new EventRecorder(controller, {component: 'job-controller'}, clock).record(pod, 'Warning', 'Failed', 'it failed')
    clock.advance(5_000)
    await new EventRecorder(controller, {component: 'job-controller'}, clock).record(pod, 'Warning', 'Failed', 'it failed')
    clock.advance(5_000)
    const third = new EventRecorder(controller, {component: 'job-controller'}, clock)
    await third.record(pod, 'Warning', 'Failed', 'it failed')
    await third.record(pod, 'Warning', 'Failed', 'another message')
    await new EventRecorder(controller, {component: 'other-controller'}, clock).record(pod, 'Warning', 'Failed', 'it failed')
    const written = await events()
    expect(written.map((event) => [event.source.component, event.message, event.count])).toEqual(
      expect.arrayContaining([
        ['job-controller', 'it failed', 3],
        ['job-controller', 'another message', 1],
        ['other-controller', 'it failed', 1],
      ]),
    )
    expect(written).toHaveLength(3)
    const counted = written.find((event) => event.count === 3)!
    expect([counted.firstTimestamp, counted.lastTimestamp]).toEqual(['2026-12-04T12:00:00Z', '2026-12-04T12:00:10Z'])
  })

  it('reads a kubelet’s earlier events through the history client, per node', async () => {
    const controller = new ApiClient(api, componentUsers.controllerManager)
    const kubelet = (node: string) => new EventRecorder(new ApiClient(api, componentUsers.kubelet(node)), {component: 'kubelet', host: node}, clock, undefined, controller)
    await kubelet('worker').record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web in pod web_default(x)')
    await kubelet('worker').record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web in pod web_default(x)')
    await kubelet('worker2').record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web in pod web_default(x)')
    expect((await events()).map((event) => [event.source.host, event.count])).toEqual(expect.arrayContaining([['worker', 2], ['worker2', 1]]))
    // Without a client that may list events, a kubelet writes a new event, as after a restart.
    const unread = new EventRecorder(new ApiClient(api, componentUsers.kubelet('worker')), {component: 'kubelet', host: 'worker'}, clock)
    await unread.record(pod, 'Warning', 'BackOff', 'Back-off restarting failed container web in pod web_default(x)')
    expect(unread.dropped).toBe(0)
    expect(await events()).toHaveLength(3)
  })

  it("reads the kubelets' earlier events once per namespace for every node sharing a reader, each node counting on its own", async () => {
    const controller = new ApiClient(api, componentUsers.controllerManager)
    const message = 'Back-off restarting failed container web in pod web_default(x)'
    // An earlier process: worker wrote the event twice, worker2 once.
    const first = new EarlierEventsReader(controller)
    const kubeletOf = (reader: EarlierEventsReader) => (node: string) => new EventRecorder(new ApiClient(api, componentUsers.kubelet(node)), {component: 'kubelet', host: node}, clock, undefined, reader)
    const before = kubeletOf(first)
    const worker = before('worker')
    await worker.record(pod, 'Warning', 'BackOff', message)
    await worker.record(pod, 'Warning', 'BackOff', message)
    await before('worker2').record(pod, 'Warning', 'BackOff', message)
    // The next process: its kubelets share one reader, which lists once.
    let lists = 0
    const counting = new Proxy(controller, {get: (target, property, receiver) => (property === 'list' ? (...args: Parameters<ApiClient['list']>) => (lists++, target.list(...args)) : Reflect.get(target, property, receiver))})
    const next = kubeletOf(new EarlierEventsReader(counting))
    await next('worker').record(pod, 'Warning', 'BackOff', message)
    await next('worker2').record(pod, 'Warning', 'BackOff', message)
    await next('worker3').record(pod, 'Warning', 'BackOff', message)
    expect(lists).toBe(1)
    expect((await events()).map((event) => [event.source.host, event.count]).sort()).toEqual([['worker', 3], ['worker2', 2], ['worker3', 1]])
  })
})
