// The etcd front door under load, as ratios to a real 3-member etcd 3.4 measured in the same run
// (machines here are shared and noisy, so only side-by-side figures mean something):
// - real etcdctl `check perf --load s` and `--load m` against each: throughput and worst latency
//   (targets: worst <= 0.5 s, throughput >= 1.0x real etcd's);
// - p99 put latency with 3 concurrent clients of the etcd3 npm package (target <= 1.5x), and the
//   CPU time each spends per 1,000 puts (kubemu's whole `up` process against the 3 etcd processes);
// - 10,000 reads at past revisions through one etcd3 client (target <= 2x real etcd's time).
// Run: npx vite-node bench/etcd-perf.bench.ts (BENCH_LOADS=s to skip load m, BENCH_LOADS= for none;
// BENCH_PAST_READS=0 skips the past reads; BENCH_ONLY=kubemu measures kubemu up alone, without ratios;
// BENCH_DELETE_KEYS sets the keys of the big DeleteRange measured (0: none); BENCH_ROUNDS sets the p99 rounds (0: none); BENCH_PAIRS runs check perf that many rounds, each on every target in
// turn, and reports each field's median; BENCH_MEMBER_THREADS=off|on|both runs kubemu up with its members'
// SQLite work in-process, in threads (KUBEMU_MEMBER_THREADS=1), or both side by side; off by default;
// BENCH_TRACE=1 has each `up` trace its slow writes (KUBEMU_ETCD_TRACE, src/core/etcd/request-trace.ts)
// and prints after each check perf where the slowest of them waited;
// BENCH_BASELINE=/other/checkout/bin/kubemu adds that build's `up` beside this one's, to compare two
// builds in the same run). All run on free ports, side by side for the whole run, and
// take turns: each measurement runs on one, then the other, and the p99 puts in alternating
// rounds after a warm-up round on each (not counted), so a load that comes and goes on a shared
// machine falls on both alike. The machine's load averages are printed with the figures.
import {type ChildProcess, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {Etcd3} from 'etcd3'
import {RealEtcdCluster} from '../test/support/real-etcd.js'

const loads = (process.env.BENCH_LOADS ?? 's,m').split(',').filter((load) => load !== '')
const kubemuOnly = process.env.BENCH_ONLY === 'kubemu'
const putsPerClient = Number(process.env.BENCH_PUTS ?? 500)
/** Rounds of p99 puts; 0 skips them. */
const putRounds = Math.max(0, Number(process.env.BENCH_ROUNDS ?? 5))
/** Rounds of `check perf` per load, each on every target in turn; the figures are each field's median over them. */
const perfRounds = Math.max(1, Number(process.env.BENCH_PAIRS ?? 1))
const warmUpPutsPerClient = 100
const pastReads = Number(process.env.BENCH_PAST_READS ?? 10_000)
/** Keys of the big DeleteRange measured (check perf --load m leaves about 51,000 to delete); 0 skips it. */
const deleteRangeKeys = Number(process.env.BENCH_DELETE_KEYS ?? 51_000)
/** Puts per transaction while filling those keys (etcd's --max-txn-ops default is 128). */
const fillPutsPerTxn = 128
/** How often the probe reads while the DeleteRange runs. */
const probeIntervalMilliseconds = 10
const historyKeys = 100
const historyRounds = 20
const upStartMillisecondsMax = 60_000
/** How long etcdctl 3.4's `check perf` writes, whatever the load. */
const checkPerfSeconds = 60
const kubemu = resolve(import.meta.dirname, '../bin/kubemu')
/** Whether each `up` traces its slow writes (see the top of this file). */
const tracing = process.env.BENCH_TRACE === '1'
/** Slow writes whose stages are printed after each check perf. */
const tracedShownMax = 8
const memberThreadModes = ({off: [false], on: [true], both: [false, true]} as const)[process.env.BENCH_MEMBER_THREADS ?? 'off']
if (!memberThreadModes) throw new Error(`BENCH_MEMBER_THREADS is off, on or both, not ${process.env.BENCH_MEMBER_THREADS}`)
/** Another build's bin/kubemu, measured beside this one (its `up` with the first member-thread mode). */
const baseline = process.env.BENCH_BASELINE ? resolve(process.env.BENCH_BASELINE) : null
/** Each `up` to measure: which build, with its members in threads or not. */
const upBuilds = [...memberThreadModes.map((memberThreads) => ({bin: kubemu, memberThreads, name: memberThreads ? 'kubemu up (member threads)' : 'kubemu up'})), ...(baseline ? [{bin: baseline, memberThreads: memberThreadModes[0], name: 'kubemu up (baseline build)'}] : [])]

interface PerfResult {
  readonly writesPerSecond: number
  readonly slowestSeconds: number
  readonly verdict: string
  /** Leader changes the members saw during the run (an election stalls every write until it ends). */
  readonly leaderChanges: number
  /** Bytes the serving processes sent to storage during the run, per 1,000 writes it counted. */
  readonly storageBytesPer1000Writes: number
  /** CPU time (user + system) of the serving processes during the run, per 1,000 writes it counted. */
  readonly cpuMillisecondsPer1000Writes: number
  /** The members' WAL fsyncs and backend commits during the run (all members), per 1,000 writes. */
  readonly walFsyncsPer1000Writes: number
  /** The upper bounds (seconds) of the histogram buckets holding the 99th percentile and the slowest of the members' WAL fsyncs during the run (all members): what a write waits behind on this disk. */
  readonly walFsyncP99Seconds: number
  readonly walFsyncSlowestSeconds: number
  readonly backendCommitsPer1000Writes: number
}

interface MemberCounts {
  leaderChanges: number
  walFsyncs: number
  backendCommits: number
  /** The WAL fsync histogram's cumulative bucket counts (summed over members), by upper bound in seconds. */
  walFsyncBuckets: Map<number, number>
}

/** What the members' /metrics on their client ports count: leader changes seen (the most of any member), WAL fsyncs and backend commits (summed). */
async function memberCounts(endpoints: string): Promise<MemberCounts> {
  const counts: MemberCounts = {leaderChanges: 0, walFsyncs: 0, backendCommits: 0, walFsyncBuckets: new Map()}
  for (const endpoint of endpoints.split(',')) {
    const text = await fetch(`http://${endpoint}/metrics`).then((response) => response.text(), () => '')
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
    counts.leaderChanges = Math.max(counts.leaderChanges, value('etcd_server_leader_changes_seen_total'))
    counts.walFsyncs += value('etcd_disk_wal_fsync_duration_seconds_count')
    counts.backendCommits += value('etcd_disk_backend_commit_duration_seconds_count')
    for (const [, bound, count] of text.matchAll(/^etcd_disk_wal_fsync_duration_seconds_bucket\{le="([^"]+)"\} (\S+)$/gm)) {
      const seconds = bound === '+Inf' ? Number.POSITIVE_INFINITY : Number(bound)
      counts.walFsyncBuckets.set(seconds, (counts.walFsyncBuckets.get(seconds) ?? 0) + Number(count))
    }
  }
  return counts
}

/** The upper bound of the bucket holding the given share of the fsyncs counted between two readings (0 when none). */
function fsyncQuantileSeconds(before: MemberCounts, after: MemberCounts, share: number): number {
  const bounds = [...after.walFsyncBuckets.keys()].sort((a, b) => a - b)
  const counted = (bound: number) => after.walFsyncBuckets.get(bound)! - (before.walFsyncBuckets.get(bound) ?? 0)
  const total = bounds.length > 0 ? counted(bounds.at(-1)!) : 0
  if (total === 0) return 0
  return bounds.find((bound) => counted(bound) >= total * share) ?? Number.POSITIVE_INFINITY
}

async function checkPerf(endpoints: string, pids: readonly number[], load: string): Promise<PerfResult> {
  const countsBefore = await memberCounts(endpoints)
  const storageBytesBefore = storageBytes(pids)
  const cpuBefore = cpuSeconds(pids)
  const output = await new Promise<string>((done, fail) => {
    const child = spawn('etcdctl', ['--endpoints', endpoints, 'check', 'perf', '--load', load], {env: {...process.env, ETCDCTL_API: '3'}})
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
    child.on('error', fail)
    child.on('exit', () => done(text))
  })
  const throughput = /(?:Throughput is|Throughput too low:) (\d+) writes\/s/.exec(output)
  const slowest = /Slowest request took(?: too long:)? ([\d.]+)s/.exec(output)
  if (!throughput || !slowest) throw new Error(`check perf --load ${load} against ${endpoints} printed no figures:\n${output.slice(-2000)}`)
  const countsAfter = await memberCounts(endpoints)
  const leaderChanges = countsAfter.leaderChanges - countsBefore.leaderChanges
  const writesPerSecond = Number(throughput[1])
  const per1000Writes = (count: number) => (count * 1000) / (writesPerSecond * checkPerfSeconds)
  // check perf's writes (its rate times its 60 s) and the DeleteRange of all of them at its end.
  const storageBytesPer1000Writes = ((storageBytes(pids) - storageBytesBefore) * 1000) / (writesPerSecond * checkPerfSeconds)
  const cpuMillisecondsPer1000Writes = ((cpuSeconds(pids) - cpuBefore) * 1000 * 1000) / (writesPerSecond * checkPerfSeconds)
  return {writesPerSecond, slowestSeconds: Number(slowest[1]), verdict: output.trim().split('\n').at(-1)!, leaderChanges, storageBytesPer1000Writes, cpuMillisecondsPer1000Writes,
    walFsyncsPer1000Writes: per1000Writes(countsAfter.walFsyncs - countsBefore.walFsyncs),
    backendCommitsPer1000Writes: per1000Writes(countsAfter.backendCommits - countsBefore.backendCommits),
    walFsyncP99Seconds: fsyncQuantileSeconds(countsBefore, countsAfter, 0.99),
    walFsyncSlowestSeconds: fsyncQuantileSeconds(countsBefore, countsAfter, 1),
  }
}

/** Puts by 3 concurrent etcd3 clients, `perClient` each; returns each put's latency in ms. */
async function putLatencies(hosts: string[], perClient: number, round: number): Promise<number[]> {
  const clients = [0, 1, 2].map(() => new Etcd3({hosts}))
  const latencies: number[] = []
  try {
    await Promise.all(
      clients.map(async (client, index) => {
        for (let put = 0; put < perClient; put++) {
          const started = performance.now()
          await client.put(`/bench/p99/${round}/${index}/${put}`).value('x'.repeat(256))
          latencies.push(performance.now() - started)
        }
      }),
    )
    await clients[0]!.delete().prefix('/bench/p99/')
  } finally {
    for (const client of clients) client.close()
  }
  return latencies
}

/** CPU seconds (user + system) the processes have used so far, from /proc. */
function cpuSeconds(pids: readonly number[]): number {
  const ticksPerSecond = 100
  let ticks = 0
  for (const pid of pids) {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks / ticksPerSecond
}

/**
 * Bytes the processes have caused to be written to storage so far (/proc's write_bytes less what
 * was truncated before it reached the disk: WAL and database files, checkpoints included; not
 * sockets), the volume behind every fsync they wait on. kubemu's is the whole `up` process: the
 * control plane's own writes (few while only etcd clients write) count too.
 */
function storageBytes(pids: readonly number[]): number {
  let bytes = 0
  for (const pid of pids) {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8')
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? 0)
    bytes += field('write_bytes') - field('cancelled_write_bytes')
  }
  return bytes
}

/**
 * Fills `deleteRangeKeys` keys as check perf does (256-byte keys under one prefix, 1 KiB values,
 * in transactions of fillPutsPerTxn puts), then deletes them in one DeleteRange, as check perf does
 * at its end, while a second client reads one key from another member every probeIntervalMilliseconds.
 */
async function bigDeleteRange(target: Target): Promise<DeleteRangeResult> {
  const hosts = hostsOf(target)
  const writer = new Etcd3({hosts: hosts[0]!})
  const prober = new Etcd3({hosts: hosts[1] ?? hosts[0]!})
  const prefix = '/bench/delete-range/'
  const value = Buffer.alloc(1024, 'v')
  try {
    for (let filled = 0; filled < deleteRangeKeys; filled += fillPutsPerTxn) {
      const puts = Array.from({length: Math.min(fillPutsPerTxn, deleteRangeKeys - filled)}, () => ({request_put: {key: Buffer.from(`${prefix}${randomBytes(118).toString('hex')}`), value}}))
      await writer.kv.txn({success: puts})
    }
    await prober.put('/bench/probe').value('x')
    const countsBefore = await memberCounts(target.endpoints)
    let deleting = true
    let slowest = 0
    const probing = (async () => {
      while (deleting) {
        const started = performance.now()
        await prober.get('/bench/probe').serializable(true).string()
        slowest = Math.max(slowest, performance.now() - started)
        await new Promise((done) => setTimeout(done, probeIntervalMilliseconds))
      }
    })()
    const started = performance.now()
    await writer.delete().prefix(prefix)
    const deleteMilliseconds = performance.now() - started
    deleting = false
    await probing
    const countsAfter = await memberCounts(target.endpoints)
    return {deleteMilliseconds, probeSlowestMilliseconds: slowest, leaderChanges: countsAfter.leaderChanges - countsBefore.leaderChanges}
  } finally {
    writer.close()
    prober.close()
  }
}

/** Writes history, then times `pastReads` single-key reads, each at an older revision. */
async function pastRevisionReads(hosts: string[]): Promise<number> {
  const client = new Etcd3({hosts})
  try {
    const revisions: number[] = []
    for (let round = 0; round < historyRounds; round++) {
      for (let key = 0; key < historyKeys; key++) {
        const response = await client.put(`/bench/history/${key}`).value(`v${round}`).exec()
        revisions.push(Number(response.header.revision))
      }
    }
    const started = performance.now()
    for (let read = 0; read < pastReads; read++) {
      const revision = revisions[(read * 7919) % revisions.length]!
      await client.get(`/bench/history/${read % historyKeys}`).revision(revision).string()
    }
    const elapsed = performance.now() - started
    await client.delete().prefix('/bench/history/')
    return elapsed
  } finally {
    client.close()
  }
}

const traceFile = (home: string) => join(home, 'etcd-trace.jsonl')

interface TracedWrite {
  readonly at: string
  readonly ms: number
  readonly member: string
  readonly lead: string
  readonly proposed: number | null
  readonly index: number | null
  readonly members: Record<string, {appended: number | null; durable: number | null; applied: number | null}>
  readonly during: ReadonlyArray<{kind: string; member: string; from: number; ms: number; detail?: string}>
}

/** A traced write's stages in order, as [what it waited for, ms from its start]; the longest step held it. */
function tracedSteps(write: TracedWrite): Array<[string, number]> {
  const lead = write.members[write.lead]
  const own = write.members[write.member]
  const durable = Object.values(write.members).map((member) => member.durable).filter((time): time is number => time !== null).sort((a, b) => a - b)
  const steps: Array<[string, number | null | undefined]> = [
    ['raft takes the proposal', write.proposed],
    ["the leader's Ready appends it", lead?.appended],
    ['a quorum has it on disk (fsyncs)', durable[1]],
    ["the leader's Ready applies it", lead?.applied],
    [`its member (${write.member}) applies it`, own?.applied],
    ['the answer', write.ms],
  ]
  return steps.filter((step): step is [string, number] => step[1] !== null && step[1] !== undefined)
}

/** Prints where the slow writes traced since `offset` waited; returns the file's new length. */
function printTraced(home: string, offset: number): number {
  const file = traceFile(home)
  if (!existsSync(file)) return offset
  const text = readFileSync(file, 'utf8')
  const writes = text.slice(offset).split('\n').filter(Boolean).map((line) => JSON.parse(line) as TracedWrite)
  const held = new Map<string, number>()
  for (const write of writes) {
    let previous = 0
    let longest: [string, number] = ['', -1]
    for (const [step, at] of tracedSteps(write)) {
      if (at - previous > longest[1]) longest = [step, at - previous]
      previous = Math.max(previous, at)
    }
    held.set(longest[0], (held.get(longest[0]) ?? 0) + 1)
  }
  console.log(`  traced writes over the threshold: ${writes.length}; the step that held each longest: ${[...held].map(([step, count]) => `${step} ${count}`).join(', ')}`)
  for (const write of [...writes].sort((a, b) => b.ms - a.ms).slice(0, tracedShownMax)) {
    console.log(`  ${write.ms} ms via ${write.member} (lead ${write.lead}) at ${write.at}: ${tracedSteps(write).map(([step, at]) => `${step} +${at}`).join(', ')}`)
    console.log(`    members: ${Object.entries(write.members).map(([name, stages]) => `${name} appended +${stages.appended} durable +${stages.durable} applied +${stages.applied}`).join('; ')}`)
    console.log(`    meanwhile: ${write.during.slice(0, 12).map((event) => `${event.kind}${event.member ? ` ${event.member}` : ''} +${event.from} ${event.ms} ms${event.detail ? ` (${event.detail})` : ''}`).join('; ')}`)
  }
  return text.length
}

interface FrontDoorCall {
  readonly at: string
  readonly ms: number
  readonly member: string
  readonly path: string
  readonly steps: Record<string, number>
  readonly during: TracedWrite['during']
}

/** Prints the gRPC calls the front door took longer than the threshold over since `offset` (`<trace>.front`). */
function printFrontDoor(home: string, offset: number): void {
  const file = `${traceFile(home)}.front`
  if (!existsSync(file)) {
    console.log('  front door: no call over the threshold')
    return
  }
  const calls = readFileSync(file, 'utf8').slice(offset).split('\n').filter(Boolean).map((line) => JSON.parse(line) as FrontDoorCall)
  const byPath = new Map<string, number>()
  for (const call of calls) byPath.set(call.path, (byPath.get(call.path) ?? 0) + 1)
  console.log(`  front door: ${calls.length} calls over the threshold (${[...byPath].map(([path, count]) => `${path} ${count}`).join(', ')})`)
  // A connection's first call: how long the listener held the connection before gRPC took it (its first request's headers decide it).
  const held = calls.filter((call) => call.steps.accepted !== undefined && call.steps.injected !== undefined).map((call) => call.steps.injected! - call.steps.accepted!).sort((a, b) => a - b)
  if (held.length > 0) console.log(`  connections' first calls over the threshold: ${held.length}, from accept to gRPC median ${held[Math.floor(held.length / 2)]} ms, longest ${held.at(-1)} ms`)
  for (const call of [...calls].sort((a, b) => b.ms - a.ms).slice(0, tracedShownMax)) {
    console.log(`  ${call.ms} ms ${call.path} on ${call.member} at ${call.at}: ${Object.entries(call.steps).map(([step, at]) => `${step} +${at}`).join(', ')}`)
    console.log(`    meanwhile: ${call.during.slice(0, 8).map((event) => `${event.kind}${event.member ? ` ${event.member}` : ''} +${event.from} ${event.ms} ms${event.detail ? ` (${event.detail})` : ''}`).join('; ')}`)
  }
}

interface Target {
  readonly name: string
  /** Its KUBEMU_HOME (null: not a kubemu up). */
  readonly home: string | null
  readonly endpoints: string
  /** The processes serving it, whose CPU time is measured. */
  readonly pids: readonly number[]
}

/** One big DeleteRange: how long it took, and what a client reading meanwhile saw. */
interface DeleteRangeResult {
  readonly deleteMilliseconds: number
  /** The slowest of the probe's reads (a serializable get every probeIntervalMilliseconds, on another member) while it ran. */
  readonly probeSlowestMilliseconds: number
  readonly leaderChanges: number
}

interface Figures {
  readonly perf: Record<string, PerfResult>
  deleteRange: DeleteRangeResult | null
  p99: number
  cpuMillisecondsPer1000Puts: number
  reads: number
}

const hostsOf = (target: Target) => target.endpoints.split(',').map((endpoint) => `http://${endpoint}`)
const percentile99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)]!

