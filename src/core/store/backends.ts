import {EmbeddedCluster, type ClusterOptions} from '../etcd/cluster.js'
import {EmbeddedClient} from '../etcd/embedded-client.js'
import {RealEtcdClient} from './real-etcd-client.js'
import {EtcdStore, type Store} from './store.js'

/** The etcd API of the embedded cluster in `folder` (opened: this process takes the writer lock). */
export function openEmbeddedClient(folder: string, options: EmbeddedStoreOptions = {}): EmbeddedClient {
  return new EmbeddedClient(EmbeddedCluster.open(folder, options), {endpoint: options.endpoint ?? 'infra1', ...(options.backendQuotaBytes ? {backendQuotaBytes: options.backendQuotaBytes} : {})})
}

export type EmbeddedStoreOptions = ClusterOptions & {
  readonly endpoint?: string
  /** etcd's --quota-backend-bytes (2 GiB by default). */
  readonly backendQuotaBytes?: number
}

/** The store on the embedded cluster in `folder`, served by one member. */
export function openEmbeddedStore(folder: string, options: EmbeddedStoreOptions = {}): Store {
  return new EtcdStore(openEmbeddedClient(folder, options))
}

/** The store on a real etcd reached over the network (kube-apiserver's --etcd-servers list). */
export function openRealEtcdStore(endpoints: string | readonly string[]): Store {
  return new EtcdStore(new RealEtcdClient(endpoints))
}
