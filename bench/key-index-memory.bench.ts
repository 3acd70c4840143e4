// What an in-memory index of the current keys would cost (etcd's treeIndex, in place of the `kv`
// table): the heap and buffer bytes per key of entries holding what a key's row holds (its bytes,
// its number, its newest history id, create revision, version and lease), sorted by key.
// Run: npx vite-node bench/key-index-memory.bench.ts (BENCH_KEYS, BENCH_KEY_BYTES: a list, e.g. 64,256).
import {randomBytes} from 'node:crypto'
import {setFlagsFromString} from 'node:v8'
import {runInNewContext} from 'node:vm'

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void
const keys = Number(process.env.BENCH_KEYS ?? 100_000)
const keyBytesList = (process.env.BENCH_KEY_BYTES ?? '64,256').split(',').map(Number)

interface IndexEntry {
  readonly key: Buffer
  readonly keyId: number
  readonly historyId: bigint
  readonly createRevision: number
  readonly version: number
  readonly lease: bigint
}

const used = () => {
  collect()
  const memory = process.memoryUsage()
  return memory.heapUsed + memory.arrayBuffers
}

for (const keyBytes of keyBytesList) {
  const before = used()
  const entries: IndexEntry[] = []
  for (let index = 0; index < keys; index++) {
    const key = Buffer.from(randomBytes(Math.ceil(keyBytes / 2)).toString('hex').slice(0, keyBytes))
    entries.push({key, keyId: index + 1, historyId: BigInt(index + 1) << 24n, createRevision: index + 1, version: 1, lease: 0n})
  }
  entries.sort((a, b) => Buffer.compare(a.key, b.key))
  const perKey = (used() - before) / keys
  console.log(`${keys} keys of ${keyBytes} bytes: ${perKey.toFixed(0)} bytes per key (Node ${process.version})`)
  entries.length = 0
}
