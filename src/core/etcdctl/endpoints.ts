import {defaultLayout} from '../etcd/layout.js'

/**
 * The client URLs a running `kubemu up` serves, by member (its --etcd-ports may differ from the
 * layout's): set by each etcdctl invocation from the up marker, so every verb maps the ports the
 * user sees to the members behind them.
 */
let served: Readonly<Record<string, string>> = {}

export function useServedEndpoints(urls: Readonly<Record<string, string>> | undefined): void {
  served = urls ?? {}
}

const portOf = (url: string) => url.trim().replace(/^\w+:\/\//, '').replace(/\/.*$/, '').split(':').pop()

/** Which member an endpoint names: by the port `up` serves it on, else its client URL's port (2379, 22379, 32379). */
export function memberForEndpoint(endpoint: string): string | null {
  const port = portOf(endpoint)
  const byServed = Object.entries(served).find(([, url]) => portOf(url) === port)?.[0]
  if (byServed) return byServed
  return defaultLayout().members.find((member) => member.clientUrl.endsWith(`:${port}`))?.name ?? null
}
