// Cluster time moves while etcd has no quorum, one-shot and under `up --manual-clock`: `time
// advance` ends (it held `up` for minutes: every request of its loops waited out etcd's request
// timeout on the wall, and a read retried forever on a clock that stands still), the rest of the
// span passes with the control plane idle and a warning says from when, Kubernetes requests fail
// with etcd's error, and once a member starts again the cluster serves and time steps as before.
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {realKubectlFound} from '../support/real-kubectl.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {upWithRealKubectl} from '../support/up-with-real-kubectl.js'

const outageWarning = "Warning: from 2025-01-01T00:00:00Z the control plane's requests failed (etcdserver: request timed out): the rest of the time passed with the control plane idle\n"

/** The outage and the recovery, through `run` (a kubemu command line → its result). */
async function outageAndRecovery(run: (line: string) => ReturnType<typeof runShell>, kubectl: (line: string) => ReturnType<typeof runShell>, from: string) {
  expect((await run('member stop infra1')).status).toBe(0)
  expect((await run('member stop infra3 --force')).status).toBe(0)
  expect(await run('time advance 10m')).toMatchObject({status: 0, stdout: `cluster time ${from} -> 2025-01-01T00:10:00Z (+10m0s, 1 step)\n`, stderr: outageWarning.replace('2025-01-01T00:00:00Z', from)})
  expect((await run('time')).stdout).toMatch(/^2025-01-01T00:10:00Z\t/)
  expect(await kubectl('get pods')).toMatchObject({status: 1, stdout: '', stderr: 'Error from server: etcdserver: request timed out\n'})
  expect(await run('member start infra1')).toMatchObject({status: 0, stdout: 'member infra1 started\n'})
  const advanced = await run('time advance 10s')
  expect(advanced).toMatchObject({status: 0, stderr: ''})
  expect(advanced.stdout).toMatch(/^cluster time 2025-01-01T00:10:00Z -> 2025-01-01T00:10:10Z \(\+10s, \d+ steps?\)\n$/)
  const nodes = await kubectl('get nodes --no-headers')
  expect(nodes.status).toBe(0)
  expect(nodes.stdout.trim().split('\n').map((line) => line.split(/\s+/)[1])).toEqual(Array(6).fill('Ready'))
}

describe('time advance without an etcd quorum', () => {
  it('one-shot: the time passes with the control plane idle, and the cluster serves once a member starts', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'}
    const run = (line: string) => runShell(`timeout 100 ${kubemu} ${line}`, {cwd: home, env})
    expect((await run('kubectl get nodes')).status).toBe(0)
    await outageAndRecovery(run, (line) => run(`kubectl ${line}`), '2025-01-01T00:00:00Z')
  }, 240_000)
})

describe.runIf(realKubectlFound)('time advance without an etcd quorum under up --manual-clock', () => {
  const processes = upProcessesOfSuite()

  it('ends, leaves up answering, and up stops on Ctrl-C', async () => {
    const cluster = await upWithRealKubectl(processes, ['--manual-clock'])
    const run = (line: string) => runShell(`timeout 100 ${kubemu} ${line}`, {cwd: cluster.home, env: cluster.env})
    await outageAndRecovery(run, cluster.real, '2025-01-01T00:00:00Z')
    expect(cluster.up.output).toContain('error: etcdserver: request timed out; the loops stood still for the rest of the advance')
    cluster.up.child.kill('SIGINT')
    expect(await cluster.up.exited).toBe(0)
  }, 240_000)
})
