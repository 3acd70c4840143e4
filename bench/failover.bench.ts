// Failover under `kubemu up`: the etcd leader's member is stopped, and the time from the stop
// being acknowledged to the first Kubernetes write that succeeds is measured, as a ratio to
// etcd's default election timeout (1,000 ms: a real cluster needs at least that long to notice a
// dead leader and elect another). Each round stops the current leader, measures, starts it again.
// Run: npx vite-node bench/failover.bench.ts   (BENCH_ROUNDS, default 5)
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {FileCredentials} from '../src/core/apiserver/authentication/credentials.js'
import {callControl} from '../src/core/host/control-api.js'
import {runningUp} from '../src/core/host/up-marker.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
/** etcd's --election-timeout default. */
const electionTimeoutMilliseconds = 1000
/** A round gives up after this long without a successful write. */
const roundMillisecondsMax = 30_000
const kubemu = resolve(import.meta.dirname, '../bin/kubemu')

const home = mkdtempSync(join(tmpdir(), 'kubemu-failover-'))
const folder = join(home, 'default')
let output = ''
const up: ChildProcess = spawn(kubemu, ['up', '--port', '0', '--etcd-ports', '0,0,0'], {env: {...process.env, KUBEMU_HOME: home}})
up.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))

async function until(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + roundMillisecondsMax
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output}`)
    await new Promise((done) => setTimeout(done, 20))
  }
}

try {
  await until(() => /leader election: \S+ leads kube-controller-manager/.test(output), 'up to start')
  const marker = runningUp(folder)!
  const token = new FileCredentials(folder).adminToken()
  let written = 0
  const write = async (): Promise<boolean> => {
    const response = await fetch(new URL('/api/v1/namespaces/default/configmaps', marker.url), {
      method: 'POST',
      headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'},
      body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `failover-${written}`}, data: {round: String(written)}}),
    }).catch(() => null)
    if (response?.status === 201) written++
    return response?.status === 201
  }
  const results: number[] = []
  for (let round = 1; round <= rounds; round++) {
    if (!(await write())) throw new Error('a write failed before the stop')
    const leader = [...output.matchAll(/etcd: (infra\d) is the leader/g)].at(-1)?.[1]
    if (!leader) throw new Error(`no etcd leader in up's log\n${output}`)
    await callControl(marker.url, token, 'POST', `members/${leader}/stop`, {force: false})
    const stopped = performance.now()
    const deadline = Date.now() + roundMillisecondsMax
    while (!(await write())) if (Date.now() > deadline) throw new Error(`no write succeeded within ${roundMillisecondsMax} ms of stopping ${leader}`)
    const took = performance.now() - stopped
    results.push(took)
    console.log(`round ${round}: stopped leader ${leader}; first write after ${took.toFixed(0)} ms (${(took / electionTimeoutMilliseconds).toFixed(2)}x the election timeout)`)
    await callControl(marker.url, token, 'POST', `members/${leader}/start`, {force: false})
    await until(() => new RegExp(`etcd: member ${leader} started`).test(output), `${leader} to start`)
  }
  results.sort((a, b) => a - b)
  const median = results[Math.floor(results.length / 2)]!
  console.log(`failover (member stop -> first successful Kubernetes write), median of ${rounds}: ${median.toFixed(0)} ms = ${(median / electionTimeoutMilliseconds).toFixed(2)}x etcd's election timeout (${electionTimeoutMilliseconds} ms)`)
} finally {
  up.kill('SIGINT')
  await new Promise((done) => up.once('exit', done))
  rmSync(home, {recursive: true, force: true})
}
