// A Go panic in kubectl (a JSON patch that makes evanphx's library dereference nil, a config set
// path that makes reflect panic) printed as Go's runtime prints it, beside the real kubectl 1.32:
// the panic line, the signal line of a nil dereference, a blank line, goroutine 1's trace ending
// in kubectl's main, and status 2. A JSON patch's panic under `patch --local -f` shows every frame
// as the real binary prints it: only heap addresses and the values Go marks uncertain (`0x…?`)
// differ from run to run of the real kubectl, and are masked.
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

  it('prints the JSON patch library\'s frames and patch --local\'s callers as kubectl 1.32 does, for every panic site', async () => {
    const folder = temporaryFolder()
    const document = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', labels: {tier: 'ünïcode'}}, x: {arr: [1, 2, 3], n: [null], nest: [[1]]}}
    writeFileSync(join(folder, 'd.json'), JSON.stringify(document))
    writeFileSync(join(folder, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n')
    writeFileSync(join(folder, 'k'), 'apiVersion: v1\nkind: Config\n')
    const environment = {...process.env, KUBEMU_HOME: join(folder, 'home'), KUBECONFIG: join(folder, 'k')}
    const nulled = '{"op":"add","path":"/y","value":null}'
    const copied = `${nulled},{"op":"copy","from":"/y","path":"/w"}`
    const patches = [
      '[{"op":"test","path":"/x/zz"}]',
      '[{"op":"replace","path":""}]',
      '[{"op":"test","path":""}]',
      '[{"op":"test","path":"/x/n","value":[1]}]',
      '[{"op":"test","path":"/x/nest","value":[null]}]',
      // One member that panics (Go walks a map in random order: with two, the real kubectl's trace changes from run to run).
      '[{"op":"test","path":"/x","value":{"arr":[1,2,3],"n":[null],"nest":[[1]]}}]',
      `[{"op":"test","path":"","value":${JSON.stringify({...document, x: {arr: [1, 2, 3], n: [1], nest: [[1]]}})}}]`,
      ...['{"op":"add","path":"/y/z","value":1}', '{"op":"remove","path":"/y/z"}', '{"op":"replace","path":"/y/z","value":1}', '{"op":"move","from":"/y/z","path":"/q"}', '{"op":"move","from":"/x","path":"/y/z"}', '{"op":"copy","from":"/y/z","path":"/q"}', '{"op":"copy","from":"/x","path":"/y/z"}', '{"op":"test","path":"/y/z","value":1}'].map((operation) => `[${nulled},${operation}]`),
      ...['{"op":"add","path":"/w/q","value":1}', '{"op":"replace","path":"/w/q","value":1}', '{"op":"move","from":"/x","path":"/w/q"}', '{"op":"copy","from":"/x","path":"/w/q"}'].map((operation) => `[${copied},${operation}]`),
      `[${Array.from({length: 5}, () => '{"op":"add","path":"/a","value":1}').join(',')},{"op":"test","path":"/zz"}]`,
    ]
    const quoted = (text: string) => `'${text}'`
    const lines = [
      ...patches.map((patch) => `patch --local -f d.json --type json -p ${quoted(patch)} -o json`),
      // From stdin, two files, a global flag before the verb: the visitors and cobra's arguments show it.
      `patch --local -f - --type=json -p ${quoted(patches[0]!)} < d.json`,
      `patch -f d.json -f cm.yaml --local --type=json -p ${quoted(patches[1]!)}`,
      `--kubeconfig k patch --local -f d.json --type json --patch=${quoted(patches[3]!)} -o yaml`,
    ]
    // Heap addresses and Go's uncertain values (`0x…?`) differ on every run of the real binary.
    const masked = (text: string) => text.replace(/0x[0-9a-f]+\?/g, 'GUESS?').replace(/0xc[0-9a-f]{9}\b/g, 'HEAP')
    for (const line of lines) {
      const theirs = await runShell(`${realKubectl} ${line}`, {cwd: folder, env: environment})
      const ours = await runShell(`${kubemu} kubectl ${line}`, {cwd: folder, env: environment})
      expect({line, status: theirs.status}).toEqual({line, status: 2})
      expect({line, status: ours.status, stdout: ours.stdout, stderr: masked(ours.stderr)}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: masked(theirs.stderr)})
    }
  }, 180_000)
})
