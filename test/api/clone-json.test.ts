// cloneJson, the API server's deep copy of objects: equal to the original, sharing nothing with
// it, and as structuredClone for what JSON.parse makes and for what is not plain JSON.
import {describe, expect, it} from 'vitest'
import {cloneJson, jsonRoundTrip} from '../../src/core/api/object.js'

describe('cloneJson', () => {
  it('copies objects and arrays at every level and shares none of them', () => {
    const original = {metadata: {name: 'p', labels: {app: 'web'}}, spec: {containers: [{name: 'c', ports: [{containerPort: 80}], args: ['-v', null]}]}, count: 0, flag: false, gone: undefined}
    const copy = cloneJson(original)
    expect(copy).toStrictEqual(original)
    expect('gone' in copy).toBe(true)
    copy.metadata.labels.app = 'db'
    copy.spec.containers[0]!.ports[0]!.containerPort = 81
    copy.spec.containers[0]!.args.push('x')
    expect(original.metadata.labels.app).toBe('web')
    expect(original.spec.containers[0]!.ports[0]!.containerPort).toBe(80)
    expect(original.spec.containers[0]!.args).toEqual(['-v', null])
  })

  it('keeps a "__proto__" key JSON.parse made as an own property, not as the prototype (and so does jsonRoundTrip)', () => {
    const parsed = JSON.parse('{"metadata": {"labels": {"__proto__": {"polluted": "yes"}}}}') as {metadata: {labels: Record<string, unknown>}}
    for (const copy of [cloneJson(parsed), jsonRoundTrip(parsed)]) {
      expect(Object.getPrototypeOf(copy.metadata.labels)).toBe(Object.prototype)
      expect(Object.keys(copy.metadata.labels)).toEqual(['__proto__'])
      expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed))
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('copies byte arrays and dates as themselves, and deep nesting', () => {
    const bytes = new Uint8Array([1, 2, 3])
    const copy = cloneJson({value: bytes, at: new Date(0)})
    expect(copy.value).toBeInstanceOf(Uint8Array)
    expect([...copy.value]).toEqual([1, 2, 3])
    expect(copy.value).not.toBe(bytes)
    expect(copy.at).toBeInstanceOf(Date)
    let deep: unknown = 'leaf'
    for (let depth = 0; depth < 500; depth++) deep = {items: [deep]}
    expect(JSON.stringify(cloneJson(deep))).toBe(JSON.stringify(deep))
  })
})
