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
})
