// kube-apiserver's lease endpoint reconciler (--endpoint-reconciler-type=lease, the default):
// every API server holds a master lease on its advertise address, renewed at each run of the
// kubernetes service controller, with a TTL of 15 s; the `kubernetes` Endpoints and EndpointSlice
// list the addresses whose lease holds, sorted. A stopped master's address stays until its lease
// expires, and a started one's comes at the controller's next run.
import {apiServerUser} from './authentication/user.js'
import type {ApiServer} from './apiserver.js'
import {apiServerAddress} from './bootstrap-object.js'
import {defaultNodes, kubernetesServiceObjects} from './bootstrap.js'

/** kube-apiserver's --master-endpoint-reconciler-ttl (MasterEndpointReconcileTTL). */
export const masterLeaseTtlMilliseconds = 15_000
/** Master leases one controller keeps (one per API server address). */
export const masterLeasesMax = 64

/** The master leases: when each API server's address was last seen running. */
export class MasterLeases {
  private readonly renewedAt = new Map<string, number>()

  /** `runningMasterNodes`: the nodes of the masters running now (each API server advertises its node's address). */
  constructor(private readonly runningMasterNodes: () => readonly string[]) {}

  /**
   * Leases a previous process held: the addresses the stored endpoints list were renewed no
   * later than `at` (when that process last ran), as their leases in etcd would tell.
   */
  assume(addresses: readonly string[], at: number): void {
    for (const address of addresses) if (!this.renewedAt.has(address)) this.renew(address, at)
  }

  /** Renews the running API servers' leases at `now`; the addresses whose lease holds, sorted as the reconciler sorts them. */
  current(now: number): string[] {
    const nodes = defaultNodes()
    for (const name of this.runningMasterNodes()) {
      const address = nodes.find((node) => node.name === name)?.address
      if (address) this.renew(address, now)
    }
    for (const [address, at] of this.renewedAt) if (now - at >= masterLeaseTtlMilliseconds) this.renewedAt.delete(address)
    return [...this.renewedAt.keys()].sort(compareAddresses)
  }

  private renew(address: string, at: number): void {
    if (!this.renewedAt.has(address) && this.renewedAt.size >= masterLeasesMax) return
    this.renewedAt.set(address, Math.max(at, this.renewedAt.get(address) ?? Number.NEGATIVE_INFINITY))
  }
}

function compareAddresses(a: string, b: string): number {
  const parts = (address: string) => address.split('.').map(Number)
  const [left, right] = [parts(a), parts(b)]
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0)
    if (difference !== 0) return difference
  }
  return a.localeCompare(b)
}

type Stored = {metadata: {resourceVersion?: string; [field: string]: unknown}; subsets?: Array<{addresses?: Array<{ip?: string}>}>; endpoints?: Array<{addresses?: string[]}>}

const paths = {
  endpoints: '/api/v1/namespaces/default/endpoints/kubernetes',
  endpointslices: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes',
} as const

async function read(api: ApiServer, path: string): Promise<Stored | null> {
  const response = await api.handle({method: 'GET', path, headers: {}, user: apiServerUser})
  return response.status === 200 ? (response.body as Stored) : null
}

function listed(stored: Stored): string[] {
  if (stored.subsets) return stored.subsets.flatMap((subset) => (subset.addresses ?? []).map((address) => String(address.ip)))
  return (stored.endpoints ?? []).flatMap((endpoint) => endpoint.addresses ?? [])
}

/** The addresses the stored `kubernetes` Endpoints list (the bootstrap address when there are none yet). */
export async function storedMasterAddresses(api: ApiServer): Promise<string[]> {
  const stored = await read(api, paths.endpoints)
  return stored ? listed(stored) : [apiServerAddress]
}

/**
 * Writes the `kubernetes` Endpoints and EndpointSlice anew where they do not list `addresses`
 * (one missing is the bootstrap's to create). Returns what it rewrote; a refusal (a conflict
 * with another writer) waits for the next run, as the reconciler's does.
 */
export async function reconcileMasterEndpoints(api: ApiServer, addresses: readonly string[]): Promise<string[]> {
  if (addresses.length === 0) return []
  const wanted = kubernetesServiceObjects(addresses)
  const rewritten: string[] = []
  for (const resource of ['endpointslices', 'endpoints'] as const) {
    const stored = await read(api, paths[resource])
    if (!stored || listed(stored).join(',') === addresses.join(',')) continue
    const body = wanted.find((object) => object.resource === resource)!.body
    const metadata = {...stored.metadata, ...(body.metadata ?? {})}
    const response = await api.handle({method: 'PUT', path: paths[resource], body: JSON.stringify({...body, metadata}), headers: {'content-type': 'application/json'}, user: apiServerUser})
    if (response.status < 300) rewritten.push(`${resource === 'endpoints' ? 'endpoints' : 'endpointslice'} default/kubernetes`)
  }
  return rewritten
}
