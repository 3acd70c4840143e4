// What the API server's bootstrap and the addons it installs (kube-proxy, CoreDNS, local-path
// storage) share: the shape of an object written at start, and the cluster's fixed addresses and
// version. Its own file so the addons need not import the bootstrap that imports them.

export const apiServerAddress = '172.18.0.2'
export const apiServerSecurePort = 6443
export const kubernetesVersion = 'v1.32.0'

/** One object the API server writes itself: created through the API (as kube-apiserver's loopback client) when its key is missing. */
export interface BootstrapObject {
  readonly group: string
  readonly resource: string
  readonly namespace: string
  readonly body: {readonly kind?: unknown; readonly metadata?: {readonly name?: string; readonly [field: string]: unknown}; readonly [field: string]: unknown}
}
