// Manifests whose YAML maps have keys kubectl's conversion refuses, beside the real kubectl 1.32:
// a sequence or mapping key fails go-yaml's decode (`yaml: invalid map key: …`, the key as Go's %#v
// prints it), a null key fails sigs.k8s.io/yaml's conversion (`unsupported map key of type: …`);
// kubemu's YAML parser took both as string keys and went on. Aliases as keys, repeated null keys,
// numbers as Go prints and converts them, and !!binary too.
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
  // An alias stands for its anchored node, a key too; of repeated null keys the last value counts.
  'alias-key.yaml': configMap('  a: &k [q]\n  ? *k\n  : x\n'),
  'alias-scalar-key.yaml': configMap('  a: &k name\n  *k : x\n'),
  'repeated-null-keys.yaml': configMap('  ~: x\n  null: y\n'),
  // Numbers as Go's %#v prints them: floats as %g, a uint64 past int64 in hex, and such a key unsupported.
  'number-kinds-key.yaml': configMap('  ? [1.5, 1e20, 18446744073709551615, 0x1F, -0.0, .inf, 123456789.0]\n  : x\n'),
  'uint64-key.yaml': configMap('  18446744073709551615: y\n'),
  // Number keys as sigs.k8s.io/yaml writes them (float32's shortest %g), exact ints.
  'number-keys.yaml': configMap('  1.5: x\n  1e3: z\n  1e20: w\n  3.14159265358979: p\n  .inf: i\n  -0.0: m\n  9007199254740993: big\n  0x1F: h\n'),
  // !!binary: the decoded bytes as text, in a value, a key and a key's sequence.
  'binary.yaml': configMap('  a: !!binary aGVsbG8=\n  ? !!binary d29ybGQ=\n  : x\n'),
  'binary-in-key.yaml': configMap('  ? [!!binary aGVsbG8=]\n  : x\n'),
}

describe.runIf(realKubectlFound)('YAML map keys kubectl refuses, beside the real kubectl', () => {
  it('refuses collection and null keys with the words of go-yaml and sigs.k8s.io/yaml, and changes nothing', async () => {
    const folder = temporaryFolder()
    for (const [name, text] of Object.entries(manifests)) writeFileSync(join(folder, name), text)
    const environment = {...process.env, KUBEMU_HOME: join(folder, 'home'), KUBECONFIG: ''}
    for (const name of Object.keys(manifests)) {
      // go-yaml orders mixed number-like keys by a comparison that is not transitive, so the real
      // kubectl's YAML of number keys follows Go's random map order: their JSON only.
      for (const output of name === 'number-keys.yaml' ? ['json'] : ['yaml', 'json']) {
        const line = `label --local -f ${name} x=y -o ${output}`
        const [theirs, ours] = [await runShell(`${realKubectl} ${line}`, {cwd: folder, env: environment}), await runShell(`${kubemu} kubectl ${line}`, {cwd: folder, env: environment})]
        expect({line, ...ours}).toEqual({line, ...theirs})
      }
    }
  }, 120_000)
})
