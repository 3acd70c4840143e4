// kubemu's kubectl one-shot (no `up`) beside the real kubectl 1.32 against `kubemu up`: what a
// script does in one command must end as it ends on a running cluster, though one-shot no loop
// runs unless the command runs it.
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {realKubectl, upWithRealKubectl, type UpWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'

/** What the comparison looks at: stdout, stderr's first line and the exit status. */
const view = (line: string, result: ShellResult) => ({line, stdout: result.stdout, stderr: result.stderr.split('\n')[0], status: result.status})

describe.runIf(existsSync(realKubectl))('one-shot kubectl beside the real kubectl against up', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  let up: UpWithRealKubectl
  const home = temporaryFolder()
  const oneShot = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
  const sameAsReal = async (line: string) => {
    const [theirs, ours] = [await up.real(line), await oneShot(line)]
    expect(view(line, ours)).toEqual(view(line, theirs))
    return ours
  }

  beforeAll(async () => {
    up = await upWithRealKubectl(processes)
  }, 120_000)

  it('creates a Namespace and a Pod in it from one file (create and apply), and in two commands', async () => {
    const manifest = (namespace: string) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: ${namespace}\nspec:\n  containers:\n  - name: c\n    image: nginx\n`
    for (const [verb, namespace] of [['create', 'made'], ['apply', 'applied']] as const) {
      const file = join(home, `${namespace}.yaml`)
      writeFileSync(file, manifest(namespace))
      writeFileSync(join(up.home, `${namespace}.yaml`), manifest(namespace))
      // Each side reads the file of the same name in its own home.
      expect((await sameAsReal(`${verb} -f ${namespace}.yaml`)).status).toBe(0)
    }
    await sameAsReal('create ns twice')
    expect((await sameAsReal('run p -n twice --image=nginx')).stdout).toBe('pod/p created\n')
    await sameAsReal('get pods -n made -o name')
  })
})
