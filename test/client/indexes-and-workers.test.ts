// The informer's indexes follow every change of the cache (relists too), and the loops' workers
// never run more than their bound at once nor hide an error.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {noController, objectsByControllerUid, podsByNodeName} from '../../src/core/client/pod-indexes.js'
import {resources} from '../../src/core/client/resources.js'
import type {Pod} from '../../src/core/api/kinds.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {forEachConcurrently} from '../../src/core/util/concurrency.js'
import {inProcessCluster} from '../support/in-process-cluster.js'

const names = (pods: Pod[]) => pods.map((pod) => pod.metadata.name).sort()
const pod = (name: string, extra: Record<string, unknown> = {}) =>
  ({kind: 'Pod', apiVersion: 'v1', metadata: {name, namespace: 'default', ...extra}, spec: {containers: [{name: 'main', image: 'nginx'}]}}) as unknown as KubeObject

describe('informer indexes', () => {
  it('track binds, owner changes and deletions, and an index added late covers what is cached', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const cluster = await inProcessCluster(clock, 1)
    const informer = new InformerFactory(cluster.admin).informer<Pod>(resources.pods)
    await cluster.admin.create(resources.pods, pod('a'))
    await cluster.admin.create(resources.pods, pod('b', {ownerReferences: [{apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'uid-rc', controller: true}]}))
    await informer.shared.sync()
    informer.addIndex(podsByNodeName)
    informer.addIndex(objectsByControllerUid)
    informer.addIndex(podsByNodeName)
    expect(names(informer.byIndex(objectsByControllerUid.name, noController))).toEqual(['a'])
    expect(names(informer.byIndex(objectsByControllerUid.name, 'uid-rc'))).toEqual(['b'])
    expect(informer.byIndex(podsByNodeName.name, 'worker-1')).toEqual([])

    const binding = (name: string, node: string) =>
      cluster.admin.create(resources.pods, {kind: 'Binding', apiVersion: 'v1', metadata: {name, namespace: 'default'}, target: {kind: 'Node', apiVersion: 'v1', name: node}} as unknown as KubeObject, 'binding')
    await binding('a', 'worker-1')
    await binding('b', 'worker-1')
    await cluster.admin.patch(resources.pods, 'default', 'a', {metadata: {ownerReferences: [{apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'uid-rc', controller: true}]}})
    await informer.shared.sync()
    expect(names(informer.byIndex(podsByNodeName.name, 'worker-1'))).toEqual(['a', 'b'])
    expect(names(informer.byIndex(objectsByControllerUid.name, 'uid-rc'))).toEqual(['a', 'b'])
    expect(informer.byIndex(objectsByControllerUid.name, noController)).toEqual([])
    // The index hands out the newest object, not the one first indexed.
    expect(informer.byIndex(podsByNodeName.name, 'worker-1').every((cached) => cached === informer.get(`default/${cached.metadata.name}`))).toBe(true)

    await cluster.admin.delete(resources.pods, 'default', 'a', {gracePeriodSeconds: 0})
    await informer.shared.sync()
    expect(names(informer.byIndex(podsByNodeName.name, 'worker-1'))).toEqual(['b'])
    expect(names(informer.byIndex(objectsByControllerUid.name, 'uid-rc'))).toEqual(['b'])
    expect(() => informer.byIndex('no-such-index', 'x')).toThrow('has no index no-such-index')
    informer.shared.stop()
    await cluster.close()
  })
})

describe('forEachConcurrently', () => {
  it('runs every item, never more than the bound at once', async () => {
    let inFlight = 0
    let inFlightMost = 0
    const done: number[] = []
    await forEachConcurrently(Array.from({length: 20}, (_, index) => index), 3, async (item) => {
      inFlight++
      inFlightMost = Math.max(inFlightMost, inFlight)
      await Promise.resolve()
      await Promise.resolve()
      inFlight--
      done.push(item)
    })
    expect(done.sort((left, right) => left - right)).toEqual(Array.from({length: 20}, (_, index) => index))
    expect(inFlightMost).toBe(3)
  })

  it('starts nothing after a failure and throws the first error once the started work settled', async () => {
    const started: number[] = []
    let settled = 0
    const running = forEachConcurrently([1, 2, 3, 4, 5, 6], 2, async (item) => {
      started.push(item)
      await Promise.resolve()
      settled++
      if (item === 2) throw new Error('item 2 failed')
    })
    await expect(running).rejects.toThrow('item 2 failed')
    expect(started).toEqual([1, 2, 3])
    expect(settled).toBe(started.length)
    await expect(forEachConcurrently([1], 0, async () => {})).rejects.toThrow('workersMax must be a positive integer')
  })
})
