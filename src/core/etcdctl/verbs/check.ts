// etcdctl check perf|datascale: etcdctl 3.4's load models, rate limit, clients, report lines and
// exit codes (etcdctl/ctlv3/command/check.go).
import {randomBytes} from 'node:crypto'
import type {PutRequest} from '../../mvcc/types.js'
import {prefixEnd} from '../../mvcc/key-range.js'
import {type EtcdctlClient, type Verb, type VerbContext, ExitError, exitCodes, flag, isSet} from '../verb.js'
import {clientFor} from './cluster.js'

export interface CheckPerfLoad {
  readonly writesPerSecond: number
  readonly clients: number
  readonly durationSeconds: number
}

export interface CheckDatascaleLoad {
  readonly keys: number
  readonly keyValueBytes: number
  readonly clients: number
}

export const checkPerfLoads: Record<string, CheckPerfLoad> = {
  s: {writesPerSecond: 150, clients: 50, durationSeconds: 60},
  m: {writesPerSecond: 1000, clients: 200, durationSeconds: 60},
  l: {writesPerSecond: 8000, clients: 500, durationSeconds: 60},
  xl: {writesPerSecond: 15000, clients: 1000, durationSeconds: 60},
}

export const checkDatascaleLoads: Record<string, CheckDatascaleLoad> = {
  s: {keys: 10_000, keyValueBytes: 1024, clients: 50},
  m: {keys: 100_000, keyValueBytes: 1024, clients: 200},
  l: {keys: 1_000_000, keyValueBytes: 1024, clients: 500},
  xl: {keys: 3_000_000, keyValueBytes: 1024, clients: 1000},
}

/** How far behind its schedule check perf's producer may catch up at once. */
const catchUpMillisecondsMax = 1000

const loadAliases: Record<string, string> = {s: 's', small: 's', m: 'm', medium: 'm', l: 'l', large: 'l', xl: 'xl', xLarge: 'xl'}

/** etcd's report.Stats for the figures check prints. */
export interface LatencyReport {
  readonly requestsPerSecond: number
  readonly slowestSeconds: number
  readonly stddevSeconds: number
  readonly errors: ReadonlyMap<string, number>
}

class LatencyRecorder {
  private readonly latencies: number[] = []
  readonly errors = new Map<string, number>()
  private readonly started = performance.now()

  async time(request: () => Promise<unknown>): Promise<void> {
    const started = performance.now()
    try {
      await request()
      this.latencies.push((performance.now() - started) / 1000)
    } catch (error) {
      const message = (error as Error).message
      this.errors.set(message, (this.errors.get(message) ?? 0) + 1)
    }
  }

  report(): LatencyReport {
    const seconds = (performance.now() - this.started) / 1000
    const count = this.latencies.length
    const mean = count === 0 ? 0 : this.latencies.reduce((sum, latency) => sum + latency, 0) / count
    const variance = count === 0 ? 0 : this.latencies.reduce((sum, latency) => sum + (latency - mean) ** 2, 0) / count
    return {requestsPerSecond: count / seconds, slowestSeconds: count === 0 ? 0 : Math.max(...this.latencies), stddevSeconds: Math.sqrt(variance), errors: this.errors}
  }
}

/** etcdctl's key: the prefix, then a buffer of `size` zero bytes starting with a random varint. */
function randomKey(prefix: string, size: number): Uint8Array {
  const key = Buffer.alloc(size)
  // Go's binary.PutVarint of a random int63: zig-zag, then 7 bits a byte.
  let zigzag = (randomBytes(8).readBigUInt64BE() >> 1n) << 1n
  let position = 0
  while (zigzag >= 0x80n) {
    key[position++] = Number(zigzag & 0x7fn) | 0x80
    zigzag >>= 7n
  }
  key[position] = Number(zigzag)
  return Buffer.concat([Buffer.from(prefix, 'latin1'), key])
}

/**
 * Sends `send()`'s requests through `clients` workers, as etcdctl's clients reading one channel;
 * `waitTurn` paces the producer (etcdctl's rate limiter) and says when to stop.
 */
async function runWorkers(clients: number, waitTurn: () => Promise<boolean>, send: () => Promise<void>, onDone?: () => void): Promise<void> {
  let pending = 0
  let wakeProducer: (() => void) | null = null
  const inFlight = new Set<Promise<void>>()
  while (await waitTurn()) {
    while (pending >= clients * 2) await new Promise<void>((resolve) => (wakeProducer = resolve))
    pending++
    const request: Promise<void> = send().finally(() => {
      pending--
      inFlight.delete(request)
      onDone?.()
      wakeProducer?.()
      wakeProducer = null
    })
    inFlight.add(request)
  }
  await Promise.all(inFlight)
}

