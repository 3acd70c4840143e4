// A new connection walked through one node's rules, as the kernel would: the nat table from
// PREROUTING (a packet arriving from a pod or from outside) or OUTPUT (the node's own), jumps
// and returns, `-m statistic` draws from a seeded random source against the probability the
// kernel keeps, `-m recent` checks and sets on the node's own affinity memory (timeouts on the
// cluster clock), DNAT ends the walk; then the filter table (REJECT/DROP of Service ports without
// endpoints) with the destination DNAT left.
import {type IptablesRule, type IptablesTableRules, type RuleMatch, ruleText, savedProbability} from './iptables.js'
import type {NodeRules} from './proxier.js'

/** Jumps followed in one walk: more is a loop in the rules (a broken invariant). */
export const ruleJumpsMax = 1_000
/** Client addresses each node's `recent` lists keep, across all lists (the xt_recent module's ip_list_tot is per list; one bound for all here). */
export const recentEntriesMax = 100_000

export interface Connection {
  readonly sourceIp: string
  /** The node itself opened it (`--src-type LOCAL`, the OUTPUT chain). */
  readonly fromNode: boolean
  readonly destinationIp: string
  readonly destinationPort: number
  /** Lower case. */
  readonly protocol: string
}

/** One node's `-m recent` lists: per list name and client address, when it was last set. */
export class RecentLists {
  private readonly lastSeen = new Map<string, number>()

  /** `changed` hears of every set (the memory that keeps the lists across commands saves them). */
  constructor(private readonly changed: () => void = () => {}) {}

  /** Every `list client` entry with when it was last set, oldest first. */
  entries(): Array<[string, number]> {
    return [...this.lastSeen]
  }

  /** Takes back entries saved by `entries()` (oldest first), within the bound. */
  restore(entries: ReadonlyArray<readonly [string, number]>): void {
    for (const [key, at] of entries.slice(-recentEntriesMax)) if (typeof key === 'string' && typeof at === 'number') this.lastSeen.set(key, at)
  }

  check(name: string, clientIp: string, seconds: number, nowMilliseconds: number): number | null {
    const key = `${name} ${clientIp}`
    const seen = this.lastSeen.get(key)
    if (seen === undefined) return null
    // --reap: an entry older than --seconds is forgotten.
    if (nowMilliseconds - seen > seconds * 1000) {
      this.lastSeen.delete(key)
      return null
    }
    return seen
  }

  set(name: string, clientIp: string, nowMilliseconds: number): void {
    const key = `${name} ${clientIp}`
    this.lastSeen.delete(key)
    if (this.lastSeen.size >= recentEntriesMax) this.lastSeen.delete(this.lastSeen.keys().next().value!)
    this.lastSeen.set(key, nowMilliseconds)
    this.changed()
  }
}

export interface RouteStep {
  readonly table: 'nat' | 'filter'
  /** The rule that matched, as iptables-save prints it. */
  readonly rule: string
  /** Why it matched, when a draw or a memory decided it. */
  readonly why?: string
}

export interface RouteResult {
  /** DNAT to an endpoint; REJECT (refused); DROP (timeout); or no rule took the connection (it goes on to its destination as addressed). */
  readonly verdict: 'dnat' | 'reject' | 'drop' | 'none'
  readonly steps: readonly RouteStep[]
  /** Every draw and affinity check on the way, also those that did not match (why this endpoint and not another). */
  readonly decisions: readonly string[]
  readonly endpoint?: {readonly ip: string; readonly port: number; readonly chain: string}
  /** A MARK for masquerade held on the way (KUBE-MARK-MASQ): KUBE-POSTROUTING SNATs the connection to the node's address as it leaves. */
  readonly masquerade?: boolean
}

export interface RouteContext {
  readonly nodeAddresses: readonly string[]
  readonly random: () => number
  readonly recent: RecentLists
  readonly nowMilliseconds: number
}

function ipNumber(ip: string): number | null {
  const parts = ip.split('.')
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return null
  return parts.reduce((value, part) => value * 256 + Number(part), 0)
}

export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split('/')
  const bits = bitsText === undefined ? 32 : Number(bitsText)
  const network = ipNumber(base ?? '')
  const address = ipNumber(ip)
  if (network === null || address === null) return false
  const size = 2 ** (32 - bits)
  return Math.floor(network / size) === Math.floor(address / size)
}

type Verdict = {kind: 'continue'} | {kind: 'return'} | {kind: 'final'; verdict: RouteResult['verdict']; endpoint?: RouteResult['endpoint']}

class Walk {
  readonly steps: RouteStep[] = []
  readonly decisions: string[] = []
  /** Whether a MARK rule held (kube-proxy marks only for masquerade). */
  marked = false
  private jumps = 0
  private readonly byChain = new Map<string, IptablesRule[]>()

  constructor(
    private readonly table: IptablesTableRules,
    private connection: Connection,
    private readonly context: RouteContext,
  ) {
    for (const rule of table.rules) this.byChain.set(rule.chain, [...(this.byChain.get(rule.chain) ?? []), rule])
  }

