// Auth on every RPC of the etcd front door, side by side with a real etcd 3.4: a read-only user,
// a write-only user, root, a bad token and no token against each RPC; watches refused as etcd
// refuses them; tokens that expire, and that a deleted user or a changed password voids; a
// non-root snapshot refused at once; and the real etcdctl's output and exit codes for all that.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {EtcdFrontDoor} from '../../src/core/server/etcd-grpc.js'
import {authTokenTtlSecondsDefault} from '../../src/core/server/etcd-auth-tokens.js'
import type {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {EtcdProbe, startTestFrontDoor} from '../support/etcd-grpc-probe.js'
import {RealEtcdMember} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

type Wire = Record<string, any>
const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')
const bytes = (text: string) => Buffer.from(text)
/** Users by the password their name is, and the tokens a test sends for "bad" and "none". */
const callers = ['ro', 'wo', 'root', 'bogus', 'none'] as const

/** root with the root role; ro may read under "a", wo may write under "a"; a1 exists; auth on. */
async function setUp(probe: EtcdProbe): Promise<void> {
  const steps: Array<[string, string, Wire]> = [
    ['Auth', 'UserAdd', {name: 'root', password: 'root'}],
    ['Auth', 'UserAdd', {name: 'ro', password: 'ro'}],
    ['Auth', 'UserAdd', {name: 'wo', password: 'wo'}],
    ['Auth', 'RoleAdd', {name: 'rd'}],
    ['Auth', 'RoleAdd', {name: 'wr'}],
    ['Auth', 'RoleGrantPermission', {name: 'rd', perm: {permType: 0, key: bytes('a'), range_end: bytes('b')}}],
    ['Auth', 'RoleGrantPermission', {name: 'wr', perm: {permType: 1, key: bytes('a'), range_end: bytes('b')}}],
    ['Auth', 'UserGrantRole', {user: 'root', role: 'root'}],
    ['Auth', 'UserGrantRole', {user: 'ro', role: 'rd'}],
    ['Auth', 'UserGrantRole', {user: 'wo', role: 'wr'}],
    ['KV', 'Put', {key: bytes('a1'), value: bytes('v1')}],
    ['Auth', 'AuthEnable', {}],
  ]
  for (const [service, method, request] of steps) expect((await probe.call(service, method, request)).outcome, method).toBe('OK')
}

async function tokens(probe: EtcdProbe): Promise<Record<(typeof callers)[number], string | undefined>> {
  return {ro: await probe.token('ro', 'ro'), wo: await probe.token('wo', 'wo'), root: await probe.token('root', 'root'), bogus: 'bogus.1', none: undefined}
}

/** Every RPC, as each caller: what it answers. Requests that would change the membership run only for callers etcd refuses. */
async function rpcMatrix(probe: EtcdProbe): Promise<Record<string, string>> {
  const as = await tokens(probe)
  const leaseOf = async () => {
    const granted = await probe.call('Lease', 'LeaseGrant', {TTL: 100}, as.root)
    if (!granted.response) throw new Error(`lease grant: ${granted.outcome}`)
    return String(granted.response.ID)
  }
  const calls: Array<[string, string, Wire | (() => Promise<Wire>), boolean?]> = [
    ['KV', 'Range', {key: bytes('a1')}],
    ['KV', 'Range', {key: bytes('b')}],
    ['KV', 'Range', {key: bytes('a1'), serializable: true}],
    ['KV', 'Range', {key: bytes('a'), range_end: bytes('b')}],
    ['KV', 'Range', {key: bytes('a'), range_end: Buffer.of(0)}],
    ['KV', 'Put', {key: bytes('a1'), value: bytes('x')}],
    ['KV', 'Put', {key: bytes('b1'), value: bytes('x')}],
    ['KV', 'DeleteRange', {key: bytes('a9')}],
    ['KV', 'Txn', {compare: [], success: [{request_range: {key: bytes('a1')}}]}],
    ['KV', 'Txn', {compare: [], success: [{request_put: {key: bytes('a2'), value: bytes('y')}}]}],
    ['KV', 'Compact', {revision: 2}],
    ['Lease', 'LeaseGrant', {TTL: 100}],
    ['Lease', 'LeaseRevoke', async () => ({ID: await leaseOf()})],
    ['Lease', 'LeaseTimeToLive', async () => ({ID: await leaseOf(), keys: true})],
    ['Lease', 'LeaseLeases', {}],
    ['Cluster', 'MemberList', {}],
    ['Cluster', 'MemberAdd', {peerURLs: ['http://127.0.0.1:1']}, true],
    ['Cluster', 'MemberRemove', {ID: '1'}, true],
    ['Maintenance', 'Status', {}],
    ['Maintenance', 'Alarm', {action: 0}],
    ['Maintenance', 'Defragment', {}],
    ['Maintenance', 'HashKV', {revision: 0}],
    ['Auth', 'Authenticate', {name: 'ro', password: 'ro'}],
    ['Auth', 'UserList', {}],
    ['Auth', 'UserGet', {name: 'ro'}],
    ['Auth', 'RoleGet', {role: 'rd'}],
    ['Auth', 'RoleList', {}],
    ['Auth', 'UserAdd', {name: 'ro', password: 'x'}],
    ['Auth', 'AuthEnable', {}],
  ]
  const answers: Record<string, string> = {}
  for (const [service, method, request, refusedOnly] of calls) {
    for (const caller of callers) {
      if (refusedOnly && caller === 'root') continue
      const body = typeof request === 'function' ? await request() : request
      const label = typeof request === 'function' ? 'a lease of root' : JSON.stringify(body).slice(0, 60)
      answers[`${method} ${label} as ${caller}`] = (await probe.call(service, method, body, as[caller])).outcome
    }
  }
  return answers
}

/** Watches created by each caller on a range it may read and one it may not: the create answers. */
async function watchMatrix(probe: EtcdProbe): Promise<Record<string, Wire[]>> {
  const as = await tokens(probe)
  const answers: Record<string, Wire[]> = {}
  for (const caller of callers) {
    const stream = probe.watch(as[caller])
    stream.send({create_request: {key: bytes('b')}})
    stream.send({create_request: {key: bytes('a1')}})
    answers[caller] = (await stream.until((responses) => responses.length === 2)).map((response) => ({
      watch_id: response.watch_id,
      created: response.created,
      canceled: response.canceled,
      cancel_reason: response.cancel_reason,
    }))
    stream.close()
  }
  return answers
}

/** Tokens after the auth state changes under them: revoked role, changed password, deleted user, auth disabled. */
async function tokenLifecycle(probe: EtcdProbe): Promise<Record<string, string>> {
  const as = await tokens(probe)
  const answers: Record<string, string> = {}
  const read = async (label: string, token: string | undefined) => (answers[label] = (await probe.call('KV', 'Range', {key: bytes('a1')}, token)).outcome)
  const admin = async (method: string, request: Wire) => expect((await probe.call('Auth', method, request, as.root)).outcome, method).toBe('OK')
  await admin('UserAdd', {name: 'later', password: 'later'})
  await admin('UserGrantRole', {user: 'later', role: 'rd'})
  const later = await probe.token('later', 'later')
  await read('before the role is revoked', later)
  await admin('UserRevokeRole', {name: 'later', role: 'rd'})
  await read('after the role is revoked', later)
  await admin('UserGrantRole', {user: 'later', role: 'rd'})
  await read('after the role is granted again', later)
  await admin('UserChangePassword', {name: 'later', password: 'changed'})
  await read('after the password changed', later)
  const changed = await probe.token('later', 'changed')
  await admin('UserDelete', {name: 'later'})
  await read('after the user is deleted', changed)
  await admin('UserAdd', {name: 'later', password: 'changed'})
  await read('after a user of the same name is added', changed)
  await admin('AuthDisable', {})
  await read('a bad token while auth is disabled', 'bogus.1')
  await read('a token from before while auth is disabled', as.ro)
  expect((await probe.call('Auth', 'AuthEnable', {})).outcome).toBe('OK')
  await read('a token from before auth was enabled again', as.ro)
  return answers
}

describe('auth on every RPC, against a real etcd 3.4', () => {
  let real: RealEtcdMember
  let store: LazyEmbeddedStore
  let door: EtcdFrontDoor
  let doorEndpoint: string
  const clock = new ManualClock()
  let realProbe: EtcdProbe
  let ourProbe: EtcdProbe

  beforeAll(async () => {
    real = await RealEtcdMember.start()
    ;({store, door, endpoint: doorEndpoint} = await startTestFrontDoor({clock}))
    realProbe = new EtcdProbe(real.endpoint)
    ourProbe = new EtcdProbe(doorEndpoint)
    await setUp(realProbe)
    await setUp(ourProbe)
  }, 60_000)

  afterAll(async () => {
    realProbe?.close()
    ourProbe?.close()
    await door?.close()
    await store?.close()
    await real?.stop()
  })

  it('answers each RPC for a read-only user, a write-only user, root, a bad token and no token as etcd does', async () => {
    const expected = await rpcMatrix(realProbe)
    const actual = await rpcMatrix(ourProbe)
    expect(actual).toEqual(expected)
  }, 60_000)

  it('refuses a watch on a range the caller may not read with etcd\'s cancel response, and gives the next watch ID 0', async () => {
    const expected = await watchMatrix(realProbe)
    expect(expected.ro).toEqual([
      {watch_id: '-1', created: true, canceled: true, cancel_reason: 'rpc error: code = PermissionDenied desc = etcdserver: permission denied'},
      {watch_id: '0', created: true, canceled: false, cancel_reason: ''},
    ])
    expect(await watchMatrix(ourProbe)).toEqual(expected)
  }, 60_000)

  it('never sends a refused watcher the events of its range', async () => {
    const as = await tokens(ourProbe)
    const stream = ourProbe.watch(as.ro)
    stream.send({create_request: {key: bytes('b'), range_end: bytes('c')}})
    stream.send({create_request: {key: bytes('a'), range_end: bytes('b')}})
    await stream.until((responses) => responses.length === 2)
    expect((await ourProbe.call('KV', 'Put', {key: bytes('b5'), value: bytes('secret')}, as.root)).outcome).toBe('OK')
    expect((await ourProbe.call('KV', 'Put', {key: bytes('a5'), value: bytes('public')}, as.root)).outcome).toBe('OK')
    const responses = await stream.until((all) => all.length === 3)
    stream.close()
    expect(responses[2]!.watch_id).toBe('0')
    expect(responses[2]!.events.map((event: Wire) => Buffer.from(event.kv.key).toString())).toEqual(['a5'])
  })

  it('voids tokens as etcd does when a role is revoked, a password changes, a user is deleted or auth is disabled', async () => {
    const expected = await tokenLifecycle(realProbe)
    expect(expected['after the password changed']).toBe('UNAUTHENTICATED: etcdserver: invalid auth token')
    expect(await tokenLifecycle(ourProbe)).toEqual(expected)
  }, 60_000)

  it('lets a simple token expire after --auth-token-ttl of idleness on the cluster clock; each use restarts the count', async () => {
    const token = await ourProbe.token('ro', 'ro')
    const read = async () => (await ourProbe.call('KV', 'Range', {key: bytes('a1')}, token)).outcome
    clock.advance((authTokenTtlSecondsDefault - 1) * 1000)
    expect(await read()).toBe('OK')
    clock.advance((authTokenTtlSecondsDefault - 1) * 1000)
    expect(await read()).toBe('OK')
    clock.advance(authTokenTtlSecondsDefault * 1000)
    expect(await read()).toBe('UNAUTHENTICATED: etcdserver: invalid auth token')
    // A watch created with it is refused with the same error.
    const stream = ourProbe.watch(token)
    stream.send({create_request: {key: bytes('a1')}})
    const [refused] = await stream.until((responses) => responses.length === 1)
    stream.close()
    expect(refused).toMatchObject({watch_id: '-1', canceled: true, cancel_reason: 'rpc error: code = Unauthenticated desc = etcdserver: invalid auth token'})
  })

  it('refuses a snapshot to anyone but root at once, with the status etcd sends', async () => {
    const outcomes = async (probe: EtcdProbe) => {
      const as = await tokens(probe)
      const answers: Record<string, string> = {}
      for (const caller of callers) {
        const {messages, outcome} = await probe.serverStream('Maintenance', 'Snapshot', {}, as[caller])
        answers[caller] = `${outcome}${messages > 0 ? ' (streamed)' : ''}`
      }
      return answers
    }
    const expected = await outcomes(realProbe)
    expect(expected.ro).toBe('UNKNOWN: auth: permission denied')
    expect(await outcomes(ourProbe)).toEqual(expected)
  }, 60_000)

  it('the real etcdctl prints the same and exits with the same code against the front door as against etcd', async () => {
    const lines = [
      '--user ro:ro watch b',
      'watch b',
      '--user ro:ro snapshot save snapshot.db',
      '--user ro:ro defrag',
      '--user ro:ro endpoint hashkv',
      '--user ro:ro endpoint health',
      '--user ro:ro compaction 3',
      '--user ro:ro user get ro',
      '--user ro:ro role get rd',
      '--user ro:ro role list',
      '--user wo:wo get a1',
      '--user wo:wo put a1 from-wo',
      '--user ro:ro compaction 3',
      '--user ro:ro watch a1 --rev 1',
      '--user ro:wrong get a1',
    ]
    const run = (endpoint: string, line: string) =>
      runShell(`timeout 20 etcdctl --endpoints=${endpoint} ${line}`, {cwd: temporaryFolder(), env: {...process.env, ETCDCTL_API: '3'}})
    for (const line of lines) {
      const expected = normalizedRun(await run(real.endpoint, line), real.endpoint)
      const actual = normalizedRun(await run(doorEndpoint, line), doorEndpoint)
      expect(actual, line).toEqual(expected)
    }
  }, 120_000)
})

/** What etcdctl printed, without its JSON log lines, timings and the endpoint it was given. */
export function normalizedRun(result: {stdout: string; stderr: string; status: number | null}, endpoint: string) {
  const clean = (text: string) =>
    text
      .split('\n')
      .filter((line) => !line.startsWith('{"level"'))
      .join('\n')
      .replaceAll(endpoint, 'ENDPOINT')
      .replace(/took = [\d.]+[µm]?s/g, 'took = T')
  return {status: result.status, stdout: clean(result.stdout), stderr: clean(result.stderr)}
}

describe('kubemu etcdctl with auth, one-shot, against the real etcdctl on a real etcd 3.4', () => {
  let real: RealEtcdMember

  beforeAll(async () => {
    real = await RealEtcdMember.start()
  }, 60_000)

  afterAll(async () => {
    await real?.stop()
  })

  it('prints the same and exits with the same code for each user', async () => {
    const home = temporaryFolder()
    const ours = (line: string) => runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})
    const setUpLines = [
      'user add root:root',
      'user add ro:ro',
      'user add wo:wo',
      'role add rd',
      'role add wr',
      'role grant-permission rd read a --prefix',
      'role grant-permission wr write a --prefix',
      'user grant-role ro rd',
      'user grant-role wo wr',
      'put a1 v1',
      'auth enable',
    ]
    const checks = [
      '--user ro:ro watch b',
      'watch b',
      '--user ro:wrong watch a1',
      '--user ro:ro snapshot save snapshot.db',
      'snapshot save snapshot.db',
      '--user ro:ro defrag',
      '--user ro:ro endpoint hashkv',
      '--user ro:ro endpoint health',
      '--user ro:ro compaction 3',
      '--user ro:ro user get ro',
      '--user ro:ro user get wo',
      '--user ro:ro role get rd',
      '--user ro:ro member add extra --peer-urls=http://127.0.0.1:1',
      '--user wo:wo get a1',
      '--user wo:wo put a1 from-wo',
      '--user ro:ro compaction 3',
      '--user ro:ro watch a1 --rev 1',
      '--user ro:ro lease grant 100',
    ]
    // The set-up first (its output must match too), then the checks; a granted lease's ID differs.
    for (const line of [...setUpLines, ...checks]) {
      const expected = normalizedRun(await real.etcdctl(line), real.endpoint)
      const actual = normalizedRun(await ours(line), '127.0.0.1:2379')
      expect(actual, line).toEqual(line.includes('lease grant') ? {...expected, stdout: actual.stdout} : expected)
    }
  }, 120_000)
})
