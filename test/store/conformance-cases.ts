// The store conformance cases: the same operations against any EtcdClient. Run in order on a
// fresh cluster, they produce a transcript that must be identical for kubemu and real etcd.
import type {EtcdClient, WatchResponse} from '../../src/core/etcd/api.js'
import {EtcdError} from '../../src/core/mvcc/errors.js'
import {prefixEnd} from '../../src/core/mvcc/key-range.js'
import type {KeyValue, ResponseHeader, ResponseOp} from '../../src/core/mvcc/types.js'

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes)

/** Makes a transcript comparable: lease IDs become L1, L2, … in order of appearance. */
export class Recorder {
  readonly lines: unknown[] = []
  private readonly leaseNames = new Map<bigint, string>()

  lease(id: bigint): string {
    if (id === 0n) return '0'
    if (!this.leaseNames.has(id)) this.leaseNames.set(id, `L${this.leaseNames.size + 1}`)
    return this.leaseNames.get(id)!
  }

  header(header: ResponseHeader): unknown {
    return {cluster: header.clusterId.toString(), member: header.memberId.toString(16), revision: header.revision, term: header.raftTerm}
  }

  kv(kv: KeyValue): unknown {
    return [decode(kv.key), decode(kv.value), kv.createRevision, kv.modRevision, kv.version, this.lease(kv.lease)]
  }

  operation(response: ResponseOp): unknown {
    if ('responseRange' in response) return {range: {revision: response.responseRange.header.revision, kvs: response.responseRange.kvs.map((kv) => this.kv(kv)), more: response.responseRange.more, count: response.responseRange.count}}
    if ('responsePut' in response) return {put: {revision: response.responsePut.header.revision, prev: response.responsePut.prevKv ? this.kv(response.responsePut.prevKv) : null}}
    if ('responseDeleteRange' in response) return {delete: {revision: response.responseDeleteRange.header.revision, deleted: response.responseDeleteRange.deleted, prev: response.responseDeleteRange.prevKvs.map((kv) => this.kv(kv))}}
    return {txn: {succeeded: response.responseTxn.succeeded, responses: response.responseTxn.responses.map((item) => this.operation(item))}}
  }

  watch(response: WatchResponse | null): unknown {
    if (!response) return null
    return {
      revision: response.header.revision,
      canceled: response.canceled ?? false,
      compactRevision: response.compactRevision ?? 0,
      events: response.events.map((event) => [event.type, this.kv(event.kv), event.prevKv ? this.kv(event.prevKv) : null]),
    }
  }

  async record(label: string, operation: () => Promise<unknown>): Promise<void> {
    try {
      this.lines.push([label, await operation()])
    } catch (error) {
      if (!(error instanceof EtcdError)) throw error
      this.lines.push([label, {error: error.message, code: error.grpcCode}])
    }
  }
}

/** Opens another client of the same cluster with credentials (as etcdctl --user). */
export type Connect = (user: string, password: string) => EtcdClient

export interface ConformanceCase {
  readonly name: string
  run(client: EtcdClient, recorder: Recorder, connect: Connect): Promise<void>
}

const range = (client: EtcdClient, recorder: Recorder, request: Parameters<EtcdClient['kv']['range']>[0]) => async () => {
  const response = await client.kv.range(request)
  return {header: recorder.header(response.header), kvs: response.kvs.map((kv) => recorder.kv(kv)), more: response.more, count: response.count}
}