async function refuseUsedPrefix(client: EtcdctlClient, prefix: string): Promise<void> {
  const key = Buffer.from(prefix, 'latin1')
  const existing = await client.kv.range({key, rangeEnd: prefixEnd(key), limit: 1})
  if (existing.kvs.length > 0) throw new ExitError(exitCodes.invalidInput, `prefix "${prefix}" has keys. Delete with etcdctl del --prefix ${prefix} first`)
}

/** Deletes the check's keys, then compacts and defragments as asked. */
async function cleanUp(context: VerbContext, client: EtcdctlClient, prefix: string): Promise<void> {
  const key = Buffer.from(prefix, 'latin1')
  const deleted = await client.kv.deleteRange({key, rangeEnd: prefixEnd(key)})
  if (isSet(context.flags, 'auto-compact')) {
    await client.kv.compact({revision: deleted.header.revision})
    context.io.stdout(`compacted revision ${deleted.header.revision}\n`)
  }
  if (isSet(context.flags, 'auto-defrag')) {
    for (const endpoint of flag(context.flags, 'endpoints').split(',')) {
      await clientFor(client, endpoint).maintenance.defragment()
      context.io.stdout(`Finished defragmenting etcd member[${endpoint}]\n`)
    }
  }
}

function chooseLoad<T>(loads: Record<string, T>, context: VerbContext): T {
  const name = loadAliases[flag(context.flags, 'load')]
  if (!name) throw new ExitError(exitCodes.badFeature, `unknown load option ${flag(context.flags, 'load')}`)
  return loads[name]!
}

/** A progress bar as etcdctl's (pb "Bom !"), drawn only on a terminal. */
function progressBar(context: VerbContext, total: number): {advance(to: number): void; finish(elapsedSeconds: number): void} {
  const draw = (done: number, suffix = '') => {
    if (!context.io.stdoutIsTerminal) return
    const width = String(total).length
    context.io.stdout(`\r ${String(done).padStart(width)} / ${total} ${((100 * done) / total).toFixed(2).padStart(7)}%${suffix}`)
  }
  return {
    advance: (to) => draw(to),
    finish: (elapsedSeconds) => {
      const minutes = Math.floor(elapsedSeconds / 60)
      draw(total, ` ${minutes > 0 ? `${minutes}m` : ''}${Math.round(elapsedSeconds % 60)}s`)
      if (context.io.stdoutIsTerminal) context.io.stdout('\n')
    },
  }
}

/** check perf's run against `client`; the load is a parameter so that tests can run a short one. */
export async function checkPerf(context: VerbContext, client: EtcdctlClient, load: CheckPerfLoad, prefix: string): Promise<number> {
  await refuseUsedPrefix(client, prefix)
  const value = new Uint8Array(1024)
  const recorder = new LatencyRecorder()
  const bar = progressBar(context, load.durationSeconds)
  const started = performance.now()
  const ticker = setInterval(() => bar.advance(Math.min(load.durationSeconds, Math.floor((performance.now() - started) / 1000))), 1000)
  const deadline = started + load.durationSeconds * 1000
  // etcdctl's rate.NewLimiter(limit, 1): one request every 1/limit seconds, none once the
  // duration is over. etcdctl's producer runs beside the server; here a busy event loop (the
  // embedded cluster runs in this process) wakes the producer late, so the turns it missed are
  // taken at once, up to a second of them.
  let nextDue = started
  const waitTurn = async (): Promise<boolean> => {
    const now = performance.now()
    const due = Math.max(nextDue, now - catchUpMillisecondsMax)
    if (due >= deadline) return false
    if (due > now) await new Promise((resolve) => setTimeout(resolve, due - now))
    nextDue = due + 1000 / load.writesPerSecond
    return true
  }
  try {
    await runWorkers(load.clients, waitTurn, () => recorder.time(() => client.kv.put({key: randomKey(prefix, 256), value} satisfies PutRequest)))
  } finally {
    clearInterval(ticker)
  }
  bar.finish((performance.now() - started) / 1000)
  const report = recorder.report()
  await cleanUp(context, client, prefix)
  const lines: string[] = []
  let passed = true
  if (report.errors.size > 0) {
    lines.push('FAIL: too many errors')
    for (const [error, count] of report.errors) lines.push(`FAIL: ERROR(${error}) -> ${count}`)
    passed = false
  }
  const throughput = Math.floor(report.requestsPerSecond) + 1
  if (report.requestsPerSecond / load.writesPerSecond <= 0.9) {
    lines.push(`FAIL: Throughput too low: ${throughput} writes/s`)
    passed = false
  } else {
    lines.push(`PASS: Throughput is ${throughput} writes/s`)
  }
  if (report.slowestSeconds > 0.5) {
    lines.push(`Slowest request took too long: ${report.slowestSeconds.toFixed(6)}s`)
    passed = false
  } else {
    lines.push(`PASS: Slowest request took ${report.slowestSeconds.toFixed(6)}s`)
  }
  if (report.stddevSeconds > 0.1) {
    lines.push(`Stddev too high: ${report.stddevSeconds.toFixed(6)}s`)
    passed = false
  } else {
    lines.push(`PASS: Stddev is ${report.stddevSeconds.toFixed(6)}s`)
  }
  lines.push(passed ? 'PASS' : 'FAIL')
  context.io.stdout(lines.map((line) => `${line}\n`).join(''))
  return passed ? exitCodes.success : exitCodes.error
}

