// HTTP on the etcd client ports of `kubemu up`, side by side with a real etcd 3.4: /health,
// /version, /metrics and unknown paths answer with etcd's status codes, bodies and content types
// on the same port as gRPC; the counters move with what the members do.
import {connect} from 'node:http2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {RealEtcdCluster, RealEtcdMember} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

interface Answer {
  readonly status: number
  readonly contentType: string | null
  readonly nosniff: string | null
  readonly allow: string | null
  readonly body: string
}

async function ask(url: string, method = 'GET'): Promise<Answer> {
  const response = await fetch(url, {method})
  return {status: response.status, contentType: response.headers.get('content-type'), nosniff: response.headers.get('x-content-type-options'), allow: response.headers.get('allow'), body: await response.text()}
}

/** Every metric family's HELP and TYPE lines, by name. */
function families(text: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const line of text.split('\n')) {
    const match = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line)
    if (match) found.set(match[2]!, `${found.get(match[2]!) ?? ''}${match[1]} ${match[3]}\n`)
  }
  return found
}

function sample(text: string, name: string): number {
  const line = text.split('\n').find((entry) => entry.startsWith(`${name} `))
  if (!line) throw new Error(`no sample ${name}`)
  return Number(line.slice(name.length + 1))
}

/**
 * One HTTP/2 request with prior knowledge (no upgrade), then the same again on the same connection:
 * how the first ended (status or reset code), and whether the connection carried the second alike.
 */
function http2Twice(url: string, path: string, contentType?: string): Promise<{status?: number; resetCode?: number; connectionKept: boolean}> {
  const session = connect(url)
  session.on('error', () => {})
  const once = () =>
    new Promise<{status?: number; resetCode?: number}>((resolve) => {
      const stream = session.request({':method': contentType ? 'POST' : 'GET', ':path': path, ...(contentType ? {'content-type': contentType} : {})})
      let status: number | undefined
      stream.on('response', (headers) => (status = Number(headers[':status'])))
      stream.on('error', () => {})
      stream.on('close', () => resolve(stream.rstCode ? {resetCode: stream.rstCode} : {status: status!}))
      stream.resume()
      stream.end(contentType ? '{"key":"Zm9v"}' : undefined)
    })
  return once()
    .then(async (first) => ({...first, connectionKept: JSON.stringify(await once()) === JSON.stringify(first) && !session.destroyed}))
    .finally(() => session.close())
}

const curl = (line: string) => runShell(`curl -s ${line}; echo " exit=$?"`, {cwd: process.cwd(), env: process.env})

const etcdctl = (url: string, line: string) => runShell(`etcdctl --endpoints=${url} ${line}`, {cwd: process.cwd(), env: {...process.env, ETCDCTL_API: '3'}})

/** Health asks after a member starts, back to back, before the test gives up on it. */
const healthAsksMax = 500

