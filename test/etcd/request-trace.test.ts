// KUBEMU_ETCD_TRACE writes each write slower than KUBEMU_ETCD_TRACE_MS with its raft entry's stages
// on every member (appended, on disk, applied), in order, and what the event loop did meanwhile:
// what bench/etcd-perf.bench.ts (BENCH_TRACE=1) reads to tell which stage held the slow writes.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {bytes, temporaryFolder} from '../support/temp.js'

describe('the etcd request trace', () => {
  it('records a traced write with its entry and each member stage in order', async () => {
    const file = join(temporaryFolder(), 'trace.jsonl')
    process.env.KUBEMU_ETCD_TRACE = file
    process.env.KUBEMU_ETCD_TRACE_MS = '0'
    // The trace is set up when its module loads: after the variables.
    const {EmbeddedCluster} = await import('../../src/core/etcd/cluster.js')
    const {EmbeddedClient} = await import('../../src/core/etcd/embedded-client.js')
    const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {memberThreads: false}), {endpoint: 'infra2'})
    await client.kv.put({key: bytes('traced'), value: bytes('1')})
    const put = await client.kv.put({key: bytes('traced'), value: bytes('2')})
    await client.close()
    delete process.env.KUBEMU_ETCD_TRACE
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
})
