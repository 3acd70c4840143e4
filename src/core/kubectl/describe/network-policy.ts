// kubectl describe networkpolicy, in kubectl 1.32's layout: the pod selector, each direction's
// rules (ports, then peers, rules separated by dashes), and the policy types.
import type {KubeObject} from '../../api/object.js'
import {networkPolicySelectorText} from '../../api/selectors.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, text} from './writer.js'

/** Go's time.Time String() in UTC, as `Created on:` prints the creation timestamp. */
function goTimeString(timestamp: unknown): string {
  const date = new Date(text(timestamp))
  if (Number.isNaN(date.getTime())) return '0001-01-01 00:00:00 +0000 UTC'
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} +0000 UTC`
}

const directions = {
  ingress: {title: 'ingress', peers: 'from', peerTitle: 'From', anyPeer: 'From: <any> (traffic not restricted by source)'},
  egress: {title: 'egress', peers: 'to', peerTitle: 'To', anyPeer: 'To: <any> (traffic not restricted by destination)'},
} as const

function describeRules(writer: DescribeWriter, rules: Record<string, unknown>[], direction: keyof typeof directions): void {
  const labels = directions[direction]
  const indent = '    '
  if (rules.length === 0) {
    writer.write(0, `${indent}<none> (Selected pods are isolated for ${labels.title} connectivity)\n`)
    return
  }
  rules.forEach((rule, index) => {
    const ports = list(rule.ports)
    if (ports.length === 0) writer.write(0, `${indent}To Port: <any> (traffic allowed to all ports)\n`)
    for (const port of ports) writer.write(0, `${indent}To Port: ${port.port === undefined ? '<nil>' : text(port.port)}/${text(port.protocol) || 'TCP'}\n`)
    const peers = list(rule[labels.peers])
    if (peers.length === 0) writer.write(0, `${indent}${labels.anyPeer}\n`)
    for (const peer of peers) {
      writer.write(0, `${indent}${labels.peerTitle}:\n`)
      if (peer.namespaceSelector !== undefined) writer.write(1, `${indent}NamespaceSelector: ${networkPolicySelectorText(peer.namespaceSelector)}\n`)
      if (peer.podSelector !== undefined) writer.write(1, `${indent}PodSelector: ${networkPolicySelectorText(peer.podSelector)}\n`)
      if (peer.namespaceSelector === undefined && peer.podSelector === undefined && peer.ipBlock !== undefined) {
        const block = record(peer.ipBlock)
        writer.write(1, `${indent}IPBlock:\n`)
        writer.write(2, `${indent}CIDR: ${text(block.cidr)}\n`)
        writer.write(2, `${indent}Except: ${(Array.isArray(block.except) ? block.except.map(String) : []).join(', ')}\n`)
      }
    }
    if (index !== rules.length - 1) writer.write(0, `${indent}----------\n`)
  })
}

export async function describeNetworkPolicy(policy: KubeObject): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${policy.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${policy.metadata.namespace ?? ''}\n`)
  writer.write(0, `Created on:\t${goTimeString(policy.metadata.creationTimestamp)}\n`)
  printLabels(writer, 'Labels', policy.metadata.labels)
  printAnnotations(writer, 'Annotations', policy.metadata.annotations)
  const spec = record(policy.spec)
  writer.write(0, 'Spec:\n')
  writer.write(1, 'PodSelector: ')
  const selector = networkPolicySelectorText(spec.podSelector)
  writer.write(2, selector === '<none>' ? '<none> (Allowing the specific traffic to all pods in this namespace)\n' : `${selector}\n`)
  const types = Array.isArray(spec.policyTypes) ? spec.policyTypes.map(String) : []
  for (const direction of ['ingress', 'egress'] as const) {
    const type = direction === 'ingress' ? 'Ingress' : 'Egress'
    if (types.includes(type)) {
      writer.write(1, `Allowing ${direction} traffic:\n`)
      describeRules(writer, list(spec[direction]), direction)
    } else writer.write(1, `Not affecting ${direction} traffic\n`)
  }
  writer.write(1, `Policy Types: ${types.join(', ')}\n`)
  return writer.toString()
}
