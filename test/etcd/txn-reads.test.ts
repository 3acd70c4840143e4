// A txn's compare reads the key its put then reads again (every write of the API server): the
// write transaction reads it once, until it writes, with the same outcomes: the put's previous
// value, a range after a put in the same txn, a compare on another key.
import {afterEach, describe, expect, it, vi} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder} from '../support/temp.js'

let client: EmbeddedClient | undefined
afterEach(async () => {
  await client?.close()
  client = undefined
})

const text = (value: Uint8Array | undefined) => (value ? Buffer.from(value).toString() : undefined)

describe('a write transaction', () => {
  it("reads a compared key once for the compare and the put, and sees its own writes after", async () => {
    client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 31}), {endpoint: 'infra1'})
    const key = bytes('/registry/pods/ns/a')
    const created = await client.kv.txn({compare: [{key, target: 'mod', result: 'equal', modRevision: 0}], success: [{requestPut: {key, value: bytes('one')}}], failure: []})
    expect(created.succeeded).toBe(true)
    const reads = vi.spyOn(client.serving().database.kv, 'get')
    const revision = created.header.revision
    const updated = await client.kv.txn({
      compare: [{key, target: 'mod', result: 'equal', modRevision: revision}],
      success: [{requestPut: {key, value: bytes('two'), prevKv: true}}, {requestRange: {key}}],
      failure: [{requestRange: {key}}],
    })
    // Two reads of the key on this member: the compare's, which the put took as its previous
    // value, and the range's after the put.
    expect(reads).toHaveBeenCalledTimes(2)
    reads.mockRestore()
    expect(updated.succeeded).toBe(true)
    const [put, range] = updated.responses as Array<Record<string, any>>
    expect(text(put!.responsePut.prevKv.value)).toBe('one')
    expect(put!.responsePut.prevKv.modRevision).toBe(revision)
    // The range after the put sees the put.
    expect(range!.responseRange.kvs.map((kv: {value: Uint8Array; version: number}) => [text(kv.value), kv.version])).toEqual([['two', 2]])
    // A stale compare fails, and its failure branch reads the current value.
    const stale = await client.kv.txn({compare: [{key, target: 'mod', result: 'equal', modRevision: revision}], success: [{requestPut: {key, value: bytes('three')}}], failure: [{requestRange: {key}}]})
    expect(stale.succeeded).toBe(false)
    expect((stale.responses[0] as Record<string, any>).responseRange.kvs.map((kv: {value: Uint8Array}) => text(kv.value))).toEqual(['two'])
    // A compare on another key, then a put: the put's previous value is its own key's.
    const other = bytes('/registry/pods/ns/b')
    const both = await client.kv.txn({compare: [{key, target: 'version', result: 'equal', version: 2}], success: [{requestPut: {key: other, value: bytes('b'), prevKv: true}}, {requestPut: {key, value: bytes('four'), prevKv: true}}], failure: []})
    const [first, second] = both.responses as Array<Record<string, any>>
    expect(first!.responsePut.prevKv).toBeUndefined()
    expect(text(second!.responsePut.prevKv.value)).toBe('two')
    expect(text((await client.kv.range({key})).kvs[0]!.value)).toBe('four')
  })
})
