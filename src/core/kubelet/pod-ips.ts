// Pod IPs: each node hands its pods addresses from its pod CIDR (.2 upward, the lowest free one),
// never one a live pod on the node holds; a hostNetwork pod (kube-proxy) shares its node's address.
// The addresses the node's pods hold are counted as the pods informer's events come, so handing
// one out costs the addresses tried, not the node's pods (thousands on one node in kwok's shape).
import type {Node, Pod} from '../api/kinds.js'
import {isTerminalPod} from '../api/quota.js'
import {objectKey} from '../client/client.js'
import type {Informer, InformerEvent} from '../client/informer.js'
import {hostIpOf} from './pod-status.js'

/** A node without spec.podCIDR hands out addresses from this one. */
export const defaultPodCidr = '10.244.0.0/24'

/** One node's addresses: those its live pods hold as the informer shows them, and a lower bound of the lowest free one. */
interface NodeAddresses {
  /** Address → how many live pods on the node the informer shows holding it. */
  readonly shown: Map<string, number>
  /** No address below this offset in the CIDR is free (a lower bound: the search for a free one starts here). */
  lowestFreeOffset: number
  /** The CIDR the offsets were counted in. */
  cidr: string
}

export class PodIps {
  /**
   * IPs handed out by this process, by node and pod uid, until the informer shows them (then the
   * shown addresses count them): kept for every pod, they were about 200 bytes a pod.
   */
  private readonly assignedIps = new Map<string, Map<string, {key: string; ip: string}>>()
  private readonly addresses = new Map<string, NodeAddresses>()

  constructor(private readonly pods: Informer<Pod>) {
    pods.onEvent((event) => {
      if (event.previous !== null) this.count(event.previous, -1)
      if (event.type !== 'DELETED') this.count(event.object, 1)
      this.forgetShown(event)
    })
  }

  private addressesOf(node: string): NodeAddresses {
    let addresses = this.addresses.get(node)
    if (addresses === undefined) this.addresses.set(node, (addresses = {shown: new Map(), lowestFreeOffset: firstHostOffset, cidr: ''}))
    return addresses
  }

  /** Counts (+1) or takes back (-1) the address a pod holds on its node: a live pod bound there, with an IP, that is not hostNetwork's shared one. */
  private count(pod: Pod, sign: 1 | -1): void {
    const node = pod.spec.nodeName
    const ip = podIpOf(pod)
    if (!node || ip === undefined || isTerminalPod(pod) || pod.spec.hostNetwork === true) return
    const addresses = this.addressesOf(node)
    const held = (addresses.shown.get(ip) ?? 0) + sign
    if (held > 0) addresses.shown.set(ip, held)
    else {
      addresses.shown.delete(ip)
      this.released(addresses, ip)
    }
  }

  /** An address no longer held may be the lowest free one. */
  private released(addresses: NodeAddresses, ip: string): void {
    const offset = offsetIn(addresses.cidr, ip)
    if (offset !== null && offset < addresses.lowestFreeOffset) addresses.lowestFreeOffset = offset
  }

  /** A pod the informer shows with its IP (then the shown addresses count it), or gone, needs no entry. */
  private forgetShown(event: InformerEvent<Pod>): void {
    const node = event.object.spec.nodeName
    const uid = event.object.metadata.uid
    if (node === undefined || uid === undefined) return
    const assignedHere = this.assignedIps.get(node)
    const assigned = assignedHere?.get(uid)
    if (assignedHere === undefined || assigned === undefined) return
    if (event.type === 'DELETED' || isTerminalPod(event.object) || podIpOf(event.object) === assigned.ip) {
      assignedHere.delete(uid)
      this.released(this.addressesOf(node), assigned.ip)
    }
  }

