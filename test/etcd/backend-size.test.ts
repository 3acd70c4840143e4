// A member's backend size (the quota check of every write, dbSize in a status) is the one its last
// commit left, as etcd's backend keeps it: the writes read it inside their own transactions, and
// no write opens a read transaction of its own to ask the file. Whatever changes the file besides
// a member's Ready (a compaction's freed pages given back, a defragment) has the next read ask it.
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

/** The serving member's file size as SQLite counts it now. */
function fileBytes(embedded: EmbeddedClient): number {
  const {db} = embedded.serving().database
  return Number(db.pragma('page_count', {simple: true})) * Number(db.pragma('page_size', {simple: true}))
}

describe("a member's backend size", () => {
  it('is read inside the transactions of the writes, and is what the file holds after each', async () => {
    client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 21}), {endpoint: 'infra1'})
    // The first write after the file opens reads its size from the file (etcd's backend at its start).
    await client.kv.put({key: bytes('first'), value: bytes('1')})
    const database = client.serving().database
    const reads: boolean[] = []
    const pageCount = (database.kv as unknown as {pageCount: {get: () => unknown}}).pageCount
    const get = pageCount.get.bind(pageCount)
    vi.spyOn(pageCount, 'get').mockImplementation(() => {
      reads.push(database.db.inTransaction)
      return get()
    })
    const value = bytes('v'.repeat(3000))
    for (let index = 0; index < 40; index++) {
      await client.kv.put({key: bytes(`k/${String(index).padStart(3, '0')}`), value})
      expect((await client.maintenance.status()).dbSize).toBe(fileBytes(client))
    }
    // Every read of the size came in a write's transaction: none opened one of its own.
    expect(reads.length).toBeGreaterThan(0)
    expect(reads.filter((inTransaction) => !inTransaction)).toEqual([])
  })

  it('follows what a compaction gives back and a defragment rewrites', async () => {
    client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 22}), {endpoint: 'infra1'})
    const value = bytes('v'.repeat(3000))
    let revision = 0
    for (let round = 0; round < 3; round++) {
      for (let index = 0; index < 60; index++) revision = (await client.kv.put({key: bytes(`k/${index}`), value})).header.revision
    }
    const grown = (await client.maintenance.status()).dbSize
    await client.kv.compact({revision})
    await client.maintenance.defragment()
    const status = await client.maintenance.status()
    expect(status.dbSize).toBe(fileBytes(client))
    expect(status.dbSize).toBeLessThan(grown)
  })
})
