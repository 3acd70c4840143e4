// What `kubemu up` mounts on its loopback port for the web page and `status`: snapshots computed
// in the process that runs the cluster, so they see inside the members and the work queues.
import {apiServerUser} from '../apiserver/authentication/user.js'
import {ApiClient} from '../client/client.js'
import type {KubernetesHandler} from '../host/host.js'
import type {LiveSources, MountedWebPage} from '../host/web-page.js'
import {collectStatus, runningMembers} from '../status/collect.js'
import type {ClusterStatus, QueueStatus} from '../status/model.js'
import {StatusFeed} from './feed.js'
import {uiPath} from './paths.js'
import {withWebPage} from './server.js'

export function liveSnapshot(sources: LiveSources): () => Promise<ClusterStatus> {
  const client = new ApiClient(sources.api, apiServerUser, 'kubemu')
  return () =>
    collectStatus({
      folder: sources.folder,
      client,
      time: {now: sources.clock.nowMilliseconds(), offsetMilliseconds: sources.clock.offsetMilliseconds, ...(sources.clock.seeded ? {seeded: true} : {})},
      live: true,
      ...runningMembers(sources.cluster, sources.folder, sources.memberUrls()),
      queues: {running: true, loops: sources.queueDepths()},
      partial: true,
    })
}

/** The web page and the status snapshots on up's loopback port (a WebPageMounter for `runUp`). */
export function mountWebPage(api: KubernetesHandler, sources: LiveSources): MountedWebPage {
  const snapshot = liveSnapshot(sources)
  const feed = new StatusFeed(snapshot, sources.clock)
  return {
    handler: withWebPage(api, {adminToken: sources.adminToken, feed, snapshot}),
    link: (baseUrl) => `${baseUrl}${uiPath}?token=${encodeURIComponent(sources.adminToken())}`,
    close: () => feed.close(),
  }
}
