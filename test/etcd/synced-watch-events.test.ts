// A watch that has sent all of history (etcd's synced watcher) is sent the events of each batch of
// applies from memory, as etcd sends a synced watcher the events of each write: the same events a
// read of history gives (keys and values as Buffers, prevKv when asked, filters, a deleted span
// read back from history), without a history read per write.
import {afterEach, describe, expect, it, vi} from 'vitest'
import type {Watcher} from '../../src/core/etcd/api.js'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import type {WatchEvent} from '../../src/core/mvcc/types.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder} from '../support/temp.js'

const prefixEnd = (prefix: string) => bytes(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1))

/** Events as plain values: types, keys and values as text, revisions; Buffer-ness kept apart. */
function described(events: readonly WatchEvent[]) {
  const kv = (value: WatchEvent['kv']) => ({...value, key: Buffer.from(value.key).toString(), value: Buffer.from(value.value).toString(), keyIsBuffer: Buffer.isBuffer(value.key)})
  return events.map((event) => ({type: event.type, kv: kv(event.kv), ...(event.prevKv ? {prevKv: kv(event.prevKv)} : {})}))
}

let client: EmbeddedClient | undefined
afterEach(async () => {
  await client?.close()
  client = undefined
})

describe('a synced watch', () => {
  for (const endpoint of ['infra1', 'infra2']) {
    it(`is sent each write's events without reading history, the events history holds (${endpoint})`, async () => {
      client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 11}), {endpoint})
      await client.kv.put({key: bytes('p/a'), value: bytes('first')})
      const start = (await client.kv.range({key: bytes('p/a')})).header.revision + 1
      const options = {key: bytes('p/'), rangeEnd: prefixEnd('p/'), prevKv: true}
      const synced = client.watch.watch(options)
      const noPut = client.watch.watch({...options, filters: ['noput' as const]})
      await synced.created()
      await noPut.created()
      const history = vi.spyOn(client.serving().database.kv, 'history')
      const seen: WatchEvent[] = []
      const seenNoPut: WatchEvent[] = []
      // Waiting from the start: the puts wake it and are filtered out, the delete is sent.
      const noPutNext = noPut.next()
      /** A write, then (when it touches the watched span) the response it leads to. */
      const step = async (write: () => Promise<unknown>) => {
        const next = synced.next()
        await write()
        seen.push(...((await next)?.events ?? []))
      }
      await step(() => client!.kv.put({key: bytes('p/a'), value: bytes('second')}))
      // A write outside the span, then one inside it: one response, with the second's events.
      await step(async () => {
        await client!.kv.put({key: bytes('q/elsewhere'), value: bytes('x')})
        await client!.kv.txn({compare: [{key: bytes('p/b'), target: 'create', result: 'equal', createRevision: 0}], success: [{requestPut: {key: bytes('p/b'), value: bytes('new')}}, {requestPut: {key: bytes('p/c'), value: bytes('also')}}], failure: []})
      })
      await step(() => client!.kv.deleteRange({key: bytes('p/a'), prevKv: true}))
      // The filtered watch: its one event (the delete), also from memory.
      seenNoPut.push(...((await noPutNext)?.events ?? []))
      expect(history).not.toHaveBeenCalled()
      history.mockRestore()

      // The same span read back from history by a watch from the first revision.
      const fromHistory = client.watch.watch({...options, startRevision: start})
      const read = (await fromHistory.next())?.events ?? []
      expect(described(seen)).toEqual(described(read))
      expect(described(seen).map((event) => [event.type, event.kv.key, event.kv.value, event.prevKv?.value])).toEqual([
        ['PUT', 'p/a', 'second', 'first'],
        ['PUT', 'p/b', 'new', undefined],
        ['PUT', 'p/c', 'also', undefined],
        ['DELETE', 'p/a', '', 'second'],
      ])
      expect(seen.every((event) => Buffer.isBuffer(event.kv.key) && (event.type === 'DELETE' || Buffer.isBuffer(event.kv.value)))).toBe(true)
      expect(described(seenNoPut)).toEqual(described(read.filter((event) => event.type === 'DELETE')))
      for (const watcher of [synced, noPut, fromHistory] as Watcher[]) watcher.cancel()
    })
  }

  it('reads a deleted span back from history, whose events the applies do not carry', async () => {
    client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 12}), {endpoint: 'infra1'})
    for (const name of ['a', 'b', 'c']) await client.kv.put({key: bytes(`s/${name}`), value: bytes(name)})
    const watcher = client.watch.watch({key: bytes('s/'), rangeEnd: prefixEnd('s/')})
    await watcher.created()
    const history = vi.spyOn(client.serving().database.kv, 'history')
    const next = watcher.next()
    await client.kv.deleteRange({key: bytes('s/'), rangeEnd: prefixEnd('s/')})
    const events = (await next)?.events ?? []
    expect(events.map((event) => [event.type, Buffer.from(event.kv.key).toString()])).toEqual([['DELETE', 's/a'], ['DELETE', 's/b'], ['DELETE', 's/c']])
    expect(history).toHaveBeenCalled()
    watcher.cancel()
  })
})