  /** The pod's address on the node, or null when every address of the node's pod CIDR is held (the pod's sandbox cannot be set up: pod-sandbox.ts). */
  ipFor(node: Node, pod: Pod): string | null {
    // A hostNetwork pod (kube-proxy) shares its node's address.
    if (pod.spec.hostNetwork === true) return hostIpOf(node)
    const nodeName = String(node.metadata.name)
    const cidr = String(node.spec?.podCIDR ?? defaultPodCidr)
    const range = hostRangeOf(cidr)
    const addresses = this.addressesOf(nodeName)
    if (addresses.cidr !== cidr) {
      addresses.cidr = cidr
      addresses.lowestFreeOffset = firstHostOffset
    }
    // The pod's own address, as the informer shows it, is not taken from it.
    const cached = this.pods.get(objectKey(pod))
    const own = cached !== undefined && cached.metadata.uid === pod.metadata.uid && cached.spec.nodeName === nodeName && !isTerminalPod(cached) ? podIpOf(cached) : undefined
    const assignedHere = this.assignedIps.get(nodeName) ?? new Map<string, {key: string; ip: string}>()
    this.assignedIps.set(nodeName, assignedHere)
    const assignedIps = new Set<string>()
    for (const [uid, assigned] of assignedHere) {
      if (uid === pod.metadata.uid) continue
      const other = this.pods.get(assigned.key)
      if (!other || other.metadata.uid !== uid || isTerminalPod(other)) {
        assignedHere.delete(uid)
        this.released(addresses, assigned.ip)
      } else assignedIps.add(assigned.ip)
    }
    const taken = (address: string) => assignedIps.has(address) || (addresses.shown.get(address) ?? 0) > (address === own ? 1 : 0)
    // What the pod holds itself (shown, or handed out to it before) is free for it, below the bound or not.
    const ownAssigned = assignedHere.get(String(pod.metadata.uid))?.ip
    const ownOffsets = [own, ownAssigned].map((ip) => (ip === undefined ? null : offsetIn(cidr, ip))).filter((offset) => offset !== null)
    const start = Math.min(addresses.lowestFreeOffset, ...ownOffsets)
    for (let offset = start; offset <= range.lastOffset; offset++) {
      const address = range.address(offset)
      if (taken(address)) continue
      assignedHere.set(String(pod.metadata.uid), {key: objectKey(pod), ip: address})
      if (ownAssigned !== undefined && ownAssigned !== address) this.released(addresses, ownAssigned)
      // Every address below this one is taken (or this pod's own, which it holds now).
      if (offset >= addresses.lowestFreeOffset) addresses.lowestFreeOffset = offset + 1
      return address
    }
    return null
  }
}

/**
 * The node's pod addresses as the CNI host-local IPAM plugin names its range set in errors: the
 * CIDR's first address after the network's to the last before the broadcast address
 * (`10.244.1.1-10.244.1.254` for a /24; the gateway, .1, is in the range but never handed out).
 */
export function rangeSetOf(node: Node): string {
  const range = hostRangeOf(String(node.spec?.podCIDR ?? defaultPodCidr))
  return `${range.address(1)}-${range.address(range.lastOffset)}`
}

/** The first address handed out in a CIDR (.2: the network's address and its gateway's come before). */
const firstHostOffset = 2

/** A CIDR's addresses by offset from its network address: pods get offsets 2 to the last before the broadcast address. */
function hostRangeOf(cidr: string): {readonly lastOffset: number; address: (offset: number) => string} {
  const [base, prefixText] = cidr.split('/')
  const octets = base!.split('.').map(Number)
  const prefix = Number(prefixText)
  // A prefix that leaves no room (or none given) hands out the /24 the address is in, as kubemu always did.
  const hostBits = Number.isInteger(prefix) && prefix >= 8 && prefix <= 30 ? 32 - prefix : 8
  const network = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + (hostBits === 8 ? 0 : octets[3]!)
  const start = network - (network % 2 ** hostBits)
  return {
    lastOffset: 2 ** hostBits - 2,
    address: (offset) => {
      const value = start + offset
      return `${Math.floor(value / 2 ** 24) % 256}.${Math.floor(value / 2 ** 16) % 256}.${Math.floor(value / 2 ** 8) % 256}.${value % 256}`
    },
  }
}

/** The address's offset in the CIDR's range, or null when it is not in it. */
function offsetIn(cidr: string, ip: string): number | null {
  if (cidr === '') return null
  const range = hostRangeOf(cidr)
  const octets = ip.split('.').map(Number)
  if (octets.length !== 4 || octets.some((octet) => !Number.isInteger(octet))) return null
  const first = range.address(0).split('.').map(Number)
  const offset = (octets[0]! - first[0]!) * 2 ** 24 + (octets[1]! - first[1]!) * 2 ** 16 + (octets[2]! - first[2]!) * 2 ** 8 + (octets[3]! - first[3]!)
  return offset >= 0 && offset <= range.lastOffset ? offset : null
}

function podIpOf(pod: Pod): string | undefined {
  return (pod.status as {podIP?: string} | undefined)?.podIP
}
