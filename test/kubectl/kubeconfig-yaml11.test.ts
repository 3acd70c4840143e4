// kubeconfig files read as kubectl 1.32 reads them (go-yaml v2's YAML 1.1, then Go's JSON decoding
// into client-go's v1.Config): `yes`/`on`/`y` are booleans (so a name or a token `y` is a type
// error in Go's words), `0755` and `0o17` are numbers, `1:20` and `2001-12-14` stay strings, a
// merge key merges, NaN and infinities are refused, names are unique per list, extensions keep
// their keys sorted and merge by name across $KUBECONFIG's files. Each file is viewed with the
// real kubectl and kubemu's, without a server: same stdout, stderr and exit code.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectl} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const config = (body: string) => `apiVersion: v1\nkind: Config\n${body}`
const cluster = (fields: string, name = 'k') => config(`clusters:\n- name: ${name}\n  cluster:\n    server: https://x\n${fields}`)
const user = (fields: string) => config(`users:\n- name: u\n  user:\n${fields}`)

const files: Record<string, string> = {
  'bool-name.yaml': cluster('', 'y'),
  'bool-fields.yaml': cluster('    insecure-skip-tls-verify: yes\n') + 'preferences: {colors: on}\n',
  'bool-false.yaml': cluster('    insecure-skip-tls-verify: Y\n') + 'preferences: {colors: Off}\n',
  'bool-namespace.yaml': config('contexts:\n- name: c\n  context: {cluster: k, user: u, namespace: on}\n'),
  'octal-token.yaml': user('    token: 0755\n'),
  'go-octal-token.yaml': user('    token: 0o17\n'),
  'underscore-token.yaml': user('    token: 1_000\n'),
  'sexagesimal-token.yaml': user('    token: 1:20\n'),
  'date-token.yaml': user('    token: 2001-12-14\n'),
  'number-server.yaml': config('clusters:\n- name: k\n  cluster: {server: 8080}\n'),
  'number-bool.yaml': cluster('    insecure-skip-tls-verify: 1\n'),
  'infinity.yaml': user('    token: .inf\n'),
  'nan-sorted.yaml': config('x: .nan\ny: {z: -.inf}\n'),
  'base64.yaml': cluster('    certificate-authority-data: "abc!"\n'),
  'base64-lines.yaml': cluster('    certificate-authority-data: "YW\\nJj"\n'),
  'object-list.yaml': config('clusters: {}\n'),
  'string-struct.yaml': config('clusters:\n- name: k\n  cluster: "x"\n'),
  'null-items.yaml': config('clusters:\n- null\n- name: k\n  cluster: null\n'),
  'env-order.yaml': user('    exec: {command: x, provideClusterInfo: yes, apiVersion: client.authentication.k8s.io/v1beta1, env: [{name: a, value: on}]}\n'),
  'user-extra.yaml': user('    as-user-extra: {a: [on, "b"]}\n    auth-provider: {name: x, config: {k: yes}}\n'),
  'current-context.yaml': config('current-context: yes\n'),
  'merge-key.yaml': config('x: &a {server: https://a}\nclusters:\n- name: k\n  cluster:\n    <<: *a\n    proxy-url: http://p\n'),
  'extensions.yaml': cluster('    extensions:\n    - name: z\n      extension: {b: 1, a: on}\n') + 'contexts:\n- name: c\n  context: {cluster: k, user: u, extensions: [{name: e, extension: {kind: Foo, apiVersion: v9, z: 1}}]}\ncurrent-context: c\nextensions:\n- name: e\n  extension: {z: 1, a: y}\n- name: b\n  extension: null\n',
  'duplicate-cluster.yaml': config('clusters:\n- name: k\n  cluster: {server: a}\n- name: k\n  cluster: {server: b, certificate-authority-data: YWI=}\n'),
  'duplicate-extension.yaml': config('extensions:\n- name: k\n  extension: {a: 1}\n- name: k\n  extension: 2\n'),
  'kind.yaml': 'kind: Foo\n',
  'api-version.yaml': 'apiVersion: v2\n',
  'number-version.yaml': 'apiVersion: 1\n',
  'list.yaml': '- a\n- b\n',
  'yaml-fault.yaml': config('clusters:\n- name: k\n  cluster: {server: a\n'),
  'two-documents.yaml': config('clusters:\n- name: a\n  cluster: {server: a}\n---\nfoo: [\n'),
  'first.yaml': config('extensions:\n- name: e\n  extension: {from: one}\n- name: a\n  extension: [1]\n'),
  'second.yaml': config('extensions:\n- name: e\n  extension: {from: two}\n- name: b\n  extension: x\npreferences: {colors: true}\n'),
}

describe('kubeconfig files read as kubectl 1.32 reads them', () => {
  it('gives the same views and the same errors as the real kubectl', async () => {
    const folder = temporaryFolder()
    for (const [name, text] of Object.entries(files)) writeFileSync(join(folder, name), text)
    const lines = Object.keys(files).flatMap((name) => [`--kubeconfig ${name} config view`, `--kubeconfig ${name} config view -o json --raw`])
    lines.push('config view -o json', 'config view --minify --context=c')
    const environment = {...process.env, KUBECONFIG: 'first.yaml:second.yaml:extensions.yaml', KUBEMU_HOME: join(folder, 'home')}
    // One shell per kubectl runs every line, each result between markers.
    const script = (kubectl: string) => lines.map((line) => `echo "### ${line}"; ${kubectl} ${line} 2>&1; echo "### status $?"`).join('\n')
    const [ours, theirs] = await Promise.all([runShell(script(`${kubemu} kubectl`), {cwd: folder, env: environment}), runShell(script(realKubectl), {cwd: folder, env: environment})])
    const results = (output: string) => output.split(/(?=^### --|^### config)/m)
    expect(results(ours.stdout)).toEqual(results(theirs.stdout))
    expect(results(ours.stdout)).toHaveLength(lines.length)
  })
})
