// kwok's CI benchmark shape, side by side with its published limits: `kubemu up` on free ports,
// driven as kwok's CI drives a kwok cluster (kwok's test/e2e/benchmark.go):
//   1. NODES fake nodes (Node objects, as kwok's are) created, until all are Ready;
//   2. PODS pods with spec.nodeName preset, until all are Running;
//   3. PODS pods left to the scheduler, until all are Running;
//   4. every pod deleted, until none is left.
// The objects are created and deleted as `kwokctl scale --replicas` does, one request after
// another from a compiled client without a rate limiter (support/serial-client.ts; CREATORS=n runs
// n such clients side by side, kwok runs 1), and each phase waits as kwok's CI waits, on the real
// kubectl 1.32's `get --watch` (deletes: `get` once a second until nothing is left). Each phase
// prints how long the creates alone took, so it shows whether the client or the cluster bounds it.
// Printed: each phase's time and rate, its ratio to kwok's limit (5,000 nodes ≤ 60 s; 10,000
// preset pods ≤ 60 s; deleting 10,000 pods ≤ 90 s, scaled to the run's size) and to
// kube-scheduler's ~300 pods/s, the issue's targets, the up process's peak resident memory and
// the store's size on disk, and up's CPU time per object (comparable between runs on a busy host).
// MODE=one-shot runs the same phases through `kubemu kubectl` one-shot commands (no `up`).
// Sizes: NODES (1,000) and PODS (3,000) finish in minutes on 2 cores; kwok's own CI runs
// NODES=5000 PODS=10000, and its largest stated shape is NODES=1000 PODS=100000.
// NODE_PODS sets the nodes' pod capacity (110); KUBEMU_BIN runs another build's bin/kubemu.
// CPU_PROFILE_DIR=folder writes the up process's CPU profile there (node --cpu-prof) when it stops.
// Run: npm run build && npx vite-node bench/kwok.bench.ts
import {spawn} from 'node:child_process'
import {closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {realKubectl} from '../test/support/real-kubectl.js'
import {SerialClient} from './support/serial-client.js'
import {watchUntil} from './support/watch-count.js'

const nodeCount = Number(process.env.NODES ?? 1000)
const podCount = Number(process.env.PODS ?? 3000)
const oneShot = process.env.MODE === 'one-shot'
/** Clients creating side by side; kwokctl scale is one. */
const creatorCount = Number(process.env.CREATORS ?? 1)
/** Each fake node's pod capacity (kwok's template: 110); more puts more pods on a node with NODES small. */
const nodePodsMax = Number(process.env.NODE_PODS ?? 110)
/** How often the bench looks for up's first leader in its log, and for how long at most. */
const upReadyPollMilliseconds = 100
const upReadyWaitMillisecondsMax = 60_000
/** How often a wait asks for the objects, as kwok's CI loop does with `kubectl get | grep | wc -l` (it sleeps 1 s). */
const pollMilliseconds = 1_000
/** A phase that has not finished by then failed. */
const phaseSecondsMax = Number(process.env.PHASE_SECONDS_MAX ?? 1800)
const namespace = 'kwok-bench'
/** KUBEMU_BIN=OTHER/bin/kubemu measures another build with this bench (builds compared taking turns). */
const kubemu = resolve(process.env.KUBEMU_BIN ?? resolve(import.meta.dirname, '../bin/kubemu'))
const home = mkdtempSync(join(tmpdir(), 'kubemu-kwok-bench-'))
const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

function run(command: string, argv: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, {env, cwd: home, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', fail)
    child.on('close', (status) => done({status, stdout, stderr}))
    child.stdin.end(stdin)
  })
}

/** kubectl as the mode drives it: the real one against up, or kubemu's one-shot one. */
async function kubectl(...argv: string[]): Promise<string> {
  const result = oneShot ? await run(kubemu, ['kubectl', ...argv]) : await run(realKubectl, [`--kubeconfig=${kubeconfig()}`, ...argv])
  if (result.status !== 0) throw new Error(`kubectl ${argv.join(' ')} exited ${result.status}: ${result.stderr}`)
  return result.stdout
}

