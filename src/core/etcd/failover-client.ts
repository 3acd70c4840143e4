// The etcd client of an API server on the embedded cluster, as kube-apiserver's clientv3 with
// several --etcd-servers: it knows every member, prefers one (its own master's), and when that
// member is stopped, has no leader or times out, moves to the next running one and retries
// within the request's time. Requests still go through one member's EmbeddedClient, so
// concurrent ones keep sharing raft batches (group commit).
import {EtcdError, etcdErrors} from '../mvcc/errors.js'
import type {ResponseHeader} from '../mvcc/types.js'
import type {AuthApi, ClusterApi, EtcdClient, KvApi, LeaseApi, MaintenanceApi, RaftPosition, WatchApi} from './api.js'
import type {EmbeddedCluster} from './cluster.js'
import {UnproposedError} from './cluster-requests.js'
import {EmbeddedClient} from './embedded-client.js'
import type {EtcdMember} from './member.js'
import {EmbeddedWatchApi} from './watch.js'

/**
 * How long one request may take, over every member it tries, before it fails with etcd's
 * "request timed out" (what etcd answers a request it cannot commit: no quorum). etcdctl's
 * --command-timeout default; etcd's own server-side limit is a little longer.
 */
export const requestTimeoutMillisecondsDefault = 5_000
/** One attempt on one member gets this share of the request's time, so a request can try every member of three. */
export const attemptsPerRequestMin = 3

export interface FailoverClientOptions {
  /** Members in the order the client tries them: the preferred one first. */
  readonly endpoints: readonly string[]
  readonly requestTimeoutMilliseconds?: number
  readonly backendQuotaBytes?: number
  /** etcd credentials, used once auth is enabled (as clientv3's Username/Password). */
  readonly user?: string
  readonly password?: string
  /** Whether closing this client closes the cluster (false for a second API server's client on the same cluster). */
  readonly closesCluster?: boolean
}

/** What may be retried on another member: any read; a write only if no log took it. */
type Retry = 'read' | 'write'

export class FailoverClient implements EtcdClient {
  readonly kv: KvApi
  readonly lease: LeaseApi
  readonly watch: WatchApi
  readonly auth: AuthApi
  private readonly clients = new Map<string, EmbeddedClient>()
  /** The member requests go to while it serves them (sticky, as clientv3's pinned endpoint). */
  private pinned: string
  private readonly timeoutMilliseconds: number

  raftPositionOf(revision: number): RaftPosition | null {
    return this.embedded.raftPositionOf(revision)
  }

  constructor(
    readonly embedded: EmbeddedCluster,
    private readonly options: FailoverClientOptions,
  ) {
    if (options.endpoints.length === 0) throw new Error('a failover client needs at least one member')
    this.pinned = options.endpoints[0]!
    this.timeoutMilliseconds = options.requestTimeoutMilliseconds ?? requestTimeoutMillisecondsDefault
    this.kv = {
      range: (request) => this.call((client) => client.kv.range(request), 'read'),
      put: (request) => this.call((client) => client.kv.put(request), 'write'),
      deleteRange: (request) => this.call((client) => client.kv.deleteRange(request), 'write'),
      txn: (request) => this.call((client) => client.kv.txn(request), 'write'),
      compact: (request) => this.call((client) => client.kv.compact(request), 'write'),
    }
    this.lease = {
      grant: (ttl, id) => this.call((client) => client.lease.grant(ttl, id), 'write'),
      revoke: (id) => this.call((client) => client.lease.revoke(id), 'write'),
      keepAliveOnce: (id) => this.call((client) => client.lease.keepAliveOnce(id), 'write'),
      timeToLive: (id, keys) => this.call((client) => client.lease.timeToLive(id, keys), 'read'),
      leases: () => this.call((client) => client.lease.leases(), 'read'),
    }
    // Auth changes are proposals like writes; the rest read the member's auth state.
    this.auth = {
      enable: (...args) => this.call((client) => client.auth.enable(...args), 'write'),
      disable: (...args) => this.call((client) => client.auth.disable(...args), 'write'),
      status: (...args) => this.call((client) => client.auth.status(...args), 'read'),
      authenticate: (...args) => this.call((client) => client.auth.authenticate(...args), 'read'),
      userAdd: (...args) => this.call((client) => client.auth.userAdd(...args), 'write'),
      userGet: (...args) => this.call((client) => client.auth.userGet(...args), 'read'),
      userList: (...args) => this.call((client) => client.auth.userList(...args), 'read'),
      userDelete: (...args) => this.call((client) => client.auth.userDelete(...args), 'write'),
      userChangePassword: (...args) => this.call((client) => client.auth.userChangePassword(...args), 'write'),
      userGrantRole: (...args) => this.call((client) => client.auth.userGrantRole(...args), 'write'),
      userRevokeRole: (...args) => this.call((client) => client.auth.userRevokeRole(...args), 'write'),
      roleAdd: (...args) => this.call((client) => client.auth.roleAdd(...args), 'write'),
      roleGet: (...args) => this.call((client) => client.auth.roleGet(...args), 'read'),
      roleList: (...args) => this.call((client) => client.auth.roleList(...args), 'read'),
      roleDelete: (...args) => this.call((client) => client.auth.roleDelete(...args), 'write'),
      roleGrantPermission: (...args) => this.call((client) => client.auth.roleGrantPermission(...args), 'write'),
      roleRevokePermission: (...args) => this.call((client) => client.auth.roleRevokePermission(...args), 'write'),
    }
    this.watch = new EmbeddedWatchApi(() => this.servingMember(), (revision) => this.header(revision), embedded.clock)
  }

