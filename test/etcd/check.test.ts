// etcdctl check perf and check datascale: flag errors and exit codes as etcdctl 3.4, and short
// runs of both loads' machinery against the embedded cluster (the real loads run 60 s and
// 10,000+ writes; bench/etcd-perf.bench.ts runs load s and m against `kubemu up`).
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {runEtcdctl} from '../../src/core/etcdctl/etcdctl.js'
import type {ParsedFlags} from '../../src/core/etcdctl/flags.js'
import type {VerbContext} from '../../src/core/etcdctl/verb.js'
import {checkDatascale, checkPerf} from '../../src/core/etcdctl/verbs/check.js'
import {bytes, temporaryFolder} from '../support/temp.js'

async function etcdctl(home: string, argv: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  let stdout = ''
  let stderr = ''
  const code = await runEtcdctl(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => new Uint8Array(),
    environment: {KUBEMU_HOME: home},
  })
  return {code, stdout, stderr}
}

function contextFor(cluster: EmbeddedCluster, values: Record<string, string>, output: string[], memory: () => number): VerbContext {
  const flags: ParsedFlags = {values: new Map(Object.entries({endpoints: '127.0.0.1:2379', ...values})), changed: new Set(Object.keys(values)), positionals: [], rest: []}
  return {
    flags,
    io: {stdout: (text) => output.push(text), stderr: (text) => output.push(text), readStdin: async () => new Uint8Array(), environment: {}},
    format: 'simple',
    withClient: async () => {
      throw new Error('not used')
    },
    openReader: async () => null,
    folder: cluster.folder,
    readsThroughUp: () => false,
    residentMemoryBytes: async () => memory(),
  }
}

describe('etcdctl check', () => {
  const home = temporaryFolder()
  let cluster: EmbeddedCluster
  let client: EmbeddedClient

  beforeAll(() => {
    cluster = EmbeddedCluster.open(join(temporaryFolder(), 'default'), {seed: 7})
    client = new EmbeddedClient(cluster, {endpoint: 'infra1'})
  })
  afterAll(async () => {
    await client.close()
    await cluster.close()
  })

  it('refuses an unknown load (exit 4) and a prefix that has keys (exit 3), as etcdctl', async () => {
    expect(await etcdctl(home, ['check', 'perf', '--load', 'q'])).toEqual({code: 4, stdout: '', stderr: 'Error: unknown load option q\n'})
    expect(await etcdctl(home, ['check', 'datascale', '--load=huge'])).toEqual({code: 4, stdout: '', stderr: 'Error: unknown load option huge\n'})
    expect((await etcdctl(home, ['put', '/mine/a', 'x'])).code).toBe(0)
    expect(await etcdctl(home, ['check', 'perf', '--prefix', '/mine/'])).toEqual({
      code: 3,
      stdout: '',
      stderr: 'Error: prefix "/mine/" has keys. Delete with etcdctl del --prefix /mine/ first\n',
    })
    expect(await etcdctl(home, ['check', 'datascale', '--prefix=/mine/'])).toMatchObject({code: 3})
  })

  it('perf writes at the load\'s rate for its duration, prints the PASS lines, deletes its keys and compacts', async () => {
    const output: string[] = []
    const context = contextFor(cluster, {'auto-compact': 'true'}, output, () => 0)
    const before = (await client.kv.range({key: bytes('any')})).header.revision
    const started = performance.now()
    const code = await checkPerf(context, client, {writesPerSecond: 20, clients: 4, durationSeconds: 3}, '/perf/')
    const elapsed = performance.now() - started
    const lines = output.join('').split('\n')
    expect(lines[0]).toMatch(/^compacted revision \d+$/)
    // The limiter sends one write every 50 ms for three seconds: 60 puts, then the delete.
    const revision = Number(lines[0]!.split(' ')[2])
    expect(revision - before).toBe(61)
    expect(elapsed).toBeGreaterThanOrEqual(2900)
    // About 20 writes a second; on a loaded machine the last answers may pull it under 90%.
    const throughput = /^(PASS: Throughput is|FAIL: Throughput too low:) (\d+) writes\/s$/.exec(lines[1]!)
    expect(throughput, lines[1]).not.toBeNull()
    expect(Number(throughput![2])).toBeGreaterThanOrEqual(15)
    expect(Number(throughput![2])).toBeLessThanOrEqual(21)
    expect(lines[2]).toMatch(/^(PASS: Slowest request took|Slowest request took too long:) \d+\.\d{6}s$/)
    expect(lines[3]).toMatch(/^(PASS: Stddev is|Stddev too high:) \d+\.\d{6}s$/)
    const passed = lines.slice(1, 4).every((line) => line.startsWith('PASS'))
    expect(lines.slice(4)).toEqual([passed ? 'PASS' : 'FAIL', ''])
    expect(code).toBe(passed ? 0 : 1)
    const left = await client.kv.range({key: bytes('/perf/'), rangeEnd: bytes('/perf0'), countOnly: true})
    expect(left.count).toBe(0)
    await expect(client.kv.range({key: bytes('/perf/'), revision: revision - 1})).rejects.toThrow('mvcc: required revision has been compacted')
  })

  it('perf fails with etcdctl\'s lines and exit code 1 when the throughput is short of the load', async () => {
    const output: string[] = []
    // One client cannot keep up with 100,000 writes a second.
    const code = await checkPerf(contextFor(cluster, {}, output, () => 0), client, {writesPerSecond: 100_000, clients: 1, durationSeconds: 1}, '/slow/')
    const lines = output.join('').split('\n')
    expect(lines[0]).toMatch(/^FAIL: Throughput too low: \d+ writes\/s$/)
    expect(lines.at(-2)).toBe('FAIL')
    expect(code).toBe(1)
  })

  it('datascale writes its keys, reports the memory used between two readings and deletes the keys', async () => {
    const output: string[] = []
    const readings = [100 * 1024 * 1024, 112.5 * 1024 * 1024]
    const code = await checkDatascale(contextFor(cluster, {}, output, () => readings.shift() ?? 0), client, {keys: 300, keyValueBytes: 1024, clients: 10}, '/scale/')
    expect(output.join('')).toBe('Start data scale check for work load [300 key-value pairs, 1024 bytes per key-value, 10 concurrent clients].\nPASS: Approximate system memory used : 12.50 MB.\n')
    expect(code).toBe(0)
    expect((await client.kv.range({key: bytes('/scale/'), rangeEnd: bytes('/scale0'), countOnly: true})).count).toBe(0)
  })

  it('datascale fails as etcdctl when the memory cannot be read', async () => {
    const output: string[] = []
    const code = await checkDatascale(contextFor(cluster, {}, output, () => 0), client, {keys: 10, keyValueBytes: 1024, clients: 2}, '/unread/')
    expect(output.join('')).toBe('FAIL: Could not read process_resident_memory_bytes before the put operations.\n')
    expect(code).toBe(1)
  })
})
