// The bytes of a raft entry that carries a request: byte fields travel raw after the JSON, and
// entries of the format before (JSON with base64 byte fields), still in members' raft logs, decode.
import {describe, expect, it} from 'vitest'
import {decodeRequest, encodeRequest, type InternalRequest} from '../../src/core/mvcc/state-machine.js'
import {decodeRequestBytes, encodeRequestBytes} from '../../src/core/mvcc/request-codec.js'
import {encodeValue} from '../../src/core/util/codec.js'

const bytes = (text: string) => new TextEncoder().encode(text)

describe('request entries', () => {
  const value = bytes(JSON.stringify({kind: 'Pod', apiVersion: 'v1', metadata: {name: 'web', labels: {'$b': 'not a reference'}}}))
  const request: InternalRequest = {
    id: 'a1',
    user: 'root',
    txn: {
      compare: [{key: bytes('/registry/pods/default/web'), target: 'MOD', result: 'EQUAL', modRevision: 12}],
      success: [{put: {key: bytes('/registry/pods/default/web'), value, lease: 7_000_000_000_000_000_001n}}],
      failure: [{range: {key: bytes('/registry/pods/default/web'), rangeEnd: new Uint8Array()}}],
    },
  } as unknown as InternalRequest

  it('round-trip byte fields (raw, empty, Buffer), 64-bit integers and nesting, smaller than base64 JSON', () => {
    const encoded = encodeRequest(request)
    expect(encoded[0]).toBe(0)
    expect(encoded.length).toBeLessThan(encodeValue(request).length)
    // The value's bytes are in the entry as they are.
    expect(Buffer.from(encoded).includes(Buffer.from(value))).toBe(true)
    const decoded = decodeRequestBytes<InternalRequest>(encoded)
    expect(decoded).toEqual(request)
    const withBuffer = {id: 'b', put: {key: Buffer.from('k'), value: Buffer.from([0, 1, 255]), lease: 0n}}
    expect(decodeRequestBytes(encodeRequestBytes(withBuffer))).toEqual({id: 'b', put: {key: new Uint8Array([107]), value: new Uint8Array([0, 1, 255]), lease: 0n}})
  })

  it('decodes an entry of the JSON format, and an entry read back as a view of a larger buffer', () => {
    expect(decodeRequest(encodeValue(request))).toEqual(request)
    const encoded = encodeRequest(request)
    const larger = new Uint8Array(encoded.length + 10)
    larger.set(encoded, 5)
    expect(decodeRequestBytes(larger.subarray(5, 5 + encoded.length))).toEqual(request)
  })

  it('refuses a truncated entry with an invariant error instead of wrong bytes', () => {
    const encoded = encodeRequest(request)
    expect(() => decodeRequestBytes(encoded.subarray(0, encoded.length - 3))).toThrow(/a request entry ends inside a length/)
    expect(() => decodeRequestBytes(encoded.subarray(0, encoded.length - 40))).toThrow(/a request entry's byte field runs past its end/)
  })
})
