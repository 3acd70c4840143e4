// The etcd client of a one-shot command's lock-free view (see lazy-embedded-store.ts): ranges and
// watches on a running member's database, read without the writer lock. The view never writes:
// the lazy store sends every write to the cluster it opens, so a write reaching here is a bug.
import type {KvApi, LeaseApi, RaftPosition, WatchApi} from '../etcd/api.js'
import type {ReadOnlyMember} from '../etcd/read-only-member.js'
import {InvariantError} from '../util/assert.js'
import type {StoreEtcdClient} from './store.js'

const refused = (call: string) => (): Promise<never> => Promise.reject(new InvariantError(`${call} through the lock-free reader view: writes go to the opened cluster`))

export class ReaderEtcdClient implements StoreEtcdClient {
  readonly kv: KvApi
  readonly lease: LeaseApi
  readonly watch: WatchApi

  constructor(private readonly reader: ReadOnlyMember) {
    this.kv = {
      range: async (request) => reader.range(request),
      put: refused('put'),
      deleteRange: refused('delete range'),
      txn: refused('txn'),
      compact: refused('compact'),
    }
    this.lease = {grant: refused('lease grant'), revoke: refused('lease revoke'), keepAliveOnce: refused('lease keep-alive'), timeToLive: refused('lease time-to-live'), leases: refused('lease list')}
    this.watch = {watch: (request) => reader.watch(request)}
  }

  async close(): Promise<void> {
    this.reader.close()
  }

  raftPositionOf(): RaftPosition | null {
    return null
  }
}
