import {existsSync} from 'node:fs'
import {AuthStore} from '../mvcc/auth-store.js'
import {KvStore} from '../mvcc/kv-store.js'
import type {RangeRequest, RangeResponse, ResponseHeader} from '../mvcc/types.js'
import {StorageError} from '../storage/errors.js'
import {MemberDatabase} from '../storage/member-database.js'
import {WriterLock} from '../storage/writer-lock.js'
import type {Clock} from '../util/clock.js'
import type {EtcdCredentials, WatchRequest, Watcher} from './api.js'
import {etcdErrors, unconvertedAuthError} from '../mvcc/errors.js'
import {type ClusterState, memberDatabasePath, readCleanShutdown, readClusterState, readVoters} from './cluster-files.js'
import type {ClusterLayout, MemberLayout} from './layout.js'
import {assert} from '../util/assert.js'
import {HistoryWatcher, type WatchSource, watchPollMilliseconds} from './watch.js'

/**
 * One member's committed state, read straight from its database without the writer lock:
 * what etcd serves for a serializable read. SQLite's WAL lets this read while another process
 * writes.
 */
/** Watches one read-only member serves at once (informers make a few dozen). */
export const readOnlyWatchersMax = 10_000

export class ReadOnlyMember {
  readonly kv: KvStore

  /** The user reads run as once auth is enabled (checked against the database on first use). */
  private user: string | undefined
  private loggedIn = false

  private constructor(
    readonly layout: MemberLayout,
    private readonly cluster: ClusterLayout,
    readonly database: MemberDatabase,
    private readonly clock: Clock,
    private readonly credentials: EtcdCredentials | undefined,
    private readonly certifiedUser: string | undefined,
  ) {
    this.kv = new KvStore(database)
  }

  /**
   * Null when the member is stopped, has no database yet, or its file has an older schema. `certifiedUser`: the CN of a verified
   * client certificate, the user reads run as once auth is on when no credentials are given.
   */
  static open(folder: string, cluster: ClusterLayout, name: string, clock: Clock, credentials?: EtcdCredentials, certifiedUser?: string): ReadOnlyMember | null {
    const layout = cluster.members.find((member) => member.name === name)
    if (!layout || readClusterState(folder).stopped.includes(name)) return null
    const path = memberDatabasePath(folder, name)
    if (!existsSync(path)) return null
    let database: MemberDatabase
    try {
      database = MemberDatabase.open(path, {readonly: true})
    } catch (error) {
      // A file of an older schema is read once a writer has brought it up to date (the caller opens one).
      if (error instanceof StorageError && error.code === 'SchemaOutdated') return null
      throw error
    }
    return new ReadOnlyMember(layout, cluster, database, clock, credentials, certifiedUser)
  }

  /**
   * Whether this view is as current as the cluster: the member runs, a quorum of voters runs (else
   * etcd would serve no linearizable read), and either the last process stopped cleanly
   * (everything committed was applied everywhere) and no lease has run out since (its keys would
   * be gone), or another process holds the cluster and is the one keeping it current.
   */
  servesCurrentState(folder: string): boolean {
    const state = readClusterState(folder)
    if (state.stopped.includes(this.layout.name) || !this.quorumRuns(state)) return false
    // The clean-stop record and the lease table are read first: they settle the common case
    // without touching the lock file.
    const cleanAndLive = readCleanShutdown(this.database) !== null && this.database.kv.expiredLeases(this.clock.nowMilliseconds(), 1).length === 0
    return cleanAndLive || WriterLock.heldElsewhere(folder)
  }

  private quorumRuns(state: ClusterState): boolean {
    const voters = readVoters(this.database)
    const names = new Map<string, string>([...this.cluster.members, ...(state.joined ?? [])].map((member) => [member.id, member.name]))
    const running = voters.filter((id) => !state.stopped.includes(names.get(id) ?? '')).length
    return running >= Math.floor(voters.length / 2) + 1
  }

  /** The user requests run as: none until auth is enabled, then the credentials' (as clientv3 logs in). */
  private requestUser(): string | undefined {
    const auth = new AuthStore(this.database)
    if (!this.loggedIn && this.credentials && auth.status().enabled) {
      if (!auth.authenticate(this.credentials.user, this.credentials.password)) throw etcdErrors.authFailed()
      this.user = this.credentials.user
      this.loggedIn = true
    }
    return this.user ?? (this.credentials ? undefined : this.certifiedUser)
  }

  header(revision: number): ResponseHeader {
    return {clusterId: this.cluster.clusterId, memberId: this.layout.idNumber, revision, raftTerm: this.database.loadHardState().term}
  }

  range(request: RangeRequest): RangeResponse {
    // Without credentials, etcd refuses readers once auth is enabled.
    new AuthStore(this.database).checkRange(this.requestUser(), request.key, request.rangeEnd, 'READ')
    const response = this.kv.range(request)
    return {...response, header: this.header(response.header.revision)}
  }

  /** The root role check of etcd's Maintenance service (snapshot), with its unconverted errors. */
  checkMaintenanceAdmin(): void {
    try {
      new AuthStore(this.database).checkAdmin(this.requestUser())
    } catch (error) {
      throw unconvertedAuthError(error)
    }
  }

  /** A watch that polls the database for writes made by other processes; throws etcd's auth error for a range the user may not read. */
  watch(request: WatchRequest): Watcher {
    const database = this.database
    new AuthStore(database).checkRange(this.requestUser(), request.key, request.rangeEnd, 'READ')
    const clock = this.clock
    const source: WatchSource = {
      database: () => database,
      waitForChange: async (signal) => {
        const seen = database.dataVersion()
        while (!signal.aborted && database.dataVersion() === seen) await clock.sleep(watchPollMilliseconds, signal)
      },
      sleep: (milliseconds, signal) => clock.sleep(milliseconds, signal),
    }
    const watcher = new HistoryWatcher(source, request, (revision) => this.header(revision))
    for (const previous of this.watchers) if (previous.ended) this.watchers.delete(previous)
    assert(this.watchers.size < readOnlyWatchersMax, `at most ${readOnlyWatchersMax} watches on one read-only member`)
    this.watchers.add(watcher)
    return watcher
  }

  /** The watches made here: they end before the database closes (a poll after it would fail). */
  private readonly watchers = new Set<HistoryWatcher>()

  close(): void {
    for (const watcher of this.watchers) watcher.cancel()
    this.watchers.clear()
    this.database.close()
  }
}
