// `kubectl config set`, `unset`, `set-cluster`, `set-credentials`, `set-context`, `view` and the
// argument checks of the config verbs, beside the real kubectl 1.32: each line run by both on their
// own copy of one kubeconfig (in folders of their own, so relative paths land alike), the same
// stdout, stderr and exit status, and the same file after every line. Go's panics are compared by
// their first line, and pointers Go prints (0xc000…) are masked.
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {realKubectl, realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const start = `apiVersion: v1
kind: Config
clusters:
- name: main
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: Q0E=}
users:
- name: admin
  user: {token: secret}
- name: plugin
  user:
    exec: {command: get-token, args: [a], apiVersion: client.authentication.k8s.io/v1, provideClusterInfo: false}
- name: provider
  user:
    auth-provider: {name: oidc, config: {a: b}}
contexts:
- name: main
  context: {cluster: main, user: admin}
current-context: main
`

const lines = [
  // config set: every kind of field, map keys with dots, bytes in base64 or raw, booleans as Go reads them.
  'config set clusters.foo.server https://x',
  'config set clusters.10.0.0.1.server https://y',
  'config set clusters.foo.insecure-skip-tls-verify true',
  'config set clusters.foo.insecure-skip-tls-verify maybe',
  'config set clusters.foo.insecure-skip-tls-verify T',
  'config set clusters.foo.certificate-authority-data aGVsbG8=',
  "config set clusters.foo.certificate-authority-data 'not base64!'",
  'config set clusters.foo.certificate-authority-data abc',
  'config set clusters.foo.certificate-authority-data raw --set-raw-bytes',
  'config set clusters.foo.certificate-authority-data raw2 --set-raw-bytes=maybe',
  'config set clusters.foo.tls-server-name n',
  'config set clusters.foo.disable-compression true',
  'config set contexts.c1.cluster foo',
  'config set contexts.c1.namespace ns',
  'config set users.u.act-as bob',
  'config set users.u.client-key-data abc --set-raw-bytes=true',
  'config set preferences.colors true',
  'config set current-context c1',
  'config set kind Foo',
  // Paths kubectl's walk cannot take, in its words.
  'config set clusters.foo.nope x',
  'config set clusters.foo x',
  'config set clusters x',
  'config set users.u.as bob',
  'config set users.u.act-as-groups g',
  'config set users.u.act-as-user-extra.k v',
  'config set users.u.act-as-user-extra x',
  'config set users.plugin.exec.command x',
  'config set users.plugin.exec x',
  'config set users.provider.auth-provider x',
  'config set users.u.auth-provider x',
  'config set clusters.foo.extensions.k v',
  'config set preferences.nope x',
  'config set preferences x',
  'config set clusters.foo.server.x y',
  'config set nope x',
  'config set . x',
  "config set current-context ''",
  "config set '' x",
  'config set a',
  'config set a b c',
  // config unset.
  'config unset clusters.foo.server',
  'config unset clusters.nothere.server',
  'config unset clusters.nothere',
  'config unset users.u.act-as-user-extra.k',
  'config unset contexts.c1.extensions.x',
  "config unset ''",
  'config unset',
  'config unset users.plugin.exec',
  'config unset clusters.10.0.0.1',
  'config unset preferences',
  'config unset current-context',
  // set-cluster and set-credentials: paths made absolute, then relative to the kubeconfig; embedded files; checks.
  'config set-cluster a --server=https://a --certificate-authority=ca.crt',
  'config set-cluster b --certificate-authority=ca.crt --embed-certs',
  'config set-cluster c --certificate-authority=none.crt --embed-certs',
  'config set-cluster d --embed-certs',
  'config set-cluster e --insecure-skip-tls-verify --certificate-authority=ca.crt',
  'config set-cluster a --insecure-skip-tls-verify',
  'config set-cluster f --tls-server-name=n --proxy-url=http://p',
  'config set-cluster',
  'config set-cluster a b',
  'config set-credentials u1 --client-certificate=c.crt --client-key=sub/c.key',
  'config set-credentials u2 --client-certificate=c.crt --client-key=sub/c.key --embed-certs',
  'config set-credentials u3 --token=t --username=a --password=b',
  'config set-credentials u4 --username=a --password=b',
  'config set-credentials u4 --token=z',
  'config set-credentials u5 --auth-provider=oidc --auth-provider-arg=a=b,c=d',
  'config set-credentials u5 --auth-provider-arg=a-',
  'config set-credentials u5 --auth-provider=other',
  'config set-credentials u6 --exec-command=cmd --exec-arg=x --exec-arg=y --exec-env=A=1 --exec-api-version=client.authentication.k8s.io/v1 --exec-interactive-mode=Never --exec-provide-cluster-info',
  'config set-credentials u6 --exec-env=A- --exec-env=B=2',
  'config set-credentials u6 --exec-command=./bin/get-token',
  'config set-credentials u7 --exec-arg=x',
  'config set-credentials u9 --client-certificate=nope.crt --embed-certs',
  'config set-credentials u10 --exec-interactive-mode=bad --exec-command=c',
  'config set-credentials u11 --embed-certs',
  'config set-credentials u12 --auth-provider-arg=x,=y',
  'config set-credentials',
  // set-context, use-context, delete-context, rename-context: their argument checks.
  'config set-context k1 --cluster=a --user=u1 --namespace=n',
  'config set-context k1 --namespace=',
  'config set-context a b',
  'config use-context',
  'config use-context a b',
  'config delete-context',
  'config delete-context a b',
  'config rename-context a',
  // view: flatten reads the files in, name, merge, arguments; get-contexts' output check.
  'config view --raw',
  'config view -o name',
  'config view --merge=false',
  'config view x',
  'config get-contexts -o wide',
  'config view --flatten',
  'config unset clusters.c',
  'config view --flatten',
  'config set-context --current --cluster=z',
  'config view --minify',
]

const masked = (text: string, folder: string) => text.replaceAll(folder, 'DIR').replace(/0xc[0-9a-f]+/g, '0xADDR')

describe.runIf(realKubectlFound)('kubectl config set, unset and the set-* verbs beside the real kubectl', () => {
  it('changes each copy of the kubeconfig alike and says the same', async () => {
    const home = temporaryFolder()
    const folders = {real: join(home, 'real'), ours: join(home, 'ours')}
    for (const folder of Object.values(folders)) {
      mkdirSync(join(folder, 'sub'), {recursive: true})
      writeFileSync(join(folder, 'k'), start)
      writeFileSync(join(folder, 'ca.crt'), 'CA\n')
      writeFileSync(join(folder, 'c.crt'), 'CERT\n')
      writeFileSync(join(folder, 'sub', 'c.key'), 'KEY\n')
    }
    const environment = {...process.env, KUBEMU_HOME: join(home, 'kubemu'), KUBECONFIG: ''}
    for (const line of lines) {
      const theirs = await runShell(`${realKubectl} --kubeconfig k ${line}`, {cwd: folders.real, env: environment})
      const ours = await runShell(`${kubemu} kubectl --kubeconfig k ${line}`, {cwd: folders.ours, env: environment})
      const shown = (result: typeof ours, folder: string) => ({
        line,
        stdout: masked(result.stdout, folder),
        // A Go panic: its first line (kubemu prints no goroutine trace).
        stderr: result.stderr.startsWith('panic: ') ? result.stderr.split('\n')[0] : masked(result.stderr, folder),
        status: result.status,
        file: existsSync(join(folder, 'k')) ? masked(readFileSync(join(folder, 'k'), 'utf8'), folder) : null,
      })
      expect(shown(ours, folders.ours)).toEqual(shown(theirs, folders.real))
    }
  }, 180_000)

  it('creates the file a config command names with --kubeconfig when it is not there', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: join(home, 'kubemu'), KUBECONFIG: ''}
    for (const line of ['config set-cluster c --server=https://a', 'config set-credentials u --token=t', 'config set-context x --cluster=c', 'config set clusters.q.server s', 'config view', 'config get-contexts', 'config current-context', 'config unset current-context', 'config use-context x']) {
      const results = []
      for (const [name, command] of [['real', realKubectl], ['ours', `${kubemu} kubectl`]] as const) {
        const folder = join(home, name)
        mkdirSync(folder, {recursive: true})
        const file = join(folder, 'missing')
        const result = await runShell(`${command} --kubeconfig ${file} ${line}`, {cwd: folder, env: environment})
        results.push({line, ...result, stderr: result.stderr.replaceAll(folder, 'DIR'), file: existsSync(file) ? readFileSync(file, 'utf8') : null})
        rmSync(file, {force: true})
      }
      expect(results[1]).toEqual(results[0])
    }
  }, 60_000)

  it('makes a missing folder, defaults older exec plugins to IfAvailable, names the file a deleted context left and keeps a renamed context in its file, as kubectl does', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: join(home, 'kubemu'), KUBECONFIG: ''}
    const a = 'apiVersion: v1\nkind: Config\nclusters:\n- name: ca\n  cluster: {server: "https://a"}\nusers:\n- name: e1\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: plug}\n'
    const b = 'apiVersion: v1\nkind: Config\ncontexts:\n- name: cb\n  context: {cluster: ca}\ncurrent-context: cb\n'
    for (const line of ['config view --kubeconfig a.yaml', 'config set-cluster x --server=https://y --kubeconfig new/deeper/k.yaml', 'config delete-context cb', 'config rename-context cb cb2']) {
      const results = []
      for (const [name, command] of [['real', realKubectl], ['ours', `${kubemu} kubectl`]] as const) {
        const folder = join(home, name, String(lines.length))
        rmSync(folder, {recursive: true, force: true})
        mkdirSync(folder, {recursive: true})
        writeFileSync(join(folder, 'a.yaml'), a)
        writeFileSync(join(folder, 'b.yaml'), b)
        const result = await runShell(`${command} ${line}`, {cwd: folder, env: {...environment, KUBECONFIG: 'a.yaml:b.yaml'}})
        const files = ['a.yaml', 'b.yaml', 'new/deeper/k.yaml'].map((file) => (existsSync(join(folder, file)) ? readFileSync(join(folder, file), 'utf8') : null))
        results.push({line, ...result, files})
      }
      expect(results[1]).toEqual(results[0])
    }
  }, 60_000)
})
