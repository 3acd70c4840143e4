// One pump of the embedded cluster keeps the event loop at most pumpBusyMilliseconds, then lets the
// loop's I/O in before it goes on: a DeleteRange of thousands of keys is applied by each member in
// a turn of the loop of its own, not by all three back to back while every client waits. Each
// member's applied index is sampled once per turn of the loop (a setImmediate chain), which shows
// in which turn each member applied the delete.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import type {WatchEvent} from '../../src/core/mvcc/types.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder} from '../support/temp.js'

const keys = 3_000
const putsPerTxn = 100
const loopTurnsMax = 100_000
/** Turns of the loop sampled while pumps wait on timers (a setImmediate chain spins meanwhile). */
const breathingTurnsMax = 100_000_000

/** The turn of the loop in which each member first applied `index`. */
async function turnsOfApply(cluster: EmbeddedCluster, work: () => Promise<unknown>, turnsMax = loopTurnsMax): Promise<{turns: number[]; result: unknown}> {
  const members = cluster.members()
  const target = {index: Number.POSITIVE_INFINITY}
  const turns: Array<number | null> = members.map(() => null)
  let turn = 0
  let sampling = true
  const sample = () => {
    turn++
    members.forEach((member, position) => {
      if (turns[position] === null && member.appliedIndex() >= target.index) turns[position] = turn
    })
    if (sampling && turn < turnsMax) setImmediate(sample)
  }
  // The delete's entry is the next one after everything applied so far.
  target.index = Math.max(...members.map((member) => member.appliedIndex())) + 1
  setImmediate(sample)
  const result = await work()
  while (turns.some((value) => value === null) && turn < turnsMax) await new Promise((resume) => setImmediate(resume))
  sampling = false
  expect(turns.every((value) => value !== null), 'every member applied the delete').toBe(true)
  return {turns: turns as number[], result}
}

async function filledCluster(pumpBusyMilliseconds: number): Promise<EmbeddedClient> {
  const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {clock: new ManualClock(), seed: 7, pumpBusyMilliseconds}), {endpoint: 'infra1'})
  for (let first = 0; first < keys; first += putsPerTxn) {
    const success = Array.from({length: putsPerTxn}, (_, offset) => ({requestPut: {key: bytes(`big/${String(first + offset).padStart(5, '0')}`), value: bytes('v'.repeat(64))}}))
    await client.kv.txn({compare: [], success, failure: []})
  }
  return client
}

describe('a pump lets the loop in', () => {
  it('applies a large DeleteRange in a turn of the loop per member when pumps yield at once, and loses no event', async () => {
    const client = await filledCluster(0)
    const watcher = client.watch.watch({key: bytes('big/'), rangeEnd: bytes('big0')})
    await watcher.created()
    const {turns, result} = await turnsOfApply(client.embedded, () => client.kv.deleteRange({key: bytes('big/'), rangeEnd: bytes('big0')}))
    expect((result as {deleted: number}).deleted).toBe(keys)
    // Three members, three different turns of the loop.
    expect(new Set(turns).size).toBe(3)
    for (const endpoint of ['infra1', 'infra2', 'infra3']) {
      const reader = new EmbeddedClient(client.embedded, {endpoint})
      expect((await reader.kv.range({key: bytes('big/'), rangeEnd: bytes('big0'), serializable: true, countOnly: true})).count).toBe(0)
    }
    const events: WatchEvent[] = []
    while (events.length < keys) {
      const response = await watcher.next()
      if (!response) break
      events.push(...response.events)
    }
    watcher.cancel()
    expect(events.filter((event) => event.type === 'DELETE')).toHaveLength(keys)
    expect(new Set(events.map((event) => event.kv.modRevision))).toEqual(new Set([(result as {header: {revision: number}}).header.revision]))
    await client.close()
  })

  it('keeps to the limit per turn of the loop while other requests drive too', async () => {
    const client = await filledCluster(0)
    const others = ['infra1', 'infra2', 'infra3'].map((endpoint) => new EmbeddedClient(client.embedded, {endpoint}))
    const {turns} = await turnsOfApply(client.embedded, () =>
      Promise.all([
        client.kv.deleteRange({key: bytes('big/'), rangeEnd: bytes('big0')}),
        ...others.flatMap((other, index) => [other.kv.put({key: bytes(`other/${index}/a`), value: bytes('1')}), other.kv.put({key: bytes(`other/${index}/b`), value: bytes('2')})]),
      ]),
    )
    expect(new Set(turns).size).toBe(3)
    expect((await client.kv.range({key: bytes('other/'), rangeEnd: bytes('other0')})).count).toBe(6)
    await client.close()
  })

  it('after a long Ready, lets the loop turn on its own for a while before the next member applies', async () => {
    const client = await filledCluster(0)
    // Every Ready counts as long now, and the wait is long enough for many turns of the loop.
    client.embedded.heavyReady = {milliseconds: 0, catchUpMillisecondsMax: 200}
    const {turns, result} = await turnsOfApply(client.embedded, () => client.kv.deleteRange({key: bytes('big/'), rangeEnd: bytes('big0')}), breathingTurnsMax)
    expect((result as {deleted: number}).deleted).toBe(keys)
    const sorted = [...turns].sort((a, b) => a - b)
    // Turns of the loop ran between one member's apply and the next: what requests waiting behind
    // the first member's apply need to be answered before the second's.
    expect(sorted[1]! - sorted[0]!).toBeGreaterThanOrEqual(3)
    expect(sorted[2]! - sorted[1]!).toBeGreaterThanOrEqual(3)
    await client.close()
  })

  it('waits for the loop to catch up also when a pump was already scheduled (an fsync had ended) before the long Ready', async () => {
    const client = await filledCluster(0)
    const cluster = client.embedded
    cluster.heavyReady = {milliseconds: 0, catchUpMillisecondsMax: 200}
    // Every pump finds one already scheduled, as one is after any fsync ends (synced() schedules it).
    const schedulePump = (cluster as unknown as {pumpSoon: () => void}).pumpSoon.bind(cluster)
    const pump = cluster.pump.bind(cluster)
    cluster.pump = (answered) => {
      schedulePump()
      return pump(answered)
    }
    const {turns} = await turnsOfApply(cluster, () => client.kv.deleteRange({key: bytes('big/'), rangeEnd: bytes('big0')}), breathingTurnsMax)
    const sorted = [...turns].sort((a, b) => a - b)
    expect(sorted[1]! - sorted[0]!).toBeGreaterThanOrEqual(3)
    expect(sorted[2]! - sorted[1]!).toBeGreaterThanOrEqual(3)
    await client.close()
  })

  it('without the limit, members apply it in the same turn (what the limit changes)', async () => {
    const client = await filledCluster(Number.POSITIVE_INFINITY)
    // A member whose fsync still runs applies after it (group commit): that would spread the
    // applies over turns whatever the limit, and the limit alone is compared here.
    for (const member of client.embedded.members()) member.gathersWritesWhileSyncing = false
    const {turns} = await turnsOfApply(client.embedded, () => client.kv.deleteRange({key: bytes('big/'), rangeEnd: bytes('big0')}))
    expect(new Set(turns).size).toBeLessThan(3)
    await client.close()
  })
})
