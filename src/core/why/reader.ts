// What `why` reads: objects through the API server as any client does (never the store), the
// events that name an object, and the scheduler's last attempt for a pod.
import type {KubeObject} from '../api/object.js'
import {type ApiClient, isNotFound, type ResourceRef} from '../client/client.js'
import {resources} from '../client/resources.js'
import type {SchedulingReport} from '../scheduler/reports.js'
import {fields, text, timeOf} from './diagnosis.js'

/** A list read by `why` takes at most this many objects (a namespace's pods, events …). */
export const listObjectsMax = 5_000
/** The events shown per object: the newest ones. */
export const eventsShownMax = 5

/** The scheduler's last attempt for a pod (its per-node verdicts). */
export type SchedulingAttempt = Pick<SchedulingReport, 'time' | 'outcome' | 'evaluatedNodes' | 'feasibleNodes' | 'nodes'> & Partial<Pick<SchedulingReport, 'profile' | 'weights'>>

export interface WhyReader {
  readonly now: number
  get(resource: ResourceRef, namespace: string, name: string): Promise<KubeObject | null>
  list(resource: ResourceRef, namespace: string, labelSelector?: string): Promise<KubeObject[]>
  /** The events about an object, newest last. */
  events(object: KubeObject): Promise<KubeObject[]>
  /** The scheduler's last attempt for a pod, when kubemu kept one. */
  schedulingAttempt(pod: KubeObject): Promise<SchedulingAttempt | null>
}

export function clientReader(client: ApiClient, now: number, schedulingAttempt: (pod: KubeObject) => Promise<SchedulingAttempt | null>): WhyReader {
  return {
    now,
    async get(resource, namespace, name) {
      try {
        return await client.get(resource, namespace, name)
      } catch (error) {
        if (isNotFound(error)) return null
        throw error
      }
    },
    async list(resource, namespace, labelSelector) {
      const query: Record<string, string> = {limit: String(listObjectsMax)}
      if (labelSelector !== undefined) query.labelSelector = labelSelector
      return (await client.list(resource, namespace, query)).items
    },
    async events(object) {
      const namespace = text(object.metadata.namespace) || 'default'
      const query = {fieldSelector: `involvedObject.uid=${text(object.metadata.uid)}`, limit: String(listObjectsMax)}
      const items = (await client.list(resources.events, namespace, query)).items
      const when = (event: KubeObject) => timeOf(fields(event).lastTimestamp) ?? timeOf(fields(event).eventTime) ?? timeOf(event.metadata.creationTimestamp) ?? 0
      return items.sort((left, right) => when(left) - when(right))
    },
    schedulingAttempt,
  }
}

/** `Warning FailedScheduling: 0/6 nodes …` for the newest events of an object. */
export function eventFacts(events: readonly KubeObject[], reasons?: readonly string[]): string[] {
  const chosen = reasons ? events.filter((event) => reasons.includes(text(fields(event).reason))) : events
  // The same event written twice (a one-shot command and `up` each record theirs) is one fact.
  const lines = chosen.map((event) => {
    const entry = fields(event)
    const count = Number(entry.count ?? 1)
    return `event ${text(entry.type)} ${text(entry.reason)}${count > 1 ? ` (x${count})` : ''}: ${text(entry.message)}`
  })
  return [...new Set(lines)].slice(-eventsShownMax)
}
