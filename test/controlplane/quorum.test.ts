// Kubernetes on any quorum, through the CLI: with one etcd member stopped (any of them) kubectl
// reads and writes one-shot and under `kubemu up`; with two stopped a request fails within the
// API server's etcd request timeout (shortened here through its environment variable) with
// kube-apiserver's answer, and works again once a member starts. The API server logs in to etcd
// as its own user once auth is enabled.
import {type ChildProcess, spawn} from 'node:child_process'
import {createServer, type AddressInfo} from 'node:net'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {etcdRequestTimeoutVariable} from '../../src/core/apiserver/open.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** clientv3's warn line for a unary call that never reached its endpoint, its time masked as `masked` does. */
const retryWarning = (target: string, balancerError: string) =>
  `{"level":"warn","ts":"TS","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"${target}","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: ${balancerError}"}\n`

/** A run's output with the warn lines' wall-clock time and clientv3's random client id masked. */
function masked(result: {status: number | null; stdout: string; stderr: string}) {
  const mask = (text: string) => text.replace(/"ts":"[^"]+"/g, '"ts":"TS"').replace(/client-[0-9a-f-]{36}\//g, 'client-UUID/')
  return {status: result.status, stdout: mask(result.stdout), stderr: mask(result.stderr)}
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}
/** The API server's etcd request timeout for the commands that run without a quorum. */
const requestTimeoutMilliseconds = 300

/**
 * A one-shot cluster: `run` with the default etcd request timeout (a busy machine exceeds a short
 * one now and then while all is well), `runWithoutQuorum` with the shortened one, for the
 * commands that must fail with etcd's answer as the timeout ends.
 */
function cluster() {
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', NO_COLOR: '1'}
  const shortened = {...env, [etcdRequestTimeoutVariable]: String(requestTimeoutMilliseconds)}
  return {home, env, run: (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env}), runWithoutQuorum: (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: shortened})}
}

describe('Kubernetes on any quorum (one-shot)', () => {
  it('works with infra1 stopped, fails clearly within the timeout without a quorum, and recovers when a member starts', async () => {
    const {run, runWithoutQuorum} = cluster()
    expect(await run('kubectl create configmap kept --from-literal=a=b')).toMatchObject({status: 0, stdout: 'configmap/kept created\n'})
    expect(await run('member stop infra1')).toMatchObject({status: 0, stdout: 'member infra1 stopped\n'})
    expect(await run('kubectl get configmap kept -o jsonpath={.data.a}')).toMatchObject({status: 0, stdout: 'b', stderr: ''})
    expect(await run('kubectl create configmap second --from-literal=c=d')).toMatchObject({status: 0, stdout: 'configmap/second created\n'})
    expect(await run('kubectl delete configmap second')).toMatchObject({status: 0, stdout: 'configmap "second" deleted\n'})
    expect(await run('node add worker-4')).toMatchObject({status: 0, stdout: 'node/worker-4 created\n'})
    const status = await run('status')
    expect(status.status).toBe(0)
    expect(status.stdout).toMatch(/ {2}infra1 +8211f1d0f64f3269 .* unhealthy/)
    expect(status.stdout).toMatch(/ {2}worker-4 +Ready /)

    expect((await run('member stop infra2')).status).toBe(0)
    for (const line of ['kubectl get configmap kept', 'kubectl create configmap lost --from-literal=e=f', 'kubectl delete configmap kept', 'node add worker-5', 'status']) {
      const result = await runWithoutQuorum(line)
      expect(result.status, line).toBe(1)
      // kube-apiserver passes etcd's error up: a 500 with no reason and etcd's text.
      expect(result.stderr, line).toContain('Error from server: etcdserver: request timed out')
      expect(result.stderr, line).not.toMatch(/\n\s+at /)
    }

    expect((await run('member start infra2')).status).toBe(0)
    expect(await run('kubectl get configmap kept -o jsonpath={.data.a}')).toMatchObject({status: 0, stdout: 'b'})
    expect(await run('kubectl get configmap lost')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): configmaps "lost" not found\n'})
    expect(await run('kubectl create configmap after --from-literal=g=h')).toMatchObject({status: 0, stdout: 'configmap/after created\n'})
    expect((await run('member start infra1')).status).toBe(0)
    expect(await run('kubectl get configmaps -o name')).toMatchObject({status: 0, stdout: 'configmap/after\nconfigmap/kept\nconfigmap/kube-root-ca.crt\n'})
  }, 120_000)

  it('says the same for a cluster Kubernetes never used (its etcd user cannot be made without a quorum)', async () => {
    const {run, runWithoutQuorum} = cluster()
    expect((await run('member stop infra1')).status).toBe(0)
    expect((await run('member stop infra3')).status).toBe(0)
    expect(await runWithoutQuorum('kubectl get namespaces')).toMatchObject({status: 1, stdout: '', stderr: 'Error from server: etcdserver: request timed out\n'})
  }, 60_000)

  it('loses no acknowledged kubectl write while each member in turn stops and starts', async () => {
    // One member stopped leaves a quorum, so every write must be acknowledged.
    const {home, env, run} = cluster()
    expect((await run('kubectl get namespaces')).status).toBe(0)
    // A stream of one-shot writes in the background, each printing its name once acknowledged.
    const writes = 15
    const stream = runShell(`for i in $(seq 1 ${writes}); do ${kubemu} kubectl create configmap stream-$i --from-literal=i=$i >/dev/null 2>>errors.txt && echo stream-$i; done`, {cwd: home, env})
    for (const name of ['infra1', 'infra2', 'infra3']) {
      expect((await run(`member stop ${name}`)).status).toBe(0)
      expect((await run(`kubectl create configmap while-${name}-stopped`)).status).toBe(0)
      expect((await run(`member start ${name}`)).status).toBe(0)
    }
    const acknowledged = (await stream).stdout.split('\n').filter((line) => line.length > 0)
    // What the writes that failed said, for the failure's message.
    const refused = existsSync(join(home, 'errors.txt')) ? readFileSync(join(home, 'errors.txt'), 'utf8') : ''
    expect(acknowledged, refused).toHaveLength(writes)
    const stored = (await run('kubectl get configmaps -o name')).stdout
    for (const name of acknowledged) expect(stored).toContain(`configmap/${name}\n`)
    for (const name of ['infra1', 'infra2', 'infra3']) expect(stored).toContain(`configmap/while-${name}-stopped\n`)
  }, 180_000)
})

