// A Go panic in kubectl (a JSON patch that makes evanphx's library dereference nil, a config set
// path that makes reflect panic) printed as Go's runtime prints it, beside the real kubectl 1.32:
// the panic line, the signal line of a nil dereference, a blank line, goroutine 1's trace ending
// in kubectl's main, and status 2. The frames in between are Go's own and differ by address.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectl, realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

/** A panic's shape: its lines before the trace (the signal line's addresses masked), the trace's header and its last frame. */
function shape(result: {stdout: string; stderr: string; status: number | null}) {
  const lines = result.stderr.trimEnd().split('\n')
  const header = lines.indexOf('goroutine 1 [running]:')
  return {
    status: result.status,
    stdout: result.stdout,
    before: lines.slice(0, header).map((line) => line.replace(/addr=0x[0-9a-f]+ pc=0x[0-9a-f]+/, 'addr=ADDRESS pc=ADDRESS')),
    header: lines[header],
    last: lines.slice(-2),
  }
}

describe.runIf(realKubectlFound)('Go panics beside the real kubectl', () => {
  it('prints the panic, the blank line and the goroutine trace ending in main, with status 2', async () => {
    const folder = temporaryFolder()
    writeFileSync(join(folder, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n')
    writeFileSync(join(folder, 'k'), 'apiVersion: v1\nkind: Config\n')
    const environment = {...process.env, KUBEMU_HOME: join(folder, 'home'), KUBECONFIG: join(folder, 'k')}
    for (const line of [
      `patch --local -f cm.yaml --type=json -p '[{"op":"test","path":"/data/zz"}]' -o yaml`,
      `patch --local -f cm.yaml --type=json -p '[{"op":"replace","path":""}]' -o yaml`,
      'config set clusters.foo.extensions.x y',
    ]) {
      const theirs = await runShell(`${realKubectl} ${line}`, {cwd: folder, env: environment})
      const ours = await runShell(`${kubemu} kubectl ${line}`, {cwd: folder, env: environment})
      expect(theirs.status).toBe(2)
      expect({line, ...shape(ours)}).toEqual({line, ...shape(theirs)})
    }
  }, 60_000)
})
