// The control plane's informers keep objects without metadata.managedFields, as
// kube-controller-manager's and kube-scheduler's informers drop them: the API server's objects keep
// theirs, a write made from a cached object leaves the stored ones as the field manager says, and
// the object a watch delivered (shared with the API server's other watchers) is not changed.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {resources} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster} from '../support/in-process-cluster.js'

describe('informer caches', () => {
  it('hold objects without managedFields, and a write from a cached object keeps the stored ones', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 5, 8, 0, 0))
    const cluster = await inProcessCluster(clock, 1)
    await cluster.admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'listed', namespace: 'default'}, data: {a: '1'}})
    const informer = new InformerFactory(cluster.admin).informer(resources.configMaps)
    await informer.shared.sync()
    const listed = informer.get('default/listed')!
    expect(listed.data).toEqual({a: '1'})
    expect(listed.metadata.managedFields).toBeUndefined()
    // A change comes by the watch: the event's object is the API server's, the cache's a copy without them.
    const seen: KubeObject[] = []
    informer.shared.onEvent((event) => seen.push(event.object))
    const written = await cluster.admin.create<KubeObject>(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'watched', namespace: 'default'}, data: {b: '2'}})
    expect(written.metadata.managedFields).toHaveLength(1)
    for (let round = 0; round < 100 && !informer.get('default/watched'); round++) await informer.shared.sync()
    expect(informer.get('default/watched')!.metadata.managedFields).toBeUndefined()
    expect(seen.map((object) => object.metadata.name)).toContain('watched')
    expect(seen.every((object) => object.metadata.managedFields === undefined)).toBe(true)
    // An update built from the cached object, by another manager: the stored entries stay and its own is added.
    const cached = informer.get('default/listed')!
    await cluster.admin.update(resources.configMaps, {...cached, kind: 'ConfigMap', apiVersion: 'v1', data: {a: '1', c: '3'}})
    const stored = await cluster.admin.get<KubeObject>(resources.configMaps, 'default', 'listed')
    expect(stored.metadata.managedFields?.length).toBeGreaterThanOrEqual(1)
    expect(JSON.stringify(stored.metadata.managedFields)).toContain('f:a')
    expect(JSON.stringify(stored.metadata.managedFields)).toContain('f:c')
  })
})