/** Every measurement on each target in turn (one target when only kubemu is measured). */
async function measureInTurns(targets: readonly Target[]): Promise<Figures[]> {
  const figures: Figures[] = targets.map(() => ({perf: {}, deleteRange: null, p99: 0, cpuMillisecondsPer1000Puts: 0, reads: 0}))
  for (const load of loads) {
    const runs: PerfResult[][] = targets.map(() => [])
    for (let round = 0; round < perfRounds; round++) {
      // Each round starts one target later, so that none always runs first (or last) in a round.
      for (let turn = 0; turn < targets.length; turn++) {
        const index = (turn + round) % targets.length
        const target = targets[index]!
        const traced = target.home && tracing ? readTraceLength(target.home) : 0
        const tracedFront = target.home && tracing ? readTraceLength(target.home, '.front') : 0
        const result = await checkPerf(target.endpoints, target.pids, load)
        runs[index]!.push(result)
        // Each run as it ends: a long run on a shared machine is worth something even if cut short.
        console.log(`check perf --load ${load} round ${round + 1}/${perfRounds} ${target.name}: ${result.writesPerSecond} writes/s, slowest ${result.slowestSeconds.toFixed(3)} s, ${result.leaderChanges} leader changes, WAL fsyncs 99% within ${result.walFsyncP99Seconds} s and slowest within ${result.walFsyncSlowestSeconds} s, ${(result.storageBytesPer1000Writes / 1024 / 1024).toFixed(1)} MiB and ${result.cpuMillisecondsPer1000Writes.toFixed(0)} CPU ms per 1,000 writes (load ${loadAverages()})`)
        if (target.home && tracing) {
          printTraced(target.home, traced)
          printFrontDoor(target.home, tracedFront)
        }
      }
    }
    for (const [index] of targets.entries()) figures[index]!.perf[load] = medianOf(runs[index]!)
  }
  if (deleteRangeKeys > 0) {
    for (const [index, target] of targets.entries()) {
      figures[index]!.deleteRange = await bigDeleteRange(target)
      const result = figures[index]!.deleteRange!
      console.log(`DeleteRange of ${deleteRangeKeys} keys on ${target.name}: ${result.deleteMilliseconds.toFixed(0)} ms; slowest probe read meanwhile ${result.probeSlowestMilliseconds.toFixed(0)} ms; ${result.leaderChanges} leader changes (load ${loadAverages()})`)
    }
  }
  if (putRounds > 0) await measurePuts(targets, figures)
  if (pastReads > 0) for (const [index, target] of targets.entries()) figures[index]!.reads = await pastRevisionReads(hostsOf(target))
  return figures
}

