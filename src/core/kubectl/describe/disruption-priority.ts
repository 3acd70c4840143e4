// kubectl describe poddisruptionbudgets and priorityclasses, in kubectl 1.32's layout: a budget's
// minimum available or maximum unavailable, its selector and status counts; a priority class's
// value, default, preemption policy, description and annotations (as one line); then the events.
import type {KubeObject} from '../../api/object.js'
import {type DescribeContext, eventsFor, labelSelectorQuery, objectHeader} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, record, text} from './writer.js'

/** An IntOrString as Go's String() gives it. */
const intOrString = (value: unknown) => (typeof value === 'number' ? String(value) : text(value))

export async function describePodDisruptionBudget(budget: KubeObject, context: DescribeContext): Promise<string> {
  const events = await eventsFor(context, budget)
  const writer = new DescribeWriter()
  const spec = record(budget.spec)
  const status = record(budget.status)
  objectHeader(writer, budget)
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) writer.write(0, `Min available:\t${intOrString(spec.minAvailable)}\n`)
  else if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) writer.write(0, `Max unavailable:\t${intOrString(spec.maxUnavailable)}\n`)
  writer.write(0, `Selector:\t${labelSelectorQuery(spec.selector)}\n`)
  writer.write(0, 'Status:\n')
  writer.write(2, `Allowed disruptions:\t${Number(status.disruptionsAllowed ?? 0)}\n`)
  writer.write(2, `Current:\t${Number(status.currentHealthy ?? 0)}\n`)
  writer.write(2, `Desired:\t${Number(status.desiredHealthy ?? 0)}\n`)
  writer.write(2, `Total:\t${Number(status.expectedPods ?? 0)}\n`)
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}

export async function describePriorityClass(priorityClass: KubeObject, context: DescribeContext): Promise<string> {
  const events = await eventsFor(context, priorityClass)
  const writer = new DescribeWriter()
  const fields = priorityClass as KubeObject & {value?: unknown; globalDefault?: unknown; preemptionPolicy?: unknown; description?: unknown}
  writer.write(0, `Name:\t${priorityClass.metadata.name ?? ''}\n`)
  writer.write(0, `Value:\t${Number(fields.value ?? 0)}\n`)
  writer.write(0, `GlobalDefault:\t${fields.globalDefault === true}\n`)
  writer.write(0, `PreemptionPolicy:\t${text(fields.preemptionPolicy)}\n`)
  writer.write(0, `Description:\t${text(fields.description)}\n`)
  // labels.FormatLabels: key=value pairs sorted by key, on one line.
  const annotations = Object.entries(priorityClass.metadata.annotations ?? {}).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
  writer.write(0, `Annotations:\t${annotations.length === 0 ? '<none>' : annotations.map(([key, value]) => `${key}=${value}`).join(',')}\n`)
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}
