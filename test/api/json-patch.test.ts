// The one JSON patch (evanphx/json-patch v4's rules, as kubectl 1.32 and kube-apiserver apply
// it): where v4 departs from RFC 6902, its words for each failure, and the faults a caller
// answers differently (a patch that does not decode, an operation that fails, a Go panic).
import {describe, expect, it} from 'vitest'
import {apiServerJsonPatchLimits, applyJsonPatch, decodeJsonPatch, JsonPatchError, type JsonPatchFault} from '../../src/core/api/json-patch.js'

const document = {metadata: {name: 'x', labels: {'a/b': '1', 'c~d': '2'}}, list: [1, 2, 3], empty: null}

function failure(patch: unknown, limits = {}): {fault: JsonPatchFault; message: string} {
  try {
    applyJsonPatch(document, patch, limits)
  } catch (error) {
    if (error instanceof JsonPatchError) return {fault: error.fault, message: error.message}
    throw error
  }
  throw new Error(`no failure for ${JSON.stringify(patch)}`)
}

describe('JSON patch with evanphx/json-patch v4 rules', () => {
  it('applies the six operations in order on a copy, with ~0 and ~1 escapes', () => {
    const patched = applyJsonPatch(document, [
      {op: 'test', path: '/metadata/name', value: 'x'},
      {op: 'add', path: '/metadata/labels/new', value: 'yes'},
      {op: 'remove', path: '/metadata/labels/a~1b'},
      {op: 'replace', path: '/metadata/labels/c~0d', value: '3'},
      {op: 'add', path: '/list/1', value: 9},
      {op: 'add', path: '/list/-', value: 4},
      {op: 'copy', from: '/list/0', path: '/first'},
      {op: 'move', from: '/metadata/labels/new', path: '/moved'},
    ])
    expect(patched).toEqual({metadata: {name: 'x', labels: {'c~d': '3'}}, list: [1, 9, 2, 3, 4], empty: null, first: 1, moved: 'yes'})
    expect(document.list).toEqual([1, 2, 3])
  })

  it('departs from RFC 6902 where v4 does', () => {
    // A replace of a missing key adds it; a copy from a missing key copies null; add without a value adds null.
    expect(applyJsonPatch(document, [{op: 'replace', path: '/metadata/new', value: 1}])).toMatchObject({metadata: {new: 1}})
    expect(applyJsonPatch(document, [{op: 'copy', from: '/metadata/none', path: '/copied'}])).toMatchObject({copied: null})
    expect(applyJsonPatch(document, [{op: 'add', path: '/added'}])).toMatchObject({added: null})
    // Negative indices count from the end (for add, from one past it); Atoi reads leading zeros and a sign.
    expect(applyJsonPatch(document, [{op: 'add', path: '/list/-1', value: 0}])).toMatchObject({list: [1, 2, 3, 0]})
    expect(applyJsonPatch(document, [{op: 'remove', path: '/list/-3'}])).toMatchObject({list: [2, 3]})
    expect(applyJsonPatch(document, [{op: 'replace', path: '/list/+01', value: 7}])).toMatchObject({list: [1, 7, 3]})
    // A path's first piece is dropped, slash or not; a scalar for the whole document changes nothing.
    expect(applyJsonPatch(document, [{op: 'add', path: 'anything/top', value: 1}])).toMatchObject({top: 1})
    expect(applyJsonPatch(document, [{op: 'replace', path: '', value: 5}])).toEqual(document)
    expect(applyJsonPatch(document, [{op: 'replace', path: '', value: [1]}, {op: 'add', path: '/0', value: 0}])).toEqual([0, 1])
    // A test of a missing key or a null passes with a null value; map keys in any order.
    expect(applyJsonPatch(document, [{op: 'test', path: '/none', value: null}, {op: 'test', path: '/empty', value: null}, {op: 'test', path: '/metadata/labels', value: {'c~d': '2', 'a/b': '1'}}])).toEqual(document)
    expect(applyJsonPatch(document, null)).toEqual(document)
  })

  it('words each failure as the library does', () => {
    const cases: Array<[unknown, string]> = [
      [[{op: 'remove', path: '/metadata/zz'}], "error in remove for path: '/metadata/zz': Unable to remove nonexistent key: zz: missing value"],
      [[{op: 'remove', path: '/nope/zz'}], 'remove operation does not apply: doc is missing path: "/nope/zz": missing value'],
      [[{op: 'add', path: '', value: {}}], 'add operation does not apply: doc is missing path: "": missing value'],
      [[{op: 'add', path: '/list/4', value: 1}], "error in add for path: '/list/4': Unable to access invalid index: 4: invalid index referenced"],
      [[{op: 'add', path: '/list/x', value: 1}], `error in add for path: '/list/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax`],
      [[{op: 'remove', path: '/list/99999999999999999999'}], `error in remove for path: '/list/99999999999999999999': strconv.Atoi: parsing "99999999999999999999": value out of range`],
      [[{op: 'replace', path: '/x/y', value: 1}], 'replace operation does not apply: doc is missing path: /x/y: missing value'],
      [[{op: 'replace', path: '/list/3', value: 1}], 'replace operation does not apply: doc is missing key: /list/3: missing value'],
      [[{op: 'replace', path: 7}], 'replace operation failed to decode path: json: cannot unmarshal number into Go value of type string'],
      [[{op: 'move', from: '/q', path: '/metadata/q'}], "error in move for path: 'q': Unable to remove nonexistent key: q: missing value"],
      [[{op: 'move', from: '/metadata', path: '/metadata/inner'}], 'move operation does not apply: doc is missing destination path: /metadata/inner: missing value'],
      [[{op: 'move', path: '/a'}], 'move operation failed to decode from: operation, missing from field: missing value'],
      [[{op: 'copy', from: '/nope/a', path: '/a'}], 'copy operation does not apply: doc is missing from path: /nope/a: missing value'],
      [[{op: 'copy', from: '/list/0', path: '/list/9'}], 'error while adding value during copy: Unable to access invalid index: 9: invalid index referenced'],
      [[{op: 'test', path: '/metadata/name', value: 'y'}], 'testing value /metadata/name failed: test failed'],
      [[{op: 'test', path: '/nope/a', value: 1}], 'test operation does not apply: is missing path: /nope/a: missing value'],
      [[{op: 'test', path: '/list/9', value: 1}], "error in test for path: '/list/9': Unable to access invalid index: 9: invalid index referenced"],
      [[{op: 'merge', path: '/a'}], 'Unexpected kind: merge'],
      [[{path: '/a'}], 'Unexpected kind: unknown'],
      [[null], 'Unexpected kind: unknown'],
    ]
    for (const [patch, message] of cases) expect({patch, ...failure(patch)}).toEqual({patch, fault: 'apply', message})
  })

  it('refuses what does not decode as a patch, and the API server\'s limits', () => {
    expect(failure({op: 'add'})).toEqual({fault: 'decode', message: 'json: cannot unmarshal object into Go value of type jsonpatch.Patch'})
    expect(failure([5])).toEqual({fault: 'decode', message: 'json: cannot unmarshal number into Go value of type jsonpatch.Operation'})
    const many = Array.from({length: 10_001}, () => ({op: 'test', path: '/empty', value: null}))
    expect(() => decodeJsonPatch(many)).not.toThrow()
    expect(failure(many, apiServerJsonPatchLimits)).toEqual({fault: 'decode', message: 'The allowed maximum operations in a JSON patch is 10000, got 10001'})
    const copies = [{op: 'add', path: '/big', value: 'x'.repeat(1024 * 1024)}, ...Array.from({length: 3}, (_, index) => ({op: 'copy', from: '/big', path: `/copy${index}`}))]
    expect(failure(copies, apiServerJsonPatchLimits)).toEqual({fault: 'apply', message: 'Unable to complete the copy, the accumulated size increase of copy is 3145734, exceeding the limit 3145728'})
  })

  it('says where the Go library panics', () => {
    const nilDereference = {fault: 'panic', message: 'runtime error: invalid memory address or nil pointer dereference'}
    expect(failure([{op: 'test', path: '/none'}])).toEqual(nilDereference)
    expect(failure([{op: 'test', path: '/list', value: [1, 2, null]}])).toEqual(nilDereference)
    expect(failure([{op: 'add', path: '/n', value: null}, {op: 'add', path: '/n/x', value: 1}])).toEqual(nilDereference)
    expect(failure([{op: 'replace', path: ''}])).toEqual(nilDereference)
    expect(failure([{op: 'add', path: '/n', value: null}, {op: 'copy', from: '/n', path: '/m'}, {op: 'add', path: '/m/x', value: 1}])).toEqual({fault: 'panic', message: 'assignment to entry in nil map'})
  })
})
