// `__proto__` and `constructor` are keys like any other in the API's maps (a ConfigMap's data may
// hold them): every patch keeps them as own fields, and kubectl's JSONPath reads own fields only.
import {describe, expect, it} from 'vitest'
import {applyMergePatch, applyStrategicMergePatch} from '../../src/core/api/patch.js'
import {applyJsonPatch} from '../../src/core/api/json-patch.js'
import {runJsonPath} from '../../src/core/printers/kubectl/jsonpath.js'

const configMap = () => JSON.parse('{"kind":"ConfigMap","data":{"a":"1"}}') as Record<string, any>
const added = JSON.parse('{"data":{"__proto__":"v","constructor":"c"}}') as unknown

describe('prototype-named keys', () => {
  it('are added as own fields by merge, strategic and JSON patches', () => {
    for (const patched of [applyMergePatch(configMap(), added), applyStrategicMergePatch(configMap(), added, null)] as Array<Record<string, any>>) {
      expect(Object.getPrototypeOf(patched.data)).toBe(Object.prototype)
      expect(JSON.stringify(patched.data)).toBe('{"a":"1","__proto__":"v","constructor":"c"}')
    }
    const json = applyJsonPatch(configMap(), [{op: 'add', path: '/data/__proto__', value: 'v'}]) as unknown
    expect(JSON.stringify(json)).toContain('"__proto__":"v"')
  })

  it('are no fields of an object that lacks them, for JSONPath', () => {
    expect(runJsonPath('{.data.constructor}{.metadata.toString}', {data: {}, metadata: {}})).toBe('')
    expect(runJsonPath('{.data.constructor}', JSON.parse('{"data":{"constructor":"c"}}'))).toBe('c')
  })
})
