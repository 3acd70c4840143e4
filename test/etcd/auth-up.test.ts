// The real etcdctl and a raw gRPC client against `kubemu up` with auth enabled: a refused watch,
// a refused snapshot that ends at once, and a token that `kubemu time advance` ages past
// --auth-token-ttl.
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {EtcdProbe} from '../support/etcd-grpc-probe.js'
import {OutputProcess} from '../support/output-process.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe('auth through kubemu up\'s etcd front door', () => {
  const processes: OutputProcess[] = []
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })

  it('refuses what etcd refuses, at once, and expires tokens on the cluster clock', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', ETCDCTL_API: '3'}
    const up = new OutputProcess(kubemu, ['up', '--port', '0', '--etcd-ports', '0,0,0', '--auth-token-ttl', '60'], environment)
    processes.push(up)
    await up.until((output) => /etcdctl --endpoints=\S+/.test(output))
    const endpoint = /etcdctl --endpoints=([^,\s]+)/.exec(up.output)![1]!
    const etcdctl = (line: string) => runShell(`timeout 30 etcdctl --endpoints=${endpoint} ${line}`, {cwd: home, env: environment})
    for (const line of ['user add root:root', 'user add ro:ro', 'role add rd', 'role grant-permission rd read a --prefix', 'user grant-role ro rd', 'auth enable']) {
      expect((await etcdctl(line)).status, line).toBe(0)
    }
    expect(await etcdctl('--user ro:ro watch b')).toMatchObject({
      status: 5,
      stderr: 'watch was canceled (rpc error: code = PermissionDenied desc = etcdserver: permission denied)\nError: watch is canceled by the server\n',
    })
    const snapshot = await etcdctl(`--user ro:ro snapshot save ${join(home, 'refused.db')}`)
    expect(snapshot.status).toBe(5)
    expect(snapshot.stderr.split('\n').filter((line) => line.startsWith('Error:'))).toEqual(['Error: rpc error: code = Unknown desc = auth: permission denied'])

    const probe = new EtcdProbe(endpoint)
    try {
      const token = await probe.token('ro', 'ro')
      expect((await probe.call('KV', 'Range', {key: Buffer.from('a1')}, token)).outcome).toBe('OK')
      expect((await runShell(`${kubemu} time advance 61s`, {cwd: home, env: environment})).status).toBe(0)
      expect((await probe.call('KV', 'Range', {key: Buffer.from('a1')}, token)).outcome).toBe('UNAUTHENTICATED: etcdserver: invalid auth token')
    } finally {
      probe.close()
    }
  }, 120_000)
})
