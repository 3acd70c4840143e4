// A null value in a Secret's (or ConfigMap's) data, as kube-apiserver takes it: Go's JSON decoder
// keeps the key with its type's zero value, so ValidateSecret, which checks the map's keys, finds
// a tls.crt or a username that is null there (only ssh-auth asks for a non-empty key, and a docker
// config must decode as JSON: empty input is "unexpected end of JSON input"); the stored value
// reads back as "" (kube-apiserver stores Secrets as protobuf, where nil bytes come back empty).
import {join} from 'node:path'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const secret = (name: string, type: string, keys: readonly string[]) =>
  `apiVersion: v1\nkind: Secret\nmetadata: {name: ${name}}\ntype: ${type}\ndata: {${keys.map((key) => `${key}: null`).join(', ')}}\n`

describe('null data values', () => {
  it('count as keys that are there, empty, as kube-apiserver decodes them', async () => {
    const home = temporaryFolder()
    const create = (manifest: string) => runShell(`${kubemu} kubectl create -f - -o jsonpath='{.data}'`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin: manifest})
    expect(await create(secret('tls', 'kubernetes.io/tls', ['tls.crt', 'tls.key']))).toMatchObject({stdout: '{"tls.crt":"","tls.key":""}', status: 0})
    expect(await create(secret('basic', 'kubernetes.io/basic-auth', ['username']))).toMatchObject({stdout: '{"username":""}', status: 0})
    expect(await create(secret('opaque', 'Opaque', ['a']))).toMatchObject({stdout: '{"a":""}', status: 0})
    expect(await create('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: null}\n')).toMatchObject({stdout: '{"a":""}', status: 0})
    expect(await create(secret('docker', 'kubernetes.io/dockerconfigjson', ['.dockerconfigjson']))).toMatchObject({
      stderr: 'The Secret "docker" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": unexpected end of JSON input\n',
      status: 1,
    })
    expect(await create(secret('ssh', 'kubernetes.io/ssh-auth', ['ssh-privatekey']))).toMatchObject({stderr: 'The Secret "ssh" is invalid: data[ssh-privatekey]: Required value\n', status: 1})
  }, 120_000)
})

describe('apply of a manifest with null entries, both kubectls through up', () => {
  const {ours, real} = kubectlsOnUp()

  it('creates the object without them, as kubectl sends it (so a tls Secret with null keys is refused)', async () => {
    for (const [kubectl, suffix] of [[real, 'real'], [ours, 'ours']] as const) {
      const configMap = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nulls-${suffix}\n  labels: {a: null, b: "2"}\ndata: {k: null, j: w}\n`
      expect((await kubectl('apply -f -', configMap)).status).toBe(0)
      expect((await kubectl(`get configmap nulls-${suffix} -o jsonpath='{.metadata.labels} {.data}'`)).stdout).toBe('{"b":"2"} {"j":"w"}')
      const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls-${suffix}\ntype: kubernetes.io/tls\ndata: {tls.crt: null, tls.key: null}\n`
      expect(await kubectl('apply -f -', secret)).toEqual({stdout: '', stderr: `The Secret "tls-${suffix}" is invalid: \n* data[tls.crt]: Required value\n* data[tls.key]: Required value\n`, status: 1})
    }
  })
})

describe('a null quantity', () => {
  it('decodes as Go decodes resource.Quantity: zero, written "0" (before: a 500)', async () => {
    const home = temporaryFolder()
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    resources: {limits: {cpu: null}}\n'
    const created = await runShell(`${kubemu} kubectl create --dry-run=server -f - -o jsonpath='{.spec.containers[0].resources.limits}'`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin: pod})
    expect(created).toEqual({stdout: '{"cpu":"0"}', stderr: '', status: 0})
  })
})
