// The JSON patch a mutating webhook answers with: RFC 6902's six operations, pointer escapes, and
// a failing operation failing the whole patch without touching the input.
import {describe, expect, it} from 'vitest'
import {applyJsonPatch, JsonPatchError} from '../../src/core/apiserver/admission/webhook-patch.js'

describe('JSON patch', () => {
  const document = {metadata: {name: 'x', labels: {'a/b': '1', 'c~d': '2'}}, list: [1, 2, 3]}

  it('applies add, remove, replace, move, copy and test in order', () => {
    const patched = applyJsonPatch(document, [
      {op: 'test', path: '/metadata/name', value: 'x'},
      {op: 'add', path: '/metadata/labels/new', value: 'yes'},
      {op: 'remove', path: '/metadata/labels/a~1b'},
      {op: 'replace', path: '/metadata/labels/c~0d', value: '3'},
      {op: 'add', path: '/list/1', value: 9},
      {op: 'add', path: '/list/-', value: 4},
      {op: 'copy', from: '/list/0', path: '/first'},
      {op: 'move', from: '/metadata/labels/new', path: '/moved'},
      {op: 'replace', path: '/list/0', value: 0},
    ])
    expect(patched).toEqual({metadata: {name: 'x', labels: {'c~d': '3'}}, list: [0, 9, 2, 3, 4], first: 1, moved: 'yes'})
    // The input is left as it was.
    expect(document.list).toEqual([1, 2, 3])
  })

  it('fails the whole patch on a failed test, a missing path or an index out of bounds', () => {
    expect(() => applyJsonPatch(document, [{op: 'test', path: '/metadata/name', value: 'y'}])).toThrow(JsonPatchError)
    expect(() => applyJsonPatch(document, [{op: 'remove', path: '/metadata/missing'}])).toThrow('missing value at /metadata/missing')
    expect(() => applyJsonPatch(document, [{op: 'add', path: '/list/5', value: 1}])).toThrow('index out of bounds in /list/5')
    expect(() => applyJsonPatch(document, [{op: 'add', path: '/nothing/here', value: 1}])).toThrow('missing value at /nothing/here')
    expect(() => applyJsonPatch(document, [{op: 'move', from: '/metadata', path: '/metadata/inner'}])).toThrow('cannot move')
    expect(() => applyJsonPatch(document, [{op: 'merge', path: '/a'}])).toThrow('unexpected kind of operation "merge"')
    expect(() => applyJsonPatch(document, {op: 'add'})).toThrow('a JSON patch is a list of operations')
  })
})
