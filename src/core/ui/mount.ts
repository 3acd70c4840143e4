// What `kubemu up` mounts on its loopback port for the web page and `status`: snapshots computed
// in the process that runs the cluster, so they see inside the members and the work queues.
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient} from '../client/client.js'
import type {EmbeddedCluster} from '../etcd/cluster.js'
import type {KubernetesHandler} from '../host/host.js'
import {collectStatus, runningMembers} from '../status/collect.js'
import type {ClusterStatus, QueueStatus} from '../status/model.js'
import type {Clock} from '../util/clock.js'
import {StatusFeed} from './feed.js'
import {uiPath} from './paths.js'
import {withWebPage} from './server.js'

export interface LiveSources {
  readonly folder: string
  readonly cluster: EmbeddedCluster
  /** The API as the front port serves it (the balancer over the running masters). */
  readonly api: KubernetesHandler
  readonly clock: Clock & {readonly offsetMilliseconds: number}
  /** Each member's served etcd URL, by name (null without a front door). */
  readonly memberUrls: () => ReadonlyMap<string, string> | null
  readonly queueDepths: () => QueueStatus[]
  readonly adminToken: () => string
}

export interface MountedWebPage {
  readonly handler: KubernetesHandler
  /** The page's address with the token, as `up` prints it. */
  link(baseUrl: string): string
  close(): void
}

export function liveSnapshot(sources: LiveSources): () => Promise<ClusterStatus> {
  const client = new ApiClient(sources.api, apiServerUser, 'kubemu')
  return () =>
    collectStatus({
      folder: sources.folder,
      client,
      time: {now: sources.clock.nowMilliseconds(), offsetMilliseconds: sources.clock.offsetMilliseconds},
      live: true,
      ...runningMembers(sources.cluster, sources.folder, sources.memberUrls()),
      queues: {running: true, loops: sources.queueDepths()},
    })
}

export function mountWebPage(api: KubernetesHandler, sources: LiveSources): MountedWebPage {
  const snapshot = liveSnapshot(sources)
  const feed = new StatusFeed(snapshot, sources.clock)
  return {
    handler: withWebPage(api, {adminToken: sources.adminToken, feed, snapshot}),
    link: (baseUrl) => `${baseUrl}${uiPath}?token=${encodeURIComponent(sources.adminToken())}`,
    close: () => feed.close(),
  }
}
