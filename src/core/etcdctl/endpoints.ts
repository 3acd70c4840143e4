import {defaultLayout} from '../etcd/layout.js'

/** Which member an endpoint names: its client URL's port (2379, 22379, 32379). */
export function memberForEndpoint(endpoint: string): string | null {
  const layout = defaultLayout()
  const port = endpoint.trim().replace(/^\w+:\/\//, '').split(':').pop()
  return layout.members.find((member) => member.clientUrl.endsWith(`:${port}`))?.name ?? null
}
