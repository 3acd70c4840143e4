// KUBEMU_ETCD_TRACE writes each write slower than KUBEMU_ETCD_TRACE_MS with its raft entry's stages
// on every member (appended, on disk, applied), in order, and what the event loop did meanwhile:
// what bench/etcd-perf.bench.ts (BENCH_TRACE=1) reads to tell which stage held the slow writes.
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Etcd3} from 'etcd3'
import {describe, expect, it, vi} from 'vitest'
import {bytes, temporaryFolder} from '../support/temp.js'

// The trace is set up when its module loads: the variables come first, the modules in the tests.
// Its folder outlives the tests' temporary folders: the trace's stall probe may still write there.
const file = join(mkdtempSync(join(tmpdir(), 'kubemu-trace-test-')), 'trace.jsonl')
process.env.KUBEMU_ETCD_TRACE = file
process.env.KUBEMU_ETCD_TRACE_MS = '0'

describe('the etcd request trace', () => {
  it('records a traced write with its entry and each member stage in order', async () => {
    const {EmbeddedCluster} = await import('../../src/core/etcd/cluster.js')
    const {EmbeddedClient} = await import('../../src/core/etcd/embedded-client.js')
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {memberThreads: false}), {endpoint: 'infra2'})
    await client.kv.put({key: bytes('traced'), value: bytes('1')})
    const put = await client.kv.put({key: bytes('traced'), value: bytes('2')})
    await client.close()
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const last = lines.at(-1)
    expect(last.member).toBe('infra2')
    expect(['infra1', 'infra2', 'infra3']).toContain(last.lead)
    expect(last.index).toBeGreaterThan(0)
    expect(put.header.revision).toBeGreaterThan(1)
    // Answered once a quorum had the entry on disk (each after appending it): two members at least.
    const durable = Object.values(last.members as Record<string, {appended: number | null; durable: number | null}>).filter((stages) => stages.durable !== null)
    expect(durable.length).toBeGreaterThanOrEqual(2)
    for (const stages of durable) expect(stages.durable).toBeGreaterThanOrEqual(stages.appended!)
    // A member answers once it applied the entry: the proposer's apply comes before the answer.
    expect(last.members.infra2.applied).toBeLessThanOrEqual(last.ms)
    expect(last.members[last.lead].applied).not.toBeNull()
  })

  it('records a gRPC call on the front door with its steps from its stream\'s arrival to its close, in order, and its connection\'s accept', async () => {
    const {startTestFrontDoor} = await import('../support/etcd-grpc-probe.js')
    const {store, door, endpoint} = await startTestFrontDoor()
    const etcd = new Etcd3({hosts: `http://${endpoint}`})
    await etcd.put('front').value('door')
    etcd.close()
    await door.close()
    await store.close()
    const calls = readFileSync(`${file}.front`, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const put = calls.find((call) => call.path === '/etcdserverpb.KV/Put')
    expect(put.member).toBe('infra1')
    const {received, handler, answered, status, closed} = put.steps
    for (const [earlier, later] of [[0, received], [received, handler], [handler, answered], [answered, status], [status, closed], [closed, put.ms]]) expect(earlier).toBeLessThanOrEqual(later)
    // The connection's first call tells when the listener accepted the connection, and counts from then.
    const first = calls.filter((call) => call.steps.accepted !== undefined)
    expect(first).toHaveLength(1)
    expect(first[0].steps.accepted).toBeLessThanOrEqual(first[0].steps.injected)
    expect(first[0].steps.injected).toBeLessThanOrEqual(0)
    expect(first[0].ms).toBeGreaterThanOrEqual(first[0].steps.closed - first[0].steps.accepted - 1)
  })

  it('stamps an entry applied by a member\'s thread when the thread has applied it, not when its Ready was handed over', async () => {
    const {requestTrace} = await import('../../src/core/etcd/request-trace.js')
    const {EmbeddedCluster} = await import('../../src/core/etcd/cluster.js')
    const {EmbeddedClient} = await import('../../src/core/etcd/embedded-client.js')
    const readies = vi.spyOn(requestTrace!, 'ready')
    const applies = vi.spyOn(requestTrace!, 'applied')
    // The thread's code runs from dist/ (npm run build first, as for the CLI tests).
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {memberThreads: true}), {endpoint: 'infra1'})
    await client.kv.put({key: bytes('threaded'), value: bytes('1')})
    await client.close()
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const index = lines.at(-1).index as number
    // Each Ready handed over applies nothing by the trace's account; each member's thread applied the entry.
    for (const [, , , applied] of readies.mock.calls) expect(applied).toEqual([])
    const appliedBy = new Set(applies.mock.calls.filter(([, first, last]) => first <= index && index <= last).map(([member]) => member))
    expect(appliedBy).toEqual(new Set(['infra1', 'infra2', 'infra3']))
    expect(lines.at(-1).members.infra1.applied).not.toBeNull()
    readies.mockRestore()
    applies.mockRestore()
  })
})
