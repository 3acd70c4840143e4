// A DeleteRange of many keys (etcdctl check perf ends with one of ~51,000) tells the watchers the
// span it deleted, not an event object per key: the members' loops spent a tenth of a second per
// 60,000 keys building, handing over and matching them, while watchers read the events from
// history anyway. A watcher of the span still gets every event; one elsewhere sleeps on.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import type {AppliedChange} from '../../src/core/mvcc/types.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const keys = 3000
/** etcd's default --max-txn-ops is 128. */
const putsPerTxn = 100

describe('a DeleteRange of many keys', () => {
  it('tells each member one span deletion, and a watcher of the span gets every event in one revision', async () => {
    const cluster = EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 5})
    const client = new EmbeddedClient(cluster, {endpoint: 'infra1'})
    try {
      for (let start = 0; start < keys; start += putsPerTxn) {
        const success = Array.from({length: putsPerTxn}, (_, offset) => ({requestPut: {key: bytes(`/big/${String(start + offset).padStart(5, '0')}`), value: bytes('v')}}))
        await client.kv.txn({compare: [], success, failure: []})
      }
      const told: AppliedChange[][] = []
      const stops = cluster.members().map((member) => member.onWatchEvents((changes) => told.push([...changes])))
      const watcher = client.watch.watch({key: bytes('/big/'), rangeEnd: bytes('/big0')})
      await watcher.created()
      const deleted = await client.kv.deleteRange({key: bytes('/big/'), rangeEnd: bytes('/big0')})
      expect(deleted.deleted).toBe(keys)
      expect(await cluster.settle(10_000)).toBe(true)
      for (const stop of stops) stop()
      // Each member applied the DeleteRange once, and told one change for it.
      const deletions = told.filter((changes) => changes.some((change) => change.type !== 'PUT'))
      expect(deletions.length).toBe(cluster.members().length)
      for (const changes of deletions) expect(changes).toEqual([{type: 'DELETE_SPAN', span: {start: bytes('/big/'), end: bytes('/big0')}, count: keys}])
      const response = await watcher.next()
      expect(response!.events.length).toBe(keys)
      expect(new Set(response!.events.map((event) => event.kv.modRevision)).size).toBe(1)
      expect(response!.events.map((event) => text(event.kv.key))).toEqual(Array.from({length: keys}, (_, index) => `/big/${String(index).padStart(5, '0')}`))
      expect(response!.events.every((event) => event.type === 'DELETE')).toBe(true)
      watcher.cancel()
    } finally {
      await client.close()
    }
  }, 60_000)
})
