// A pod on a node whose kubelet was stopped (`kubemu node stop`): kube-apiserver cannot dial the
// kubelet, so exec, attach and port-forward answer the upgrade-aware proxy's "error dialing
// backend" and logs the HTTP client's `Get "https://…/containerLogs/…": dial tcp …` (a 500 without
// a reason), with kubemu's kubectl one-shot and with the real kubectl 1.32 against `up`; once the
// node starts again, exec and logs answer.
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {upWithRealKubectl} from '../support/up-with-real-kubectl.js'

type Run = (line: string) => ReturnType<typeof runShell>

/** The pod `box` running on a node that is then stopped; the node's name and kubelet address. */
async function boxOnStoppedNode(kubemuCommand: Run, kubectl: Run): Promise<{node: string; kubelet: string}> {
  expect((await kubectl("run box --image=busybox -- sh -c 'echo started; sleep 3600'")).status).toBe(0)
  expect((await kubemuCommand('time advance 20s')).status).toBe(0)
  const node = (await kubectl('get pod box -o jsonpath={.spec.nodeName}')).stdout
  const address = (await kubectl(`get node ${node} -o 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}'`)).stdout
  expect(node).toMatch(/^worker-\d$/)
  expect(address).toMatch(/^172\.18\.\d+\.\d+$/)
  expect((await kubectl('exec box -- echo hi')).stdout).toBe('hi\n')
  expect(await kubemuCommand(`node stop ${node}`)).toMatchObject({status: 0})
  return {node, kubelet: `${address}:10250`}
}

/** What each kubectl line answers while the kubelet is stopped. */
function refusals(kubelet: string): Array<[string, string]> {
  const refused = `dial tcp ${kubelet}: connect: connection refused`
  const logs = (query: string) => `Error from server: Get "https://${kubelet}/containerLogs/default/box/box${query}": ${refused}\n`
  return [
    ['exec box -- echo hi', `Error from server: error dialing backend: ${refused}\n`],
    ['logs box', logs('')],
    ['logs box --tail=5 --timestamps', logs('?tailLines=5&timestamps=true')],
    ['logs box --since-time=2025-01-01T00:00:10Z -p', logs('?previous=true&sinceTime=2025-01-01T00%3A00%3A10Z')],
  ]
}

describe('streams to a pod whose kubelet is stopped', () => {
  it("one-shot: kubemu's kubectl answers kube-apiserver's dial errors, and the streams work again once the node starts", async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'}
    const run: Run = (line) => runShell(`timeout 120 ${kubemu} ${line}`, {cwd: home, env})
    const kubectl: Run = (line) => run(`kubectl ${line}`)
    const {node, kubelet} = await boxOnStoppedNode(run, kubectl)
    for (const [line, stderr] of refusals(kubelet)) expect({line, ...(await kubectl(line))}).toEqual({line, status: 1, stdout: '', stderr})
    expect(await kubectl('port-forward box 18089:80')).toEqual({status: 1, stdout: '', stderr: `error: error upgrading connection: error dialing backend: dial tcp ${kubelet}: connect: connection refused\n`})
    const attach = await kubectl('attach box')
    expect(attach).toMatchObject({status: 1, stderr: `If you don't see a command prompt, try pressing enter.\nError from server: error dialing backend: dial tcp ${kubelet}: connect: connection refused\n`})
    expect(await run(`node start ${node}`)).toMatchObject({status: 0})
    expect(await kubectl('exec box -- echo hi')).toMatchObject({status: 0, stdout: 'hi\n'})
    expect(await kubectl('logs box')).toMatchObject({status: 0, stdout: 'started\n'})
  }, 300_000)
})

describe.runIf(realKubectlFound)('streams to a pod whose kubelet is stopped, with the real kubectl against up', () => {
  const processes = upProcessesOfSuite()

  it('exec, logs, port-forward and attach answer the dial error as kubectl 1.32 prints it', async () => {
    const cluster = await upWithRealKubectl(processes, ['--manual-clock'])
    const run: Run = (line) => runShell(`timeout 120 ${kubemu} ${line}`, {cwd: cluster.home, env: cluster.env})
    const {node, kubelet} = await boxOnStoppedNode(run, cluster.real)
    for (const [line, stderr] of refusals(kubelet)) expect({line, ...(await cluster.real(line))}).toEqual({line, status: 1, stdout: '', stderr})
    const dialError = `error dialing backend: dial tcp ${kubelet}: connect: connection refused`
    expect(await cluster.real('port-forward box 18089:80')).toEqual({status: 1, stdout: '', stderr: `error: error upgrading connection: ${dialError}\n`})
    expect(await cluster.real('attach box')).toMatchObject({status: 1, stderr: `If you don't see a command prompt, try pressing enter.\nError from server: ${dialError}\n`})
    expect(await run(`node start ${node}`)).toMatchObject({status: 0})
    expect(await cluster.real('exec box -- echo hi')).toMatchObject({status: 0, stdout: 'hi\n'})
  }, 300_000)
})
