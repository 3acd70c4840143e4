// Opens the Kubernetes side of a cluster for one command: the store (the embedded cluster, or a
// real etcd named by --etcd-servers / KUBEMU_ETCD_SERVERS), the cluster's credentials and admin
// kubeconfig, the API server, and the bootstrap the first time a Kubernetes-side command runs.
import {mkdirSync} from 'node:fs'
import {clusterFolder} from '../home.js'
import {openRealEtcdStore} from '../store/backends.js'
import {LazyEmbeddedStore} from '../store/lazy-embedded-store.js'
import type {Store} from '../store/store.js'
import {type Clock, systemClock} from '../util/clock.js'
import {ApiServer} from './apiserver.js'
import {auditLogFile} from './audit.js'
import {FileCredentials} from './authentication/credentials.js'
import {ensureBootstrapped} from './bootstrap.js'
import {ensureAdminKubeconfig} from './kubeconfig.js'

export interface KubernetesOptions {
  readonly environment: NodeJS.ProcessEnv
  readonly clusterName?: string
  /** kube-apiserver's --etcd-servers: comma-separated client URLs of a real etcd. */
  readonly etcdServers?: string
  readonly clock?: Clock
}

export interface KubernetesConnection {
  readonly api: ApiServer
  readonly store: Store
  readonly folder: string
  readonly kubeconfig: string
  /** Whether this command bootstrapped the cluster (its control plane has not run yet). */
  readonly bootstrapped: boolean
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
  // Reads need no writer lock: the embedded cluster opens on the first write.
  const store = servers.length > 0 ? openRealEtcdStore(servers) : new LazyEmbeddedStore(folder, {clock})
  try {
    const credentials = new FileCredentials(folder)
    const auditPath = options.environment.KUBEMU_AUDIT_LOG
    const api = new ApiServer({store, clock, credentials, audit: auditPath ? auditLogFile(auditPath) : undefined})
    const bootstrapped = await ensureBootstrapped(api, clock.nowMilliseconds())
    const kubeconfig = ensureAdminKubeconfig(folder, clock.nowMilliseconds())
    return {api, store, folder, kubeconfig, bootstrapped, close: () => store.close()}
  } catch (error) {
    await store.close()
    throw error
  }
}
