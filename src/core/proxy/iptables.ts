// The rules a kube-proxy writes, as data (so a connection can be walked through them) and as
// `iptables-save` prints them back from the kernel: addresses with their /32, `-p` before the
// matches, comments quoted when they hold more than [A-Za-z0-9_-], the statistic probability as
// the kernel stores it (a 31-bit fraction, printed with 11 digits), marks as --set-xmark.

export type IptablesTable = 'nat' | 'filter'

export type RuleMatch =
  | {readonly module: 'comment'; readonly comment: string}
  /** -m tcp|udp|sctp [--dport N] */
  | {readonly module: 'port'; readonly protocol: string; readonly destinationPort?: number}
  | {readonly module: 'addrtype'; readonly type: 'dst' | 'src'; readonly negated?: boolean}
  /** -m statistic --mode random --probability P (P as kube-proxy writes it, 10 digits). */
  | {readonly module: 'statistic'; readonly probability: string}
  /** -m recent: check (with --seconds and --reap) or set, under the endpoint chain's name. */
  | {readonly module: 'recent'; readonly action: 'rcheck' | 'set'; readonly name: string; readonly seconds?: number}
  /** A match on conntrack state or marks, printed as is; `newConnection` says whether a new connection meets it. */
  | {readonly module: 'fixed'; readonly text: string; readonly newConnection: boolean}

export interface IptablesRule {
  readonly chain: string
  readonly source?: string
  readonly sourceNegated?: boolean
  readonly destination?: string
  readonly protocol?: string
  readonly matches: readonly RuleMatch[]
  /** The jump (a chain or DNAT, REJECT, …); none for a rule that only counts packets. */
  readonly target?: string
  /** The target's options as iptables-save prints them (`--to-destination 10.244.1.2:80`). */
  readonly targetOptions?: string
}

export interface IptablesTableRules {
  readonly table: IptablesTable
  /** User chains (the built-in ones of the table are implied). */
  readonly chains: readonly string[]
  readonly rules: readonly IptablesRule[]
}

export const builtinChains: Record<IptablesTable, readonly string[]> = {
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
}

/** The probability kube-proxy writes for the i-th of n endpoints: 1/(n-i) with 10 digits. */
export function probabilityFor(index: number, count: number): string {
  return (1 / (count - index)).toFixed(10)
}

/** What the kernel keeps of a probability (xt_statistic: a fraction of 2^31) and iptables-save prints of it. */
export function savedProbability(probability: string): string {
  const scale = 0x80000000
  return (Math.round(scale * Number(probability)) / scale).toFixed(11)
}

const unquotedComment = /^[A-Za-z0-9_-]+$/

function quoted(text: string): string {
  return unquotedComment.test(text) ? text : `"${text.replace(/(["\\'])/g, '\\$1')}"`
}

function withPrefix(address: string): string {
  return address.includes('/') ? address : `${address}/32`
}

function matchText(match: RuleMatch): string {
  switch (match.module) {
    case 'comment':
      return `-m comment --comment ${quoted(match.comment)}`
    case 'port':
      return `-m ${match.protocol}${match.destinationPort !== undefined ? ` --dport ${match.destinationPort}` : ''}`
    case 'addrtype':
      return `-m addrtype ${match.negated ? '! ' : ''}--${match.type}-type LOCAL`
    case 'statistic':
      return `-m statistic --mode random --probability ${savedProbability(match.probability)}`
    case 'recent':
      return match.action === 'rcheck'
        ? `-m recent --rcheck --seconds ${match.seconds} --reap --name ${match.name} --mask 255.255.255.255 --rsource`
        : `-m recent --set --name ${match.name} --mask 255.255.255.255 --rsource`
    case 'fixed':
      return match.text
  }
}

/** One `-A` line as iptables-save prints it. */
export function ruleText(rule: IptablesRule): string {
  const parts = [`-A ${rule.chain}`]
  if (rule.source) parts.push(`${rule.sourceNegated ? '! ' : ''}-s ${withPrefix(rule.source)}`)
  if (rule.destination) parts.push(`-d ${withPrefix(rule.destination)}`)
  if (rule.protocol) parts.push(`-p ${rule.protocol}`)
  for (const match of rule.matches) parts.push(matchText(match))
  if (rule.target) parts.push(`-j ${rule.target}${rule.targetOptions ? ` ${rule.targetOptions}` : ''}`)
  return parts.join(' ')
}

/**
 * A table in iptables-save form: `*table`, the built-in chains with their policy, the user
 * chains in the order the kernel lists them (by name), every chain's rules in that chain order,
 * `COMMIT`.
 */
export function saveTable(table: IptablesTableRules): string {
  const builtins = builtinChains[table.table]
  const userChains = [...new Set(table.chains)].filter((chain) => !builtins.includes(chain)).sort()
  const lines = [`*${table.table}`, ...builtins.map((chain) => `:${chain} ACCEPT [0:0]`), ...userChains.map((chain) => `:${chain} - [0:0]`)]
  const byChain = new Map<string, IptablesRule[]>()
  for (const rule of table.rules) {
    const list = byChain.get(rule.chain)
    if (list) list.push(rule)
    else byChain.set(rule.chain, [rule])
  }
  for (const chain of [...builtins, ...userChains]) for (const rule of byChain.get(chain) ?? []) lines.push(ruleText(rule))
  lines.push('COMMIT')
  return `${lines.join('\n')}\n`
}
