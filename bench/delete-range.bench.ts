// What one member's apply of a big DeleteRange costs, without raft or the event loop's other work:
// the keys `etcdctl check perf --load m` leaves (about 51,000: its prefix, 256-byte keys, 1 KiB
// values), written in Readies of transactions of 128 puts as a client fills them, then deleted in
// one DeleteRange of the prefix (no prevKv, as check perf sends it) in a Ready of its own, by the
// members' own code (ReadyWriter, checkpoints in the background as in `up`). Prints the CPU time
// and the wall time of that Ready (its SQL and its COMMIT) and the bytes it handed to write(), in
// each of BENCH_ROUNDS rounds (a fresh database each) and their median.
// Run: npx vite-node bench/delete-range.bench.ts (BENCH_KEYS=51000, BENCH_ROUNDS=5)
import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'
import {ReadyWriter} from '../src/core/etcd/ready-writer.js'
import {encodeRequest, type InternalRequest, StateMachine} from '../src/core/mvcc/state-machine.js'
import {type Entry, EntryType} from '../src/core/raft/types.js'
import {MemberDatabase} from '../src/core/storage/member-database.js'

const keyCount = Number(process.env.BENCH_KEYS ?? 51_000)
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5))
const putsPerTxn = 128
/** Txn entries per Ready while filling (a client's transactions, a few per Ready under load). */
const txnsPerReady = 4
const prefix = '/etcdctl-check-perf/'
const value = Buffer.alloc(1024)

const written = () => Number(/^wchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0)

function round(): {cpuMilliseconds: number; wallMilliseconds: number; writtenBytes: number} {
  const folder = mkdtempSync(join(tmpdir(), 'kubemu-delete-range-'))
  const database = MemberDatabase.open(join(folder, 'infra1.db'))
  try {
    const writer = new ReadyWriter(database, new StateMachine(database), 'infra1')
    let index = 0
    const none = () => false
    const ready = (requests: InternalRequest[]) => {
      const entries: Entry[] = requests.map((request) => ({index: ++index, term: 1, type: EntryType.Normal, data: encodeRequest(request)}))
      database.tryBeginWrite()
      writer.write({hardState: {term: 1, vote: '1', commit: index}, entries, snapshot: null, committedEntries: entries, confStates: []}, none)
      database.endWrite(true)
    }
    for (let filled = 0; filled < keyCount; ) {
      const txns: InternalRequest[] = []
      for (let txn = 0; txn < txnsPerReady && filled < keyCount; txn++) {
        const puts = Array.from({length: Math.min(putsPerTxn, keyCount - filled)}, () => ({requestPut: {key: Buffer.from(`${prefix}${randomBytes(118).toString('hex')}`), value}}))
        filled += puts.length
        txns.push({id: `fill${index}-${txn}`, txn: {compare: [], success: puts, failure: []}})
      }
      ready(txns)
    }
    const start = Buffer.from(prefix)
    const end = Buffer.from(prefix)
    end[end.length - 1]!++
    const writtenBefore = written()
    const cpuBefore = process.cpuUsage()
    const wallBefore = performance.now()
    ready([{id: 'delete', deleteRange: {key: start, rangeEnd: end}}])
    const wallMilliseconds = performance.now() - wallBefore
    const cpu = process.cpuUsage(cpuBefore)
    const writtenBytes = written() - writtenBefore
    const left = database.kv.count({start, end})
    if (left !== 0) throw new Error(`${left} keys left after the DeleteRange`)
    return {cpuMilliseconds: (cpu.user + cpu.system) / 1000, wallMilliseconds, writtenBytes}
  } finally {
    database.close()
    rmSync(folder, {recursive: true, force: true})
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const results = []
for (let index = 0; index < rounds; index++) {
  const result = round()
  results.push(result)
  console.log(`round ${index + 1}: DeleteRange of ${keyCount} keys: CPU ${result.cpuMilliseconds.toFixed(0)} ms, wall ${result.wallMilliseconds.toFixed(0)} ms, ${(result.writtenBytes / 1024 / 1024).toFixed(1)} MiB written (load ${loadavg().map((load) => load.toFixed(1)).join(', ')})`)
}
console.log(`median of ${rounds}: CPU ${median(results.map((result) => result.cpuMilliseconds)).toFixed(0)} ms, wall ${median(results.map((result) => result.wallMilliseconds)).toFixed(0)} ms, ${(median(results.map((result) => result.writtenBytes)) / 1024 / 1024).toFixed(1)} MiB written`)
