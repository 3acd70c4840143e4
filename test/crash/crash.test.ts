// Crash safety through real processes: a writer is killed with SIGKILL at seeded points; after
// each reopen every acknowledged write is there, revisions are gapless, the members agree
// (same KV hash), and SQLite's integrity check passes.
import {spawn} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster, memberDatabasePath} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {hashHistory} from '../../src/core/mvcc/hash.js'
import {prefixEnd} from '../../src/core/mvcc/key-range.js'
import {MemberDatabase} from '../../src/core/storage/member-database.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {byTestLength} from '../support/long-tests.js'
import {bytes, temporaryFolder, text} from '../support/temp.js'

const here = dirname(fileURLToPath(import.meta.url))
/** 30 SIGKILLs by default, 110 with KUBEMU_TESTS_LONG=1; CRASH_KILLS sets any number. */
const killCount = Number(process.env.CRASH_KILLS ?? byTestLength(30, 110))
/** Kills of writers that live for hundreds of commits: 3 by default, 6 with KUBEMU_TESTS_LONG=1. */
const checkpointKillCount = byTestLength(3, 6)
const seed = Number(process.env.SEED ?? 20261123)

/** Runs the writer until it has printed `acksBeforeKill` acknowledgements, then kills it. */
function runAndKill(folder: string, first: number, writerSeed: number, batch: number, acksBeforeKill: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(here, 'crash-writer.mjs'), folder, String(first), String(writerSeed), String(batch)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let lastAck = first - 1
    let acks = 0
    let buffered = ''
    let errors = ''
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()))
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        if (line.startsWith('ack ')) {
          lastAck = Number(line.slice(4))
          acks++
        }
        if ((line === 'opened' && acksBeforeKill === 0) || acks >= acksBeforeKill) child.kill('SIGKILL')
      }
    })
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lastAck)
      else reject(new Error(`the writer exited by itself (code ${code}): ${errors}`))
    })
  })
}

/**
 * Kills writers `kills` times, each after a seeded number of acknowledgements; returns the last
 * write acknowledged. Keys a killed writer may have committed without acknowledging are written
 * again later with the same values, so the check after stays exact.
 */
async function killRepeatedly(folder: string, kills: number, seed: number, acksBeforeKill: (random: SeededRandom) => number): Promise<number> {
  const random = new SeededRandom(seed)
  let acknowledged = 0
  for (let kill = 0; kill < kills; kill++) {
    const batch = random.chance(0.3) ? 1 + random.nextInt(64) : 1
    const lastAck = await runAndKill(folder, acknowledged + 1, seed + kill, batch, acksBeforeKill(random))
    acknowledged = Math.max(acknowledged, lastAck)
  }
  return acknowledged
}

/** Every acknowledged write is there, revisions are gapless, the members agree, SQLite is sound. */
async function verifyFolder(folder: string, acknowledged: number, seed: number): Promise<void> {
  const cluster = EmbeddedCluster.open(folder, {seed})
  const client = new EmbeddedClient(cluster, {endpoint: 'infra1'})
  const all = await client.kv.range({key: bytes('k'), rangeEnd: prefixEnd(bytes('k'))})
  const values = new Map(all.kvs.map((kv) => [text(kv.key), text(kv.value)]))
  for (let index = 1; index <= acknowledged; index++) expect(values.get(`k${index}`), `k${index}`).toBe(`v${index}`)
  // Let every member catch up, then close cleanly so their files are final.
  await client.close()
  const hashes: number[] = []
  for (const name of ['infra1', 'infra2', 'infra3']) {
    const database = MemberDatabase.open(memberDatabasePath(folder, name), {readonly: true})
    expect(database.integrityProblems(), name).toEqual([])
    const revisions = new Set<number>()
    for (const row of database.kv.historyThrough(Number.MAX_SAFE_INTEGER)) revisions.add(row.modRevision)
    const sorted = [...revisions].sort((a, b) => a - b)
    expect(sorted[0], `${name}: first revision`).toBe(2)
    expect(sorted[sorted.length - 1]! - sorted[0]! + 1, `${name}: revisions are gapless`).toBe(sorted.length)
    hashes.push(hashHistory(database.kv.historyThrough(Number.MAX_SAFE_INTEGER)))
    database.close()
  }
  expect(new Set(hashes).size, `KV hashes ${hashes.join(', ')}`).toBe(1)
}

describe('crash safety', () => {
  it(`loses no acknowledged write over ${killCount} SIGKILLs (seed ${seed})`, async () => {
    try {
      const folder = temporaryFolder()
      const acknowledged = await killRepeatedly(folder, killCount, seed, (random) => random.nextInt(12))
      await verifyFolder(folder, acknowledged, seed)
      expect(acknowledged).toBeGreaterThan(killCount)
    } catch (error) {
      throw new Error(`crash test failed (replay with SEED=${seed}): ${(error as Error).message}`, {cause: error})
    }
  }, 600_000)

  // A writer that lives for hundreds of commits has handed its WAL checkpoints to the worker
  // thread: it is killed while they run, and still nothing acknowledged is lost.
  it(`loses no acknowledged write over ${checkpointKillCount} kills while checkpoints run in the background (seed ${seed})`, async () => {
    try {
      const folder = temporaryFolder()
      const acknowledged = await killRepeatedly(folder, checkpointKillCount, seed, (random) => 300 + random.nextInt(500))
      await verifyFolder(folder, acknowledged, seed)
      expect(acknowledged).toBeGreaterThan(checkpointKillCount * 300)
    } catch (error) {
      throw new Error(`crash test failed (replay with SEED=${seed}): ${(error as Error).message}`, {cause: error})
    }
  }, 600_000)
})
