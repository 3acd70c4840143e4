// Watches that lose nothing, side by side with a real etcd 3.4: every event of a revision in one
// response (a DeleteRange or a lease revocation of 1,500 keys), fragments only when the client
// asked for them, progress answers, and a watch from a compacted revision cancelled as etcd does.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {EtcdFrontDoor} from '../../src/core/server/etcd-grpc.js'
import type {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {EtcdProbe, startTestFrontDoor} from '../support/etcd-grpc-probe.js'
import {OutputProcess} from '../support/output-process.js'
import {RealEtcdMember} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')
const keysPerTest = 1500
/** etcd's default --max-txn-ops is 128. */
const putsPerTxn = 100
/** Large enough that 1,500 events with their previous values pass etcd's 2 MiB fragment size. */
const valueBytes = 1600

type Wire = Record<string, any>

const key = (prefix: string, index: number) => Buffer.from(`${prefix}${String(index).padStart(4, '0')}`)
const prefixEnd = (prefix: string) => Buffer.from(prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1))

async function putMany(probe: EtcdProbe, prefix: string, lease = '0'): Promise<void> {
  const value = Buffer.alloc(valueBytes, 'v')
  for (let start = 0; start < keysPerTest; start += putsPerTxn) {
    const success = Array.from({length: putsPerTxn}, (_, offset) => ({request_put: {key: key(prefix, start + offset), value, lease}}))
    const {outcome} = await probe.call('KV', 'Txn', {compare: [], success})
    expect(outcome).toBe('OK')
  }
}

/** A response without what differs between two clusters (their IDs and terms). */
function normalized(response: Wire): Wire {
  return {
    revision: response.header?.revision ?? null,
    watch_id: response.watch_id,
    created: response.created,
    canceled: response.canceled,
    compact_revision: response.compact_revision,
    cancel_reason: response.cancel_reason,
    fragment: response.fragment,
    events: response.events.length,
    types: [...new Set(response.events.map((event: Wire) => event.type))],
  }
}

const eventCount = (responses: Wire[]) => responses.reduce((sum, response) => sum + response.events.length, 0)

/** The same steps against either cluster; its transcript of watch responses. */
async function scenario(probe: EtcdProbe): Promise<Record<string, Wire[]>> {
  const transcript: Record<string, Wire[]> = {}
  await putMany(probe, 'big/')
  const whole = probe.watch()
  const fragmented = probe.watch()
  whole.send({create_request: {key: Buffer.from('big/'), range_end: prefixEnd('big/'), prev_kv: true}})
  fragmented.send({create_request: {key: Buffer.from('big/'), range_end: prefixEnd('big/'), prev_kv: true, fragment: true}})
  await whole.until((responses) => responses.length === 1)
  await fragmented.until((responses) => responses.length === 1)
  expect((await probe.call('KV', 'DeleteRange', {key: Buffer.from('big/'), range_end: prefixEnd('big/')})).outcome).toBe('OK')
  transcript.deleteRange = (await whole.until((responses) => eventCount(responses) === keysPerTest)).map(normalized)
  transcript.deleteRangeFragments = (await fragmented.until((responses) => eventCount(responses) === keysPerTest)).map(normalized)

  // A progress request answers for the stream with the current revision.
  whole.send({progress_request: {}})
  transcript.progress = (await whole.until((responses) => responses.length === transcript.deleteRange!.length + 1)).slice(-1).map(normalized)
  whole.close()
  fragmented.close()

  const granted = await probe.call('Lease', 'LeaseGrant', {TTL: 600})
  const lease = String(granted.response!.ID)
  await putMany(probe, 'leased/', lease)
  const revoked = probe.watch()
  revoked.send({create_request: {key: Buffer.from('leased/'), range_end: prefixEnd('leased/')}})
  await revoked.until((responses) => responses.length === 1)
  expect((await probe.call('Lease', 'LeaseRevoke', {ID: lease})).outcome).toBe('OK')
  transcript.leaseRevoke = (await revoked.until((responses) => eventCount(responses) === keysPerTest)).map(normalized)
  revoked.close()

  // A watch from a revision compacted away: created, then cancelled with the compact revision.
  const current = Number((await probe.call('KV', 'Range', {key: Buffer.from('none')})).response!.header.revision)
  expect((await probe.call('KV', 'Compact', {revision: current - 1})).outcome).toBe('OK')
  const compacted = probe.watch()
  compacted.send({create_request: {key: Buffer.from('big/'), range_end: prefixEnd('big/'), start_revision: 2}})
  transcript.compacted = (await compacted.until((responses) => responses.some((response) => response.canceled))).map(normalized)
  compacted.close()
  return transcript
}

