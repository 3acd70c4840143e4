// kubectl 1.32 still reads --dry-run as Go's strconv.ParseBool does (true, 1, t, TRUE …: client;
// false, 0, f …: none) with a deprecation warning, before it checks the three words. The real
// kubectl's client dry run needs no server: it runs against a kubeconfig whose server is closed,
// and kubemu's one-shot beside it; klog headers masked.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {klogHeaderMasked} from '../support/up-with-real-kubectl.js'

describe.runIf(realKubectlFound)('--dry-run with a boolean, beside the real kubectl', {timeout: 120_000}, () => {
  const home = temporaryFolder()
  const closed = join(home, 'closed.yaml')
  writeFileSync(closed, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]\nusers: [{name: u, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n')
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'}
  const view = (result: {status: number | null; stdout: string; stderr: string}) => ({status: result.status, stdout: result.stdout, stderr: klogHeaderMasked(result.stderr)})
  const both = async (line: string) => ({
    real: view(await runShell(`${realKubectlFound} --kubeconfig ${closed} ${line}`, {cwd: home, env})),
    ours: view(await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env})),
  })

  it('takes true, 1, t and TRUE as client with kubectl’s warning, and refuses a word it does not know', async () => {
    for (const value of ['true', '1', 't', 'TRUE', 'maybe', 'yes']) {
      const {real, ours} = await both(`create cm x --from-literal=a=b --dry-run=${value} -o name`)
      expect(ours, value).toEqual(real)
    }
    const {real} = await both('create cm x --from-literal=a=b --dry-run=true -o name')
    expect(real).toEqual({status: 0, stdout: 'configmap/x\n', stderr: 'W helpers.go:716] --dry-run=true is deprecated (boolean value) and can be replaced with --dry-run=client.\n'})
  })

  it('takes false and 0 as none, with the warning once: the object is created', async () => {
    const result = await runShell(`${kubemu} kubectl create cm made --from-literal=a=b --dry-run=false -o name`, {cwd: home, env})
    expect(view(result)).toEqual({status: 0, stdout: 'configmap/made\n', stderr: 'W helpers.go:719] --dry-run=false is deprecated (boolean value) and can be replaced with --dry-run=none.\n'})
    expect((await runShell(`${kubemu} kubectl get cm made -o name`, {cwd: home, env})).stdout).toBe('configmap/made\n')
    // The real one reads it alike: it tries the create, and meets the closed port.
    const real = await runShell(`${realKubectlFound} --kubeconfig ${closed} create cm made --from-literal=a=b --dry-run=0 -o name`, {cwd: home, env})
    expect(klogHeaderMasked(real.stderr).split('\n')[0]).toBe('W helpers.go:719] --dry-run=0 is deprecated (boolean value) and can be replaced with --dry-run=none.')
  })
})