describe('the API server as an etcd user', () => {
  it('keeps working once etcd auth is enabled; a revoked role is a clear 500 until it is granted again', async () => {
    const {run} = cluster()
    // etcdctl alone sees a fresh etcd: no user, revision 1.
    expect(await run('etcdctl user list')).toMatchObject({status: 0, stdout: ''})
    expect((await run('etcdctl get x -w json')).stdout).toContain('"revision":1,')
    expect((await run('kubectl get namespaces')).status).toBe(0)
    expect(await run('etcdctl user get kube-apiserver-etcd-client')).toMatchObject({status: 0, stdout: 'User: kube-apiserver-etcd-client\nRoles: root\n'})
    expect((await run('etcdctl user add root:secret')).status).toBe(0)
    expect((await run('etcdctl user grant-role root root')).status).toBe(0)
    expect(await run('etcdctl auth enable')).toMatchObject({status: 0, stdout: 'Authentication Enabled\n'})
    expect(await run('kubectl create configmap after-auth --from-literal=a=b')).toMatchObject({status: 0, stdout: 'configmap/after-auth created\n'})
    expect(await run('kubectl get configmap after-auth -o jsonpath={.data.a}')).toMatchObject({status: 0, stdout: 'b'})

    expect((await run('etcdctl --user root:secret user revoke-role kube-apiserver-etcd-client root')).status).toBe(0)
    expect(await run('kubectl get configmap after-auth')).toMatchObject({status: 1, stdout: '', stderr: 'Error from server: etcdserver: permission denied\n'})
    expect(await run('kubectl create configmap refused')).toMatchObject({status: 1, stdout: '', stderr: 'Error from server: etcdserver: permission denied\n'})

    expect((await run('etcdctl --user root:secret user grant-role kube-apiserver-etcd-client root')).status).toBe(0)
    expect(await run('kubectl get configmap after-auth -o jsonpath={.data.a}')).toMatchObject({status: 0, stdout: 'b'})
    expect(await run('kubectl create configmap restored')).toMatchObject({status: 0, stdout: 'configmap/restored created\n'})
  }, 120_000)
})

