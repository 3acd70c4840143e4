// A new connection through one node's IPVS table, as the kernel's ip_vs module takes it: the
// virtual server for the protocol, address and port (none: the packet goes on as addressed), a
// persistence template for ClientIP affinity (the real server this client last reached, kept for
// the timeout after each connection), else the scheduler's choice: round robin keeps one position
// per virtual server (rr, and the weighted or connection-counting schedulers, whose weights are all
// 1 and whose connections here end at once), source hashing maps the client address to one real
// server. A virtual server without real servers answers ICMP port unreachable (refused).
import type {IpvsNodeState, RealServer, VirtualServer} from './ipvs.js'
import type {ProxyMemory} from './memory.js'

export interface IpvsRoute {
  readonly verdict: 'real server' | 'no real servers' | 'no virtual server'
  readonly server?: VirtualServer
  readonly real?: RealServer
  /** One line per decision a learner reads (the virtual server, then why this real server). */
  readonly steps: readonly string[]
}

function serverText(server: VirtualServer): string {
  return `${server.protocol} ${server.address}:${server.port} ${server.scheduler}${server.persistentSeconds !== undefined ? ` persistent ${server.persistentSeconds}` : ''}`
}

function sourceHash(clientIp: string, count: number): number {
  let hash = 0
  for (const part of clientIp.split('.')) hash = (hash * 256 + Number(part)) >>> 0
  // ip_vs_sh: the address times the golden ratio prime, folded into the table.
  return (Math.imul(hash, 2654435761) >>> 0) % count
}

/** Picks the real server of the node's virtual server for `destination`, remembering what IPVS remembers. */
export function routeIpvs(state: IpvsNodeState, node: string, connection: {sourceIp: string; destinationIp: string; destinationPort: number; protocol: string}, memory: ProxyMemory, nowMilliseconds: number): IpvsRoute {
  const server = state.virtualServers.find((candidate) => candidate.protocol === connection.protocol.toUpperCase() && candidate.address === connection.destinationIp && candidate.port === connection.destinationPort)
  if (!server) return {verdict: 'no virtual server', steps: []}
  const steps = [`ipvs: ${serverText(server)} is the virtual server of ${server.servicePort} (${server.reachedAs}), ${server.realServers.length} real server${server.realServers.length === 1 ? '' : 's'}`]
  const reals = server.realServers
  if (reals.length === 0) return {verdict: 'no real servers', server, steps: [...steps, 'ipvs: no real servers, the kernel answers ICMP port unreachable']}
  const key = `ipvs ${serverText(server)}`
  const recent = memory.recentFor(node)
  if (server.persistentSeconds !== undefined) {
    for (const real of reals) {
      const seen = recent.check(`${key} -> ${real.endpoint.endpoint}`, connection.sourceIp, server.persistentSeconds, nowMilliseconds)
      if (seen === null) continue
      recent.set(`${key} -> ${real.endpoint.endpoint}`, connection.sourceIp, nowMilliseconds)
      return {verdict: 'real server', server, real, steps: [...steps, `persistence: client ${connection.sourceIp} reached ${real.endpoint.endpoint} ${Math.floor((nowMilliseconds - seen) / 1000)}s ago (template kept ${server.persistentSeconds}s)`]}
    }
  }
  let index: number
  let why: string
  if (server.scheduler === 'sh' || server.scheduler === 'dh') {
    index = sourceHash(server.scheduler === 'sh' ? connection.sourceIp : connection.destinationIp, reals.length)
    why = `${server.scheduler === 'sh' ? 'source' : 'destination'} hashing of ${server.scheduler === 'sh' ? connection.sourceIp : connection.destinationIp}: real server ${index + 1} of ${reals.length}`
  } else {
    index = memory.next(node, key, reals.length)
    why = `${server.scheduler === 'rr' ? 'round robin' : `${server.scheduler} (every weight 1, no open connections: round robin)`}: real server ${index + 1} of ${reals.length}`
  }
  const real = reals[index]!
  if (server.persistentSeconds !== undefined) recent.set(`${key} -> ${real.endpoint.endpoint}`, connection.sourceIp, nowMilliseconds)
  return {verdict: 'real server', server, real, steps: [...steps, why]}
}