/** check datascale's run against `client`. */
export async function checkDatascale(context: VerbContext, client: EtcdctlClient, load: CheckDatascaleLoad, prefix: string): Promise<number> {
  await refuseUsedPrefix(client, prefix)
  const endpoint = flag(context.flags, 'endpoints').split(',')[0]!
  const memory = async (): Promise<number> => {
    try {
      return await context.residentMemoryBytes(endpoint)
    } catch {
      return 0
    }
  }
  const before = await memory()
  if (before === 0) {
    context.io.stdout('FAIL: Could not read process_resident_memory_bytes before the put operations.\n')
    return exitCodes.error
  }
  context.io.stdout(`Start data scale check for work load [${load.keys} key-value pairs, ${load.keyValueBytes} bytes per key-value, ${load.clients} concurrent clients].\n`)
  const value = new Uint8Array(512)
  const recorder = new LatencyRecorder()
  const bar = progressBar(context, load.keys)
  const started = performance.now()
  let sent = 0
  let done = 0
  await runWorkers(
    load.clients,
    async () => sent++ < load.keys,
    () => recorder.time(() => client.kv.put({key: randomKey(prefix, 512), value})),
    () => {
      done++
      if (done % 100 === 0) bar.advance(done)
    },
  )
  bar.finish((performance.now() - started) / 1000)
  const report = recorder.report()
  const after = await memory()
  if (after === 0) {
    context.io.stdout('FAIL: Could not read process_resident_memory_bytes after the put operations.\n')
    return exitCodes.error
  }
  await cleanUp(context, client, prefix)
  if (report.errors.size > 0) {
    const lines = ['FAIL: too many errors', ...[...report.errors].map(([error, count]) => `FAIL: ERROR(${error}) -> ${count}`)]
    context.io.stdout(lines.map((line) => `${line}\n`).join(''))
    return exitCodes.error
  }
  context.io.stdout(`PASS: Approximate system memory used : ${((after - before) / (1024 * 1024)).toFixed(2)} MB.\n`)
  return exitCodes.success
}

/** A check verb: etcdctl's four flags, the load model chosen by --load, the run on one client. */
function checkVerb<T>(prefix: string, loads: Record<string, T>, check: (context: VerbContext, client: EtcdctlClient, load: T, prefix: string) => Promise<number>): Verb {
  return {
    flags: [
      {name: 'load', kind: 'string', defaultValue: 's'},
      {name: 'prefix', kind: 'string', defaultValue: prefix},
      {name: 'auto-compact', kind: 'bool', defaultValue: 'false'},
      {name: 'auto-defrag', kind: 'bool', defaultValue: 'false'},
    ],
    async run(context) {
      const load = chooseLoad(loads, context)
      let code: number = exitCodes.success
      await context.withClient(async (client) => {
        code = await check(context, client, load, flag(context.flags, 'prefix'))
      })
      return code
    },
  }
}

export const checkVerbs: Record<string, Verb> = {
  perf: checkVerb('/etcdctl-check-perf/', checkPerfLoads, checkPerf),
  datascale: checkVerb('/etcdctl-check-datascale/', checkDatascaleLoads, checkDatascale),
}
