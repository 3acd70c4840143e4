// kube-proxy's chain names: a prefix and the first 16 characters of the base32 (RFC 4648, with
// padding alphabet) encoding of sha256(servicePortName + lowercase protocol [+ "ip:port"]), so a
// Service's chains here carry the very names a real node's iptables-save shows for it.
import {createHash} from 'node:crypto'

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 base32 (the standard alphabet Go's base32.StdEncoding uses). */
export function base32(bytes: Uint8Array): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31]
  while (out.length % 8 !== 0) out += '='
  return out
}

function hash16(text: string): string {
  return base32(createHash('sha256').update(text).digest()).slice(0, 16)
}

/** `namespace/name:portName`, or `namespace/name` for an unnamed port: kube-proxy's ServicePortName. */
export function servicePortName(namespace: string, name: string, portName: string | undefined): string {
  return `${namespace}/${name}${portName ? `:${portName}` : ''}`
}

export type ServiceChainKind = 'KUBE-SVC' | 'KUBE-SVL' | 'KUBE-EXT' | 'KUBE-FW'

/** A Service port's chain of the given kind (KUBE-SVC-…, KUBE-SVL-…, KUBE-EXT-…, KUBE-FW-…). */
export function serviceChainName(kind: ServiceChainKind, portName: string, protocol: string): string {
  return `${kind}-${hash16(portName + protocol.toLowerCase())}`
}

/** An endpoint's chain: KUBE-SEP- and the hash of the service port name, protocol and `ip:port`. */
export function endpointChainName(portName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(portName + protocol.toLowerCase() + endpoint)}`
}