export const conformanceCases: ConformanceCase[] = [
  {
    name: 'an empty store is at revision 1',
    async run(client, r) {
      await r.record('get missing', range(client, r, {key: encode('missing')}))
    },
  },
  {
    name: 'put creates and updates with revisions and versions',
    async run(client, r) {
      await r.record('put a', async () => r.header((await client.kv.put({key: encode('a'), value: encode('1')})).header))
      await r.record('put a again with prev', async () => {
        const response = await client.kv.put({key: encode('a'), value: encode('2'), prevKv: true})
        return [r.header(response.header), response.prevKv ? r.kv(response.prevKv) : null]
      })
      await r.record('get a', range(client, r, {key: encode('a')}))
      await r.record('get a at 2', range(client, r, {key: encode('a'), revision: 2}))
      await r.record('get a in the future', range(client, r, {key: encode('a'), revision: 99}))
      await r.record('get serializable', range(client, r, {key: encode('a'), serializable: true}))
    },
  },
  {
    name: 'ranges: prefix, from-key, limit, sort, keys-only, count-only, filters',
    async run(client, r) {
      for (const [key, value] of [['r/b', '2'], ['r/a', '3'], ['r/c', '1'], ['r/a', '4'], ['s', 'x']]) {
        await client.kv.put({key: encode(key!), value: encode(value!)})
      }
      const prefix = {key: encode('r/'), rangeEnd: prefixEnd(encode('r/'))}
      await r.record('prefix', range(client, r, prefix))
      await r.record('limit 2', range(client, r, {...prefix, limit: 2}))
      await r.record('from key', range(client, r, {key: encode('r/b'), rangeEnd: Uint8Array.of(0)}))
      await r.record('all keys', range(client, r, {key: Uint8Array.of(0), rangeEnd: Uint8Array.of(0), keysOnly: true}))
      await r.record('sort by value descending', range(client, r, {...prefix, sortOrder: 'descend', sortTarget: 'value'}))
      await r.record('sort by version, limit 1', range(client, r, {...prefix, sortOrder: 'descend', sortTarget: 'version', limit: 1}))
      await r.record('sort by create ascending', range(client, r, {...prefix, sortOrder: 'ascend', sortTarget: 'create'}))
      await r.record('sort by mod, order none', range(client, r, {...prefix, sortTarget: 'mod'}))
      await r.record('key descending', range(client, r, {...prefix, sortOrder: 'descend'}))
      await r.record('count only', range(client, r, {...prefix, countOnly: true}))
      await r.record('min mod revision', range(client, r, {...prefix, minModRevision: 6}))
      await r.record('max create revision', range(client, r, {...prefix, maxCreateRevision: 4}))
      await r.record('past revision prefix', range(client, r, {...prefix, revision: 5}))
      await r.record('past revision count', range(client, r, {...prefix, revision: 5, countOnly: true}))
      await r.record('empty key', range(client, r, {key: new Uint8Array()}))
    },
  },
  {
    name: 'delete-range with prev-kv, single and prefix, and missing keys',
    async run(client, r) {
      await client.kv.put({key: encode('d/1'), value: encode('x')})
      await client.kv.put({key: encode('d/2'), value: encode('y')})
      await client.kv.put({key: encode('d/3'), value: encode('z')})
      const remove = (request: Parameters<EtcdClient['kv']['deleteRange']>[0]) => async () => {
        const response = await client.kv.deleteRange(request)
        return [r.header(response.header), response.deleted, response.prevKvs.map((kv) => r.kv(kv))]
      }
      await r.record('delete single', remove({key: encode('d/1'), prevKv: true}))
      await r.record('delete missing', remove({key: encode('d/1')}))
      await r.record('delete prefix', remove({key: encode('d/'), rangeEnd: prefixEnd(encode('d/')), prevKv: true}))
      await r.record('get after', range(client, r, {key: encode('d/'), rangeEnd: prefixEnd(encode('d/'))}))
      await r.record('put recreates with version 1', async () => {
        await client.kv.put({key: encode('d/1'), value: encode('again')})
        return (await range(client, r, {key: encode('d/1')})())
      })
    },
  },
  {
    name: 'put with ignore-value and ignore-lease',
    async run(client, r) {
      await r.record('ignore value of missing key', async () => r.header((await client.kv.put({key: encode('iv'), value: new Uint8Array(), ignoreValue: true})).header))
      await client.kv.put({key: encode('iv'), value: encode('kept')})
      await r.record('ignore value', async () => r.header((await client.kv.put({key: encode('iv'), value: new Uint8Array(), ignoreValue: true})).header))
      await r.record('get iv', range(client, r, {key: encode('iv')}))
      await r.record('lease that does not exist', async () => r.header((await client.kv.put({key: encode('iv'), value: encode('v'), lease: 12345n})).header))
    },
  },
  {
    name: 'txn: compares, branches, nested txn, and etcd\'s checks',
    async run(client, r) {
      await client.kv.put({key: encode('t/lock'), value: encode('free')})
      const txn = (request: Parameters<EtcdClient['kv']['txn']>[0]) => async () => {
        const response = await client.kv.txn(request)
        return {header: r.header(response.header), succeeded: response.succeeded, responses: response.responses.map((item) => r.operation(item))}
      }
      await r.record('cas success', txn({
        compare: [{key: encode('t/lock'), target: 'value', result: 'equal', value: encode('free')}],
        success: [{requestPut: {key: encode('t/lock'), value: encode('taken')}}, {requestRange: {key: encode('t/lock')}}],
        failure: [{requestRange: {key: encode('t/lock')}}],
      }))
      await r.record('cas failure', txn({
        compare: [{key: encode('t/lock'), target: 'value', result: 'equal', value: encode('free')}],
        success: [{requestPut: {key: encode('t/lock'), value: encode('taken')}}],
        failure: [{requestRange: {key: encode('t/lock')}}],
      }))
      await r.record('create if absent', txn({
        compare: [{key: encode('t/new'), target: 'create', result: 'equal', createRevision: 0}],
        success: [{requestPut: {key: encode('t/new'), value: encode('1')}}],
        failure: [],
      }))
      await r.record('value compare on a missing key fails', txn({
        compare: [{key: encode('t/none'), target: 'value', result: 'not_equal', value: encode('x')}],
        success: [{requestPut: {key: encode('t/none'), value: encode('1')}}],
        failure: [],
      }))
      await r.record('version greater, mod less, range compare', txn({
        compare: [
          {key: encode('t/lock'), target: 'version', result: 'greater', version: 1},
          {key: encode('t/lock'), target: 'mod', result: 'less', modRevision: 1000},
          {key: encode('t/'), rangeEnd: prefixEnd(encode('t/')), target: 'create', result: 'greater', createRevision: 0},
          {key: encode('t/lock'), target: 'lease', result: 'equal', lease: 0n},
        ],
        success: [{requestDeleteRange: {key: encode('t/new'), prevKv: true}}, {requestRange: {key: encode('t/'), rangeEnd: prefixEnd(encode('t/'))}}],
        failure: [],
      }))
      await r.record('nested txn', txn({
        compare: [],
        success: [{requestTxn: {compare: [{key: encode('t/lock'), target: 'value', result: 'equal', value: encode('taken')}], success: [{requestPut: {key: encode('t/n1'), value: encode('a')}}], failure: []}}, {requestPut: {key: encode('t/n2'), value: encode('b')}}],
        failure: [],
      }))
      await r.record('read-only txn', txn({compare: [], success: [{requestRange: {key: encode('t/n1')}}], failure: []}))
      await r.record('duplicate key', txn({compare: [], success: [{requestPut: {key: encode('t/x'), value: encode('1')}}, {requestPut: {key: encode('t/x'), value: encode('2')}}], failure: []}))
      await r.record('put inside a deleted range', txn({compare: [], success: [{requestDeleteRange: {key: encode('t/'), rangeEnd: prefixEnd(encode('t/'))}}, {requestPut: {key: encode('t/y'), value: encode('1')}}], failure: []}))
      await r.record('too many operations', txn({compare: [], success: Array.from({length: 129}, (_, index) => ({requestRange: {key: encode(`t/${index}`)}})), failure: []}))
      await r.record('txn with a missing lease', txn({compare: [], success: [{requestPut: {key: encode('t/l'), value: encode('1'), lease: 999n}}], failure: []}))
    },
  },
  {
    name: 'leases: grant, attach, time-to-live, list, keep-alive, revoke',
    async run(client, r) {
      // Keys attach to a fixed ID: lease IDs are in the history, so the hash case can compare it.
      const id = 7000n
      await r.record('grant with a generated ID', async () => {
        const response = await client.lease.grant(600)
        await client.lease.revoke(response.id)
        return [r.header(response.header), r.lease(response.id), response.ttl]
      })
      await r.record('grant', async () => {
        const response = await client.lease.grant(600, id)
        return [r.header(response.header), r.lease(response.id), response.ttl]
      })
      await r.record('grant below the minimum TTL', async () => {
        const response = await client.lease.grant(1, 4242n)
        return [r.lease(response.id), response.ttl]
      })
      await r.record('grant an existing ID', async () => (await client.lease.grant(10, 4242n)).ttl)
      await r.record('attach', async () => r.header((await client.kv.put({key: encode('l/k'), value: encode('v'), lease: id})).header))
      await r.record('attach another', async () => r.header((await client.kv.put({key: encode('l/j'), value: encode('v'), lease: id})).header))
      await r.record('time to live with keys', async () => {
        const response = await client.lease.timeToLive(id, true)
        return [r.lease(response.id), response.ttl > 590 && response.ttl <= 600, response.grantedTtl, response.keys.map(decode).sort()]
      })
      await r.record('keep alive', async () => {
        const response = await client.lease.keepAliveOnce(id)
        return [r.lease(response.id), response.ttl]
      })
      await r.record('list', async () => (await client.lease.leases()).leases.map((lease) => r.lease(lease.id)).sort())
      await r.record('ignore lease keeps it', async () => {
        await client.kv.put({key: encode('l/k'), value: encode('w'), ignoreLease: true})
        return range(client, r, {key: encode('l/k')})()
      })
      await r.record('revoke', async () => r.header((await client.lease.revoke(id)).header))
      await r.record('keys went with it', range(client, r, {key: encode('l/'), rangeEnd: prefixEnd(encode('l/'))}))
      await r.record('time to live of a revoked lease', async () => {
        const response = await client.lease.timeToLive(id, false)
        return [r.lease(response.id), response.ttl]
      })
      await r.record('revoke again', async () => r.header((await client.lease.revoke(id)).header))
      await r.record('keep alive a revoked lease', async () => (await client.lease.keepAliveOnce(id)).ttl)
      await client.lease.revoke(4242n)
    },
  },
  {
    name: 'watch from a past revision with prev-kv and filters',
    async run(client, r) {
      const start = (await client.kv.put({key: encode('w/a'), value: encode('1')})).header.revision
      await client.kv.put({key: encode('w/a'), value: encode('2')})
      await client.kv.deleteRange({key: encode('w/a')})
      await client.kv.put({key: encode('w/b'), value: encode('3')})
      const watcher = client.watch.watch({key: encode('w/'), rangeEnd: prefixEnd(encode('w/')), startRevision: start, prevKv: true})
      const events: unknown[] = []
      while (events.length < 4) {
        const response = await watcher.next()
        if (!response) break
        for (const event of response.events) events.push([event.type, r.kv(event.kv), event.prevKv ? r.kv(event.prevKv) : null])
      }
      watcher.cancel()
      r.lines.push(['history with prev kv', events])
      const onlyDeletes = client.watch.watch({key: encode('w/'), rangeEnd: prefixEnd(encode('w/')), startRevision: start, filters: ['noput']})
      const response = await onlyDeletes.next()
      onlyDeletes.cancel()
      r.lines.push(['noput filter', response?.events.map((event) => [event.type, decode(event.kv.key), event.kv.modRevision])])
    },
  },
  {
    name: 'watch sees a later write',
    async run(client, r) {
      const watcher = client.watch.watch({key: encode('live')})
      await watcher.created()
      const next = watcher.next()
      await client.kv.put({key: encode('live'), value: encode('now')})
      const response = await next
      watcher.cancel()
      r.lines.push(['live event', response?.events.map((event) => [event.type, r.kv(event.kv)])])
    },
  },
  {
    name: 'hash of the key space before compaction',
    async run(client, r) {
      await r.record('hashkv now', async () => {
        const response = await client.maintenance.hashKv(0)
        return [response.hash, response.compactRevision]
      })
      await r.record('hashkv at 5', async () => (await client.maintenance.hashKv(5)).hash)
    },
  },
  {
    name: 'compaction: errors for compacted and future revisions, watch cancelled with the compact revision',
    async run(client, r) {
      const current = (await client.kv.range({key: encode('a')})).header.revision
      await r.record('compact in the future', async () => r.header((await client.kv.compact({revision: current + 10})).header))
      await r.record('compact', async () => r.header((await client.kv.compact({revision: current - 2})).header))
      await r.record('compact again at the same revision', async () => r.header((await client.kv.compact({revision: current - 2})).header))
      await r.record('read below the compaction', range(client, r, {key: encode('a'), revision: current - 3}))
      await r.record('read at the compaction', range(client, r, {key: encode('a'), revision: current - 2}))
      await r.record('prefix at the compaction', range(client, r, {key: encode('r/'), rangeEnd: prefixEnd(encode('r/')), revision: current - 2}))
      const watcher = client.watch.watch({key: encode('a'), startRevision: 2})
      r.lines.push(['watch from a compacted revision', r.watch(await watcher.next())])
      watcher.cancel()
      await r.record('hash at current', async () => (await client.maintenance.hashKv(0)).compactRevision)
    },
  },
  {
    name: 'hash of the key space matches real etcd',
    async run(client, r) {
      await r.record('hashkv', async () => {
        const response = await client.maintenance.hashKv(0)
        return [response.hash, response.compactRevision, response.header.revision]
      })
    },
  },
  {
    name: 'auth: users, roles, key-range permissions, enable and disable',
    async run(client, r, connect) {
      const headed = (operation: () => Promise<{header: ResponseHeader}>) => async () => r.header((await operation()).header)
      await r.record('role add', headed(() => client.auth.roleAdd('reader')))
      await r.record('role add again', headed(() => client.auth.roleAdd('reader')))
      await r.record('grant read on pub/', headed(() => client.auth.roleGrantPermission('reader', {type: 'READ', key: encode('pub/'), rangeEnd: prefixEnd(encode('pub/'))})))
      await r.record('grant write on one key', headed(() => client.auth.roleGrantPermission('reader', {type: 'READWRITE', key: encode('pub/mine'), rangeEnd: new Uint8Array()})))
      await r.record('role get', async () => (await client.auth.roleGet('reader')).permissions.map((permission) => [permission.type, decode(permission.key), decode(permission.rangeEnd)]))
      await r.record('user add', headed(() => client.auth.userAdd('alice', 'secret')))
      await r.record('user add again', headed(() => client.auth.userAdd('alice', 'other')))
      await r.record('grant a role that does not exist', headed(() => client.auth.userGrantRole('alice', 'nope')))
      await r.record('grant role', headed(() => client.auth.userGrantRole('alice', 'reader')))
      await r.record('user get', async () => (await client.auth.userGet('alice')).roles)
      await r.record('user get missing', async () => (await client.auth.userGet('bob')).roles)
      await r.record('enable without root', headed(() => client.auth.enable()))
      await client.auth.userAdd('root', 'rootpw')
      await r.record('enable without the root role', headed(() => client.auth.enable()))
      await client.auth.roleAdd('root')
      await client.auth.userGrantRole('root', 'root')
      await r.record('enable', headed(() => client.auth.enable()))
      await r.record('anonymous put', headed(() => client.kv.put({key: encode('pub/x'), value: encode('1')})))
      const alice = connect('alice', 'secret')
      const root = connect('root', 'rootpw')
      await r.record('alice writes outside her key', headed(() => alice.kv.put({key: encode('pub/x'), value: encode('1')})))
      await r.record('alice writes her key', headed(() => alice.kv.put({key: encode('pub/mine'), value: encode('ok')})))
      await r.record('root writes', headed(() => root.kv.put({key: encode('pub/x'), value: encode('from root')})))
      await r.record('alice reads pub/', range(alice, r, {key: encode('pub/'), rangeEnd: prefixEnd(encode('pub/'))}))
      await r.record('alice reads outside', range(alice, r, {key: encode('a')}))
      await r.record('alice reads a wider range', range(alice, r, {key: encode('p'), rangeEnd: encode('q')}))
      await r.record('alice manages users', headed(() => alice.auth.userAdd('mallory', 'x')))
      await r.record('wrong password', range(connect('alice', 'wrong'), r, {key: encode('pub/x')}))
      await r.record('delete root while enabled', headed(() => root.auth.userDelete('root')))
      await r.record('revoke root role from root', headed(() => root.auth.userRevokeRole('root', 'root')))
      await r.record('user list', async () => (await root.auth.userList()).users)
      await r.record('role list', async () => (await root.auth.roleList()).roles)
      await r.record('revoke a permission not granted', headed(() => root.auth.roleRevokePermission('reader', encode('zzz'), new Uint8Array())))
      await r.record('revoke permission', headed(() => root.auth.roleRevokePermission('reader', encode('pub/mine'), new Uint8Array())))
      await r.record('revoke role not granted', headed(() => root.auth.userRevokeRole('alice', 'root')))
      await r.record('delete role', headed(() => root.auth.roleDelete('reader')))
      await r.record('alice has no roles left', async () => (await root.auth.userGet('alice')).roles)
      await r.record('disable', headed(() => root.auth.disable()))
      await r.record('anonymous put after disable', headed(() => client.kv.put({key: encode('pub/y'), value: encode('2')})))
      await r.record('delete users', async () => {
        await client.auth.userDelete('alice')
        await client.auth.userDelete('root')
        return (await client.auth.userList()).users
      })
      await alice.close()
      await root.close()
    },
  },
  {
    // A cluster started moments ago is not yet "healthy" for reconfiguration (etcd waits for its
    // voters to be connected for 5 s); the healthy path is tested on kubemu with an injected clock.
    name: 'membership right after start: etcd\'s refusals',
    async run(client, r) {
      await r.record('add a learner', async () => (await client.cluster.memberAdd(['http://127.0.0.1:42380'], true, 'infra4')).member.isLearner)
      await r.record('add a voter', async () => (await client.cluster.memberAdd(['http://127.0.0.1:42380'], false, 'infra4')).member.isLearner)
      await r.record('remove a member that does not exist', async () => (await client.cluster.memberRemove(0x1234n)).members.length)
      await r.record('promote a member that does not exist', async () => (await client.cluster.memberPromote(0x1234n)).members.length)
      await r.record('promote a voter', async () => (await client.cluster.memberPromote(0x91bc3c398fb3c146n)).members.length)
    },
  },
  {
    name: 'member list',
    async run(client, r) {
      await r.record('members', async () => (await client.cluster.memberList()).members.map((member) => [member.id.toString(16), member.name, member.peerUrls, member.clientUrls, member.isLearner]).sort())
    },
  },
]