describe.skipIf(!RealEtcdCluster.available())('the etcd front door over HTTP', () => {
  let up: UpProcess
  let real: RealEtcdMember
  let home: string
  beforeAll(async () => {
    home = temporaryFolder()
    up = new UpProcess(home)
    real = await RealEtcdMember.start()
    await up.until(/etcd: \S+ is the leader/)
  }, 120_000)
  afterAll(async () => {
    await up?.stop()
    await real?.stop()
  })

  it('answers /version, /health and unknown paths as etcd 3.4 does, on the gRPC port', async () => {
    const kubemuUrl = up.etcdUrls().infra1!
    const requests: Array<[string, string]> = [
      ['/version', 'GET'],
      ['/health', 'GET'],
      ['/health?exclude=NOSPACE', 'GET'],
      ['/health', 'POST'],
      ['/version', 'PUT'],
      ['/nope', 'GET'],
      ['/health/', 'GET'],
      ['/v3/kv/nope', 'POST'],
      ['/version', 'OPTIONS'],
    ]
    for (const [path, method] of requests) {
      const [ours, theirs] = [await ask(`${kubemuUrl}${path}`, method), await ask(`${real.clientUrl}${path}`, method)]
      expect({path, method, ...ours}).toEqual({path, method, ...theirs})
    }
    expect((await ask(`${kubemuUrl}/version`)).body).toBe('{"etcdserver":"3.4.23","etcdcluster":"3.4.0"}')
    // The same port still serves gRPC to the real etcdctl.
    expect(await etcdctl(kubemuUrl, 'put /front/door http')).toMatchObject({status: 0, stdout: 'OK\n'})
  })

  it('resets cleartext HTTP/2 requests that are not gRPC, as etcd 3.4\'s gRPC server does, and keeps the connection', async () => {
    const kubemuUrl = up.etcdUrls().infra1!
    const requests: Array<[string, string | undefined]> = [
      ['/health', undefined],
      ['/v3/kv/range', 'application/json'],
      ['/etcdserverpb.KV/Range', 'application/grpc-web'],
    ]
    for (const [path, contentType] of requests) {
      const [ours, theirs] = [await http2Twice(kubemuUrl, path, contentType), await http2Twice(real.clientUrl, path, contentType)]
      expect({path, contentType, ...ours}).toEqual({path, contentType, ...theirs})
      expect(ours).toEqual({resetCode: 1, connectionKept: true})
    }
    for (const line of ['--http2-prior-knowledge {url}/health', '--http2-prior-knowledge -X POST {url}/v3/kv/range -d {}', '--http2 {url}/health -w " %{http_version}"']) {
      const [ours, theirs] = [await curl(line.replace('{url}', kubemuUrl)), await curl(line.replace('{url}', real.clientUrl))]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }
    expect((await curl(`--http2-prior-knowledge ${kubemuUrl}/health`)).stdout).toBe(' exit=92\n')
    // gRPC on the same port still works.
    expect(await etcdctl(kubemuUrl, 'put /front/h2c still')).toMatchObject({status: 0, stdout: 'OK\n'})
  })

  it('serves /metrics with etcd\'s names, HELP and TYPE lines, and counters that move', async () => {
    const kubemuUrl = up.etcdUrls().infra1!
    const names = [
      'etcd_server_has_leader',
      'etcd_server_is_leader',
      'etcd_server_leader_changes_seen_total',
      'etcd_server_proposals_committed_total',
      'etcd_server_proposals_applied_total',
      'etcd_server_proposals_pending',
      'etcd_server_proposals_failed_total',
      'etcd_mvcc_db_total_size_in_bytes',
      'etcd_debugging_mvcc_keys_total',
      'etcd_disk_wal_fsync_duration_seconds',
      'etcd_disk_backend_commit_duration_seconds',
      'grpc_server_started_total',
      'grpc_server_handled_total',
      'process_resident_memory_bytes',
    ]
    const theirs = await ask(`${real.clientUrl}/metrics`)
    const before = await ask(`${kubemuUrl}/metrics`)
    expect(before.status).toBe(200)
    expect(before.contentType).toBe(theirs.contentType)
    const [ourFamilies, theirFamilies] = [families(before.body), families(theirs.body)]
    for (const name of names) expect({name, lines: ourFamilies.get(name)}).toEqual({name, lines: theirFamilies.get(name)})
    // Every family kubemu has is one etcd has, with the same HELP and TYPE.
    for (const [name, lines] of ourFamilies) expect({name, lines}).toEqual({name, lines: theirFamilies.get(name)})
    // The histograms have etcd's buckets.
    const buckets = (text: string) => text.split('\n').filter((line) => line.startsWith('etcd_disk_wal_fsync_duration_seconds_bucket')).map((line) => /le="([^"]+)"/.exec(line)![1])
    expect(buckets(before.body)).toEqual(buckets(theirs.body))
    expect(sample(before.body, 'etcd_server_has_leader')).toBe(1)
    expect(sample(before.body, 'process_resident_memory_bytes')).toBeGreaterThan(1_000_000)

    const puts = 5
    for (let index = 0; index < puts; index++) expect((await etcdctl(kubemuUrl, `put /metrics/key${index} value`)).status).toBe(0)
    const after = (await ask(`${kubemuUrl}/metrics`)).body
    const handledPuts = (text: string) => sample(text, 'grpc_server_handled_total{grpc_code="OK",grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"}')
    expect(handledPuts(after) - handledPuts(before.body)).toBe(puts)
    expect(sample(after, 'grpc_server_started_total{grpc_method="Put",grpc_service="etcdserverpb.KV",grpc_type="unary"}')).toBeGreaterThanOrEqual(puts)
    // Each put went through raft: durable writes (fsyncs) and applies were timed.
    expect(sample(after, 'etcd_disk_wal_fsync_duration_seconds_count') - sample(before.body, 'etcd_disk_wal_fsync_duration_seconds_count')).toBeGreaterThanOrEqual(puts)
    expect(sample(after, 'etcd_disk_wal_fsync_duration_seconds_sum')).toBeGreaterThan(0)
    expect(sample(after, 'etcd_disk_backend_commit_duration_seconds_count')).toBeGreaterThan(sample(before.body, 'etcd_disk_backend_commit_duration_seconds_count'))
    expect(sample(after, 'etcd_server_proposals_applied_total') - sample(before.body, 'etcd_server_proposals_applied_total')).toBeGreaterThanOrEqual(puts)
    // (The control plane writes keys of its own meanwhile.)
    expect(sample(after, 'etcd_debugging_mvcc_keys_total') - sample(before.body, 'etcd_debugging_mvcc_keys_total')).toBeGreaterThanOrEqual(puts)
    // A failed call counts under its code.
    expect((await etcdctl(kubemuUrl, 'lease revoke 1234')).status).not.toBe(0)
    const failed = (await ask(`${kubemuUrl}/metrics`)).body
    expect(sample(failed, 'grpc_server_handled_total{grpc_code="NotFound",grpc_method="LeaseRevoke",grpc_service="etcdserverpb.Lease",grpc_type="unary"}')).toBe(1)
  })

  /** Asks /health until it says true (bounded): a member is healthy once it hears from a leader, as etcd's is. */
  async function healthOnceLed(url: string): Promise<string> {
    let health = ''
    for (let attempt = 0; attempt < healthAsksMax && health !== '{"health":"true"}'; attempt++) health = (await ask(url)).body
    return health
  }

  it('reports no health without a quorum, and a stopped member\'s port refuses connections', async () => {
    const urls = up.etcdUrls()
    const member = (line: string) => runShell(`${kubemu} member ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    expect((await member('stop infra3')).status).toBe(0)
    await expect(fetch(`${urls.infra3}/health`)).rejects.toThrow()
    // If infra3 led, the other two elect a new leader first; etcd's /health says false meanwhile.
    expect(await healthOnceLed(`${urls.infra1}/health`)).toBe('{"health":"true"}')
    expect((await member('stop infra2 --force')).status).toBe(0)
    const lonely = await ask(`${urls.infra1}/health`)
    expect(lonely).toMatchObject({status: 503, body: '{"health":"false"}\n', contentType: 'text/plain; charset=utf-8', nosniff: 'nosniff'})
    expect((await member('start infra2')).status).toBe(0)
    expect((await member('start infra3')).status).toBe(0)
    expect(await healthOnceLed(`${urls.infra3}/health`)).toBe('{"health":"true"}')
    const metrics = (await ask(`${urls.infra1}/metrics`)).body
    expect(sample(metrics, 'etcd_server_has_leader')).toBe(1)
  })
})
