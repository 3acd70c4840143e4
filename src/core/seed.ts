// Deterministic runs. A cluster created with a seed (`kubemu --seed N …`, `kubemu up --seed N` or
// KUBEMU_SEED=N on the command that creates it) keeps it in `<cluster folder>/seed.json`, and every
// random choice its components make (UIDs, name suffixes, ClusterIPs and node ports, scheduling
// tie-breaks, election timeouts, leader-election identities, kube-proxy's draws) comes from one
// stream per component derived from it, so the same commands give the same output, byte for byte.
//
// A one-shot command is one process: its streams continue the cluster's, as the file also counts
// the processes that drew (a process claims the next number at its first draw and derives its
// streams from the seed, that number and the component's name). Without a seed, choices stay random.
import {randomUUID} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fnv32a} from './util/fnv.js'
import {SeededRandom} from './util/random.js'

export const seedVariable = 'KUBEMU_SEED'
export const seedFileName = 'seed.json'
/** The largest seed: the generator's state is 32 bits. */
export const seedMax = 4_294_967_295
/**
 * Cluster time when a seeded cluster is created (2025-01-01T00:00:00Z): its clock starts there
 * and moves only with `kubemu time advance` in one-shot mode (and with real time while `up`
 * runs), so creationTimestamps and AGE columns repeat too.
 */
export const seededEpochMilliseconds = Date.UTC(2025, 0, 1)

/** A seed that is not a whole number in [0, seedMax], or one that contradicts the cluster's. */
export class SeedError extends Error {}

/** `--seed` or KUBEMU_SEED as given: a whole number from 0 to seedMax. */
export function parseSeed(text: string, source: string): number {
  if (!/^\d+$/.test(text) || Number(text) > seedMax) throw new SeedError(`invalid ${source} ${JSON.stringify(text)}: give a whole number from 0 to ${seedMax}`)
  return Number(text)
}

interface SeedFile {
  readonly seed: number
  /** Processes that have drawn from the cluster's streams so far. */
  readonly runs: number
}

function readSeedFile(folder: string): SeedFile | null {
  const path = join(folder, seedFileName)
  if (!existsSync(path)) return null
  let parsed: Partial<SeedFile>
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<SeedFile>
  } catch (error) {
    throw new SeedError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (typeof parsed.seed !== 'number' || !Number.isInteger(parsed.seed) || parsed.seed < 0 || parsed.seed > seedMax) throw new SeedError(`cannot read ${path}: no valid seed in it`)
  return {seed: parsed.seed, runs: typeof parsed.runs === 'number' && Number.isInteger(parsed.runs) && parsed.runs >= 0 ? parsed.runs : 0}
}

function writeSeedFile(folder: string, file: SeedFile): void {
  const path = join(folder, seedFileName)
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file)}\n`)
  renameSync(`${path}.tmp`, path)
}

/** The seed the cluster in `folder` was created with, or null. */
export function clusterSeed(folder: string): number | null {
  return readSeedFile(folder)?.seed ?? null
}

/** Whether `folder` holds a cluster already (anything in it but the seed file). */
function clusterExists(folder: string): boolean {
  return existsSync(folder) && readdirSync(folder).some((name) => name !== seedFileName && name !== `${seedFileName}.tmp`)
}

/**
 * Applies the seed the environment gives (KUBEMU_SEED, which `--seed` sets) to the cluster in
 * `folder` before anything opens it: a new cluster keeps it; an existing one must have been
 * created with the same seed, since its history cannot be replayed under another.
 */
export function applySeed(environment: NodeJS.ProcessEnv, folder: string): void {
  const text = environment[seedVariable]
  if (text === undefined || text === '') return
  const seed = parseSeed(text, seedVariable)
  const stored = readSeedFile(folder)
  if (stored) {
    if (stored.seed !== seed) throw new SeedError(`this cluster was created with seed ${stored.seed}, not ${seed}: a seed applies from a cluster's creation (remove ${folder} to create it again with another)`)
    return
  }
  if (clusterExists(folder)) throw new SeedError(`this cluster was created without a seed: a seed applies from a cluster's creation (remove ${folder} to create it again with seed ${seed})`)
  mkdirSync(folder, {recursive: true})
  writeSeedFile(folder, {seed, runs: 0})
}

/** Where a component's random choices come from: streams of the cluster's seed, or real randomness. */
export interface ClusterRandomness {
  readonly seed: number | null
  /** Numbers in [0, 1) for `component`. */
  numbers(component: string): () => number
  /** Version 4 UUIDs for `component`. */
  uuids(component: string): () => string
  /** A 32-bit seed for a component that builds its own generator (the embedded etcd cluster's raft), or null. */
  seedOf(component: string): number | null
}

class SeededStreams implements ClusterRandomness {
  private run: number | null = null
  private readonly streams = new Map<string, SeededRandom>()

  constructor(
    private readonly folder: string,
    readonly seed: number,
  ) {}

  /** This process's number among those that drew, claimed at its first draw. */
  private claimRun(): number {
    if (this.run !== null) return this.run
    const file = readSeedFile(this.folder) ?? {seed: this.seed, runs: 0}
    this.run = file.runs
    writeSeedFile(this.folder, {seed: this.seed, runs: file.runs + 1})
    return this.run
  }

  seedOf(component: string): number {
    return fnv32a(`${this.seed}/${this.claimRun()}/${component}`)
  }

  private stream(component: string): SeededRandom {
    let stream = this.streams.get(component)
    if (!stream) {
      stream = new SeededRandom(this.seedOf(component))
      this.streams.set(component, stream)
    }
    return stream
  }

  numbers(component: string): () => number {
    return () => this.stream(component).next()
  }

  uuids(component: string): () => string {
    const next = this.numbers(component)
    return () => seededUuid(() => Math.floor(next() * 4_294_967_296))
  }
}

/** A version 4 UUID from four 32-bit draws. */
function seededUuid(draw: () => number): string {
  const hex = Array.from({length: 4}, () => draw().toString(16).padStart(8, '0')).join('')
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

const unseeded: ClusterRandomness = {
  seed: null,
  numbers: () => Math.random,
  uuids: () => () => randomUUID(),
  seedOf: () => null,
}

const opened = new Map<string, ClusterRandomness>()

/** The randomness of the cluster in `folder`: one per process, so its streams continue across a command's components. */
export function clusterRandomness(folder: string): ClusterRandomness {
  const seed = clusterSeed(folder)
  let randomness = opened.get(folder)
  // A cluster reset and created again in this process (tests) starts over.
  if (!randomness || randomness.seed !== seed) {
    randomness = seed === null ? unseeded : new SeededStreams(folder, seed)
    opened.set(folder, randomness)
  }
  return randomness
}