const kubeconfig = () => join(home, 'default', 'kubeconfig')
let client: SerialClient | undefined
const collectionPath = (item: object) => {
  const {kind, metadata} = item as {kind: string; metadata: {namespace?: string}}
  return metadata.namespace ? `/api/v1/namespaces/${metadata.namespace}/${kind.toLowerCase()}s` : `/api/v1/${kind.toLowerCase()}s`
}

/**
 * Creates the objects: against up as kwokctl scale does (one POST after another per creator);
 * one-shot, from one manifest of YAML documents through `kubemu kubectl create -f` (each written
 * as JSON, which is YAML; the comment first keeps kubectl from reading the file as one JSON value).
 */
async function createAll(name: string, items: readonly object[]): Promise<void> {
  const started = performance.now()
  if (client) {
    await client.createAll(collectionPath, items, creatorCount)
  } else {
    const file = join(home, `${name}.yaml`)
    writeFileSync(file, `# ${items.length} objects\n${items.map((item) => JSON.stringify(item)).join('\n---\n')}\n`)
    await kubectl('create', '-f', file, '-o', 'name')
  }
  // How much of a phase the creates alone take: the client's bound on it.
  const by = client ? `${creatorCount} serial client${creatorCount === 1 ? '' : 's'}` : 'one kubectl create -f'
  console.log(`  ${items.length} ${name} created by ${by}: ${((performance.now() - started) / 1000).toFixed(1)} s${retries()}`)
}

/** The client's requests sent again after a server failure since the last call, as the bench prints them. */
let retriesSeen = 0
function retries(): string {
  const count = (client?.retried ?? 0) - retriesSeen
  retriesSeen += count
  return count > 0 ? ` (${count} sent again after the server failed them)` : ''
}

/** Waits until `wanted` objects have shown `reached`: on kubectl's watch against up, by polls one-shot. */
async function untilSeen(what: string, resource: string[], reached: (line: string) => boolean, wanted: number): Promise<void> {
  if (!client) return until(what, async () => countLines(await kubectl('get', ...resource, '--no-headers'), {test: reached}), wanted)
  await watchUntil({kubectl: [realKubectl, `--kubeconfig=${kubeconfig()}`], env, resource, reached, wanted, secondsMax: phaseSecondsMax})
}

/** Waits until `count` says the phase is done; asks every pollMilliseconds. */
async function until(what: string, count: () => Promise<number>, wanted: number): Promise<void> {
  const started = performance.now()
  for (;;) {
    const got = await count()
    if (got === wanted) return
    if (performance.now() - started > phaseSecondsMax * 1000) throw new Error(`${what}: ${got} of ${wanted} after ${phaseSecondsMax} s`)
    await sleep(pollMilliseconds)
  }
}

const countLines = (text: string, pattern: {test: (line: string) => boolean}) => text.split('\n').filter((line) => pattern.test(line)).length
const podsLeft = async () => countLines(await kubectl('get', 'pods', '-n', namespace, '--no-headers', '--ignore-not-found'), /\S/)

/** Node `index`'s pod CIDR in 10.0.0.0/8, a block of the least power of two holding its pods, the network and broadcast addresses and the gateway. */
function podCidrOf(index: number): string {
  const hostBits = Math.ceil(Math.log2(nodePodsMax + 3))
  const start = (10 * 2 ** 24) + index * 2 ** hostBits
  if (start + 2 ** hostBits > 11 * 2 ** 24) throw new Error(`${nodeCount} nodes of ${nodePodsMax} pods do not fit 10.0.0.0/8`)
  return `${[24, 16, 8, 0].map((shift) => Math.floor(start / 2 ** shift) % 256).join('.')}/${32 - hostBits}`
}
const nodeName = (index: number) => `kwok-node-${String(index).padStart(5, '0')}`
/** A fake node as kwok's own template makes one: labelled, tainted for its pods, with room for them. */
const node = (index: number) => ({
  apiVersion: 'v1', kind: 'Node',
  metadata: {name: nodeName(index), labels: {type: 'kwok', 'kubernetes.io/hostname': nodeName(index)}, annotations: {'kwok.x-k8s.io/node': 'fake'}},
  // Past a /24's 253 pod IPs, each node gets a pod CIDR of its own large enough for its pods.
  spec: {taints: [{key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule'}], ...(nodePodsMax > 253 ? {podCIDR: podCidrOf(index)} : {})},
  status: {allocatable: {cpu: '32', memory: '256Gi', pods: String(nodePodsMax)}, capacity: {cpu: '32', memory: '256Gi', pods: String(nodePodsMax)}},
})
const pod = (name: string, preset: string | undefined) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: {name, namespace, labels: {app: 'kwok-bench'}},
  spec: {
    ...(preset ? {nodeName: preset} : {}),
    // pause exits on SIGTERM: a deleted pod goes as soon as its kubelet stops it, as kwok's do.
    containers: [{name: 'fake-container', image: 'registry.k8s.io/pause:3.10'}],
    tolerations: [{key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule'}],
    affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: 'type', operator: 'In', values: ['kwok']}]}]}}},
  },
})