describe('Kubernetes on any quorum (kubemu up)', () => {
  const children: ChildProcess[] = []
  afterAll(async () => {
    for (const child of children) {
      const exited = new Promise((resolve) => child.on('exit', resolve))
      child.kill('SIGINT')
      await exited
    }
  })

  it('serves kubectl with its preferred member stopped', async () => {
    const {home, env, run} = cluster()
    expect((await run('member stop infra1')).status).toBe(0)
    const up = spawn(kubemu, ['up', '--port', '0', '--etcd-ports', '0,0,0'], {cwd: home, env})
    children.push(up)
    let output = ''
    await new Promise<void>((resolve) => {
      up.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk
        if (/leader election: \S+ leads/.test(output)) resolve()
      })
    })
    expect(await run('kubectl create configmap through-up --from-literal=a=b')).toMatchObject({status: 0, stdout: 'configmap/through-up created\n'})
    expect(await run('kubectl get configmap through-up -o jsonpath={.data.a}')).toMatchObject({status: 0, stdout: 'b'})
    expect(await run('kubectl delete configmap through-up')).toMatchObject({status: 0, stdout: 'configmap "through-up" deleted\n'})

    // etcdctl given every member's port, as clientv3's balancer: requests go through a running
    // member; the stopped one's refused port is waited on until the command's deadline.
    const served = Object.fromEntries([.../etcd v3 API at (.*);/.exec(output)![1]!.matchAll(/(\S+) \((\w+)\)/g)].map((match) => [match[2]!, match[1]!]))
    const endpoints = `--endpoints=${served.infra1},${served.infra2},${served.infra3} --command-timeout=1s`
    const real = (line: string) => runShell(`etcdctl ${endpoints} ${line}`, {cwd: home, env})
    const own = (line: string) => run(`etcdctl ${line}`)
    const both = (line: string) => Promise.all([runShell(`etcdctl ${line}`, {cwd: home, env}), own(line)])
    for (const etcdctl of [real, (line: string) => own(`${endpoints} ${line}`)]) {
      expect(await etcdctl('put balanced yes')).toMatchObject({status: 0, stdout: 'OK\n', stderr: ''})
      const status = await etcdctl('endpoint status')
      expect(status.status).toBe(1)
      expect(status.stdout.split('\n').map((line) => line.split(',')[0]).filter(Boolean)).toEqual([served.infra2, served.infra3])
      // Status dials the endpoint itself: its warn line names the dial's own error.
      expect(masked(status).stderr).toBe(
        `${retryWarning('passthrough:///' + served.infra1, `connection error: desc = \\"transport: Error while dialing dial tcp ${served.infra1!.replace('http://', '')}: connect: connection refused\\"`)}` +
          `Failed to get the status of endpoint ${served.infra1} (context deadline exceeded)\n`,
      )
    }
    // A unary call through the stopped member alone, and through a port nothing listens on: clientv3
    // warns once, then etcdctl's error (the time and the client's random id told apart).
    const unserved = `127.0.0.1:${await freePort()}`
    for (const line of [`--endpoints=${served.infra1} --command-timeout=1s get balanced`, `--endpoints=${served.infra1} --command-timeout=1s put balanced no`, `--endpoints=${unserved} --command-timeout=1s get balanced`, `--endpoints=${unserved},${served.infra2} --command-timeout=1s member list -w json`, `--endpoints=${served.infra1} --command-timeout=1s endpoint health`]) {
      const [theirs, ours] = await both(line)
      expect({line, ...masked(ours)}).toEqual({line, ...masked(theirs)})
    }
    // Given no endpoint while up serves ports of its own, 127.0.0.1:2379 is nobody's: kubemu's
    // etcdctl balances over every served port, as the line up's log prints, and the stopped
    // member does not fail the request. Named explicitly, the default fails as the real one does.
    expect(await own('put defaulted yes')).toMatchObject({status: 0, stdout: 'OK\n', stderr: ''})
    expect(await own('get defaulted --print-value-only')).toMatchObject({status: 0, stdout: 'yes\n', stderr: ''})
    expect(await own('--endpoints=127.0.0.1:2379 --command-timeout=1s put defaulted no')).toMatchObject({status: 1})
    const refused = await own(`--endpoints=${served.infra1} --command-timeout=1s get balanced`)
    expect(refused.stderr).toMatch(/^\{"level":"warn","ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d{4})","caller":"clientv3\/retry_interceptor\.go:62","msg":"retrying of unary invoker failed","target":"endpoint:\/\/client-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\/127\.0\.0\.1:\d+","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"\}\n/)
    expect(masked(refused)).toEqual({
      status: 1,
      stdout: '',
      stderr: `${retryWarning(`endpoint://client-UUID/${served.infra1!.replace('http://', '')}`, 'all SubConns are in TransientFailure')}Error: context deadline exceeded\n`,
    })
  }, 120_000)
})
