// Why a Service has no endpoints: no selector (endpoints by hand), a selector no pod matches,
// pods that match but are not Ready, or a named targetPort no container declares.
import type {KubeObject} from '../api/object.js'
import {resources} from '../client/resources.js'
import {condition, diagnosis, type Diagnosis, fields, list, listed, plural, text} from './diagnosis.js'
import {explainPod} from './pod.js'
import type {WhyReader} from './reader.js'

/** Near-miss pods named when a selector matches nothing. */
const nearMissesShownMax = 5

export async function explainService(service: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(service.metadata.namespace)
  const spec = fields(service.spec)
  const name = text(service.metadata.name)
  if (text(spec.type) === 'ExternalName') return diagnosis(label, namespace, 'ExternalName', false, `Nothing is wrong: ${label} is an ExternalName Service: DNS answers its name with a CNAME to ${text(spec.externalName)}; it has no endpoints and kube-proxy writes no rules for it, by design.`)
  const slices = await reader.list(resources.endpointSlices, namespace, `kubernetes.io/service-name=${name}`)
  const endpoints = slices.flatMap((slice) => list(fields(slice).endpoints))
  const ready = endpoints.filter((endpoint) => fields(endpoint.conditions).ready !== false)
  const addresses = ready.flatMap((endpoint) => (Array.isArray(endpoint.addresses) ? endpoint.addresses.map(String) : []))
  const facts = [`endpointslices: ${slices.length}, endpoints ${endpoints.length} (${ready.length} ready)${addresses.length > 0 ? `: ${addresses.slice(0, 8).join(', ')}${addresses.length > 8 ? ' …' : ''}` : ''}`]
  const selector = Object.entries(fields(spec.selector)).map(([key, value]) => `${key}=${text(value)}`).sort()
  if (selector.length === 0) {
    const state = ready.length > 0 ? 'Ready' : 'NoEndpoints'
    return diagnosis(label, namespace, state, ready.length === 0, `${label} has no selector, so the endpoints controller leaves it alone: its endpoints are the EndpointSlices (or Endpoints) you create with the label kubernetes.io/service-name=${name}${ready.length === 0 ? ', and there are none with a ready address' : ` (${plural(ready.length, 'ready address', 'ready addresses')})`}.`, facts)
  }
  facts.push(`selector ${selector.join(',')}`)
  const all = await reader.list(resources.pods, namespace)
  const matching = all.filter((pod) => selector.every((pair) => {
    const [key, value] = [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]
    return pod.metadata.labels?.[key] === value
  }))
  if (matching.length === 0) {
    const keys = selector.map((pair) => pair.slice(0, pair.indexOf('=')))
    const near = all.filter((pod) => keys.some((key) => key in (pod.metadata.labels ?? {}))).slice(0, nearMissesShownMax)
    for (const pod of near) facts.push(`pod/${text(pod.metadata.name)} has ${keys.map((key) => `${key}=${pod.metadata.labels?.[key] ?? '<none>'}`).join(',')}`)
    return diagnosis(label, namespace, 'NoEndpoints', true, `${label} has no endpoints: its selector ${selector.join(',')} matches no pod in namespace ${namespace}${near.length > 0 ? ' (pods with some of those label keys have other values; see below)' : ''}. A Service selects pods by their labels, not by their Deployment's name.`, facts)
  }
  const live = matching.filter((pod) => !pod.metadata.deletionTimestamp)
  facts.push(`pods matching: ${matching.length} (${live.filter((pod) => text(condition(pod, 'Ready')?.status) === 'True').length} Ready)`)
  const missingPorts = namedPortProblems(spec, live)
  if (missingPorts.length > 0) facts.push(...missingPorts)
  if (ready.length > 0) {
    const note = missingPorts.length > 0 ? ` But ${listed(missingPorts)}: such pods are left out of the endpoints for that port.` : ''
    return diagnosis(label, namespace, 'Ready', missingPorts.length > 0, `${missingPorts.length > 0 ? '' : 'Nothing is wrong: '}${label} has ${plural(ready.length, 'ready endpoint')} (${addresses.slice(0, 4).join(', ')}${addresses.length > 4 ? ' …' : ''}).${note}`, facts)
  }
  if (missingPorts.length > 0) return diagnosis(label, namespace, 'NoEndpoints', true, `${label} has no endpoints: ${listed(missingPorts)}, so the endpoints controller cannot give the port a target on those pods.`, facts)
  const notReady = live.filter((pod) => text(condition(pod, 'Ready')?.status) !== 'True')
  const first = notReady[0]
  if (first && spec.publishNotReadyAddresses !== true) {
    const inner = await explainPod(first, reader)
    facts.push(...inner.facts.map((fact) => `pod/${text(first.metadata.name)}: ${fact.trimStart()}`))
    return diagnosis(label, namespace, 'NoEndpoints', true, `${label} has no ready endpoints: its selector matches ${plural(live.length, 'pod')}, none of them Ready, and a Service sends traffic only to Ready pods. Pod ${text(first.metadata.name)} is ${inner.state}: ${inner.cause}`, facts)
  }
  return diagnosis(label, namespace, 'NoEndpoints', false, `${label}'s pods match and the endpoints controller has not written their addresses yet; nothing is wrong yet.`, facts)
}

/** Named targetPorts that no container of a selected pod declares. */
function namedPortProblems(spec: Record<string, unknown>, pods: readonly KubeObject[]): string[] {
  const problems: string[] = []
  for (const port of list(spec.ports)) {
    const target = port.targetPort
    if (typeof target !== 'string' || pods.length === 0) continue
    const lacking = pods.filter((pod) => !list(fields(pod.spec).containers).some((container) => list(container.ports).some((declared) => text(declared.name) === target)))
    if (lacking.length > 0) problems.push(`targetPort "${target}" (port ${text(port.port)}) names no container port of ${lacking.length === pods.length ? 'any selected pod' : listed(lacking.slice(0, 3).map((pod) => `pod ${text(pod.metadata.name)}`))}`)
  }
  return problems
}