function folderBytes(folder: string): number {
  let total = 0
  for (const entry of readdirSync(folder, {withFileTypes: true})) {
    const path = join(folder, entry.name)
    total += entry.isDirectory() ? folderBytes(path) : entry.isFile() ? statSync(path).size : 0
  }
  return total
}

/** The up process's peak resident set (VmHWM), in bytes. */
function peakResidentBytes(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Number(match[1]) * 1024 : Number.NaN
}

/**
 * CPU seconds the up process has used (user and system, /proc/PID/stat): unlike the wall clock,
 * it barely moves with the load of other work on the machine, so runs on a busy host compare.
 */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
  const clockTicksPerSecond = 100
  return (Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond
}

/** `kubemu up` on free ports in the bench's home; resolves once its leaders are elected. */
async function startUp(): Promise<{pid: number; stop: () => Promise<void>}> {
  const profile = process.env.CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.CPU_PROFILE_DIR)}`] : []
  // up's log goes to a file, not a pipe: at scale it logs every event, and a pipe the bench
  // drained late held up's event loop in its writes.
  const logPath = join(home, 'up.log')
  const log = openSync(logPath, 'w')
  const child = spawn(process.execPath, [...profile, kubemu, 'up', '--port', '0', '--etcd-ports', '0,0,0'], {env, cwd: home, stdio: ['ignore', log, log]})
  closeSync(log)
  const exited = new Promise((done) => child.on('exit', done))
  for (let waited = 0; !/leader election: \S+ leads/.test(readFileSync(logPath, 'utf8')); waited += upReadyPollMilliseconds) {
    if (child.exitCode !== null) throw new Error(`up exited ${child.exitCode}:\n${readFileSync(logPath, 'utf8')}`)
    if (waited > upReadyWaitMillisecondsMax) throw new Error(`up did not elect leaders within ${upReadyWaitMillisecondsMax} ms:\n${readFileSync(logPath, 'utf8')}`)
    await sleep(upReadyPollMilliseconds)
  }
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGINT')
      await exited
    },
  }
}

interface Phase {
  readonly name: string
  readonly seconds: number
  readonly cpuSeconds: number
  readonly objects: number
  readonly anchor: string
  readonly anchorRatio: string
  readonly target: string
}
const phases: Phase[] = []
async function phase(name: string, objects: number, work: () => Promise<void>, anchor: {text: string; perSecond: number}, target: {text: string; perSecond: number}): Promise<void> {
  const started = performance.now()
  const cpuStarted = cpuSeconds(up?.pid)
  // The monotonic clock in microseconds, the clock of a .cpuprofile's timestamps: a profile's
  // samples can be cut to one phase.
  const monotonicStarted = process.hrtime.bigint() / 1000n
  await work()
  const seconds = (performance.now() - started) / 1000
  const cpu = cpuSeconds(up?.pid) - cpuStarted
  if (process.env.CPU_PROFILE_DIR) console.log(`  profile window of "${name}": ${monotonicStarted}-${process.hrtime.bigint() / 1000n} µs`)
  const rate = objects / seconds
  phases.push({name, seconds, cpuSeconds: cpu, objects, anchor: anchor.text, anchorRatio: `${(rate / anchor.perSecond).toFixed(2)}x`, target: `${target.text}: ${(rate / target.perSecond).toFixed(2)}x`})
  // Each phase's figures as it ends: a later phase that fails leaves them printed.
  console.log(`  ${name}: ${seconds.toFixed(1)} s${up ? `, up CPU ${(cpu * 1000 / objects).toFixed(1)} ms per object` : ''}`)
}

const up = oneShot ? undefined : await startUp()
client = up ? new SerialClient(kubeconfig()) : undefined
try {
  console.log(`kwok's benchmark shape, ${oneShot ? 'one-shot kubemu kubectl' : `kubemu up driven as kwokctl scale drives a cluster, waited on by ${realKubectl} get --watch`}: ${nodeCount} nodes, ${podCount} pods`)
  await kubectl('create', 'namespace', namespace)
  await phase(`${nodeCount} nodes Ready`, nodeCount, async () => {
    await createAll('nodes', Array.from({length: nodeCount}, (_, index) => node(index)))
    await untilSeen('nodes Ready', ['nodes', '-l', 'type=kwok'], (line) => /\sReady\s/.test(line), nodeCount)
  }, {text: 'kwok CI: 5,000 nodes in 60 s', perSecond: 5000 / 60}, {text: 'target 5,000 in 10 s', perSecond: 500})
  await phase(`${podCount} pods, nodeName preset, Running`, podCount, async () => {
    await createAll('preset-pods', Array.from({length: podCount}, (_, index) => pod(`preset-${String(index).padStart(6, '0')}`, nodeName(index % nodeCount))))
    await untilSeen('preset pods Running', ['pods', '-n', namespace], (line) => line.startsWith('preset-') && /\sRunning\s/.test(line), podCount)
  }, {text: 'kwok CI: 10,000 in 60 s', perSecond: 10_000 / 60}, {text: 'target 10,000 in 10 s', perSecond: 1000})
  await phase(`${podCount} pods scheduled, Running`, podCount, async () => {
    await createAll('scheduled-pods', Array.from({length: podCount}, (_, index) => pod(`scheduled-${String(index).padStart(6, '0')}`, undefined)))
    await untilSeen('scheduled pods Running', ['pods', '-n', namespace], (line) => line.startsWith('scheduled-') && /\sRunning\s/.test(line), podCount)
  }, {text: 'kube-scheduler: ~300 pods/s', perSecond: 300}, {text: 'target 600 pods/s', perSecond: 600})
  await phase(`delete ${2 * podCount} pods`, 2 * podCount, async () => {
    const started = performance.now()
    if (client) await client.deleteAll(`/api/v1/namespaces/${namespace}/pods`, creatorCount)
    else await kubectl('delete', 'pods', '--all', '-n', namespace, '--wait=false')
    console.log(`  ${2 * podCount} pods deleted by ${client ? `${creatorCount} serial client${creatorCount === 1 ? '' : 's'}` : 'kubectl delete --all'}: ${((performance.now() - started) / 1000).toFixed(1)} s${retries()}`)
    await until('pods gone', podsLeft, 0)
  }, {text: 'kwok CI: 10,000 in 90 s', perSecond: 10_000 / 90}, {text: 'target 10,000 in 10 s', perSecond: 1000})

  const rows = [['phase', 'seconds', 'per second', 'vs anchor (rate)', 'anchor', 'vs target (rate)', 'up CPU ms per object'],
    ...phases.map((entry) => [entry.name, entry.seconds.toFixed(1), (entry.objects / entry.seconds).toFixed(0), entry.anchorRatio, entry.anchor, entry.target, (entry.cpuSeconds * 1000 / entry.objects).toFixed(1)])]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  for (const row of rows) console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`)
  const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`
  if (up) console.log(`peak resident memory of up (VmHWM): ${mebibytes(peakResidentBytes(up.pid))}`)
  console.log(`store on disk after the churn: ${mebibytes(folderBytes(join(home, 'default')))}`)
  console.log('(above 1x: faster than the anchor or the target)')
} finally {
  client?.close()
  await up?.stop()
  rmSync(home, {recursive: true, force: true})
}
