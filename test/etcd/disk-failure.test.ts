// A member whose disk fails (its WAL fsync answers an error) goes down as etcd's process exits on
// it: the cluster log says so, and the two others, a quorum, go on serving every write. Before,
// the failure was thrown out of the cluster's pump for every member, so every request failed.
// `kubemu member start` runs the member again and it catches up.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {startMemberOf} from '../../src/core/etcd/member-faults.js'
import type {EtcdMember} from '../../src/core/etcd/member.js'
import {StorageError} from '../../src/core/storage/errors.js'
import {bytes, temporaryFolder} from '../support/temp.js'

/** The member's next WAL fsync answers a disk error (the real fsync still runs). */
function failNextFsync(member: EtcdMember): void {
  const database = member.database
  const syncWal = database.syncWal.bind(database)
  let armed = true
  database.syncWal = (done: (error: StorageError | null) => void) => {
    syncWal((error) => {
      if (!armed) return done(error)
      armed = false
      done(new StorageError('IO', 'injected fsync failure', database.path))
    })
  }
}

describe('a member whose disk fails', () => {
  for (const role of ['follower', 'leader'] as const) {
    it(`goes down alone when it is the ${role}, and the others serve every write`, async () => {
      const lines: string[] = []
      const cluster = EmbeddedCluster.open(temporaryFolder(), {memberThreads: false, log: (line) => lines.push(line)})
      try {
        await new EmbeddedClient(cluster, {endpoint: 'infra1'}).kv.put({key: bytes('warm'), value: bytes('up')})
        const leader = cluster.leader()!
        const failing = role === 'leader' ? leader : cluster.members().find((member) => member !== leader)!
        const healthy = cluster.members().find((member) => member !== leader && member !== failing)!
        const name = failing.layout.name
        failNextFsync(failing)
        const client = new EmbeddedClient(cluster, {endpoint: healthy.layout.name})
        const revisions: number[] = []
        for (let index = 0; index < 10; index++) revisions.push((await client.kv.put({key: bytes(`k${index}`), value: bytes('v')})).header.revision)
        expect(revisions).toHaveLength(10)
        expect(cluster.member(name)).toBeNull()
        expect(lines.some((line) => line.includes(`member ${name} crashed (its disk failed: injected fsync failure)`))).toBe(true)
        const range = await client.kv.range({key: bytes('k'), rangeEnd: bytes('l')})
        expect(range.kvs.map((kv) => new TextDecoder().decode(kv.key))).toEqual(Array.from({length: 10}, (_, index) => `k${index}`))
        // Started again, it catches up with what the others wrote meanwhile.
        expect((await startMemberOf(cluster, name)).caughtUp).toBe(true)
        const restarted = await new EmbeddedClient(cluster, {endpoint: name}).kv.range({key: bytes('k'), rangeEnd: bytes('l')})
        expect(restarted.kvs).toHaveLength(10)
      } finally {
        await cluster.close()
      }
    }, 60_000)
  }
})
