// Pod IPs: each node hands its pods addresses from its pod CIDR (.2 upward), never one a live pod
// on the node holds; a hostNetwork pod (kube-proxy) shares its node's address.
import type {Node, Pod} from '../api/kinds.js'
import {isTerminalPod} from '../api/quota.js'
import {objectKey} from '../client/client.js'
import type {Informer, InformerEvent} from '../client/informer.js'
import {podsByNodeName} from '../client/pod-indexes.js'
import {hostIpOf} from './pod-status.js'

export class PodIps {
  /**
   * IPs handed out by this process, by node and pod uid, until the informer shows them (then the
   * pods on the node tell them): kept for every pod, they were about 200 bytes a pod.
   */
  private readonly assignedIps = new Map<string, Map<string, {key: string; ip: string}>>()

  /** `pods` must be indexed by podsByNodeName. */
  constructor(private readonly pods: Informer<Pod>) {
    pods.onEvent((event) => this.forgetShown(event))
  }

  /** A pod the informer shows with its IP (then the pods on its node tell the IP), or gone, needs no entry. */
  private forgetShown(event: InformerEvent<Pod>): void {
    const node = nodeNameOf(event.object)
    const uid = event.object.metadata.uid
    if (node === undefined || uid === undefined) return
    const assignedHere = this.assignedIps.get(node)
    const assigned = assignedHere?.get(uid)
    if (assignedHere === undefined || assigned === undefined) return
    if (event.type === 'DELETED' || isTerminalPod(event.object) || podIpOf(event.object) === assigned.ip) assignedHere.delete(uid)
  }

  ipFor(node: Node, pod: Pod): string {
    // A hostNetwork pod (kube-proxy) shares its node's address.
    if (pod.spec.hostNetwork === true) return hostIpOf(node)
    const cidr = String(node.spec?.podCIDR ?? '10.244.0.0/24')
    const [base] = cidr.split('/')
    const octets = base!.split('.').map(Number)
    const onNode = this.pods.byIndex(podsByNodeName.name, String(node.metadata.name))
    const used = new Set(onNode.filter((other) => !isTerminalPod(other) && other.metadata.uid !== pod.metadata.uid).map(podIpOf))
    const assignedHere = this.assignedIps.get(String(node.metadata.name)) ?? new Map<string, {key: string; ip: string}>()
    this.assignedIps.set(String(node.metadata.name), assignedHere)
    for (const [uid, assigned] of assignedHere) {
      if (uid === pod.metadata.uid) continue
      const other = this.pods.get(assigned.key)
      if (!other || other.metadata.uid !== uid || isTerminalPod(other)) assignedHere.delete(uid)
      else used.add(assigned.ip)
    }
    for (let host = 2; host < 255; host++) {
      const address = `${octets[0]}.${octets[1]}.${octets[2]}.${host}`
      if (used.has(address)) continue
      assignedHere.set(String(pod.metadata.uid), {key: objectKey(pod), ip: address})
      return address
    }
    throw new Error(`node ${node.metadata.name} has no free pod IP in ${cidr}`)
  }
}

function podIpOf(pod: Pod): string | undefined {
  return (pod.status as {podIP?: string} | undefined)?.podIP
}

function nodeNameOf(pod: Pod): string | undefined {
  return pod.spec.nodeName
}
