// Issue 19's sweep through `kubemu up` (not seeded: its loops run on their own, as a real
// cluster's do): the real kubectl 1.32 and kubemu's kubectl against the same `up`, each in its own
// namespace (`real1` and `ours1`, masked alike), print the same for what still differed.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

describe.runIf(existsSync(realKubectl))('issue 19 sweep through up', {timeout: 120_000}, () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = join(home, 'default', 'kubeconfig')
  const real = (line: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} ${line.replaceAll('NS', 'real1')}`, {cwd: home, env})
  const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line.replaceAll('NS', 'ours1')}`, {cwd: home, env})

  beforeAll(async () => {
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
  })

  it('creates a pod in a namespace created a moment before: the ServiceAccount admission waits for the default account', async () => {
    for (const tool of ['real', 'ours'] as const) {
      const file = join(home, `${tool}-namespace-and-pod.yaml`)
      writeFileSync(file, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${tool}-fresh\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ${tool}-fresh\nspec:\n  containers:\n  - name: c\n    image: nginx\n`)
      const run = tool === 'real' ? real : ours
      expect(await run(`create -f ${file}`)).toMatchObject({status: 0, stdout: `namespace/${tool}-fresh created\npod/p created\n`})
      expect(await run(`create ns ${tool}-again && ${tool === 'real' ? `${realKubectl} --kubeconfig=${kubeconfig}` : `${kubemu} kubectl`} run p -n ${tool}-again --image=nginx`)).toMatchObject({status: 0, stdout: `namespace/${tool}-again created\npod/p created\n`})
    }
  })

  it('prints the same as the real kubectl for what needs a running cluster: DaemonSet and StatefulSet descriptions, exec of a command not there, a client dry run in a namespace', async () => {
    // What must differ between the two sides: the namespace, ages, generated names, times.
    const masked = (text: string) =>
      text
        .replaceAll('real1', 'NS')
        .replaceAll('ours1', 'NS')
        .replace(/-[bcdfghjklmnpqrstvwxz2456789]{5}\b/g, '-XXXXX')
        .replace(/[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME')
        .replace(/(^|\s)(\d+m)?\d+s(?=\s|$)/gm, '$1AGE')
        .replace(/ +/g, ' ')
    const sameAsReal = async (line: string) => {
      const [theirs, mine] = [await real(line), await ours(line)]
      const view = (result: typeof theirs) => ({line, status: result.status, stdout: masked(result.stdout), stderr: masked(result.stderr)})
      expect(view(mine)).toEqual(view(theirs))
    }
    const workload = (kind: string, name: string, extra: string) =>
      `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  labels: {a: b}\nspec:\n${extra}  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n      - name: c\n        image: nginx:1.25\n        ports: [{containerPort: 80}]\n`
    writeFileSync(join(home, 'sets.yaml'), `${workload('DaemonSet', 'agent', '')}---\n${workload('StatefulSet', 'db', '  replicas: 2\n  serviceName: db\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n')}---\n${workload('StatefulSet', 'plain', '  serviceName: plain\n')}`)
    for (const tool of [real, ours]) {
      expect((await tool('create ns NS')).status).toBe(0)
      expect((await tool(`apply -f ${join(home, 'sets.yaml')} -n NS`)).status).toBe(0)
      expect((await tool('run ex --image=nginx -n NS')).status).toBe(0)
    }
    for (const tool of [real, ours]) {
      for (const target of ['ds/agent', 'sts/db', 'sts/plain']) expect((await tool(`rollout status ${target} -n NS --timeout=60s`)).status).toBe(0)
      expect((await tool('wait --for=condition=Ready pod/ex -n NS --timeout=60s')).status).toBe(0)
    }
    for (const line of ['describe ds agent -n NS', 'describe sts db plain -n NS', 'exec ex -n NS -- nosuchcommand', 'run p3 -n NS --image=nginx --dry-run=client -o yaml', 'expose pod ex -n NS --port=80 --dry-run=client -o yaml']) {
      await sameAsReal(line)
    }
  })
})