describe('watch fidelity against a real etcd 3.4', () => {
  let real: RealEtcdMember
  let store: LazyEmbeddedStore
  let door: EtcdFrontDoor
  let doorEndpoint: string

  beforeAll(async () => {
    real = await RealEtcdMember.start()
    ;({store, door, endpoint: doorEndpoint} = await startTestFrontDoor())
  }, 60_000)

  afterAll(async () => {
    await door?.close()
    await store?.close()
    await real?.stop()
  })

  it('delivers every event of a revision together, fragments only on request, answers progress and compaction as etcd', async () => {
    const realProbe = new EtcdProbe(real.endpoint)
    const ourProbe = new EtcdProbe(doorEndpoint)
    try {
      const expected = await scenario(realProbe)
      const actual = await scenario(ourProbe)
      // One response holds the whole DeleteRange and the whole revocation.
      expect(expected.deleteRange!.slice(1).map((response) => response.events)).toEqual([keysPerTest])
      expect(expected.leaseRevoke!.slice(1).map((response) => response.events)).toEqual([keysPerTest])
      expect(expected.deleteRangeFragments!.length).toBeGreaterThan(2)
      for (const name of Object.keys(expected)) expect(actual[name], name).toEqual(expected[name])
    } finally {
      realProbe.close()
      ourProbe.close()
    }
  }, 120_000)

  it('the real etcdctl watching the front door prints every event of a 1,500-key DeleteRange', async () => {
    const probe = new EtcdProbe(doorEndpoint)
    const watch = new OutputProcess('etcdctl', [`--endpoints=${doorEndpoint}`, 'watch', 'cli/', '--prefix'], {...process.env, ETCDCTL_API: '3'})
    try {
      await putMany(probe, 'cli/')
      // The watch is registered once a put made after it starts shows up in its output.
      for (let attempt = 0; !watch.output.includes('cli/zz-ready'); attempt++) {
        expect((await probe.call('KV', 'Put', {key: Buffer.from('cli/zz-ready'), value: Buffer.from(String(attempt))})).outcome).toBe('OK')
        await watch.until((output) => output.includes('cli/zz-ready'), 1)
      }
      expect((await probe.call('KV', 'DeleteRange', {key: Buffer.from('cli/'), range_end: prefixEnd('cli/')})).outcome).toBe('OK')
      await watch.until((output) => deletes(output) === keysPerTest + 1)
      expect(deletes(watch.output)).toBe(keysPerTest + 1)
    } finally {
      await watch.stop()
      probe.close()
    }
  }, 120_000)
})

describe('kubemu etcdctl watch, one-shot', () => {
  it('prints every event of a 1,500-key DeleteRange made by another process', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home}
    const ours = (line: string, stdin?: string) => runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: environment, ...(stdin === undefined ? {} : {stdin})})
    for (let start = 0; start < keysPerTest; start += putsPerTxn) {
      const puts = Array.from({length: putsPerTxn}, (_, offset) => `put ${key('one/', start + offset).toString()} v`).join('\n')
      expect((await ours('txn', `\n${puts}\n\n\n`)).status).toBe(0)
    }
    const revision = JSON.parse((await ours('get one/0000 -w json')).stdout).header.revision as number
    // From the next revision on, so the watch sees the DeleteRange however the two processes race.
    const watch = new OutputProcess(kubemu, ['etcdctl', 'watch', 'one/', '--prefix', '--rev', String(revision + 1)], environment)
    try {
      expect(await ours('del one/ --prefix')).toMatchObject({status: 0, stdout: `${keysPerTest}\n`})
      await watch.until((output) => deletes(output) === keysPerTest)
      expect(deletes(watch.output)).toBe(keysPerTest)
    } finally {
      await watch.stop()
    }
  }, 180_000)
})

const deletes = (output: string) => output.split('\n').filter((line) => line === 'DELETE').length
