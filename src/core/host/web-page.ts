// The socket `up` offers its web page: what the page may read of the running cluster, and what it
// gives back to be served. The page itself (src/core/ui/) sits above the host and is handed to
// `runUp` by the command, so the host knows nothing of it.
import type {EmbeddedCluster} from '../etcd/cluster.js'
import type {Clock} from '../util/clock.js'
import type {KubernetesHandler} from './cluster-host.js'

export interface LiveSources {
  readonly folder: string
  readonly cluster: EmbeddedCluster
  /** The API as the front port serves it (the balancer over the running masters). */
  readonly api: KubernetesHandler
  readonly clock: Clock & {readonly offsetMilliseconds: number; readonly seeded?: boolean}
  /** Each member's served etcd URL, by name (null without a front door). */
  readonly memberUrls: () => ReadonlyMap<string, string> | null
  /** Each control-plane loop's work-queue depths. */
  readonly queueDepths: () => Array<{readonly name: string; readonly queued: number; readonly waiting: number}>
  readonly adminToken: () => string
}

export interface MountedWebPage {
  readonly handler: KubernetesHandler
  /** The page's address with the token, as `up` prints it. */
  link(baseUrl: string): string
  close(): void
}

/** Wraps up's loopback handler (the API with its control endpoints) with the web page. */
export type WebPageMounter = (api: KubernetesHandler, sources: LiveSources) => MountedWebPage
