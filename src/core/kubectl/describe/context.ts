// What every kubectl describe reads besides the described object (its events, its pods), and
// the lines many describers begin with: name and namespace, a selector, the controller.
import type {KubeObject} from '../../api/object.js'
import {DescribeWriter, list, record, rfc1123z, text} from './writer.js'

export interface DescribeContext {
  /** Objects the describer reads besides the described one (events, pods, replica sets…). */
  list(group: string, resource: string, namespace: string, query?: Record<string, string>): Promise<KubeObject[]>
  readonly nowMilliseconds: number
  /** --show-events: false leaves the Events section out. */
  readonly showEvents: boolean
}

/** The object's events, or null under --show-events=false. */
export async function eventsFor(context: DescribeContext, object: KubeObject): Promise<KubeObject[] | null> {
  if (!context.showEvents) return null
  const fields = [`involvedObject.name=${object.metadata.name ?? ''}`, `involvedObject.namespace=${object.metadata.namespace ?? ''}`]
  if (object.kind) fields.push(`involvedObject.kind=${object.kind}`)
  if (object.metadata.uid) fields.push(`involvedObject.uid=${object.metadata.uid}`)
  return context.list('', 'events', object.metadata.namespace ?? '', {fieldSelector: fields.join(',')})
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

export async function podStatuses(context: DescribeContext, namespace: string, owner: KubeObject): Promise<string> {
  const pods = (await context.list('', 'pods', namespace)).filter((pod) => (pod.metadata.ownerReferences ?? []).some((reference) => reference.uid === owner.metadata.uid))
  const count = (phase: string) => pods.filter((pod) => record(pod.status).phase === phase).length
  return `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`
}

