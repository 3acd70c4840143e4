import {EmbeddedCluster, type ClusterOptions} from '../etcd/cluster.js'
import {FailoverClient} from '../etcd/failover-client.js'
import type {EtcdCredentials} from '../etcd/api.js'
import {EtcdStore, type Store} from './store.js'

/**
 * The etcd client of an API server on the embedded cluster in `folder` (opened: this process
 * takes the writer lock): it knows every member, tries the preferred one first and fails over.
 */
export function openEmbeddedClient(folder: string, options: EmbeddedStoreOptions = {}): FailoverClient {
  const cluster = EmbeddedCluster.open(folder, options)
  const names = cluster.layout.members.map((member) => member.name)
  const preferred = options.preferredMember ?? names[0]
  if (preferred === undefined || !names.includes(preferred)) {
    void cluster.close()
    throw new UnknownPreferredMemberError(`no etcd member named "${String(preferred)}" to prefer (members: ${names.join(', ')})`)
  }
  const {backendQuotaBytes, requestTimeoutMilliseconds, etcdUser} = options
  return new FailoverClient(cluster, {
    endpoints: [preferred, ...names.filter((name) => name !== preferred)],
    ...(backendQuotaBytes ? {backendQuotaBytes} : {}),
    ...(requestTimeoutMilliseconds ? {requestTimeoutMilliseconds} : {}),
    ...(etcdUser ? {user: etcdUser.user, password: etcdUser.password} : {}),
  })
}

export class UnknownPreferredMemberError extends Error {}

export type EmbeddedStoreOptions = ClusterOptions & {
  /** The member this client's requests go to first (an API server's own master's); the first member by default. */
  readonly preferredMember?: string
  /** etcd's --quota-backend-bytes (2 GiB by default). */
  readonly backendQuotaBytes?: number
  /** How long a request may take over every member it tries (requestTimeoutMillisecondsDefault). */
  readonly requestTimeoutMilliseconds?: number
  /** The client's own etcd user (as kube-apiserver's etcd client certificate), used once auth is enabled. */
  readonly etcdUser?: EtcdCredentials
}

/** The store on the embedded cluster in `folder`, served by its members with failover. */
export function openEmbeddedStore(folder: string, options: EmbeddedStoreOptions = {}): Store {
  return new EtcdStore(openEmbeddedClient(folder, options))
}

/**
 * The store on a real etcd reached over the network (kube-apiserver's --etcd-servers list). Its
 * gRPC client loads only here: a command on the embedded cluster never pays for it.
 */
export async function openRealEtcdStore(endpoints: string | readonly string[]): Promise<Store> {
  const {RealEtcdClient} = await import('./real-etcd-client.js')
  return new EtcdStore(new RealEtcdClient(endpoints))
}
