// The objects the pod network is made of, read through the API server at one moment (as
// CoreDNS's and kube-proxy's informers would hold them), for the pure parts to answer from.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, isNotFound, type ResourceRef} from '../client/client.js'
import {resources} from '../client/resources.js'
import type {Clock} from '../util/clock.js'
import type {ClusterNetworkView} from './types.js'

/** kubeadm's and kind's cluster domain. */
export const clusterDomainDefault = 'cluster.local'
const networkPolicies: ResourceRef = {group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', namespaced: true}

/** A list, or none when the server does not serve the resource (a cluster without NetworkPolicy). */
async function listOrNone(client: ApiClient, resource: ResourceRef): Promise<KubeObject[]> {
  try {
    return (await client.list(resource)).items
  } catch (error) {
    if (isNotFound(error)) return []
    throw error
  }
}

export async function readClusterNetworkView(client: ApiClient, clock: Clock, clusterDomain = clusterDomainDefault): Promise<ClusterNetworkView> {
  const [services, endpointSlices, pods, nodes, namespaces, policies] = await Promise.all([
    client.list(resources.services),
    client.list(resources.endpointSlices),
    client.list(resources.pods),
    client.list(resources.nodes),
    client.list(resources.namespaces),
    listOrNone(client, networkPolicies),
  ])
  return {
    services: services.items,
    endpointSlices: endpointSlices.items,
    pods: pods.items,
    nodes: nodes.items,
    namespaces: namespaces.items,
    networkPolicies: policies,
    clusterDomain,
    nowMilliseconds: clock.nowMilliseconds(),
  }
}
