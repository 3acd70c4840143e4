// clientv3's retry interceptor logs a warn line on stderr for every unary call that fails, before
// etcdctl's own "Error: …" (streams log nothing), and its gRPC refuses a request over 2 MiB before
// sending it. Compared with the real etcdctl 3.4 on a real etcd: the whole stderr and the exit
// code, with only the time, the client's random id and the endpoint masked.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {RealEtcdMember} from '../support/real-etcd.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** Failing commands, each run with the same stdin by both etcdctls. */
const cases: ReadonlyArray<{line: string; stdin?: string}> = [
  {line: 'get foo --rev=100000'},
  {line: 'compaction 1000000'},
  {line: "put '' v"},
  {line: "del ''"},
  {line: 'lease revoke 1234'},
  // A stream (LeaseKeepAlive): no interceptor, no warn line.
  {line: 'lease keep-alive --once 1234'},
  {line: 'user get nobody'},
  {line: 'role get nobody'},
  {line: 'member remove 1234'},
  {line: 'put big', stdin: 'a'.repeat(1_600_000)},
  {line: 'put big', stdin: 'a'.repeat(2_200_000)},
]

/** The line without what differs between any two runs: time, the client's id, the endpoint. */
const masked = (stderr: string, endpoint: string): string =>
  stderr
    .replace(/"ts":"[^"]*"/g, '"ts":"T"')
    .replace(/client-[0-9a-f-]{36}/g, 'client-ID')
    .replaceAll(endpoint, 'ENDPOINT')

describe('the retry interceptor warn line, beside the real etcdctl', () => {
  let real: RealEtcdMember
  const home = temporaryFolder()
  beforeAll(async () => {
    real = await RealEtcdMember.start()
  }, 60_000)
  afterAll(async () => {
    await real?.stop()
  })

  it.each(cases)('$line', async ({line, stdin}) => {
    const theirs: ShellResult = await real.etcdctl(line, stdin)
    const ours: ShellResult = await runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}, ...(stdin === undefined ? {} : {stdin})})
    expect(masked(ours.stderr, '127.0.0.1:2379')).toBe(masked(theirs.stderr, real.endpoint))
    expect(ours.status).toBe(theirs.status)
    expect(ours.stdout).toBe(theirs.stdout)
  }, 60_000)
})
