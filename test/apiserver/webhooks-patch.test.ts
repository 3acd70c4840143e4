// The JSON patch a mutating webhook answers with, applied with the API server's one JSON patch:
// RFC 6902's six operations, pointer escapes, and a failing operation failing the whole patch
// (an internal error in the library's words, as kube-apiserver's dispatcher wraps it) without
// touching the input.
import {describe, expect, it} from 'vitest'
import {webhookPatched} from '../../src/core/apiserver/admission/webhook-patch.js'
import {ApiError} from '../../src/core/apiserver/api-errors.js'
import type {KubeObject} from '../../src/core/api/object.js'

describe('a webhook\'s JSON patch', () => {
  const document = {metadata: {name: 'x', labels: {'a/b': '1', 'c~d': '2'}}, list: [1, 2, 3]} as KubeObject

  it('applies add, remove, replace, move, copy and test in order', () => {
    const patched = webhookPatched(document, [
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

  it('fails the whole patch as an internal error in the library\'s words', () => {
    const internal = (patch: unknown) => {
      try {
        webhookPatched(document, patch)
      } catch (error) {
        if (error instanceof ApiError) return `${error.code} ${error.message}`
        throw error
      }
      return 'applied'
    }
    expect(internal([{op: 'test', path: '/metadata/name', value: 'y'}])).toBe('500 Internal error occurred: testing value /metadata/name failed: test failed')
    expect(internal([{op: 'remove', path: '/metadata/missing'}])).toBe("500 Internal error occurred: error in remove for path: '/metadata/missing': Unable to remove nonexistent key: missing: missing value")
    expect(internal([{op: 'add', path: '/list/5', value: 1}])).toBe("500 Internal error occurred: error in add for path: '/list/5': Unable to access invalid index: 5: invalid index referenced")
    expect(internal([{op: 'add', path: '/nothing/here', value: 1}])).toBe('500 Internal error occurred: add operation does not apply: doc is missing path: "/nothing/here": missing value')
    expect(internal([{op: 'merge', path: '/a'}])).toBe('500 Internal error occurred: Unexpected kind: merge')
    expect(internal({op: 'add'})).toBe('500 Internal error occurred: json: cannot unmarshal object into Go value of type jsonpatch.Patch')
    expect(internal([{op: 'remove', path: '/metadata'}])).toBe('500 Internal error occurred: the patched object is not an object with metadata')
  })
})