  /** Whether a match holds; a draw or a memory that decided it says why. */
  private matches(match: RuleMatch): {holds: boolean; why?: string} {
    const connection = this.connection
    switch (match.module) {
      case 'comment':
        return {holds: true}
      case 'port':
        return {holds: match.protocol === connection.protocol && (match.destinationPort === undefined || match.destinationPort === connection.destinationPort)}
      case 'addrtype': {
        const local = match.type === 'dst' ? this.context.nodeAddresses.includes(connection.destinationIp) || cidrContains('127.0.0.0/8', connection.destinationIp) : connection.fromNode
        return {holds: local !== (match.negated ?? false)}
      }
      case 'statistic': {
        const draw = this.context.random()
        const kept = savedProbability(match.probability)
        const holds = draw < Number(kept)
        const why = `random draw ${draw.toFixed(4)} ${holds ? '<' : '>='} probability ${kept}`
        this.decisions.push(why)
        return {holds, why}
      }
      case 'recent': {
        if (match.action === 'set') {
          this.context.recent.set(match.name, connection.sourceIp, this.context.nowMilliseconds)
          return {holds: true}
        }
        const seen = this.context.recent.check(match.name, connection.sourceIp, match.seconds ?? 0, this.context.nowMilliseconds)
        if (seen === null) return {holds: false}
        const ageSeconds = Math.floor((this.context.nowMilliseconds - seen) / 1000)
        const why = `session affinity: client ${connection.sourceIp} was sent to ${match.name} ${ageSeconds}s ago (kept for ${match.seconds}s)`
        this.decisions.push(why)
        return {holds: true, why}
      }
      case 'fixed':
        return {holds: match.newConnection}
    }
  }

  private ruleHolds(rule: IptablesRule): {holds: boolean; why?: string} {
    const connection = this.connection
    if (rule.source && cidrContains(rule.source, connection.sourceIp) === (rule.sourceNegated ?? false)) return {holds: false}
    if (rule.destination && !cidrContains(rule.destination, connection.destinationIp)) return {holds: false}
    if (rule.protocol && rule.protocol !== connection.protocol) return {holds: false}
    const reasons: string[] = []
    for (const match of rule.matches) {
      const result = this.matches(match)
      if (!result.holds) return {holds: false}
      if (result.why) reasons.push(result.why)
    }
    return reasons.length > 0 ? {holds: true, why: reasons.join('; ')} : {holds: true}
  }

  chain(name: string): Verdict {
    for (const rule of this.byChain.get(name) ?? []) {
      const {holds, why} = this.ruleHolds(rule)
      if (!holds || !rule.target) continue
      const target = rule.target
      if (target === 'MARK') this.marked = true
      if (target === 'MARK' || target === 'MASQUERADE') continue
      this.steps.push({table: this.table.table, rule: ruleText(rule), ...(why ? {why} : {})})
      if (target === 'RETURN') return {kind: 'return'}
      if (target === 'ACCEPT') return {kind: 'final', verdict: 'none'}
      if (target === 'REJECT') return {kind: 'final', verdict: 'reject'}
      if (target === 'DROP') return {kind: 'final', verdict: 'drop'}
      if (target === 'DNAT') {
        const [ip, port] = String(rule.targetOptions).replace('--to-destination ', '').split(':')
        return {kind: 'final', verdict: 'dnat', endpoint: {ip: ip!, port: Number(port), chain: rule.chain}}
      }
      if (++this.jumps > ruleJumpsMax) throw new Error(`invariant: more than ${ruleJumpsMax} jumps through ${this.table.table} rules`)
      const verdict = this.chain(target)
      if (verdict.kind === 'final') return verdict
    }
    return {kind: 'continue'}
  }
}

/** Walks a new connection through a node's nat, then filter, rules. */
export function routeConnection(rules: NodeRules, connection: Connection, context: RouteContext): RouteResult {
  const nat = new Walk(rules.nat, connection, context)
  const natVerdict = nat.chain(connection.fromNode ? 'OUTPUT' : 'PREROUTING')
  const steps = [...nat.steps]
  let endpoint: RouteResult['endpoint']
  let after = connection
  if (natVerdict.kind === 'final' && natVerdict.endpoint) {
    endpoint = natVerdict.endpoint
    after = {...connection, destinationIp: endpoint.ip, destinationPort: endpoint.port}
  }
  const filter = new Walk(rules.filter, after, context)
  const localDestination = context.nodeAddresses.includes(after.destinationIp)
  const filterVerdict = filter.chain(connection.fromNode ? 'OUTPUT' : localDestination ? 'INPUT' : 'FORWARD')
  if (filterVerdict.kind === 'final' && (filterVerdict.verdict === 'reject' || filterVerdict.verdict === 'drop')) return {verdict: filterVerdict.verdict, steps: [...steps, ...filter.steps], decisions: nat.decisions}
  return endpoint ? {verdict: 'dnat', steps, decisions: nat.decisions, endpoint, ...(nat.marked ? {masquerade: true} : {})} : {verdict: 'none', steps, decisions: nat.decisions}
}
