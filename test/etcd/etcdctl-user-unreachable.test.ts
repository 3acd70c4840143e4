// etcdctl with --user against an endpoint nothing listens on: clientv3 logs in while it connects,
// so the connection fails (exit 2, "context deadline exceeded") whatever the verb, where without
// --user the verb's own call fails (exit 1, lease grant's "failed to grant lease (…)").
// Compared side by side with the real etcdctl 3.4.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {freePort} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** stderr without clientv3's JSON log lines (their time and client id differ every run). */
const withoutLogLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"level"')).join('\n')

describe('etcdctl --user with an unreachable endpoint', {timeout: 120_000}, () => {
  it.each(['get foo', 'put a b', 'del a', 'lease grant 10', 'lease revoke 1234', 'member list'])('%s fails its connection as the real etcdctl does', async (verb) => {
    const port = await freePort()
    const home = temporaryFolder()
    const line = `--user root:secret --endpoints=127.0.0.1:${port} --dial-timeout=1s ${verb}`
    const [real, ours] = await Promise.all([
      runShell(`etcdctl ${line}`, {cwd: home, env: {...process.env, ETCDCTL_API: '3'}}),
      runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}}),
    ])
    expect(real.status).toBe(2)
    expect({status: ours.status, stdout: ours.stdout, stderr: withoutLogLines(ours.stderr)}).toEqual({status: real.status, stdout: real.stdout, stderr: withoutLogLines(real.stderr)})
    // clientv3's warn line for the login, naming the endpoint.
    expect(ours.stderr).toContain(`"target":"endpoint://client-`)
    expect(ours.stderr).toContain(`/127.0.0.1:${port}","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"}`)
  })
})