/** Each numeric field's median over the runs (the verdict is the median-throughput run's). */
function medianOf(runs: readonly PerfResult[]): PerfResult {
  const median = (read: (run: PerfResult) => number) => {
    const sorted = runs.map(read).sort((a, b) => a - b)
    return sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2
  }
  const byThroughput = [...runs].sort((a, b) => a.writesPerSecond - b.writesPerSecond)
  return {
    writesPerSecond: median((run) => run.writesPerSecond),
    slowestSeconds: median((run) => run.slowestSeconds),
    verdict: byThroughput[Math.floor((byThroughput.length - 1) / 2)]!.verdict,
    leaderChanges: median((run) => run.leaderChanges),
    storageBytesPer1000Writes: median((run) => run.storageBytesPer1000Writes),
    cpuMillisecondsPer1000Writes: median((run) => run.cpuMillisecondsPer1000Writes),
    walFsyncsPer1000Writes: median((run) => run.walFsyncsPer1000Writes),
    walFsyncP99Seconds: median((run) => run.walFsyncP99Seconds),
    walFsyncSlowestSeconds: median((run) => run.walFsyncSlowestSeconds),
    backendCommitsPer1000Writes: median((run) => run.backendCommitsPer1000Writes),
  }
}

/** The p99 puts of 3 clients, in rounds taking turns after a warm-up round on each. */
async function measurePuts(targets: readonly Target[], figures: Figures[]): Promise<void> {
  for (const target of targets) await putLatencies(hostsOf(target), warmUpPutsPerClient, -1)
  const latencies: number[][] = targets.map(() => [])
  const cpu = targets.map(() => 0)
  for (let round = 0; round < putRounds; round++) {
    for (const [index, target] of targets.entries()) {
      const before = cpuSeconds(target.pids)
      latencies[index]!.push(...(await putLatencies(hostsOf(target), Math.ceil(putsPerClient / putRounds), round)))
      cpu[index]! += cpuSeconds(target.pids) - before
    }
  }
  for (const [index] of targets.entries()) {
    figures[index]!.p99 = percentile99(latencies[index]!)
    figures[index]!.cpuMillisecondsPer1000Puts = (cpu[index]! * 1000 * 1000) / latencies[index]!.length
  }
}

