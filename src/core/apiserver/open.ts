// Opens the Kubernetes side of a cluster for one command: the store (the embedded cluster, or a
// real etcd named by --etcd-servers / KUBEMU_ETCD_SERVERS), the cluster's credentials and admin
// kubeconfig, the API server, and the bootstrap the first time a Kubernetes-side command runs.
import {mkdirSync} from 'node:fs'
import {clusterFolder} from '../home.js'
import {clusterRandomness} from '../seed.js'
import {openRealEtcdStore} from '../store/backends.js'
import {LazyEmbeddedStore} from '../store/lazy-embedded-store.js'
import type {Store} from '../store/store.js'
import {type Clock, systemClock} from '../util/clock.js'
import {ApiServer} from './apiserver.js'
import {auditLogFile} from './audit.js'
import {FileChangeLog} from './change-log.js'
import {FileCredentials} from './authentication/credentials.js'
import {CachedChanges} from './cached-changes.js'
import {WrittenObjects} from './written-objects.js'
import {ensureBootstrapped} from './bootstrap.js'
import {ensureAdminKubeconfig} from './kubeconfig.js'
import {etcdFailure} from './api-errors.js'
import type {Status} from '../api/wire.js'
import type {ContainerStreams} from './pod-logs.js'

export interface KubernetesOptions {
  readonly environment: NodeJS.ProcessEnv
  readonly clusterName?: string
  /** kube-apiserver's --etcd-servers: comma-separated client URLs of a real etcd. */
  readonly etcdServers?: string
  readonly clock?: Clock
  /** The clock the API servers read and wait on, when not `clock` (the store's): a one-shot host runs its loops while a request waits. */
  readonly apiServerClock?: Clock
  /** The embedded member this API server's etcd client tries first (its master's); it fails over to the others. */
  readonly preferredMember?: string
  /** The kubelets' container runtime the API servers reach for pods/log and pods/exec. */
  readonly containerStreams?: ContainerStreams
}

/** How long one etcd request of the API server may take over every member it tries; a test shortens it. */
export const etcdRequestTimeoutVariable = 'KUBEMU_ETCD_REQUEST_TIMEOUT_MILLISECONDS'

export class KubernetesOptionError extends Error {}

/**
 * The API server could not open because etcd failed its first read (the bootstrap check): what
 * it would answer any request, with kubectl's line for it as the message.
 */
export class KubernetesUnavailableError extends Error {
  constructor(readonly status: Status) {
    super(status.reason ? `Error from server (${status.reason}): ${status.message}` : `Error from server: ${status.message}`)
  }
}

/** The request timeout the environment sets, if any (a positive whole number of milliseconds). */
export function etcdRequestTimeoutOf(environment: NodeJS.ProcessEnv): number | undefined {
  const text = environment[etcdRequestTimeoutVariable]
  if (text === undefined || text === '') return undefined
  const milliseconds = Number(text)
  if (!/^\d+$/.test(text) || milliseconds <= 0) throw new KubernetesOptionError(`invalid ${etcdRequestTimeoutVariable} ${JSON.stringify(text)}: give a positive whole number of milliseconds`)
  return milliseconds
}

export interface KubernetesConnection {
  readonly api: ApiServer
  readonly store: Store
  readonly folder: string
  readonly kubeconfig: string
  /** Whether this command bootstrapped the cluster (its control plane has not run yet). */
  readonly bootstrapped: boolean
  /**
   * What the API servers cache (RBAC, admission's objects) changed past them all: whoever watches
   * the store for it (`up`) notifies here, and every API server of this connection reads again.
   */
  readonly cachedChanges: CachedChanges
  /** Another API server of this cluster (another master's) on `store`, with the same clock, credentials, audit log, cachedChanges and written objects. */
  apiServerOn(store: Store): ApiServer
  close(): Promise<void>
}

export function etcdServersOf(options: KubernetesOptions): string[] {
  const value = options.etcdServers ?? options.environment.KUBEMU_ETCD_SERVERS ?? ''
  return value.split(',').map((server) => server.trim()).filter((server) => server.length > 0)
}

export async function openKubernetes(options: KubernetesOptions): Promise<KubernetesConnection> {
  const folder = clusterFolder(options.environment, options.clusterName)
  mkdirSync(folder, {recursive: true})
  const servers = etcdServersOf(options)
  const clock = options.clock ?? systemClock
  const credentials = new FileCredentials(folder)
  const requestTimeoutMilliseconds = etcdRequestTimeoutOf(options.environment)
  // Reads need no writer lock: the embedded cluster opens on the first write.
  const store = servers.length > 0
    ? await openRealEtcdStore(servers)
    : new LazyEmbeddedStore(folder, {
      clock,
      etcdUser: credentials.etcdClient(),
      ...(options.preferredMember ? {preferredMember: options.preferredMember} : {}),
      ...(requestTimeoutMilliseconds ? {requestTimeoutMilliseconds} : {}),
    })
  try {
    const auditPath = options.environment.KUBEMU_AUDIT_LOG
    const audit = auditPath ? auditLogFile(auditPath) : undefined
    // Every API server of the cluster records its writes for `kubemu trace` in the cluster folder.
    const changes = new FileChangeLog(folder)
    // The API servers' choices (UIDs, generated names, ClusterIPs, node ports) follow the cluster's seed, if it has one.
    const randomness = clusterRandomness(folder)
    const seeded = {random: randomness.numbers('kube-apiserver'), newUid: randomness.uuids('kube-apiserver/uid'), newAuditId: randomness.uuids('kube-apiserver/audit')}
    const cachedChanges = new CachedChanges()
    // One process, one cluster: what one API server wrote is where another's update can start.
    const written = new WrittenObjects()
    const apiServerOn = (on: Store) => new ApiServer({store: on, clock: options.apiServerClock ?? clock, credentials, ...seeded, audit, changes, cachedChanges, written, ...(options.containerStreams ? {containerStreams: options.containerStreams} : {})})
    const api = apiServerOn(store)
    // The bootstrap reads the store before any request: etcd's failures answer as a request's would.
    const bootstrapped = await ensureBootstrapped(api, clock.nowMilliseconds()).catch((error: unknown) => {
      const failure = etcdFailure(error)
      throw failure ? new KubernetesUnavailableError(failure.toStatus()) : error
    })
    const kubeconfig = ensureAdminKubeconfig(folder, clock.nowMilliseconds())
    return {api, store, folder, kubeconfig, bootstrapped, cachedChanges, apiServerOn, close: () => {
      changes.close()
      return store.close()
    }}
  } catch (error) {
    await store.close()
    throw error
  }
}
