// Commands that need no server, with KUBECONFIG naming a file that is not there: the real kubectl
// 1.32 prints what they build (client dry runs of the generators, --local, config, kustomize,
// completion, options); kubemu's kubectl must too, without opening or making a cluster.
import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {referenceKubectl} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const view = (line: string, result: ShellResult) => ({line, stdout: result.stdout, stderr: result.stderr.split('\n')[0], status: result.status})

describe.runIf(existsSync(realKubectl))('commands that need no server', {timeout: 120_000}, () => {
  const folder = temporaryFolder()
  const home = join(folder, 'home')
  writeFileSync(join(folder, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n')
  writeFileSync(join(folder, 'widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n')
  mkdirSync(join(folder, 'k'))
  writeFileSync(join(folder, 'k', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\n')
  writeFileSync(join(folder, 'k', 'kustomization.yaml'), 'resources:\n- cm.yaml\nnamePrefix: p-\n')
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: join(folder, 'missing')}
  const real = (line: string) => runShell(`${referenceKubectl} ${line}`, {cwd: folder, env})
  const ours = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: folder, env})

  it('prints what the real kubectl prints, and makes no cluster folder', async () => {
    for (const line of [
      `patch -f pod.yaml --local -p '{"metadata":{"labels":{"a":"b"}}}' -o yaml`,
      'label -f pod.yaml a=b --local -o name',
      'annotate -f pod.yaml a=b --local -o yaml',
      'label -f widget.yaml a=b --local -o yaml',
      'set image -f pod.yaml c=nginx:2 --local -o yaml',
      'set env -f pod.yaml A=B --local -o yaml',
      'set resources -f pod.yaml --limits=cpu=1 --local -o yaml',
      'set serviceaccount -f pod.yaml sa1 --local -o yaml',
      'set selector -f pod.yaml a=b --local -o yaml',
      'create deployment d --image=nginx --dry-run=client -o yaml',
      'create ns q --dry-run=client -o name',
      'create configmap c --from-literal=a=b --dry-run=client -o yaml',
      'create secret generic s --from-literal=a=b --dry-run=client -o yaml',
      "create cronjob cj --image=x --schedule='* * * * *' --dry-run=client -o yaml",
      'create service clusterip s --tcp=80 --dry-run=client',
      'create clusterrolebinding b --clusterrole=view --user=u --dry-run=client -o yaml',
      'create serviceaccount sa --dry-run=client -o yaml',
      'create quota q --hard=pods=1 --dry-run=client -o yaml',
      'kustomize k',
      'get -f pod.yaml --local',
      'config view',
      'config get-contexts',
      'config current-context',
      'options',
    ]) {
      const [theirs, mine] = [await real(line), await ours(line)]
      expect(view(line, mine)).toEqual(view(line, theirs))
    }
    expect(existsSync(home) ? readdirSync(home) : []).toEqual([])
  })

  it('writes a context as kubectl does (cluster and user even when empty), and reads it back', async () => {
    for (const [run, file] of [[real, 'theirs'], [ours, 'mine']] as const) {
      expect((await runShell(`KUBECONFIG=${file} ${run === real ? referenceKubectl : `${kubemu} kubectl`} config set-context foo --namespace=bar`, {cwd: folder, env})).stdout).toBe('Context "foo" created.\n')
    }
    for (const output of ['yaml', 'json']) {
      const line = `config view -o ${output}`
      const [theirs, mine] = [await runShell(`KUBECONFIG=theirs ${referenceKubectl} ${line}`, {cwd: folder, env}), await runShell(`KUBECONFIG=theirs ${kubemu} kubectl ${line}`, {cwd: folder, env})]
      expect(view(line, mine)).toEqual(view(line, theirs))
    }
    expect((await runShell('cat mine', {cwd: folder, env})).stdout).toBe((await runShell('cat theirs', {cwd: folder, env})).stdout)
  })
})
