import {existsSync} from 'node:fs'
import {AuthStore} from '../mvcc/auth-store.js'
import {KvStore} from '../mvcc/kv-store.js'
import type {RangeRequest, RangeResponse, ResponseHeader} from '../mvcc/types.js'
import {MemberDatabase} from '../storage/member-database.js'
import {WriterLock} from '../storage/writer-lock.js'
import type {Clock} from '../util/clock.js'
import type {WatchRequest, Watcher} from './api.js'
import {memberDatabasePath, readCleanShutdown, readClusterState} from './cluster-files.js'
import type {ClusterLayout, MemberLayout} from './layout.js'
import {HistoryWatcher, type WatchSource, watchPollMilliseconds} from './watch.js'

/**
 * One member's committed state, read straight from its database without the writer lock:
 * what etcd serves for a serializable read. SQLite's WAL lets this read while another process
 * writes.
 */
export class ReadOnlyMember {
  readonly kv: KvStore

  private constructor(
    readonly layout: MemberLayout,
    private readonly cluster: ClusterLayout,
    readonly database: MemberDatabase,
    private readonly clock: Clock,
  ) {
    this.kv = new KvStore(database)
  }

  /** Null when the member is stopped or has no database yet. */
  static open(folder: string, cluster: ClusterLayout, name: string, clock: Clock): ReadOnlyMember | null {
    const layout = cluster.members.find((member) => member.name === name)
    if (!layout || readClusterState(folder).stopped.includes(name)) return null
    const path = memberDatabasePath(folder, name)
    if (!existsSync(path)) return null
    return new ReadOnlyMember(layout, cluster, MemberDatabase.open(path, {readonly: true}), clock)
  }

  /**
   * Whether this view is as current as the cluster: the last process stopped cleanly (everything
   * committed was applied everywhere) and no lease has run out since (its keys would be gone),
   * or another process holds the cluster and is the one keeping it current.
   */
  servesCurrentState(folder: string): boolean {
    // The clean-stop record and the lease table are read first: they settle the common case
    // without touching the lock file.
    const cleanAndLive = readCleanShutdown(this.database) !== null && this.database.kv.expiredLeases(this.clock.nowMilliseconds(), 1).length === 0
    return cleanAndLive || WriterLock.heldElsewhere(folder)
  }

  header(revision: number): ResponseHeader {
    return {clusterId: this.cluster.clusterId, memberId: this.layout.idNumber, revision, raftTerm: this.database.loadHardState().term}
  }

  range(request: RangeRequest): RangeResponse {
    // Readers come without credentials; with auth enabled etcd refuses them.
    new AuthStore(this.database).checkRange(undefined, request.key, request.rangeEnd, 'READ')
    const response = this.kv.range(request)
    return {...response, header: this.header(response.header.revision)}
  }

  /** A watch that polls the database for writes made by other processes. */
  watch(request: WatchRequest): Watcher {
    const database = this.database
    new AuthStore(database).checkRange(undefined, request.key, request.rangeEnd, 'READ')
    const clock = this.clock
    const source: WatchSource = {
      database: () => database,
      waitForChange: async (signal) => {
        const seen = database.dataVersion()
        while (!signal.aborted && database.dataVersion() === seen) await clock.sleep(watchPollMilliseconds)
      },
      sleep: (milliseconds) => clock.sleep(milliseconds),
    }
    return new HistoryWatcher(source, request, (revision) => this.header(revision))
  }

  close(): void {
    this.database.close()
  }
}
