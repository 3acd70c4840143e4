// Kubernetes' IP and CIDR libraries for CEL ("kubernetes.net.ip", "kubernetes.net.cidr"): ip(),
// cidr() and their predicates, with Go's netip parsing rules (no leading zeros in IPv4 fields, no
// zones, no IPv4-mapped IPv6 addresses) and its error texts. Addresses are byte arrays here.
import type {CelKit} from './kit.js'

type Address = readonly number[]

interface Prefix {
  readonly address: Address
  readonly bits: number
}

function parseIpv4(text: string): Address | string {
  const fields = text.split('.')
  if (fields.length !== 4) return 'unable to parse IP'
  const bytes: number[] = []
  for (const field of fields) {
    if (!/^[0-9]{1,3}$/.test(field)) return field.length === 0 ? 'IPv4 field must have at least one digit' : 'unexpected character'
    if (field.length > 1 && field.startsWith('0')) return 'IPv4 field has octet with leading zero'
    const value = Number(field)
    if (value > 255) return 'IPv4 field has value >255'
    bytes.push(value)
  }
  return bytes
}

function parseIpv6(text: string): Address | string {
  let body = text
  const lastColon = body.lastIndexOf(':')
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two more 16-bit groups.
  if (body.slice(lastColon + 1).includes('.')) {
    const ipv4 = parseIpv4(body.slice(lastColon + 1))
    if (typeof ipv4 === 'string') return ipv4
    body = `${body.slice(0, lastColon + 1)}${((ipv4[0]! << 8) | ipv4[1]!).toString(16)}:${((ipv4[2]! << 8) | ipv4[3]!).toString(16)}`
  }
  const halves = body.split('::')
  if (halves.length > 2) return 'multiple :: in address'
  const groups = (half: string) => (half.length === 0 ? [] : half.split(':'))
  const head = groups(halves[0]!)
  const rest = halves.length === 2 ? groups(halves[1]!) : []
  const present = head.length + rest.length
  if (halves.length === 1 ? present !== 8 : present >= 8) return 'unable to parse IP'
  const words = [...head, ...Array<string>(8 - present).fill('0'), ...rest]
  const bytes: number[] = []
  for (const word of words) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(word)) return 'each colon-separated field must have at least one digit'
    const value = parseInt(word, 16)
    bytes.push(value >> 8, value & 0xff)
  }
  return bytes
}

/** Go's netip.ParseAddr, with kube's refusal of zones and IPv4-mapped IPv6 addresses. */
export function parseIp(text: string): Address | string {
  const parsed = text.includes(':') ? parseIpv6(text.split('%')[0]!) : parseIpv4(text)
  if (typeof parsed === 'string') return `IP Address ${JSON.stringify(text)} parse error during conversion from string: ParseAddr(${JSON.stringify(text)}): ${parsed}`
  if (text.includes('%')) return `IP address ${JSON.stringify(text)} with zone value is not allowed`
  if (parsed.length === 16 && parsed.slice(0, 10).every((byte) => byte === 0) && parsed[10] === 0xff && parsed[11] === 0xff) {
    return `IPv4-mapped IPv6 address ${JSON.stringify(text)} is not allowed`
  }
  return parsed
}

/** netip.Addr.String(): dotted IPv4; IPv6 in lower case with the longest run of 2+ zero groups as '::'. */
export function formatIp(address: Address): string {
  if (address.length === 4) return address.join('.')
  const words = Array.from({length: 8}, (_, index) => (address[index * 2]! << 8) | address[index * 2 + 1]!)
  let bestStart = -1
  let bestLength = 1
  for (let start = 0; start < 8; start++) {
    let length = 0
    while (start + length < 8 && words[start + length] === 0) length++
    if (length > bestLength) {
      bestStart = start
      bestLength = length
    }
  }
  const hex = (from: number, to: number) => words.slice(from, to).map((word) => word.toString(16)).join(':')
  return bestStart < 0 ? hex(0, 8) : `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`
}

export function parseCidr(text: string): Prefix | string {
  const fail = (reason: string) => `network address ${JSON.stringify(text)} parse error during conversion from string: netip.ParsePrefix(${JSON.stringify(text)}): ${reason}`
  const slash = text.lastIndexOf('/')
  if (slash < 0) return fail("no '/'")
  const addressText = text.slice(0, slash)
  if (addressText.includes('%')) return fail('IPv6 zones cannot be present in a prefix')
  const address = parseIp(addressText)
  if (typeof address === 'string') return fail(address.replace(/^IP Address .* parse error during conversion from string: /, ''))
  const bitsText = text.slice(slash + 1)
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) return fail(`bad bits after slash: ${JSON.stringify(bitsText)}`)
  const bits = Number(bitsText)
  if (bits > address.length * 8) return fail('prefix length out of range')
  return {address, bits}
}