/** `kubemu up` on free ports in a fresh KUBEMU_HOME; resolves with its etcd endpoints. */
async function startUp(home: string, bin: string, memberThreads: boolean): Promise<{child: ChildProcess; endpoints: string}> {
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_MEMBER_THREADS: memberThreads ? '1' : '0', ...(tracing ? {KUBEMU_ETCD_TRACE: traceFile(home)} : {})}
  const child = spawn(process.execPath, [...(process.env.BENCH_UP_NODE_ARGS ?? '').split(' ').filter(Boolean), bin, 'up', '--port', '0', '--etcd-ports', '0,0,0'], {env})
  const endpoints = await new Promise<string>((done, fail) => {
    let text = ''
    const timer = setTimeout(() => fail(new Error(`kubemu up did not start:\n${text}`)), upStartMillisecondsMax)
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString()
      const line = /etcdctl --endpoints=(\S+)/.exec(text)
      if (line && text.includes('leads kube-controller-manager')) {
        clearTimeout(timer)
        done(line[1]!)
      }
    })
    child.on('exit', (code) => fail(new Error(`kubemu up exited (${code}):\n${text}`)))
  })
  return {child, endpoints}
}

/** The trace file's length so far (0: none yet). */
const readTraceLength = (home: string, suffix = '') => (existsSync(traceFile(home) + suffix) ? readFileSync(traceFile(home) + suffix, 'utf8').length : 0)

