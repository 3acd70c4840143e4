// Membership changes on the embedded cluster, one member at a time, with etcd's errors.
import {describe, expect, it} from 'vitest'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {startMember} from '../../src/core/etcd/member-faults.js'
import {prefixEnd} from '../../src/core/mvcc/key-range.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes, temporaryFolder} from '../support/temp.js'

const clock = new ManualClock()
const open = (folder: string, endpoint = 'infra1') => new EmbeddedClient(EmbeddedCluster.open(folder, {clock, seed: 21}), {endpoint})

describe('membership', () => {
  it('adds a learner that joins empty and catches up, promotes it, then removes a member', async () => {
    const folder = temporaryFolder()
    let client = open(folder)
    for (let index = 0; index < 30; index++) await client.kv.put({key: bytes(`m${index}`), value: bytes(String(index))})
    // etcd reconfigures only a cluster whose voters have been connected for 5 s.
    await expect(client.cluster.memberAdd(['http://127.0.0.1:42380'], true, 'infra4')).rejects.toThrow('etcdserver: unhealthy cluster')
    clock.advance(5000)
    const added = await client.cluster.memberAdd(['http://127.0.0.1:42380'], true, 'infra4')
    expect(added.member.isLearner).toBe(true)
    expect(added.members).toHaveLength(4)
    expect(added.members.find((member) => member.id === added.member.id)!.name).toBe('')
    // etcd derives a new member's ID from its peer URLs and the second it was added: the same
    // URLs again within that second collide on the ID, later on the URLs.
    await expect(client.cluster.memberAdd(['http://127.0.0.1:42380'], false, 'infra5')).rejects.toThrow('etcdserver: member ID already exist')
    clock.advance(1000)
    await expect(client.cluster.memberAdd(['http://127.0.0.1:42380'], false, 'infra5')).rejects.toThrow('etcdserver: Peer URLs already exists')
    for (const bad of ['bad', 'http://127.0.0.1', 'http://127.0.0.1:52380/path', 'ftp://127.0.0.1:52380']) {
      await expect(client.cluster.memberAdd([bad], true, 'infra5')).rejects.toThrow('etcdserver: given member URLs are invalid')
    }
    await expect(client.cluster.memberAdd(['http://127.0.0.1:52380'], true, 'infra5')).rejects.toThrow('etcdserver: too many learner members in cluster')
    await expect(client.cluster.memberPromote(added.member.id)).rejects.toThrow('in sync with leader')
    await client.close()

    expect((await startMember(folder, 'infra4', {clock})).caughtUp).toBe(true)
    client = open(folder, 'infra4')
    const fromLearner = await client.kv.range({key: bytes('m'), rangeEnd: prefixEnd(bytes('m')), serializable: true})
    expect(fromLearner.count).toBe(30)
    const listed = await client.cluster.memberList()
    expect(listed.members.find((member) => member.id === added.member.id)).toMatchObject({name: 'infra4', clientUrls: ['http://127.0.0.1:42379'], isLearner: true})
    await client.cluster.memberPromote(added.member.id)
    expect((await client.cluster.memberList()).members.find((member) => member.id === added.member.id)!.isLearner).toBe(false)
    await expect(client.cluster.memberPromote(added.member.id)).rejects.toThrow('etcdserver: can only promote a learner member')

    const infra1 = 0x8211f1d0f64f3269n
    const removed = await client.cluster.memberRemove(infra1)
    expect(removed.members.map((member) => member.name).sort()).toEqual(['infra2', 'infra3', 'infra4'])
    await expect(client.cluster.memberRemove(infra1)).rejects.toThrow('etcdserver: member not found')
    await client.kv.put({key: bytes('after'), value: bytes('removal')})
    await client.close()

    // The next command sees the new membership: infra1 is gone, infra4 votes.
    const later = open(folder, 'infra2')
    expect(later.embedded.members().map((member) => member.layout.name).sort()).toEqual(['infra2', 'infra3', 'infra4'])
    expect((await later.kv.range({key: bytes('after')})).count).toBe(1)
    await later.close()
  })

  it('refuses to remove a voter when the rest would not be a connected quorum', async () => {
    const folder = temporaryFolder()
    const client = open(folder)
    await client.kv.put({key: bytes('x'), value: bytes('1')})
    clock.advance(5000)
    client.embedded.stopMember('infra3')
    await expect(client.cluster.memberRemove(0x91bc3c398fb3c146n)).rejects.toThrow('etcdserver: unhealthy cluster')
    // Removing the member that is down is safe.
    await client.cluster.memberRemove(0xfd422379fda50e48n)
    await client.close()
  })

  it('updates peer URLs and moves the leader', async () => {
    const client = open(temporaryFolder())
    await client.kv.put({key: bytes('x'), value: bytes('1')})
    clock.advance(5000)
    const infra3 = 0xfd422379fda50e48n
    const updated = await client.cluster.memberUpdate(infra3, ['http://127.0.0.1:33380'])
    expect(updated.members.find((member) => member.id === infra3)!.peerUrls).toEqual(['http://127.0.0.1:33380'])
    const leaderName = client.embedded.leader()!.layout.name
    const onLeader = new EmbeddedClient(client.embedded, {endpoint: leaderName})
    const follower = client.embedded.members().find((member) => member.layout.name !== leaderName)!
    const onFollower = new EmbeddedClient(client.embedded, {endpoint: follower.layout.name})
    await expect(onFollower.maintenance.moveLeader(infra3)).rejects.toThrow('etcdserver: not leader')
    const target = client.embedded.members().find((member) => member.layout.name !== leaderName)!
    await onLeader.maintenance.moveLeader(target.layout.idNumber)
    expect(client.embedded.leader()!.id).toBe(target.id)
    await client.kv.put({key: bytes('x'), value: bytes('2')})
    await client.close()
  })
})