  /** The cluster and maintenance APIs of the member in use (administration: no retries). */
  get cluster(): ClusterApi {
    return this.pinnedClient().cluster
  }

  get maintenance(): MaintenanceApi {
    return this.pinnedClient().maintenance
  }


  /** The client of one member, with this client's credentials and an attempt's share of the time. */
  memberClient(name: string): EmbeddedClient {
    let client = this.clients.get(name)
    if (!client) {
      const {user, password, backendQuotaBytes} = this.options
      client = new EmbeddedClient(this.embedded, {
        endpoint: name,
        commandTimeoutMilliseconds: Math.ceil(this.timeoutMilliseconds / attemptsPerRequestMin),
        ...(backendQuotaBytes === undefined ? {} : {backendQuotaBytes}),
        ...(user === undefined ? {} : {user, password: password ?? ''}),
      })
      this.clients.set(name, client)
    }
    return client
  }

  /** The member requests go to now: the pinned one while it runs, else the next running one in order. */
  private pick(): string | null {
    if (this.embedded.member(this.pinned)) return this.pinned
    return this.next(this.pinned)
  }

  /** The running member after `name` in the preference order (wrapping round), null when none runs. */
  private next(name: string): string | null {
    const order = this.options.endpoints
    const start = Math.max(order.indexOf(name), 0)
    for (let step = 1; step <= order.length; step++) {
      const candidate = order[(start + step) % order.length]!
      if (this.embedded.member(candidate)) return candidate
    }
    return null
  }

  private pinnedClient(): EmbeddedClient {
    const name = this.pick()
    if (name) this.pinned = name
    return this.memberClient(this.pinned)
  }

  private servingMember(): EtcdMember {
    const name = this.pick()
    if (!name) throw etcdErrors.timeout()
    this.pinned = name
    return this.embedded.member(name)!
  }

  private header(revision: number): ResponseHeader {
    const member = this.servingMember()
    return {clusterId: this.embedded.layout.clusterId, memberId: member.layout.idNumber, revision, raftTerm: member.raft.term}
  }

  /**
   * Runs `operation` on a running member; on a member failure moves to the next member and tries
   * again until the request's time is up, then fails with etcd's "request timed out".
   */
  private async call<T>(operation: (client: EmbeddedClient) => Promise<T>, retry: Retry): Promise<T> {
    const clock = this.embedded.clock
    const deadline = clock.nowMilliseconds() + this.timeoutMilliseconds
    // Measured on the wall too: a cluster clock that stands still would never reach the deadline.
    const startedAt = performance.now()
    let loggedInAgain = false
    for (;;) {
      const name = this.pick()
      if (!name) throw etcdErrors.timeout()
      this.pinned = name
      const client = this.memberClient(name)
      try {
        return await operation(client)
      } catch (error) {
        if (!(error instanceof EtcdError)) throw error
        // Auth was enabled after this client logged in: log in with the credentials and retry
        // (the request was refused before it changed anything).
        if (isLoginNeeded(error) && this.options.user !== undefined && !loggedInAgain) {
          loggedInAgain = true
          client.forgetLogin()
          continue
        }
        if (!isMemberFailure(error)) throw error
        // A write some log may hold could still commit: retrying it could apply it twice.
        if (retry === 'write' && !(error instanceof UnproposedError)) throw etcdErrors.timeout()
        if (clock.nowMilliseconds() >= deadline || performance.now() - startedAt >= this.timeoutMilliseconds) throw etcdErrors.timeout()
        // No other member can do better while too few run and nothing starts one (see driveUntil).
        if (clock.standsStill === true && !this.embedded.quorumRunning()) throw etcdErrors.timeout()
        this.pinned = this.next(name) ?? name
      }
    }
  }

  /**
   * Another client on the same cluster with the same credentials, preferring `member` (the etcd
   * client of another master's API server). Closing it leaves the cluster open.
   */
  preferring(member: string): FailoverClient {
    const order = this.options.endpoints
    if (!order.includes(member)) throw new Error(`no etcd member named "${member}" to prefer (members: ${order.join(', ')})`)
    return new FailoverClient(this.embedded, {...this.options, endpoints: [member, ...order.filter((name) => name !== member)], closesCluster: false})
  }

  async close(): Promise<void> {
    if (this.options.closesCluster !== false) await this.embedded.close()
  }
}

/** Failures of the member rather than of the request: another member may serve it. */
function isMemberFailure(error: EtcdError): boolean {
  return error.grpcCode === 'DeadlineExceeded' || error.grpcCode === 'Unavailable'
}

function isLoginNeeded(error: EtcdError): boolean {
  const {userEmpty, invalidAuthToken} = etcdErrors
  return error.message === userEmpty().message || error.message === invalidAuthToken().message
}
