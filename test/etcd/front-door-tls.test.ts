// `kubemu up --etcd-tls`: etcd's client ports over https:// as kubeadm runs etcd, used by the real
// etcdctl and curl-like clients with the certificates up writes, side by side with a real etcd 3.4
// serving with the same files; client certificates required, their CN the etcd user once auth is on.
import {spawn} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {request} from 'node:https'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {createCertificateAuthority, issueCertificate} from '../../src/core/apiserver/authentication/certificates.js'
import {etcdClientFiles} from '../../src/core/etcd/pki-files.js'
import {RealEtcdCluster, RealEtcdMember} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

interface Files {
  readonly cacert: string
  readonly cert: string
  readonly key: string
}

/** GET over https with a client certificate; the status and body, or the error that ended the connection. */
function get(url: string, files: Partial<Files>): Promise<{status: number; body: string} | {error: string}> {
  return new Promise((resolve) => {
    const read = (path: string | undefined) => (path ? readText(path) : undefined)
    const call = request(url, {ca: read(files.cacert), cert: read(files.cert), key: read(files.key)}, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      response.on('end', () => resolve({status: response.statusCode!, body}))
    })
    call.on('error', (error) => resolve({error: error.message}))
    call.end()
  })
}

const readText = (path: string) => readFileSync(path, 'utf8')

