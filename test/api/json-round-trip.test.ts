// jsonRoundTrip, the object a write answers with made from its stored form: always what
// JSON.parse(JSON.stringify(value)) gives (a write's answer is the stored JSON read back), copied
// without the text for plain JSON data, and through the text for anything JSON would change.
import {describe, expect, it} from 'vitest'
import {jsonRoundTrip} from '../../src/core/api/object.js'

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('jsonRoundTrip', () => {
  it('copies plain JSON data at every level, sharing nothing, in the same key order', () => {
    const original = {kind: 'Pod', metadata: {name: 'p', labels: {b: '2', a: '1', 10: 'ten', 2: 'two'}}, spec: {containers: [{name: 'c', args: ['-v', null], ports: [{containerPort: 80}]}]}, count: 0, ratio: 0.1, flag: false}
    const copy = jsonRoundTrip(original)
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original))
    expect(copy).toStrictEqual(roundTrip(original))
    copy.metadata.labels.a = 'changed'
    copy.spec.containers[0]!.ports[0]!.containerPort = 81
    expect(original.metadata.labels.a).toBe('1')
    expect(original.spec.containers[0]!.ports[0]!.containerPort).toBe(80)
  })

  it('gives what the JSON text gives where JSON changes the value', () => {
    const cases: unknown[] = [
      {gone: undefined, kept: 1},
      [undefined, () => 1, Symbol('s')],
      {negativeZero: -0, notANumber: Number.NaN, infinite: Number.POSITIVE_INFINITY},
      {at: new Date(0)},
      {custom: {toJSON: () => 'replaced'}},
      {bytes: new Uint8Array([1, 2])},
      {nested: {list: [{fn: () => 1, x: 1}]}},
    ]
    for (const value of cases) expect(jsonRoundTrip(value)).toStrictEqual(roundTrip(value))
  })
})
