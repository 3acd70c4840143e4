// Informers keep objects frozen, their equal parts shared between objects (one instance of a
// template's containers for all the pods made from it). The invariant that makes sharing safe: no
// consumer can change a cached object, so none can change another object through a shared part.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {CachedObjectPool, SharedStrings, sharedPartsMax, sharedStringLengthMax, sharedStringsMax} from '../../src/core/client/cached-objects.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {resources} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster} from '../support/in-process-cluster.js'

interface TestPod extends KubeObject {
  spec: {nodeName: string; containers: Array<{name: string; image: string; resources: {requests: Record<string, string>}}>; tolerations: Array<Record<string, unknown>>}
}

const podOf = (name: string, node: string): TestPod => JSON.parse(JSON.stringify({
  kind: 'Pod', apiVersion: 'v1', metadata: {name, namespace: 'default', uid: `uid-${name}`, labels: {app: 'web'}},
  spec: {nodeName: node, containers: [{name: 'main', image: 'nginx:1.27', resources: {requests: {cpu: '10m'}}}],
    tolerations: [{key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300}]},
})) as TestPod

describe('cached objects', () => {
  it('equal the objects given, share their equal parts, and cannot be changed', () => {
    const pool = new CachedObjectPool(new SharedStrings())
    const first = pool.share(podOf('web-1', 'node-1'))
    const second = pool.share(podOf('web-2', 'node-2'))
    expect(first).toEqual(podOf('web-1', 'node-1'))
    expect(second).toEqual(podOf('web-2', 'node-2'))
    expect(JSON.stringify(second)).toBe(JSON.stringify(podOf('web-2', 'node-2')))
    expect(second.spec.containers).toBe(first.spec.containers)
    expect(second.spec.tolerations).toBe(first.spec.tolerations)
    expect(second.metadata.labels).toBe(first.metadata.labels)
    expect(second.spec).not.toBe(first.spec)
    // Every part is frozen: a change through one pod throws and leaves the other as it was.
    expect(() => { (second.spec.containers[0]!.resources.requests as Record<string, string>).cpu = '2' }).toThrow(TypeError)
    expect(() => { second.spec.tolerations.push({key: 'x'}) }).toThrow(TypeError)
    expect(() => { (second.metadata.labels as Record<string, string>).app = 'other' }).toThrow(TypeError)
    expect(() => { second.spec.nodeName = 'node-3' }).toThrow(TypeError)
    expect(first).toEqual(podOf('web-1', 'node-1'))
    // Parts that differ in order or type are not taken for one another.
    const reordered = pool.share({a: '1', b: 2})
    expect(pool.share({b: 2, a: '1'})).not.toBe(reordered)
    expect(Object.keys(pool.share({b: 2, a: '1'}))).toEqual(['b', 'a'])
    expect(pool.share({a: 1, b: 2})).not.toBe(reordered)
    expect(pool.share(['1', 2])).not.toBe(pool.share(['12']))
    expect(pool.share([['a'], []])).toEqual([['a'], []])
    expect(pool.share([['a'], []])).not.toBe(pool.share([[], ['a']]))
    // A "__proto__" field (JSON.parse makes it an own field) stays a field.
    const odd = pool.share(JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>)
    expect(Object.keys(odd)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype)
  })

  it('take over the unchanged parts of the object they replace, and only those', () => {
    const pool = new CachedObjectPool(new SharedStrings())
    const before = pool.share(podOf('web-1', 'node-1'))
    const changed = {...podOf('web-1', 'node-1'), status: {phase: 'Running'}}
    changed.metadata.resourceVersion = '12'
    const next = pool.shareNext(changed, before)
    expect(JSON.stringify(next)).toBe(JSON.stringify(changed))
    expect(next.spec).toBe(before.spec)
    expect(next.metadata).not.toBe(before.metadata)
    expect(next.metadata.labels).toBe(before.metadata.labels)
    expect(Object.isFrozen(next) && Object.isFrozen(next.status) && Object.isFrozen(next.metadata)).toBe(true)
    expect(() => { (next.status as Record<string, string>).phase = 'Failed' }).toThrow(TypeError)
    // A part equal in content but not in field order, or changed deep inside, is not taken over.
    const reordered = {...changed, spec: {containers: changed.spec.containers, nodeName: 'node-1', tolerations: changed.spec.tolerations}}
    const taken = pool.shareNext(reordered, next)
    expect(taken.spec).not.toBe(next.spec)
    expect(Object.keys(taken.spec)).toEqual(['containers', 'nodeName', 'tolerations'])
    const deeper = podOf('web-1', 'node-1')
    deeper.spec.containers[0]!.resources.requests.cpu = '20m'
    const moved = pool.shareNext(deeper, before)
    expect(moved.spec).not.toBe(before.spec)
    expect(moved.spec.containers[0]!.resources.requests.cpu).toBe('20m')
    expect(before.spec.containers[0]!.resources.requests.cpu).toBe('10m')
    // Within a changed part, what did not change is still the part before; what changed is made anew, frozen.
    expect(moved.spec.tolerations).toBe(before.spec.tolerations)
    expect(moved.spec.containers).not.toBe(before.spec.containers)
    expect(Object.isFrozen(moved.spec.containers) && Object.isFrozen(moved.spec.containers[0]!.resources.requests)).toBe(true)
    expect(JSON.stringify(moved)).toBe(JSON.stringify(deeper))
    // A list that grew keeps its unchanged items and shares the new one.
    const grown = podOf('web-1', 'node-1')
    grown.spec.tolerations.push({key: 'extra', operator: 'Exists'})
    const longer = pool.shareNext(grown, before)
    expect(longer.spec.tolerations[0]).toBe(before.spec.tolerations[0])
    expect(longer.spec.tolerations).toEqual(grown.spec.tolerations)
    expect(() => { longer.spec.tolerations.pop() }).toThrow(TypeError)
    // Without an object before, it is share().
    expect(pool.shareNext(podOf('web-2', 'node-2'), null)).toEqual(podOf('web-2', 'node-2'))
  })

  it('hold at most their bounds of strings and parts', () => {
    const pool = new CachedObjectPool(new SharedStrings())
    for (let index = 0; index < 3 * Math.max(sharedStringsMax, sharedPartsMax); index++) pool.share({uid: `uid-${index}`, spec: {containers: [{name: 'main'}]}})
    expect(pool.held.strings).toBeLessThanOrEqual(sharedStringsMax)
    expect(pool.held.parts).toBeLessThanOrEqual(sharedPartsMax)
    // A part met all along is still shared.
    const a = pool.share({uid: 'a', spec: {containers: [{name: 'main'}]}})
    const b = pool.share({uid: 'b', spec: {containers: [{name: 'main'}]}})
    expect(a.spec).toBe(b.spec)
  })

  it('keep no long value, nor the part holding it, and never pool a whole object', () => {
    const pool = new CachedObjectPool(new SharedStrings())
    const long = 'x'.repeat(sharedStringLengthMax + 1)
    const first = pool.share({metadata: {uid: 'a'}, data: {big: long}, labels: {app: 'web'}})
    const second = pool.share({metadata: {uid: 'b'}, data: {big: long}, labels: {app: 'web'}})
    // The part with the long value is each object's own; the small part beside it is shared.
    expect(second.data).not.toBe(first.data)
    expect(second.labels).toBe(first.labels)
    expect(Object.isFrozen(second.data)).toBe(true)
    // Whole objects are equal here but never the same instance: each one's own uid and version make them unlike.
    expect(pool.share({kind: 'X', spec: {a: 1}})).not.toBe(pool.share({kind: 'X', spec: {a: 1}}))
    // What the pool keeps: the labels, the two metadata parts and the spec; nothing with the long
    // value in it, and no whole object.
    expect(pool.held.parts).toBe(4)
  })

  it('are made alike whether their shape was met before or not: fields, order, values, frozen', () => {
    const pool = new CachedObjectPool(new SharedStrings())
    // Odd names a maker of the shape must write as they are; integer-like ones come first, as in any object.
    const shapeOf = (index: number) => ({'b"\\\n': index, '\u2028': `v${index}`, '10': null, '2': [index], 'a b': {deep: `d${index}`}, z: true})
    for (let index = 0; index < 5; index++) {
      const given = shapeOf(index)
      const cached = pool.share(given)
      expect(cached).toEqual(given)
      expect(Object.keys(cached)).toEqual(Object.keys(given))
      expect(JSON.stringify(cached)).toBe(JSON.stringify(given))
      expect(Object.isFrozen(cached)).toBe(true)
      expect(Object.getPrototypeOf(cached)).toBe(Object.prototype)
    }
    // A part met again is the pooled one, whichever way it was made.
    expect(pool.share({x: {p: 1, q: 'r'}}).x).toBe(pool.share({x: {p: 1, q: 'r'}}).x)
  })

  it('are what informers hand out: listed and watched objects are frozen and share parts', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 8, 0, 0))
    const cluster = await inProcessCluster(clock, 1)
    const data = {'nginx.conf': 'worker_processes 1;', 'mime.types': 'text/html html'}
    await cluster.admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'listed', namespace: 'default', labels: {app: 'web'}}, data})
    const informer = new InformerFactory(cluster.admin).informer(resources.configMaps)
    await informer.shared.sync()
    const listed = informer.get('default/listed')!
    const delivered: KubeObject[] = []
    informer.shared.onEvent((event) => delivered.push(event.object))
    await cluster.admin.create(resources.configMaps, {kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'watched', namespace: 'default', labels: {app: 'web'}}, data})
    for (let round = 0; round < 100 && !informer.get('default/watched'); round++) await informer.shared.sync()
    const watched = informer.get('default/watched')!
    expect(delivered).toContain(watched)
    expect(watched.data).toEqual(data)
    expect(watched.data).toBe(listed.data)
    expect(watched.metadata.labels).toBe(listed.metadata.labels)
    expect(() => { (watched.data as Record<string, string>)['nginx.conf'] = 'changed' }).toThrow(TypeError)
    expect(() => { watched.metadata.name = 'renamed' }).toThrow(TypeError)
    expect(listed.data).toEqual(data)
    // A copy is the way to write: it changes, the cache does not.
    const copy = structuredClone(watched) as KubeObject & {data: Record<string, string>}
    copy.data = {...copy.data, extra: 'x'}
    await cluster.admin.update(resources.configMaps, copy)
    for (let round = 0; round < 100 && (informer.get('default/watched')!.data as Record<string, string>).extra === undefined; round++) await informer.shared.sync()
    expect(informer.get('default/watched')!.data).toEqual({...data, extra: 'x'})
    expect(listed.data).toEqual(data)
  })
})