/** The machine's load averages (1, 5, 15 minutes): the figures mean something only beside them. */
const loadAverages = () => loadavg().map((load) => load.toFixed(2)).join(', ')
const loadAtStart = loadAverages()

// On free ports: etcd's own ones may be in use on a shared machine.
const real = kubemuOnly ? null : await RealEtcdCluster.start({freePorts: true})
const homes = upBuilds.map(() => mkdtempSync(join(tmpdir(), 'kubemu-bench-')))
let realFigures: Figures | null = null
let kubemuResults: Array<{name: string; figures: Figures}> = []
try {
  const ups: Array<{child: ChildProcess; endpoints: string}> = []
  try {
    for (const [index, build] of upBuilds.entries()) ups.push(await startUp(homes[index]!, build.bin, build.memberThreads))
    const kubemuTargets: Target[] = ups.map((up, index) => ({name: upBuilds[index]!.name, home: homes[index]!, endpoints: up.endpoints, pids: [up.child.pid!]}))
    const targets: Target[] = real
      ? [{name: 'etcd', home: null, endpoints: real.clientUrls.map((url) => url.replace('http://', '')).join(','), pids: real.pids}, ...kubemuTargets]
      : kubemuTargets
    const figures = await measureInTurns(targets)
    realFigures = real ? figures[0]! : null
    kubemuResults = kubemuTargets.map((target, index) => ({name: target.name, figures: figures[figures.length - kubemuTargets.length + index]!}))
  } finally {
    for (const up of ups) {
      up.child.kill('SIGINT')
      await new Promise((done) => up.child.once('exit', done))
    }
  }
} finally {
  await real?.stop()
  // A trace outlives its home, for a closer look (its path printed).
  for (const [index, home] of homes.entries()) {
    if (tracing && existsSync(traceFile(home))) {
      const kept = join(tmpdir(), `kubemu-etcd-trace-${process.pid}-${index}.jsonl`)
      copyFileSync(traceFile(home), kept)
      for (const suffix of ['.events', '.front']) if (existsSync(`${traceFile(home)}${suffix}`)) copyFileSync(`${traceFile(home)}${suffix}`, `${kept}${suffix}`)
      console.log(`trace of ${upBuilds[index]!.name}: ${kept}`)
    }
    rmSync(home, {recursive: true, force: true})
  }
}

