// Reads at past revisions against a model of every revision, after random puts, deletes and
// transactions, before and after a compaction; and that such a read stays a bounded lookup when
// one key has a long history.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {KvStore} from '../../src/core/mvcc/kv-store.js'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

type Model = Map<string, {value: string; modRevision: number; createRevision: number; version: number}>

function openStore(): {store: KvStore; database: MemberDatabase} {
  const database = MemberDatabase.open(join(temporaryFolder(), 'member.db'))
  return {store: new KvStore(database), database}
}

function read(store: KvStore, start: string, end: string | null, revision: number, limit = 0) {
  const response = store.range({key: bytes(start), ...(end === null ? {} : {rangeEnd: bytes(end)}), revision, limit})
  return {count: response.count, more: response.more, kvs: response.kvs.map((kv) => [text(kv.key), text(kv.value), kv.modRevision, kv.createRevision, kv.version])}
}

function expected(model: Model, start: string, end: string | null, limit = 0) {
  const keys = [...model.keys()].filter((key) => (end === null ? key === start : key >= start && key < end)).sort()
  const kvs = keys.map((key) => {
    const state = model.get(key)!
    return [key, state.value, state.modRevision, state.createRevision, state.version]
  })
  return {count: kvs.length, more: limit > 0 && kvs.length > limit, kvs: limit > 0 ? kvs.slice(0, limit) : kvs}
}

describe('reads at past revisions', () => {
  it('answer as the store was at that revision, for single keys and ranges, with limits', () => {
    const {store, database} = openStore()
    const random = new SeededRandom(17)
    const models = new Map<number, Model>()
    let model: Model = new Map()
    const keys = Array.from({length: 12}, (_, index) => `k/${String(index).padStart(2, '0')}`)
    for (let step = 0; step < 300; step++) {
      const key = keys[random.nextInt(keys.length)]!
      const choice = random.nextInt(10)
      database.transaction(() => {
        if (choice < 6) {
          const value = `v${step}`
          const {response} = store.put({key: bytes(key), value: bytes(value)})
          const previous = model.get(key)
          const revision = response.header.revision
          model = new Map(model).set(key, {value, modRevision: revision, createRevision: previous?.createRevision ?? revision, version: (previous?.version ?? 0) + 1})
        } else if (choice < 8) {
          const {response} = store.deleteRange({key: bytes(key)})
          if (response.deleted > 0) {
            model = new Map(model)
            model.delete(key)
          }
        } else {
          // A range delete of a few neighbours, all at one revision.
          const end = keys[Math.min(keys.length - 1, keys.indexOf(key) + 3)]!
          const {response} = store.deleteRange({key: bytes(key), rangeEnd: bytes(end)})
          if (response.deleted > 0) model = new Map([...model].filter(([name]) => name < key || name >= end))
        }
      })
      models.set(store.currentRevision(), model)
    }
    const current = store.currentRevision()
    for (let revision = 1; revision <= current; revision++) {
      const at = models.get(revision) ?? [...models.entries()].filter(([known]) => known <= revision).pop()?.[1] ?? new Map()
      expect(read(store, 'k/', 'k0', revision)).toEqual(expected(at, 'k/', 'k0'))
      expect(read(store, 'k/03', 'k/08', revision, 2)).toEqual(expected(at, 'k/03', 'k/08', 2))
      expect(read(store, 'k/05', null, revision)).toEqual(expected(at, 'k/05', null))
    }
    // After a compaction, the revisions it kept still read the same.
    const compactAt = Math.floor(current / 2)
    database.transaction(() => store.compact(compactAt))
    for (let revision = compactAt; revision <= current; revision++) {
      const at = [...models.entries()].filter(([known]) => known <= revision).pop()?.[1] ?? new Map()
      expect(read(store, 'k/', 'k0', revision)).toEqual(expected(at, 'k/', 'k0'))
    }
    expect(() => read(store, 'k/', 'k0', compactAt - 1)).toThrow('mvcc: required revision has been compacted')
    database.close()
  })

  it('take about as long for a key with 20,000 revisions of history as for a key with one', () => {
    const {store, database} = openStore()
    database.transaction(() => store.put({key: bytes('quiet'), value: bytes('once')}))
    database.transaction(() => {
      for (let version = 0; version < 20_000; version++) store.put({key: bytes('busy'), value: bytes(`v${version}`)})
    })
    const timeReads = (key: string): number => {
      const started = performance.now()
      for (let read = 0; read < 500; read++) store.range({key: bytes(key), revision: 2 + (read % 1000)})
      return performance.now() - started
    }
    timeReads('busy')
    const busy = Math.min(timeReads('busy'), timeReads('busy'))
    const quiet = Math.min(timeReads('quiet'), timeReads('quiet'))
    expect(text(store.range({key: bytes('busy'), revision: 1002}).kvs[0]!.value)).toBe('v999')
    // A scan of the key's history would make the busy key hundreds of times slower.
    expect(busy).toBeLessThan(quiet * 10 + 20)
    database.close()
  })
})