describe.skipIf(!RealEtcdCluster.available())('the etcd front door over TLS', () => {
  let up: UpProcess
  let real: RealEtcdMember
  let home: string
  let root: Files
  let folder: string
  beforeAll(async () => {
    home = temporaryFolder()
    up = new UpProcess(home, ['--etcd-tls'])
    await up.until(/etcd: \S+ is the leader/)
    folder = join(home, 'default')
    root = etcdClientFiles(folder)
    const server = {certificate: join(folder, 'pki', 'etcd', 'server.crt'), key: join(folder, 'pki', 'etcd', 'server.key'), authority: root.cacert}
    real = await RealEtcdMember.start(server)
  }, 120_000)
  afterAll(async () => {
    await up?.stop()
    await real?.stop()
  })

  const etcdctl = (line: string, files: Partial<Files> = root) => {
    const flags = Object.entries(files).map(([name, path]) => `--${name}=${path}`).join(' ')
    return runShell(`etcdctl --dial-timeout=2s ${flags} ${line}`, {cwd: home, env: {...process.env, ETCDCTL_API: '3'}})
  }
  const ownEtcdctl = (line: string) => runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})

  it('writes kubeadm\'s etcd certificates and serves https:// to the real etcdctl', async () => {
    for (const file of ['ca', 'server', 'root', 'healthcheck-client', 'apiserver-etcd-client']) {
      expect(existsSync(join(folder, 'pki', 'etcd', `${file}.crt`))).toBe(true)
      expect(existsSync(join(folder, 'pki', 'etcd', `${file}.key`))).toBe(true)
    }
    const urls = up.etcdUrls()
    expect(Object.values(urls).every((url) => url.startsWith('https://127.0.0.1:'))).toBe(true)
    const first = urls.infra1!
    expect(await etcdctl(`--endpoints=${first} put /tls/key v1`)).toMatchObject({status: 0, stdout: 'OK\n'})
    expect(await etcdctl(`--endpoints=${first} get /tls/key`)).toMatchObject({status: 0, stdout: '/tls/key\nv1\n'})
    // A scheme-less endpoint with the TLS flags is dialed over TLS, as etcdctl does.
    expect(await etcdctl(`--endpoints=${first.replace('https://', '')} get /tls/key --print-value-only`)).toMatchObject({status: 0, stdout: 'v1\n'})
    const members = await etcdctl(`--endpoints=${first} member list`)
    expect(members.status).toBe(0)
    for (const name of Object.keys(urls)) expect(members.stdout).toContain(`, ${name}, http://127.0.0.1:`)
    for (const url of Object.values(urls)) expect(members.stdout).toContain(`, ${url}, false`)
    const status = await etcdctl(`--endpoints=${first} endpoint status --cluster`)
    expect(status.status).toBe(0)
    expect(status.stdout.split('\n').filter(Boolean).map((line) => line.split(',')[0]).sort()).toEqual(Object.values(urls).sort())
    expect((await etcdctl(`--endpoints=${urls.infra2} endpoint health --cluster`)).status).toBe(0)
    // A watch over TLS sees a put made over TLS through another member (put until it shows: the
    // watch is set up while the first puts go by).
    const watch = spawn('etcdctl', [`--cacert=${root.cacert}`, `--cert=${root.cert}`, `--key=${root.key}`, `--endpoints=${first}`, 'watch', '/tls/watched'], {env: {...process.env, ETCDCTL_API: '3'}})
    let watched = ''
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => (watched += chunk))
    try {
      for (let attempt = 0; attempt < 100 && !watched.includes('PUT'); attempt++) expect((await etcdctl(`--endpoints=${urls.infra3} put /tls/watched w${attempt}`)).status).toBe(0)
      expect(watched).toMatch(/^PUT\n\/tls\/watched\nw\d+\n/)
    } finally {
      watch.kill()
    }
  }, 60_000)

  it('answers /health over https as the real etcd does with the same files, and refuses what etcd refuses', async () => {
    const first = up.etcdUrls().infra1!
    const healthcheck = etcdClientFiles(folder, 'healthcheck-client')
    for (const url of [first, real.clientUrl]) {
      expect(await get(`${url}/health`, healthcheck)).toEqual({status: 200, body: '{"health":"true"}'})
      expect(await get(`${url}/version`, root)).toEqual({status: 200, body: '{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}'})
      // No client certificate, plain HTTP on the TLS port: no answer at all.
      expect(await get(`${url}/health`, {cacert: root.cacert})).toHaveProperty('error')
      await expect(fetch(`${url.replace('https://', 'http://')}/health`)).rejects.toThrow()
    }
  })

  it('offers h2 first, as etcd does: curl speaks HTTP/2 (or HTTP/1.1 when told) and gets the HTTP answers, gRPC still works', async () => {
    const first = up.etcdUrls().infra1!
    const curl = (url: string, line: string) =>
      runShell(`curl -s --cacert ${root.cacert} --cert ${root.cert} --key ${root.key} -w ' %{http_code} %{http_version}' ${line.replaceAll('{url}', url)}; echo " exit=$?"`, {cwd: home, env: process.env})
    const lines = ['{url}/health', '--http1.1 {url}/health', '{url}/version', '--http1.1 {url}/version', '-X POST {url}/health', '{url}/nope', '-X OPTIONS {url}/version']
    for (const line of lines) {
      const [ours, theirs] = [await curl(first, line), await curl(real.clientUrl, line)]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }
    expect((await curl(first, '{url}/health')).stdout).toBe('{"health":"true"} 200 2 exit=0\n')
    expect((await curl(first, '--http1.1 {url}/health')).stdout).toBe('{"health":"true"} 200 1.1 exit=0\n')
    // The JSON gateway over HTTP/2: a put, then the range that reads it back.
    expect((await curl(first, `-X POST {url}/v3/kv/put -d '{"key":"L2gyL2tleQ==","value":"aDI="}'`)).stdout).toMatch(/^\{"header":\{.*\}\} 200 2 exit=0\n$/)
    expect((await curl(first, `-X POST {url}/v3/kv/range -d '{"key":"L2gyL2tleQ=="}'`)).stdout).toContain('"key":"L2gyL2tleQ==","create_revision"')
    expect(await etcdctl(`--endpoints=${first} get /h2/key --print-value-only`)).toMatchObject({status: 0, stdout: 'h2\n'})
  }, 60_000)

  it('refuses a certificate from another CA, logs it once, and refuses the wrong flags in kubemu\'s etcdctl', async () => {
    const first = up.etcdUrls().infra1!
    const now = Date.now()
    const other = createCertificateAuthority(now, 'other-ca')
    const stranger = issueCertificate(other, {commonName: 'root', usages: ['clientAuth']}, now)
    const strangerFiles = {cacert: root.cacert, cert: join(home, 'stranger.crt'), key: join(home, 'stranger.key')}
    writeFileSync(strangerFiles.cert, stranger.certificate)
    writeFileSync(strangerFiles.key, stranger.privateKey)
    for (let attempt = 0; attempt < 3; attempt++) expect(await get(`${first}/health`, strangerFiles)).toHaveProperty('error')
    expect((await etcdctl(`--endpoints=${first} get /tls/key`, strangerFiles)).stderr).toContain('context deadline exceeded')
    await up.until(/rejected connection from "127\.0\.0\.1:\d+" \(error "tls: failed to verify client's certificate: x509: certificate signed by unknown authority"\)/)
    expect(up.output.match(/certificate signed by unknown authority/g)).toHaveLength(1)

    // kubemu's own etcdctl: the same flags and ETCDCTL_* variables, and etcdctl's errors without them.
    const flags = `--cacert=${root.cacert} --cert=${root.cert} --key=${root.key}`
    expect(await ownEtcdctl(`--endpoints=${first} ${flags} get /tls/key --print-value-only`)).toMatchObject({status: 0, stdout: 'v1\n'})
    expect(await ownEtcdctl(`--endpoints=${first} ${flags} put /tls/own v2`)).toMatchObject({status: 0, stdout: 'OK\n'})
    expect(await ownEtcdctl(`--endpoints=${first} --insecure-skip-tls-verify --cert=${root.cert} --key=${root.key} get /tls/own --print-value-only`)).toMatchObject({status: 0, stdout: 'v2\n'})
    // Without a client certificate (or over plain gRPC) the handshake fails: as the real etcdctl
    // against a real etcd with the same files, each verb reports an endpoint it cannot reach.
    const masked = (result: {stdout: string; stderr: string; status: number | null}, url: string) => {
      const mask = (text: string) => text.replaceAll(url, '{url}').replaceAll(url.replace('https://', ''), '{host}').replace(/"ts":"[^"]+"/g, '"ts":"…"').replace(/client-[0-9a-f-]{36}/g, 'client-…')
      // A direct dial's last error races the server's close in real etcd (mostly "connection closed");
      // a server the client does not trust is named exactly.
        .replace(/latest balancer error: (connection closed|use of closed network connection|write tcp [^"]*: write: broken pipe)/, 'latest balancer error: {closed}')
      return {stdout: mask(result.stdout), stderr: mask(result.stderr), status: result.status}
    }
    const realEtcdctl = (line: string) => runShell(`etcdctl --command-timeout=1s --dial-timeout=1s ${line}`, {cwd: home, env: {...process.env, ETCDCTL_API: '3'}})
    for (const line of ['get /tls/own', `--cacert=${root.cacert} get /tls/own`, `--cacert=${root.cacert} endpoint health`, `--cacert=${root.cacert} endpoint status`, `--cacert=${root.cacert} member list`, `--cert=${root.cert} --key=${root.key} endpoint status`, `--cacert=${root.cacert} lease grant 10`, 'lease revoke 1234']) {
      const ours = masked(await ownEtcdctl(`--endpoints=${first} ${line}`), first)
      expect({line, ...ours}).toEqual({line, ...masked(await realEtcdctl(`--endpoints=${real.clientUrl} ${line}`), real.clientUrl)})
      expect(ours.stderr).toContain('context deadline exceeded')
    }
    // The lease verbs wrap the error in a sentence of their own, after clientv3's warn line; so for
    // an endpoint nothing listens on (no connection at all).
    const closed = 'http://127.0.0.1:1'
    expect(masked(await ownEtcdctl(`--endpoints=${closed} --command-timeout=1s lease grant 10`), closed)).toEqual(masked(await realEtcdctl(`--endpoints=${closed} lease grant 10`), closed))
    expect(await ownEtcdctl(`--endpoints=${first} --cacert=${strangerFiles.cacert} --cert=${strangerFiles.cert} --key=${strangerFiles.key} get /tls/own`)).toMatchObject({status: 1})
    expect(await ownEtcdctl(`--endpoints=${first} --cacert=/nonexistent ${`--cert=${root.cert} --key=${root.key}`} get /tls/own`)).toMatchObject({status: 128, stderr: 'Error: open /nonexistent: no such file or directory\n'})
    const environment = (await runShell(`${kubemu} env`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})).stdout
    expect(environment).toContain(`export ETCDCTL_CACERT='${root.cacert}'\n`)
    expect(environment).toContain(`export ETCDCTL_CERT='${root.cert}'\n`)
    expect(environment).toContain(`export ETCDCTL_ENDPOINTS='${Object.values(up.etcdUrls()).join(',')}'\n`)
    const shimmed = await runShell(`eval "$(${kubemu} env)" && etcdctl get /tls/own --print-value-only`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})
    expect(shimmed).toMatchObject({status: 0, stdout: 'v2\n'})
  }, 60_000)

  it('takes a verified certificate\'s CN as the etcd user once auth is enabled', async () => {
    const first = up.etcdUrls().infra1!
    expect((await etcdctl(`--endpoints=${first} user add root --new-user-password=secret`)).status).toBe(0)
    expect((await etcdctl(`--endpoints=${first} auth enable`)).status).toBe(0)
    try {
      // CN=root: root, with no password or token.
      expect(await etcdctl(`--endpoints=${first} put /tls/as-root yes`)).toMatchObject({status: 0, stdout: 'OK\n'})
      // CN=kube-etcd-healthcheck-client: no such user, no permission.
      const healthcheck = await etcdctl(`--endpoints=${first} get /tls/as-root`, etcdClientFiles(folder, 'healthcheck-client'))
      expect(healthcheck.stderr).toContain('Error: etcdserver: permission denied')
      // A token still names its own user first.
      expect((await etcdctl(`--endpoints=${first} --user=root:secret get /tls/as-root --print-value-only`)).stdout).toBe('yes\n')
      // kubemu's etcdctl the same way: the certificate's CN, or --user (with nothing more on stderr).
      const flags = `--endpoints=${first} --cacert=${root.cacert} --cert=${root.cert} --key=${root.key}`
      expect(await ownEtcdctl(`${flags} get /tls/as-root --print-value-only`)).toMatchObject({status: 0, stdout: 'yes\n', stderr: ''})
      expect(await ownEtcdctl(`${flags} --user=root:secret put /tls/as-root again`)).toMatchObject({status: 0, stdout: 'OK\n', stderr: ''})
    } finally {
      expect((await etcdctl(`--endpoints=${first} auth disable`)).status).toBe(0)
    }
  }, 60_000)

  it('a stopped member\'s TLS port refuses connections, and serves again once started', async () => {
    const urls = up.etcdUrls()
    const member = (line: string) => runShell(`${kubemu} member ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    expect((await member('stop infra2')).status).toBe(0)
    expect(await get(`${urls.infra2}/health`, root)).toMatchObject({error: expect.stringContaining('ECONNREFUSED')})
    expect((await etcdctl(`--endpoints=${urls.infra2} get /tls/key`)).status).not.toBe(0)
    expect((await member('start infra2')).status).toBe(0)
    expect(await get(`${urls.infra2}/health`, root)).toEqual({status: 200, body: '{"health":"true"}'})
    expect(await etcdctl(`--endpoints=${urls.infra2} get /tls/key --print-value-only`)).toMatchObject({status: 0, stdout: 'v1\n'})
  }, 60_000)
})
