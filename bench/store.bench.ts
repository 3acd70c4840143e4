// Store performance, as ratios measured side by side in one run (machines here are shared and
// noisy, so only ratios mean something). Run: npm run bench
import {closeSync, fsyncSync, openSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {EmbeddedCluster} from '../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../src/core/etcd/embedded-client.js'
import type {EtcdClient} from '../src/core/etcd/api.js'
import type {InternalRequest} from '../src/core/mvcc/state-machine.js'
import {prefixEnd} from '../src/core/mvcc/key-range.js'
import {RealEtcdClient} from '../src/core/store/real-etcd-client.js'
import {RealEtcdCluster} from '../test/support/real-etcd.js'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'

const sequentialPuts = Number(process.env.BENCH_PUTS ?? 300)
const batchedPuts = Number(process.env.BENCH_BATCHED_PUTS ?? 20_000)
const batchSize = 1000
const rangeKeys = 10_000
const encoder = new TextEncoder()
const value256 = new Uint8Array(256).fill(0x61)

function milliseconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6
}

async function sequential(client: EtcdClient, prefix: string): Promise<number> {
  const start = process.hrtime.bigint()
  for (let index = 0; index < sequentialPuts; index++) {
    await client.kv.put({key: encoder.encode(`${prefix}/${index}`), value: value256})
  }
  return milliseconds(start) / sequentialPuts
}

async function rangeTime(client: EtcdClient, prefix: string, repeats = 5): Promise<number> {
  const key = encoder.encode(prefix)
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < repeats; round++) {
    const start = process.hrtime.bigint()
    const response = await client.kv.range({key, rangeEnd: prefixEnd(key)})
    if (response.count !== rangeKeys) throw new Error(`expected ${rangeKeys} keys, got ${response.count}`)
    best = Math.min(best, milliseconds(start))
  }
  return best
}

function fsyncFloor(folder: string): number {
  const path = join(folder, 'fsync-floor')
  const descriptor = openSync(path, 'w')
  const start = process.hrtime.bigint()
  for (let index = 0; index < sequentialPuts; index++) {
    writeSync(descriptor, value256)
    fsyncSync(descriptor)
  }
  const perWrite = milliseconds(start) / sequentialPuts
  closeSync(descriptor)
  return perWrite
}

const folder = mkdtempSync(join(tmpdir(), 'kubemu-bench-'))
const etcd = await RealEtcdCluster.start()
try {
  const real = new RealEtcdClient('http://127.0.0.1:2379')
  const cluster = EmbeddedCluster.open(join(folder, 'cluster'))
  const embedded = new EmbeddedClient(cluster, {endpoint: 'infra1'})

  const floor = fsyncFloor(folder)
  const realPut = await sequential(real, 'seq')
  const embeddedPut = await sequential(embedded, 'seq')
  console.log(`sequential durable puts (${sequentialPuts}, 256-byte values)`)
  console.log(`  one fsync (floor):  ${floor.toFixed(3)} ms`)
  console.log(`  real etcd 3.4:      ${realPut.toFixed(3)} ms/put`)
  console.log(`  kubemu embedded:    ${embeddedPut.toFixed(3)} ms/put`)
  console.log(`  ratio kubemu/etcd:  ${(embeddedPut / realPut).toFixed(2)} (target <= 1.0)`)

  // Batched: many proposals in flight at once; real etcd gets the same number concurrently.
  let start = process.hrtime.bigint()
  for (let offset = 0; offset < batchedPuts; offset += batchSize) {
    await Promise.all(Array.from({length: batchSize}, (_, index) => real.kv.put({key: encoder.encode(`batch/${offset + index}`), value: value256})))
  }
  const realRate = batchedPuts / (milliseconds(start) / 1000)
  start = process.hrtime.bigint()
  for (let offset = 0; offset < batchedPuts; offset += batchSize) {
    const requests: InternalRequest[] = Array.from({length: batchSize}, (_, index) => ({
      id: `bench-${offset + index}`,
      put: {key: encoder.encode(`batch/${offset + index}`), value: value256},
    }))
    const outcomes = await cluster.proposeAll(embedded.serving(), requests, 60_000)
    if (outcomes.some((outcome) => !outcome.ok)) throw new Error('a batched put failed')
  }
  const embeddedRate = batchedPuts / (milliseconds(start) / 1000)
  console.log(`batched durable puts (${batchedPuts} in batches of ${batchSize}, 256-byte values)`)
  console.log(`  real etcd 3.4:      ${Math.round(realRate)} puts/s`)
  console.log(`  kubemu embedded:    ${Math.round(embeddedRate)} puts/s (target >= 10000)`)
  console.log(`  ratio kubemu/etcd:  ${(embeddedRate / realRate).toFixed(2)}`)

  // Range over 10,000 keys with a prefix.
  for (let offset = 0; offset < rangeKeys; offset += batchSize) {
    await Promise.all(Array.from({length: batchSize}, (_, index) => real.kv.put({key: encoder.encode(`range/${String(offset + index).padStart(5, '0')}`), value: value256})))
    await cluster.proposeAll(
      embedded.serving(),
      Array.from({length: batchSize}, (_, index) => ({id: `range-${offset + index}`, put: {key: encoder.encode(`range/${String(offset + index).padStart(5, '0')}`), value: value256}})),
      60_000,
    )
  }
  const realRange = await rangeTime(real, 'range/')
  const embeddedRange = await rangeTime(embedded, 'range/')
  console.log(`range over ${rangeKeys} keys with a prefix (best of 5)`)
  console.log(`  real etcd 3.4:      ${realRange.toFixed(1)} ms`)
  console.log(`  kubemu embedded:    ${embeddedRange.toFixed(1)} ms`)
  console.log(`  ratio kubemu/etcd:  ${(embeddedRange / realRange).toFixed(2)}`)

  await real.close()
  await embedded.close()
} finally {
  await etcd.stop()
  rmSync(folder, {recursive: true, force: true})
}
