// kubemu's kubectl talks to the server of the kubeconfig the user gave, as kubectl does: with
// KUBEMU_HOME unset (so ~/.kubemu would be the cluster) and KUBECONFIG or --kubeconfig naming the
// kubeconfig an `up` wrote in another home, the command reaches that up, and no cluster comes into
// being under ~/.kubemu; a server nothing listens on is kubectl's connection refusal.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {issueCertificate, readKeyAndCertificate} from '../../src/core/apiserver/authentication/certificates.js'
import {seededEpochMilliseconds} from '../../src/core/seed.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl, upWithRealKubectl} from '../support/up-with-real-kubectl.js'

describe('the kubeconfig the user gave names the cluster', () => {
  const processes = upProcessesOfSuite()

  it('sends the commands to that kubeconfig\'s up, not to ~/.kubemu', async () => {
    const cluster = await upWithRealKubectl(processes)
    const home = temporaryFolder()
    const environment: NodeJS.ProcessEnv = {...process.env, HOME: home}
    delete environment.KUBEMU_HOME
    delete environment.KUBEMU_CLUSTER
    const ours = (line: string, extra: NodeJS.ProcessEnv = {}) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env: {...environment, ...extra}})
    expect(await ours('create namespace routed-by-env', {KUBECONFIG: cluster.kubeconfig})).toMatchObject({stdout: 'namespace/routed-by-env created\n', status: 0})
    expect(await ours(`--kubeconfig ${cluster.kubeconfig} create namespace routed-by-flag`)).toMatchObject({stdout: 'namespace/routed-by-flag created\n', status: 0})
    expect((await cluster.real('get namespace routed-by-env routed-by-flag -o name')).stdout).toBe('namespace/routed-by-env\nnamespace/routed-by-flag\n')
    expect(existsSync(join(home, '.kubemu'))).toBe(false)
    // A server nothing listens on: kubectl's own words.
    const closed = join(home, 'closed-kubeconfig')
    writeFileSync(closed, readFileSync(cluster.kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, 'server: https://127.0.0.1:1'))
    const refused = await ours(`--kubeconfig ${closed} get namespaces`)
    expect(refused.stderr.trim().split('\n').at(-1)).toBe('The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?')
    expect(refused.status).toBe(1)
    expect(existsSync(join(home, '.kubemu'))).toBe(false)
  }, 180_000)

  it("sends a copy of up's kubeconfig, used from another home, to that up, as the real kubectl does", async () => {
    const cluster = await upWithRealKubectl(processes)
    const copy = join(temporaryFolder(), 'copied-kubeconfig')
    writeFileSync(copy, readFileSync(cluster.kubeconfig, 'utf8'))
    const otherHome = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: otherHome, KUBECONFIG: copy}
    const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: otherHome, env: environment})
    const real = (line: string) => runShell(`timeout 60 ${realKubectl} ${line}`, {cwd: otherHome, env: environment})
    expect(await ours('create namespace from-a-copy')).toMatchObject({stdout: 'namespace/from-a-copy created\n', stderr: '', status: 0})
    for (const line of ['get namespace from-a-copy -o name', `--kubeconfig ${copy} get namespace from-a-copy -o jsonpath={.status.phase}`, 'get namespace nothing-here']) {
      expect({line, ...(await ours(line))}).toEqual({line, ...(await real(line))})
    }
    // Nothing came into being in the other home.
    expect(existsSync(join(otherHome, 'default'))).toBe(false)
    // Every master stopped: the copy still reaches that up (its folder endpoint knows the admin's
    // token without an API server) and prints what the real kubectl prints.
    for (const master of ['control-plane', 'control-plane2', 'control-plane3']) {
      expect((await runShell(`${kubemu} master stop ${master} --force`, {cwd: cluster.home, env: {...process.env, KUBEMU_HOME: cluster.home, KUBECONFIG: ''}})).status).toBe(0)
    }
    const [ownDown, realDown] = [await ours('get namespaces'), await real('get namespaces')]
    expect(ownDown.stderr.trim().split('\n').at(-1)).toBe(realDown.stderr.trim().split('\n').at(-1))
    expect(ownDown.status).toBe(realDown.status)
  }, 180_000)

  it("sends another user's copied kubeconfig (a ServiceAccount token, a client certificate) and a bare --server to that up, creating nothing in this home", async () => {
    const cluster = await upWithRealKubectl(processes)
    expect((await cluster.real('create serviceaccount robot')).status).toBe(0)
    expect((await cluster.real('create clusterrolebinding robot-view --clusterrole=view --serviceaccount=default:robot')).status).toBe(0)
    const token = (await cluster.real('create token robot')).stdout.trim()
    // Valid on the seeded cluster's clock, which starts at the seed's epoch.
    const jane = issueCertificate(readKeyAndCertificate(join(cluster.home, 'default', 'pki', 'tls'), 'ca'), {commonName: 'jane', organization: 'dev', usages: ['clientAuth']}, seededEpochMilliseconds)
    const folder = temporaryFolder()
    writeFileSync(join(folder, 'jane.crt'), jane.certificate)
    writeFileSync(join(folder, 'jane.key'), jane.privateKey)
    const copy = join(folder, 'copied-kubeconfig')
    writeFileSync(copy, readFileSync(cluster.kubeconfig, 'utf8'))
    const otherHome = temporaryFolder()
    const environment = {...process.env, HOME: otherHome, KUBEMU_HOME: otherHome, KUBECONFIG: copy}
    const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: folder, env: environment})
    const real = (line: string) => runShell(`timeout 60 ${realKubectl} ${line}`, {cwd: folder, env: environment})
    expect((await real(`config set-credentials robot --token=${token}`)).status).toBe(0)
    expect((await real('config set-credentials jane --client-certificate=jane.crt --client-key=jane.key')).status).toBe(0)
    const lines = ['--user robot auth whoami', '--user robot get namespace default -o name', '--user robot create namespace robot-made', '--user jane auth whoami', '--user jane get pods']
    for (const line of lines) {
      const theirs = await real(line)
      if (line.endsWith('whoami')) expect(theirs.stdout).toMatch(/^Username\s+(jane|system:serviceaccount:default:robot)$/m)
      expect({line, ...(await ours(line))}).toEqual({line, ...theirs})
    }
    // No kubeconfig at all: --server, --token and the CA alone name the cluster and the user.
    const bare = {...environment, KUBECONFIG: ''}
    const server = /server: (\S+)/.exec(readFileSync(cluster.kubeconfig, 'utf8'))![1]!
    const line = `--server ${server} --certificate-authority ${join(cluster.home, 'default', 'pki', 'tls', 'ca.crt')} --token ${token} get namespace default -o name`
    const theirs = await runShell(`timeout 60 ${realKubectl} ${line}`, {cwd: folder, env: bare})
    expect(theirs).toMatchObject({stdout: 'namespace/default\n', status: 0})
    expect(await runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: folder, env: bare})).toEqual(theirs)
    // Nothing came into being in the other home.
    expect(existsSync(join(otherHome, 'default'))).toBe(false)
    // The folder endpoint checks the credentials by authentication alone: no SelfSubjectReview
    // is counted in the API server's metrics (nor audited) for the commands of kubemu's kubectl.
    const reviewsCounted = async () => {
      const metrics = (await cluster.real('get --raw /metrics')).stdout
      return metrics.split('\n').filter((row) => row.startsWith('apiserver_request_total{') && row.includes('resource="selfsubjectreviews"')).reduce((sum, row) => sum + Number(row.split(' ').at(-1)), 0)
    }
    const before = await reviewsCounted()
    expect((await ours('--user robot get namespace default -o name')).status).toBe(0)
    expect((await ours('--user jane get pods')).stderr).toContain('User "jane" cannot list resource "pods"')
    expect(await reviewsCounted()).toBe(before)
    // Every master stopped: no API server can check the credentials; the command meets the front
    // port's answer, as the real kubectl's request does (not "not a kubemu cluster").
    for (const master of ['control-plane', 'control-plane2', 'control-plane3']) {
      expect((await runShell(`${kubemu} master stop ${master} --force`, {cwd: cluster.home, env: {...process.env, KUBEMU_HOME: cluster.home, KUBECONFIG: ''}})).status).toBe(0)
    }
    for (const user of ['robot', 'jane']) {
      const [theirs, down] = [await real(`--user ${user} get pods`), await ours(`--user ${user} get pods`)]
      expect(theirs.stderr.trim().split('\n').at(-1)).toMatch(/^Error from server \(ServiceUnavailable\): /)
      expect(down).toEqual({stdout: '', stderr: 'Error from server (ServiceUnavailable): no kube-apiserver is running: every master is stopped (kubemu master start NODE)\n', status: theirs.status})
    }
  }, 180_000)

  it("sends a one-shot cluster's kubeconfig to that cluster, and another cluster's nominal 127.0.0.1:6443 nowhere kubemu has", async () => {
    const elsewhere = temporaryFolder()
    expect((await runShell(`${kubemu} kubectl create configmap only-here`, {cwd: elsewhere, env: {...process.env, KUBEMU_HOME: elsewhere, KUBECONFIG: ''}})).status).toBe(0)
    const home = temporaryFolder()
    const environment: NodeJS.ProcessEnv = {...process.env, HOME: home}
    delete environment.KUBEMU_HOME
    delete environment.KUBEMU_CLUSTER
    const ours = (line: string, extra: NodeJS.ProcessEnv = {}) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env: {...environment, ...extra}})
    // No up runs there: the kubeconfig in that cluster's folder still names it (one-shot), whatever KUBEMU_HOME says.
    expect(await ours('get configmap only-here -o name', {KUBECONFIG: join(elsewhere, 'default', 'kubeconfig')})).toMatchObject({stdout: 'configmap/only-here\n', status: 0})
    expect(await ours('get configmap only-here -o name', {KUBECONFIG: join(elsewhere, 'default', 'kubeconfig'), KUBEMU_HOME: temporaryFolder()})).toMatchObject({stdout: 'configmap/only-here\n', status: 0})
    // kind's or kubeadm's kubeconfig names the same nominal address with another CA: not kubemu's cluster.
    const kind = join(home, 'kind-kubeconfig')
    writeFileSync(kind, readFileSync(join(elsewhere, 'default', 'kubeconfig'), 'utf8').replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${Buffer.from('another CA').toString('base64')}`))
    const foreign = await ours(`--kubeconfig ${kind} get configmaps`)
    expect(foreign.status).toBe(1)
    expect(foreign.stderr.trim().split('\n').at(-1)).toBe('The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?')
    expect(existsSync(join(home, '.kubemu'))).toBe(false)
  }, 120_000)
})