function masked({address, bits}: Prefix): Address {
  return address.map((byte, index) => {
    const keep = Math.max(0, Math.min(8, bits - index * 8))
    return byte & ((0xff << (8 - keep)) & 0xff)
  })
}

function contains(prefix: Prefix, address: Address): boolean {
  if (address.length !== prefix.address.length) return false
  return formatIp(masked(prefix)) === formatIp(masked({address, bits: prefix.bits}))
}

const startsWith = (address: Address, prefix: string) => {
  const parsed = parseCidr(prefix) as Prefix
  return contains(parsed, address)
}

const ipPredicates: Record<string, (address: Address) => boolean> = {
  isUnspecified: (address) => address.every((byte) => byte === 0),
  isLoopback: (address) => (address.length === 4 ? address[0] === 127 : formatIp(address) === '::1'),
  isLinkLocalMulticast: (address) => startsWith(address, address.length === 4 ? '224.0.0.0/24' : 'ff02::/16'),
  isLinkLocalUnicast: (address) => startsWith(address, address.length === 4 ? '169.254.0.0/16' : 'fe80::/10'),
  isGlobalUnicast: (address) =>
    !ipPredicates.isUnspecified!(address) &&
    !ipPredicates.isLoopback!(address) &&
    !ipPredicates.isLinkLocalUnicast!(address) &&
    !startsWith(address, address.length === 4 ? '224.0.0.0/4' : 'ff00::/8') &&
    !(address.length === 4 && address.every((byte) => byte === 255)),
}

export function netFunctions({cel, opaque}: CelKit) {
  const {celFunc, celMethod, CelScalar} = cel
  const ip = opaque('net.IP')
  const cidr = opaque('net.CIDR')
  const addressOf = (value: unknown) => parseIp(ip.text(value as never)) as Address
  const prefixOf = (value: unknown) => parseCidr(cidr.text(value as never)) as Prefix
  const newIp = (text: string) => {
    const parsed = parseIp(text)
    if (typeof parsed === 'string') throw new Error(parsed)
    return parsed
  }
  const newPrefix = (text: string) => {
    const parsed = parseCidr(text)
    if (typeof parsed === 'string') throw new Error(parsed)
    return parsed
  }
  const prefixText = (prefix: Prefix) => `${formatIp(prefix.address)}/${prefix.bits}`
  const containsPrefix = (outer: Prefix, inner: Prefix) => outer.bits <= inner.bits && contains(outer, inner.address)
  return [
    celFunc('ip', [CelScalar.STRING], ip.type, (text) => ip.value(formatIp(newIp(text)))),
    celFunc('isIP', [CelScalar.STRING], CelScalar.BOOL, (text) => typeof parseIp(text) !== 'string'),
    celFunc('ip.isCanonical', [CelScalar.STRING], CelScalar.BOOL, (text) => formatIp(newIp(text)) === text),
    celFunc('string', [ip.type], CelScalar.STRING, (value) => ip.text(value)),
    celMethod('family', ip.type, [], CelScalar.INT, function () {
      return addressOf(this).length === 4 ? 4n : 6n
    }),
    ...Object.entries(ipPredicates).map(([name, predicate]) =>
      celMethod(name, ip.type, [], CelScalar.BOOL, function () {
        return predicate(addressOf(this))
      }),
    ),
    celFunc('cidr', [CelScalar.STRING], cidr.type, (text) => cidr.value(prefixText(newPrefix(text)))),
    celFunc('isCIDR', [CelScalar.STRING], CelScalar.BOOL, (text) => typeof parseCidr(text) !== 'string'),
    celFunc('string', [cidr.type], CelScalar.STRING, (value) => cidr.text(value)),
    celMethod('containsIP', cidr.type, [ip.type], CelScalar.BOOL, function (other) {
      return contains(prefixOf(this), addressOf(other))
    }),
    celMethod('containsIP', cidr.type, [CelScalar.STRING], CelScalar.BOOL, function (other) {
      return contains(prefixOf(this), newIp(other))
    }),
    celMethod('containsCIDR', cidr.type, [cidr.type], CelScalar.BOOL, function (other) {
      return containsPrefix(prefixOf(this), prefixOf(other))
    }),
    celMethod('containsCIDR', cidr.type, [CelScalar.STRING], CelScalar.BOOL, function (other) {
      return containsPrefix(prefixOf(this), newPrefix(other))
    }),
    celMethod('ip', cidr.type, [], ip.type, function () {
      return ip.value(formatIp(prefixOf(this).address))
    }),
    celMethod('masked', cidr.type, [], cidr.type, function () {
      const prefix = prefixOf(this)
      return cidr.value(prefixText({address: masked(prefix), bits: prefix.bits}))
    }),
    celMethod('prefixLength', cidr.type, [], CelScalar.INT, function () {
      return BigInt(prefixOf(this).bits)
    }),
  ]
}
