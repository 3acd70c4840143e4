// Manifests whose YAML maps have keys kubectl's conversion refuses, beside the real kubectl 1.32:
// a sequence or mapping key fails go-yaml's decode (`yaml: invalid map key: …`, the key as Go's %#v
// prints it), a null key fails sigs.k8s.io/yaml's conversion (`unsupported map key of type: …`);
// kubemu's YAML parser took both as string keys and went on.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectl, realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const configMap = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${data}`

const manifests: Record<string, string> = {
  'sequence-key.yaml': configMap('  ? [a, b]\n  : x\n'),
  'number-sequence-key.yaml': configMap('  ? [1, 2.5, true, null]\n  : x\n'),
  'mapping-key.yaml': configMap('  ? {b: 1, a: [x]}\n  : x\n'),
  'tilde-key.yaml': configMap('  ~: x\n'),
  'null-key-mapping-value.yaml': configMap('  null: {a: b}\n'),
  'empty-key.yaml': configMap('  ? \n  : 5\n'),
  'both.yaml': configMap('  ~: x\n  ? [a]\n  : y\n'),
  'fine.yaml': configMap('  "1": one\n  true: t\n'),
}

describe.runIf(realKubectlFound)('YAML map keys kubectl refuses, beside the real kubectl', () => {
  it('refuses collection and null keys with the words of go-yaml and sigs.k8s.io/yaml, and changes nothing', async () => {
    const folder = temporaryFolder()
    for (const [name, text] of Object.entries(manifests)) writeFileSync(join(folder, name), text)
    const environment = {...process.env, KUBEMU_HOME: join(folder, 'home'), KUBECONFIG: ''}
    for (const name of Object.keys(manifests)) {
      for (const output of ['yaml', 'json']) {
        const line = `label --local -f ${name} x=y -o ${output}`
        const [theirs, ours] = [await runShell(`${realKubectl} ${line}`, {cwd: folder, env: environment}), await runShell(`${kubemu} kubectl ${line}`, {cwd: folder, env: environment})]
        expect({line, ...ours}).toEqual({line, ...theirs})
      }
    }
  }, 120_000)
})
