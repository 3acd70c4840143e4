// etcdctl with --user against an endpoint nothing listens on: clientv3 logs in while it connects,
// so the connection fails (exit 2, "context deadline exceeded"; snapshot save 5) whatever the verb,
// where without --user the verb's own call fails (exit 1, lease grant's "failed to grant lease
// (…)"); endpoint health dials each endpoint itself and reports it unhealthy either way.
// Compared side by side with the real etcdctl 3.4.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {freePort} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** stderr without clientv3's JSON log lines (their time and client id differ every run). */
const withoutLogLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"level"')).join('\n')

describe('etcdctl with an unreachable endpoint', {timeout: 120_000}, () => {
  it.each([
    ['--user root:secret', 'get foo', 2],
    ['--user root:secret', 'put a b', 2],
    ['--user root:secret', 'del a', 2],
    ['--user root:secret', 'lease grant 10', 2],
    ['--user root:secret', 'lease revoke 1234', 2],
    ['--user root:secret', 'member list', 2],
    ['--user root:secret', 'watch foo', 2],
    ['--user root:secret', 'snapshot save snap.db', 5],
    // endpoint health dials each endpoint itself: unhealthy, with or without a user.
    ['--user root:secret', 'endpoint health', 1],
    ['', 'endpoint health', 1],
  ] as const)('%s %s fails as the real etcdctl does', async (user, verb, status) => {
    const port = await freePort()
    const home = temporaryFolder()
    const line = `${user} --endpoints=127.0.0.1:${port} --dial-timeout=1s ${verb}`
    const [real, ours] = await Promise.all([
      runShell(`etcdctl ${line}`, {cwd: home, env: {...process.env, ETCDCTL_API: '3'}}),
      runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}}),
    ])
    expect(real.status).toBe(status)
    expect({status: ours.status, stdout: ours.stdout, stderr: withoutLogLines(ours.stderr)}).toEqual({status: real.status, stdout: real.stdout, stderr: withoutLogLines(real.stderr)})
    // clientv3's warn line for the login, naming the endpoint.
    expect(ours.stderr).toContain(`"target":"endpoint://client-`)
    expect(ours.stderr).toContain(`/127.0.0.1:${port}","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"}`)
  })
})
