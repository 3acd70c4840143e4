// kube-aggregator's autoregister rules through the CLI: the built-in APIServices
// (automanaged onstart) are registered when an API server starts, so one deleted stays deleted
// until then; a CRD's (automanaged true) is kept as the controller wants it at once. A folder
// from an older kubemu, without APIServices, gets them when its API servers start, quietly.
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectl, realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {widgetsCrd} from '../support/widgets-crd.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

const crd = widgetsCrd()

describe.runIf(realKubectlFound)('the autoregister rules of APIServices', () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env, stdin})
  const priorities = "kubectl get apiservice v1.stable.example.com -o jsonpath='{.metadata.labels}{\" \"}{.spec.groupPriorityMinimum}/{.spec.versionPriority}'"

  it('keeps a deleted built-in APIService deleted while the API servers run, and puts back a CRD\'s at once', async () => {
    expect(await run('kubectl delete apiservice v1.apps')).toMatchObject({status: 0, stdout: 'apiservice.apiregistration.k8s.io "v1.apps" deleted\n'})
    // Minutes of the API servers' repairs bring back namespaces and policy, not an APIService.
    expect((await run('time advance 3m')).status).toBe(0)
    expect(await run('kubectl get apiservice v1.apps')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): apiservices.apiregistration.k8s.io "v1.apps" not found\n'})
    // The group is served all the same: its APIService is Local.
    expect((await run('kubectl get deployments')).status).toBe(0)

    expect((await run('kubectl apply -f -', crd)).status).toBe(0)
    expect((await run('kubectl delete apiservice v1.stable.example.com')).status).toBe(0)
    expect((await run(priorities)).stdout).toBe('{"kube-aggregator.kubernetes.io/automanaged":"true"} 1000/100')
    expect((await run(`kubectl patch apiservice v1.stable.example.com --type=merge -p '{"spec":{"versionPriority":5}}'`)).status).toBe(0)
    expect((await run(priorities)).stdout).toBe('{"kube-aggregator.kubernetes.io/automanaged":"true"} 1000/100')
  }, 120_000)

  it('registers them when the API servers start: on `up`, and in a folder from an older kubemu, without a word', async () => {
    // An older folder: no APIService stored, none recorded as registered.
    expect((await run('etcdctl del /registry/apiregistration.k8s.io/ --prefix')).status).toBe(0)
    const state = join(home, 'default', 'host.json')
    const {autoregisteredApiServices: _recorded, ...older} = JSON.parse(readFileSync(state, 'utf8')) as Record<string, unknown>
    writeFileSync(state, `${JSON.stringify(older)}\n`)
    const oneShot = await run('kubectl get apiservice v1.apps v1.stable.example.com --no-headers')
    expect(oneShot.stdout).toMatch(/^v1\.apps +Local +True +\S+\nv1\.stable\.example\.com +Local +True +\S+\n$/)
    expect(oneShot.stderr).toBe('')
    // Deleted again, it comes back when `up` starts the API servers, which report no repair.
    expect((await run('kubectl delete apiservice v1.apps')).status).toBe(0)
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads kube-controller-manager/)
    const kubeconfig = join(home, 'default', 'kubeconfig')
    const listed = await runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} get apiservice v1.apps --no-headers`, {cwd: home, env})
    expect(listed.stdout).toMatch(/^v1\.apps +Local +True +\S+\n$/)
    expect(up.output).not.toContain('wrote again what was missing')
    await up.stop()
  }, 120_000)
})
