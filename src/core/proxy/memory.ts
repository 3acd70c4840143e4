// What each node's kube-proxy remembers between connections: its `-m recent` lists (ClientIP
// session affinity, iptables mode) and its proxies' round-robin positions and client affinity
// (userspace mode). Lives as long as the process that routes connections (one command, or `up`).
import {RecentLists} from './route.js'
import type {RoundRobinState} from './node-rules.js'

/** Nodes whose memory is kept at once. */
export const rememberedNodesMax = 10_000
/** Round-robin positions kept per node. */
export const roundRobinEntriesMax = 100_000

export class ProxyMemory implements RoundRobinState {
  private readonly recent = new Map<string, RecentLists>()
  private readonly positions = new Map<string, Map<string, number>>()

  recentFor(node: string): RecentLists {
    let lists = this.recent.get(node)
    if (!lists) {
      if (this.recent.size >= rememberedNodesMax) this.recent.delete(this.recent.keys().next().value!)
      this.recent.set(node, (lists = new RecentLists()))
    }
    return lists
  }

  private positionsOf(node: string): Map<string, number> {
    let positions = this.positions.get(node)
    if (!positions) {
      if (this.positions.size >= rememberedNodesMax) this.positions.delete(this.positions.keys().next().value!)
      this.positions.set(node, (positions = new Map()))
    }
    return positions
  }

  peek(node: string, servicePort: string, endpointCount: number): number {
    return (this.positionsOf(node).get(servicePort) ?? 0) % endpointCount
  }

  next(node: string, servicePort: string, endpointCount: number): number {
    const positions = this.positionsOf(node)
    const index = this.peek(node, servicePort, endpointCount)
    if (!positions.has(servicePort) && positions.size >= roundRobinEntriesMax) positions.delete(positions.keys().next().value!)
    positions.set(servicePort, (index + 1) % endpointCount)
    return index
  }
}
