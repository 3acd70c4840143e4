// What one member's store spends per put, without raft, the network or the event loop's other
// work: the Readies of a leader under etcdctl's `check perf` (each appends a batch of entries to
// the raft log and applies the batch before it), written by the same code as `kubemu up`'s
// members (ReadyWriter), with checkpoints in the background as there. Prints, per 1,000 puts, the
// CPU time of the process and the bytes written: handed to write() (the WAL's frames and the
// checkpoints' pages) and sent to storage (/proc's write_bytes). Deterministic keys and values,
// so two builds can be compared side by side.
// Run: npx vite-node bench/ready-writes.bench.ts (BENCH_PUTS, BENCH_BATCHES=1,7,30, BENCH_VALUE_BYTES=1024)
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ReadyWriter} from '../src/core/etcd/ready-writer.js'
import {encodeRequest, StateMachine} from '../src/core/mvcc/state-machine.js'
import {type Entry, EntryType} from '../src/core/raft/types.js'
import {MemberDatabase} from '../src/core/storage/member-database.js'

const puts = Number(process.env.BENCH_PUTS ?? 20_000)
const batchSizes = (process.env.BENCH_BATCHES ?? '1,7,30').split(',').map(Number)
/** etcdctl 3.4 check perf's keys: its prefix and 256 bytes (a random varint, then zeros); its values: 1,024 zeros. */
const keyPrefix = new TextEncoder().encode('/etcdctl-check-perf/')
const keyBytes = 256
const randomKeyBytes = 8
const value = new Uint8Array(Number(process.env.BENCH_VALUE_BYTES ?? 1024))

function io(): {written: number; stored: number} {
  const text = readFileSync('/proc/self/io', 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? 0)
  return {written: field('wchar'), stored: field('write_bytes') - field('cancelled_write_bytes')}
}

/** A small deterministic generator (xorshift32), so every run writes the same keys. */
function keys(seed: number): () => Uint8Array {
  let state = seed
  return () => {
    const key = new Uint8Array(keyPrefix.length + keyBytes)
    key.set(keyPrefix)
    for (let index = 0; index < randomKeyBytes; index++) {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      key[keyPrefix.length + index] = state & 0xff
    }
    return key
  }
}

function run(batch: number): {cpuMilliseconds: number; written: number; stored: number} {
  const folder = mkdtempSync(join(tmpdir(), 'kubemu-ready-writes-'))
  const database = MemberDatabase.open(join(folder, 'infra1.db'))
  try {
    const writer = new ReadyWriter(database, new StateMachine(database), 'infra1')
    const nextKey = keys(batch * 7919 + 1)
    let index = 0
    let previous: Entry[] = []
    const none = () => false
    const ioBefore = io()
    const cpuBefore = process.cpuUsage()
    for (let written = 0; written <= puts; written += batch) {
      const entries: Entry[] = []
      for (let put = 0; put < batch && written + put < puts; put++) {
        index++
        entries.push({index, term: 1, type: EntryType.Normal, data: encodeRequest({id: `r${index}`, put: {key: nextKey(), value}})})
      }
      database.tryBeginWrite()
      writer.write({hardState: {term: 1, vote: '1', commit: index - entries.length}, entries, snapshot: null, committedEntries: previous, confStates: []}, none)
      database.endWrite(true)
      previous = entries
    }
    const cpu = process.cpuUsage(cpuBefore)
    const ioAfter = io()
    return {cpuMilliseconds: (cpu.user + cpu.system) / 1000, written: ioAfter.written - ioBefore.written, stored: ioAfter.stored - ioBefore.stored}
  } finally {
    database.close()
    rmSync(folder, {recursive: true, force: true})
  }
}

for (const batch of batchSizes) {
  const {cpuMilliseconds, written, stored} = run(batch)
  const per1000 = (amount: number) => (amount * 1000) / puts
  const mebibytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(2)
  console.log(
    `${puts} puts, ${batch} per Ready: CPU ${per1000(cpuMilliseconds).toFixed(0)} ms per 1,000 puts; written ${mebibytes(per1000(written))} MiB per 1,000 puts (${(written / puts / 4120).toFixed(2)} frames per put), sent to storage ${mebibytes(per1000(stored))} MiB`,
  )
}
