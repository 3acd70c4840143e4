// What every kubectl describe reads besides the described object (its events, its pods), and
// the lines many describers begin with: name and namespace, a selector, the controller.
import type {KubeObject} from '../../api/object.js'
import {DescribeWriter, list, record, rfc1123z, text} from './writer.js'

export interface DescribeContext {
  /**
   * Objects the describer reads besides the described one (events, pods, replica sets…), in
   * chunks of --chunk-size as kubectl's describers list, unless `whole` (the few lists kubectl
   * reads in one request: a service's endpoint slices).
   */
  list(group: string, resource: string, namespace: string, query?: Record<string, string>, options?: {whole?: boolean}): Promise<KubeObject[]>
  /** One object by name, null when there is none (or it may not be read). */
  get(group: string, resource: string, namespace: string, name: string): Promise<KubeObject | null>
  readonly nowMilliseconds: number
  /** --show-events: false leaves the Events section out. */
  readonly showEvents: boolean
}

/** The events of an object reference (its kind, name, namespace and uid; the kind left out when empty), as kubectl's searchEvents selects them. */
export async function eventsOf(context: DescribeContext, reference: {kind: string; name: string; namespace: string; uid: string}): Promise<KubeObject[]> {
  const fields = [`involvedObject.name=${reference.name}`, `involvedObject.namespace=${reference.namespace}`]
  if (reference.kind) fields.push(`involvedObject.kind=${reference.kind}`)
  if (reference.uid) fields.push(`involvedObject.uid=${reference.uid}`)
  return context.list('', 'events', reference.namespace, {fieldSelector: fields.join(',')})
}

/** The object's events, or null under --show-events=false. */
export async function eventsFor(context: DescribeContext, object: KubeObject): Promise<KubeObject[] | null> {
  if (!context.showEvents) return null
  return eventsOf(context, {kind: object.kind ?? '', name: object.metadata.name ?? '', namespace: object.metadata.namespace ?? '', uid: object.metadata.uid ?? ''})
}

/** Name and namespace (and the creation time when asked), the first lines of a description. */
export function objectHeader(writer: DescribeWriter, object: KubeObject, options: {namespace?: boolean; created?: boolean} = {}): void {
  writer.write(0, `Name:\t${object.metadata.name ?? ''}\n`)
  if (options.namespace !== false) writer.write(0, `Namespace:\t${object.metadata.namespace ?? ''}\n`)
  if (options.created) writer.write(0, `CreationTimestamp:\t${rfc1123z(object.metadata.creationTimestamp)}\n`)
}

/** A label selector as kubectl prints it: `a=b,c in (d,e)`, or <none>. */
export function selectorText(selector: unknown): string {
  const value = record(selector)
  const parts = Object.entries(record(value.matchLabels)).sort(([left], [right]) => (left < right ? -1 : 1)).map(([key, item]) => `${key}=${text(item)}`)
  for (const expression of list(value.matchExpressions)) {
    const values = Array.isArray(expression.values) ? expression.values.map(String).sort() : []
    const operator = text(expression.operator)
    if (operator === 'In') parts.push(`${text(expression.key)} in (${values.join(',')})`)
    else if (operator === 'NotIn') parts.push(`${text(expression.key)} notin (${values.join(',')})`)
    else if (operator === 'Exists') parts.push(text(expression.key))
    else if (operator === 'DoesNotExist') parts.push(`!${text(expression.key)}`)
  }
  return parts.length === 0 ? '<none>' : parts.join(',')
}

export function controlledBy(object: KubeObject): string | null {
  const owner = (object.metadata.ownerReferences ?? []).find((reference) => reference.controller === true)
  return owner ? `${owner.kind}/${owner.name}` : null
}

/**
 * The pods a controller owns, counted by phase: kubectl lists those its selector selects (in
 * chunks), then keeps the ones the controller controls.
 */
export async function podStatuses(context: DescribeContext, namespace: string, owner: KubeObject): Promise<string> {
  const selector = labelSelectorQuery(record(owner.spec).selector)
  const listed = await context.list('', 'pods', namespace, selector === '' ? undefined : {labelSelector: selector})
  const pods = listed.filter((pod) => (pod.metadata.ownerReferences ?? []).some((reference) => reference.controller === true && reference.uid === owner.metadata.uid))
  const count = (phase: string) => pods.filter((pod) => record(pod.status).phase === phase).length
  return `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`
}

/**
 * A selector as a list's labelSelector parameter: a LabelSelector (matchLabels, matchExpressions)
 * or a replication controller's plain map; empty when it selects everything.
 */
export function labelSelectorQuery(selector: unknown): string {
  const value = record(selector)
  const isLabelSelector = 'matchLabels' in value || 'matchExpressions' in value
  const text = selectorText(isLabelSelector ? value : {matchLabels: value})
  return text === '<none>' ? '' : text
}

/** Endpoints a description shows before "+ N more...". */
const endpointsShownMax = 3

/** An endpoint is ready unless its conditions say it is not (an unknown state counts as ready). */
const isReady = (endpoint: Record<string, unknown>) => record(endpoint.conditions).ready !== false

/**
 * kubectl's formatEndpointSlices: the ready endpoints of the slices' ports named `portName` (all
 * of a slice without ports), at most three, then how many more. As kubectl counts: once three
 * are shown, the next endpoint marks "more" even when it is not ready.
 */
export function formatEndpointSlices(slices: readonly KubeObject[], portName: string): string {
  if (slices.length === 0) return '<none>'
  const shown: string[] = []
  let more = false
  let count = 0
  const add = (endpoint: Record<string, unknown>, port: string | null) => {
    if (shown.length === endpointsShownMax) more = true
    if (!isReady(endpoint)) return
    const address = text((endpoint.addresses as unknown[] | undefined)?.[0])
    if (!more) shown.push(port === null ? address : `${address.includes(':') ? `[${address}]` : address}:${port}`)
    count++
  }
  for (const slice of slices) {
    const ports = list(slice.ports)
    const endpoints = list(slice.endpoints)
    // A headless Service's slices may have no ports.
    if (ports.length === 0) for (const endpoint of endpoints) add(endpoint, null)
    for (const port of ports) if (text(port.name) === portName) for (const endpoint of endpoints) add(endpoint, text(port.port))
  }
  const joined = shown.join(',')
  return more ? `${joined} + ${count - endpointsShownMax} more...` : joined
}
