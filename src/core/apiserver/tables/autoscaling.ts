// The printer of autoscaling kinds (kube's pkg/printers/internalversion): HorizontalPodAutoscaler,
// its TARGETS as formatHPAMetrics writes them ("cpu: 45%/50%", "<unknown>" before the first sync).
import {horizontalPodAutoscalerFromV1} from '../../api/autoscaling-conversion.js'
import {isJsonObject, type JsonObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {age, ageColumn, column, nameColumn, type Printer} from './table.js'

/** formatHPAMetrics shows this many metrics, then "+ N more...". */
export const shownMetricsMax = 2

const asObject = (value: unknown): JsonObject => (isJsonObject(value) ? value : {})
const quantityText = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? canonicalQuantity(value) : '0')

/** One metric's "current/target", as kubectl's printer words it; statuses are matched by position. */
function metricText(spec: JsonObject, status: JsonObject | undefined): string {
  const source = (field: string) => asObject(spec[field])
  const target = (field: string) => asObject(source(field).target)
  const current = (field: string) => (status && isJsonObject(status[field]) ? asObject((status[field] as JsonObject).current) : null)
  const averageOrValue = (field: string) => {
    const now = current(field)
    if (target(field).averageValue !== undefined) {
      return `${now && now.averageValue !== undefined ? quantityText(now.averageValue) : '<unknown>'}/${quantityText(target(field).averageValue)} (avg)`
    }
    return `${now ? quantityText(now.value) : '<unknown>'}/${quantityText(target(field).value)}`
  }
  switch (spec.type) {
    case 'External':
      return averageOrValue('external')
    case 'Object':
      return averageOrValue('object')
    case 'Pods': {
      const now = current('pods')
      return `${now ? quantityText(now.averageValue) : '<unknown>'}/${quantityText(target('pods').averageValue)}`
    }
    case 'Resource':
    case 'ContainerResource': {
      const field = spec.type === 'Resource' ? 'resource' : 'containerResource'
      const name = String(source(field).name ?? '')
      const now = current(field)
      if (target(field).averageValue !== undefined) return `${name}: ${now ? quantityText(now.averageValue) : '<unknown>'}/${quantityText(target(field).averageValue)}`
      const utilization = now && typeof now.averageUtilization === 'number' ? `${now.averageUtilization}%` : '<unknown>'
      const wanted = typeof target(field).averageUtilization === 'number' ? `${target(field).averageUtilization as number}%` : '<auto>'
      return `${name}: ${utilization}/${wanted}`
    }
    default:
      return '<unknown type>'
  }
}

export function formatHpaMetrics(specs: unknown, statuses: unknown): string {
  const metrics = Array.isArray(specs) ? specs.filter(isJsonObject) : []
  if (metrics.length === 0) return '<none>'
  const current = Array.isArray(statuses) ? statuses.filter(isJsonObject) : []
  const texts = metrics.map((metric, index) => metricText(metric, current[index]))
  const shown = texts.slice(0, shownMetricsMax).join(', ')
  return texts.length > shownMetricsMax ? `${shown} + ${texts.length - shownMetricsMax} more...` : shown
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn,
    column('Reference', 'string', 0, 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'string', 0, 'metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond. If not set, the default metric will be set to 80% average CPU utilization.'),
    column('MinPods', 'string', 0, 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available.'),
    column('MaxPods', 'string', 0, 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas.'),
    column('Replicas', 'string', 0, 'currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler.'),
    ageColumn,
  ],
  row: (served, now) => {
    // Tables print the stored form: a v1 object's metrics are in targetCPUUtilizationPercentage and its annotations.
    const object = served.apiVersion === 'autoscaling/v1' ? horizontalPodAutoscalerFromV1(served) : served
    const spec = asObject(object.spec)
    const status = asObject(object.status)
    const reference = asObject(spec.scaleTargetRef)
    const minPods = typeof spec.minReplicas === 'number' ? String(spec.minReplicas) : '<unset>'
    return [
      object.metadata.name ?? '',
      `${String(reference.kind ?? '')}/${String(reference.name ?? '')}`,
      formatHpaMetrics(spec.metrics, status.currentMetrics),
      minPods,
      typeof spec.maxReplicas === 'number' ? spec.maxReplicas : 0,
      typeof status.currentReplicas === 'number' ? status.currentReplicas : 0,
      age(object, now),
    ]
  },
}
