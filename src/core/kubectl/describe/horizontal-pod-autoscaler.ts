// kubectl describe hpa, in kubectl 1.32's layout (describeHorizontalPodAutoscalerV2): each
// metric as current / target, the replica bounds, the behavior when one is set, the target's
// pods, the conditions and the events. A v1 object is described in its v2 form, as kubectl reads it.
import {horizontalPodAutoscalerFromV1} from '../../api/autoscaling-conversion.js'
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {eventsFor, type DescribeContext} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, rfc1123z, text} from './writer.js'

const quantity = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? canonicalQuantity(value) : '0')

function describeMetric(writer: DescribeWriter, metric: Record<string, unknown>, status: Record<string, unknown> | undefined): void {
  const type = text(metric.type)
  const current = (field: string) => (status && status[field] !== undefined ? record(record(status[field]).current) : null)
  const source = (field: string) => record(metric[field])
  const target = (field: string) => record(source(field).target)
  switch (type) {
    case 'External': {
      const name = JSON.stringify(text(record(source('external').metric).name))
      const now = current('external')
      if (target('external').averageValue !== undefined) {
        writer.write(1, `${name} (target average value):\t${now && now.averageValue !== undefined ? quantity(now.averageValue) : '<unknown>'} / ${quantity(target('external').averageValue)}\n`)
      } else writer.write(1, `${name} (target value):\t${now ? quantity(now.value) : '<unknown>'} / ${quantity(target('external').value)}\n`)
      return
    }
    case 'Pods': {
      const now = current('pods')
      writer.write(1, `${JSON.stringify(text(record(source('pods').metric).name))} on pods:\t${now ? quantity(now.averageValue) : '<unknown>'} / ${quantity(target('pods').averageValue)}\n`)
      return
    }
    case 'Object': {
      const described = record(source('object').describedObject)
      writer.write(1, `"${text(record(source('object').metric).name)}" on ${text(described.kind)}/${text(described.name)} `)
      const now = current('object')
      if (target('object').type === 'AverageValue') writer.write(0, `(target average value):\t${now ? quantity(now.averageValue) : '<unknown>'} / ${quantity(target('object').averageValue)}\n`)
      else writer.write(0, `(target value):\t${now ? quantity(now.value) : '<unknown>'} / ${quantity(target('object').value)}\n`)
      return
    }
    case 'Resource':
    case 'ContainerResource': {
      const field = type === 'Resource' ? 'resource' : 'containerResource'
      const name = text(source(field).name)
      writer.write(1, type === 'Resource' ? `resource ${name} on pods` : `resource ${name} of container "${text(source(field).container)}" on pods`)
      const now = current(field)
      if (target(field).averageValue !== undefined) {
        writer.write(0, `:\t${now ? quantity(now.averageValue) : '<unknown>'} / ${quantity(target(field).averageValue)}\n`)
        return
      }
      const utilization = now && typeof now.averageUtilization === 'number' ? `${now.averageUtilization}% (${quantity(now.averageValue)})` : '<unknown>'
      const wanted = typeof target(field).averageUtilization === 'number' ? `${target(field).averageUtilization as number}%` : '<auto>'
      writer.write(1, `(as a percentage of request):\t${utilization} / ${wanted}\n`)
      return
    }
    default:
      writer.write(1, `<unknown metric type ${JSON.stringify(type)}>\n`)
  }
}

function describeRules(writer: DescribeWriter, direction: string, value: unknown): void {
  if (value === undefined || value === null) return
  const rules = record(value)
  writer.write(1, `${direction}:\n`)
  if (typeof rules.stabilizationWindowSeconds === 'number') writer.write(2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds\n`)
  const policies = list(rules.policies)
  if (policies.length === 0) return
  writer.write(2, `Select Policy: ${text(rules.selectPolicy) || 'Max'}\n`)
  writer.write(2, 'Policies:\n')
  for (const policy of policies) writer.write(3, `- Type: ${text(policy.type)}\tValue: ${text(policy.value ?? 0)}\tPeriod: ${text(policy.periodSeconds ?? 0)} seconds\n`)
}

export async function describeHorizontalPodAutoscaler(served: KubeObject, context: DescribeContext): Promise<string> {
  const hpa = served.apiVersion === 'autoscaling/v1' ? horizontalPodAutoscalerFromV1(served) : served
  const spec = record(hpa.spec)
  const status = record(hpa.status)
  const reference = record(spec.scaleTargetRef)
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${hpa.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${hpa.metadata.namespace ?? ''}\n`)
  printLabels(writer, 'Labels', hpa.metadata.labels)
  printAnnotations(writer, 'Annotations', hpa.metadata.annotations)
  writer.write(0, `CreationTimestamp:\t${rfc1123z(hpa.metadata.creationTimestamp)}\n`)
  writer.write(0, `Reference:\t${text(reference.kind)}/${text(reference.name)}\n`)
  writer.write(0, 'Metrics:\t( current / target )\n')
  const statuses = list(status.currentMetrics)
  list(spec.metrics).forEach((metric, index) => describeMetric(writer, metric, statuses[index]))
  writer.write(0, `Min replicas:\t${typeof spec.minReplicas === 'number' ? spec.minReplicas : '<unset>'}\n`)
  writer.write(0, `Max replicas:\t${text(spec.maxReplicas ?? 0)}\n`)
  if (spec.behavior !== undefined && spec.behavior !== null) {
    writer.write(0, 'Behavior:\n')
    describeRules(writer, 'Scale Up', record(spec.behavior).scaleUp)
    describeRules(writer, 'Scale Down', record(spec.behavior).scaleDown)
  }
  writer.write(0, `${text(reference.kind)} pods:\t`)
  writer.write(0, `${text(status.currentReplicas ?? 0)} current / ${text(status.desiredReplicas ?? 0)} desired\n`)
  const conditions = list(status.conditions)
  if (conditions.length > 0) {
    writer.write(0, 'Conditions:\n')
    writer.write(1, 'Type\tStatus\tReason\tMessage\n')
    writer.write(1, '----\t------\t------\t-------\n')
    for (const condition of conditions) writer.write(1, `${text(condition.type)}\t${text(condition.status)}\t${text(condition.reason)}\t${text(condition.message)}\n`)
  }
  describeEvents(writer, await eventsFor(context, hpa), context.nowMilliseconds)
  return writer.toString()
}
