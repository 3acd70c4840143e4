// A null value in a Secret's (or ConfigMap's) data, as kube-apiserver takes it: Go's JSON decoder
// keeps the key with its type's zero value, so ValidateSecret, which checks the map's keys, finds
// a tls.crt or a username that is null there (only ssh-auth asks for a non-empty key, and a docker
// config must decode as JSON: empty input is "unexpected end of JSON input"); the stored value
// reads back as "" (kube-apiserver stores Secrets as protobuf, where nil bytes come back empty).
import {join} from 'node:path'
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