console.log(`load average at the start: ${loadAtStart}; at the end: ${loadAverages()}`)
const ratio = (value: number) => value.toFixed(2)
/** A figure of real etcd's, or a dash when only kubemu was measured. */
const realOr = (read: (figures: NonNullable<typeof realFigures>) => string) => (realFigures ? read(realFigures) : '-')
const ratioTo = (ours: number, read: (figures: NonNullable<typeof realFigures>) => number) => (realFigures ? ratio(ours / read(realFigures)) : '-')
for (const {name, figures: kubemuFigures} of kubemuResults) {
  console.log(`--- ${name}`)
  for (const load of loads) {
    const ours = kubemuFigures.perf[load]!
    console.log(`etcdctl check perf --load ${load}`)
    console.log(`  real etcd:  ${realOr((real) => `${real.perf[load]!.writesPerSecond} writes/s, slowest ${real.perf[load]!.slowestSeconds.toFixed(3)} s, ${real.perf[load]!.leaderChanges} leader changes (${real.perf[load]!.verdict})`)}`)
    console.log(`  ${name}:  ${ours.writesPerSecond} writes/s, slowest ${ours.slowestSeconds.toFixed(3)} s, ${ours.leaderChanges} leader changes (${ours.verdict})`)
    console.log(`  throughput ratio kubemu/etcd: ${ratioTo(ours.writesPerSecond, (real) => real.perf[load]!.writesPerSecond)} (target >= 1.0); worst latency ${ours.slowestSeconds.toFixed(3)} s (target <= 0.5)`)
    const mebibytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
    console.log(`  CPU per 1,000 writes: real etcd (3 processes) ${realOr((real) => real.perf[load]!.cpuMillisecondsPer1000Writes.toFixed(0))} ms; ${name} (one process) ${ours.cpuMillisecondsPer1000Writes.toFixed(0)} ms; ratio ${ratioTo(ours.cpuMillisecondsPer1000Writes, (real) => real.perf[load]!.cpuMillisecondsPer1000Writes)}`)
    const syncs = (perf: PerfResult) => `${perf.walFsyncsPer1000Writes.toFixed(0)} WAL fsyncs (99% within ${perf.walFsyncP99Seconds} s, slowest within ${perf.walFsyncSlowestSeconds} s), ${perf.backendCommitsPer1000Writes.toFixed(0)} backend commits`
    console.log(`  per 1,000 writes, all members: real etcd ${realOr((real) => syncs(real.perf[load]!))}; ${name} ${syncs(ours)}`)
    console.log(`  written to storage per 1,000 writes: real etcd ${realOr((real) => mebibytes(real.perf[load]!.storageBytesPer1000Writes))} MiB; ${name} ${mebibytes(ours.storageBytesPer1000Writes)} MiB; ratio ${ratioTo(ours.storageBytesPer1000Writes, (real) => real.perf[load]!.storageBytesPer1000Writes)}`)
  }
  if (deleteRangeKeys > 0 && kubemuFigures.deleteRange) {
    const ours = kubemuFigures.deleteRange
    console.log(`DeleteRange of ${deleteRangeKeys} keys (check perf's last request), with a client reading another member every ${probeIntervalMilliseconds} ms`)
    console.log(`  real etcd: ${realOr((real) => `${real.deleteRange!.deleteMilliseconds.toFixed(0)} ms, slowest read meanwhile ${real.deleteRange!.probeSlowestMilliseconds.toFixed(0)} ms, ${real.deleteRange!.leaderChanges} leader changes`)}`)
    console.log(`  ${name}: ${ours.deleteMilliseconds.toFixed(0)} ms, slowest read meanwhile ${ours.probeSlowestMilliseconds.toFixed(0)} ms, ${ours.leaderChanges} leader changes`)
  }
  if (putRounds > 0) {
    console.log(`p99 put latency, 3 etcd3 clients x ${putsPerClient} puts in ${putRounds} rounds taking turns`)
    console.log(`  real etcd: ${realOr((real) => real.p99.toFixed(1))} ms; ${name}: ${kubemuFigures.p99.toFixed(1)} ms; ratio ${ratioTo(kubemuFigures.p99, (real) => real.p99)} (target <= 1.5)`)
    console.log(`  CPU per 1,000 puts: real etcd (3 processes) ${realOr((real) => real.cpuMillisecondsPer1000Puts.toFixed(0))} ms; ${name} (one process) ${kubemuFigures.cpuMillisecondsPer1000Puts.toFixed(0)} ms; ratio ${ratioTo(kubemuFigures.cpuMillisecondsPer1000Puts, (real) => real.cpuMillisecondsPer1000Puts)}`)
  }
  if (pastReads > 0) {
    console.log(`${pastReads} reads at past revisions (one etcd3 client)`)
    console.log(`  real etcd: ${realOr((real) => real.reads.toFixed(0))} ms; ${name}: ${kubemuFigures.reads.toFixed(0)} ms; ratio ${ratioTo(kubemuFigures.reads, (real) => real.reads)} (target <= 2.0)`)
  }
}
