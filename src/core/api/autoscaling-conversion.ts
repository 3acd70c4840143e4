// HorizontalPodAutoscaler between autoscaling/v2 (stored) and autoscaling/v1, as kube-apiserver
// 1.32 converts it through the internal version: v1 carries the CPU utilization target in
// targetCPUUtilizationPercentage and keeps what it has no field for (other metrics, current
// metrics, conditions, behavior) in the round-trip annotations.
import {isJsonObject, type JsonObject, type KubeObject} from './object.js'

export const metricSpecsAnnotation = 'autoscaling.alpha.kubernetes.io/metrics'
export const metricStatusesAnnotation = 'autoscaling.alpha.kubernetes.io/current-metrics'
export const conditionsAnnotation = 'autoscaling.alpha.kubernetes.io/conditions'
export const behaviorAnnotation = 'autoscaling.alpha.kubernetes.io/behavior'
const roundTripAnnotations = [metricSpecsAnnotation, metricStatusesAnnotation, conditionsAnnotation, behaviorAnnotation]

/** autoscaling/v1 formerly defaulted this in the controller; conversion applies it. */
export const defaultCpuUtilizationPercent = 80

type Json = JsonObject
const asObject = (value: unknown): Json => (isJsonObject(value) ? value : {})
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.filter(isJsonObject) : [])

/** Copies the fields present, in the order given (the Go struct's), renaming them. */
function pick(source: Json, fields: ReadonlyArray<readonly [from: string, to: string]>): Json {
  const out: Json = {}
  for (const [from, to] of fields) if (source[from] !== undefined && source[from] !== null) out[to] = source[from]
  return out
}

const isCpuUtilization = (metric: Json) => metric.type === 'Resource' && asObject(metric.resource).name === 'cpu' && asObject(asObject(metric.resource).target).averageUtilization !== undefined

// One metric spec or status between the v2 form and v1's annotation form (v2beta1's fields).
function specToV1(metric: Json): Json {
  const out: Json = {type: metric.type}
  const target = (source: Json) => asObject(source.target)
  const metricId = (source: Json) => asObject(source.metric)
  if (isJsonObject(metric.object)) {
    const source = metric.object
    out.object = {target: source.describedObject, metricName: metricId(source).name, ...pick({targetValue: target(source).value, selector: metricId(source).selector, averageValue: target(source).averageValue}, [['targetValue', 'targetValue'], ['selector', 'selector'], ['averageValue', 'averageValue']])}
  }
  if (isJsonObject(metric.pods)) out.pods = {metricName: metricId(metric.pods).name, targetAverageValue: target(metric.pods).averageValue, ...pick(metricId(metric.pods), [['selector', 'selector']])}
  for (const field of ['resource', 'containerResource'] as const) {
    if (!isJsonObject(metric[field])) continue
    const source = metric[field] as Json
    out[field] = {name: source.name, ...pick(target(source), [['averageUtilization', 'targetAverageUtilization'], ['averageValue', 'targetAverageValue']]), ...(field === 'containerResource' ? {container: source.container} : {})}
  }
  if (isJsonObject(metric.external)) {
    const source = metric.external
    out.external = {metricName: metricId(source).name, ...pick(metricId(source), [['selector', 'metricSelector']]), ...pick(target(source), [['value', 'targetValue'], ['averageValue', 'targetAverageValue']])}
  }
  return out
}

function specFromV1(metric: Json): Json {
  const out: Json = {type: metric.type}
  const targetOf = (value: unknown, averageValue: unknown, averageUtilization?: unknown): Json => {
    const type = averageUtilization !== undefined ? 'Utilization' : value !== undefined ? 'Value' : 'AverageValue'
    return {type, ...pick({value, averageValue, averageUtilization}, [['value', 'value'], ['averageValue', 'averageValue'], ['averageUtilization', 'averageUtilization']])}
  }
  if (isJsonObject(metric.object)) {
    const source = metric.object
    out.object = {describedObject: source.target, target: targetOf(source.targetValue, source.averageValue), metric: {name: source.metricName, ...pick(source, [['selector', 'selector']])}}
  }
  if (isJsonObject(metric.pods)) out.pods = {metric: {name: metric.pods.metricName, ...pick(metric.pods, [['selector', 'selector']])}, target: targetOf(undefined, metric.pods.targetAverageValue)}
  for (const field of ['resource', 'containerResource'] as const) {
    if (!isJsonObject(metric[field])) continue
    const source = metric[field] as Json
    out[field] = {name: source.name, target: targetOf(undefined, source.targetAverageValue, source.targetAverageUtilization), ...(field === 'containerResource' ? {container: source.container} : {})}
  }
  if (isJsonObject(metric.external)) {
    const source = metric.external
    out.external = {metric: {name: source.metricName, ...pick(source, [['metricSelector', 'selector']])}, target: targetOf(source.targetValue, source.targetAverageValue)}
  }
  return out
}

function statusToV1(metric: Json): Json {
  const out: Json = {type: metric.type}
  const current = (source: Json) => asObject(source.current)
  for (const field of ['resource', 'containerResource'] as const) {
    if (!isJsonObject(metric[field])) continue
    const source = metric[field] as Json
    out[field] = {name: source.name, ...pick(current(source), [['averageUtilization', 'currentAverageUtilization'], ['averageValue', 'currentAverageValue']]), ...(field === 'containerResource' ? {container: source.container} : {})}
  }
  if (isJsonObject(metric.pods)) out.pods = {metricName: asObject(metric.pods.metric).name, currentAverageValue: current(metric.pods).averageValue, ...pick(asObject(metric.pods.metric), [['selector', 'selector']])}
  if (isJsonObject(metric.object)) {
    const source = metric.object
    out.object = {target: source.describedObject, metricName: asObject(source.metric).name, currentValue: current(source).value, ...pick(asObject(source.metric), [['selector', 'selector']]), ...pick(current(source), [['averageValue', 'averageValue']])}
  }
  if (isJsonObject(metric.external)) {
    const source = metric.external
    out.external = {metricName: asObject(source.metric).name, ...pick(asObject(source.metric), [['selector', 'metricSelector']]), currentValue: current(source).value ?? '0', ...pick(current(source), [['averageValue', 'currentAverageValue']])}
  }
  return out
}

function statusFromV1(metric: Json): Json {
  const out: Json = {type: metric.type}
  for (const field of ['resource', 'containerResource'] as const) {
    if (!isJsonObject(metric[field])) continue
    const source = metric[field] as Json
    out[field] = {name: source.name, current: pick(source, [['currentAverageValue', 'averageValue'], ['currentAverageUtilization', 'averageUtilization']]), ...(field === 'containerResource' ? {container: source.container} : {})}
  }
  if (isJsonObject(metric.pods)) out.pods = {metric: {name: metric.pods.metricName, ...pick(metric.pods, [['selector', 'selector']])}, current: pick(metric.pods, [['currentAverageValue', 'averageValue']])}
  if (isJsonObject(metric.object)) {
    const source = metric.object
    out.object = {metric: {name: source.metricName, ...pick(source, [['selector', 'selector']])}, current: pick(source, [['currentValue', 'value'], ['averageValue', 'averageValue']]), describedObject: source.target}
  }
  if (isJsonObject(metric.external)) {
    const source = metric.external
    out.external = {metric: {name: source.metricName, ...pick(source, [['metricSelector', 'selector']])}, current: pick(source, [['currentValue', 'value'], ['currentAverageValue', 'averageValue']])}
  }
  return out
}

// The behavior annotation holds the internal Go type marshalled without JSON tags.
const internalRules = (rules: unknown): unknown => {
  if (!isJsonObject(rules)) return null
  return {
    StabilizationWindowSeconds: rules.stabilizationWindowSeconds ?? null,
    SelectPolicy: rules.selectPolicy ?? null,
    Policies: Array.isArray(rules.policies) ? list(rules.policies).map((policy) => ({Type: policy.type ?? '', Value: policy.value ?? 0, PeriodSeconds: policy.periodSeconds ?? 0})) : null,
  }
}

const externalRules = (rules: unknown): Json | undefined => {
  if (!isJsonObject(rules)) return undefined
  const out: Json = {}
  if (rules.StabilizationWindowSeconds !== null && rules.StabilizationWindowSeconds !== undefined) out.stabilizationWindowSeconds = rules.StabilizationWindowSeconds
  if (rules.SelectPolicy !== null && rules.SelectPolicy !== undefined) out.selectPolicy = rules.SelectPolicy
  if (Array.isArray(rules.Policies)) out.policies = list(rules.Policies).map((policy) => ({type: policy.Type, value: policy.Value, periodSeconds: policy.PeriodSeconds}))
  return out
}

/** Go's encoding/json escapes these in strings. */
const goJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')

function withoutRoundTripAnnotations(metadata: KubeObject['metadata']): Record<string, string> {
  const annotations = {...(metadata.annotations ?? {})}
  for (const key of roundTripAnnotations) delete annotations[key]
  return annotations
}

function parsedAnnotation(annotations: Record<string, string>, key: string): unknown {
  const text = annotations[key]
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

function setAnnotations(object: KubeObject, annotations: Record<string, string>): void {
  if (Object.keys(annotations).length > 0) object.metadata = {...object.metadata, annotations}
  else {
    object.metadata = {...object.metadata}
    delete object.metadata.annotations
  }
}

export function horizontalPodAutoscalerToV1(stored: KubeObject): KubeObject {
  const spec = asObject(stored.spec)
  const status = isJsonObject(stored.status) ? stored.status : undefined
  const metrics = list(spec.metrics)
  const out: KubeObject = {kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v1', metadata: {...stored.metadata}}
  const annotations = withoutRoundTripAnnotations(stored.metadata)
  const otherMetrics = metrics.filter((metric) => !isCpuUtilization(metric)).map(specToV1)
  if (otherMetrics.length > 0) annotations[metricSpecsAnnotation] = goJson(otherMetrics)
  const currentMetrics = list(status?.currentMetrics)
  if (currentMetrics.length > 0) annotations[metricStatusesAnnotation] = goJson(currentMetrics.map(statusToV1))
  if (isJsonObject(spec.behavior)) annotations[behaviorAnnotation] = goJson({ScaleUp: internalRules(spec.behavior.scaleUp), ScaleDown: internalRules(spec.behavior.scaleDown)})
  const conditions = list(status?.conditions)
  if (conditions.length > 0) annotations[conditionsAnnotation] = goJson(conditions.map((condition) => pick(condition, [['type', 'type'], ['status', 'status'], ['lastTransitionTime', 'lastTransitionTime'], ['reason', 'reason'], ['message', 'message']])))
  setAnnotations(out, annotations)
  const v1Spec: Json = pick(spec, [['scaleTargetRef', 'scaleTargetRef'], ['minReplicas', 'minReplicas'], ['maxReplicas', 'maxReplicas']])
  const cpu = metrics.find((metric) => metric.type === 'Resource' && asObject(metric.resource).name === 'cpu')
  const cpuTarget = cpu ? asObject(asObject(cpu.resource).target).averageUtilization : undefined
  if (cpuTarget !== undefined) v1Spec.targetCPUUtilizationPercentage = cpuTarget
  out.spec = v1Spec
  if (status !== undefined) {
    const v1Status: Json = pick(status, [['observedGeneration', 'observedGeneration'], ['lastScaleTime', 'lastScaleTime'], ['currentReplicas', 'currentReplicas'], ['desiredReplicas', 'desiredReplicas']])
    v1Status.currentReplicas ??= 0
    v1Status.desiredReplicas ??= 0
    for (const metric of currentMetrics) {
      const current = asObject(asObject(metric.resource).current)
      if (metric.type === 'Resource' && asObject(metric.resource).name === 'cpu' && current.averageUtilization !== undefined) v1Status.currentCPUUtilizationPercentage = current.averageUtilization
    }
    out.status = v1Status
  }
  return out
}

export function horizontalPodAutoscalerFromV1(served: KubeObject): KubeObject {
  const spec = asObject(served.spec)
  const status = isJsonObject(served.status) ? served.status : undefined
  const annotations = {...(served.metadata.annotations ?? {})}
  const out: KubeObject = {kind: 'HorizontalPodAutoscaler', apiVersion: 'autoscaling/v2', metadata: {...served.metadata}}
  const metrics: Json[] = []
  if (typeof spec.targetCPUUtilizationPercentage === 'number') metrics.push({type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage}}})
  const other = parsedAnnotation(annotations, metricSpecsAnnotation)
  if (Array.isArray(other)) metrics.push(...list(other).map(specFromV1))
  if (metrics.length === 0) metrics.push({type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: defaultCpuUtilizationPercent}}})
  const v2Spec: Json = {...pick(spec, [['scaleTargetRef', 'scaleTargetRef'], ['minReplicas', 'minReplicas'], ['maxReplicas', 'maxReplicas']]), metrics}
  const behavior = parsedAnnotation(annotations, behaviorAnnotation)
  if (isJsonObject(behavior) && (behavior.ScaleUp || behavior.ScaleDown)) {
    const scaleUp = externalRules(behavior.ScaleUp)
    const scaleDown = externalRules(behavior.ScaleDown)
    v2Spec.behavior = {...(scaleUp ? {scaleUp} : {}), ...(scaleDown ? {scaleDown} : {})}
  }
  out.spec = v2Spec
  if (status !== undefined) {
    const v2Status: Json = pick(status, [['observedGeneration', 'observedGeneration'], ['lastScaleTime', 'lastScaleTime'], ['currentReplicas', 'currentReplicas'], ['desiredReplicas', 'desiredReplicas']])
    const current = parsedAnnotation(annotations, metricStatusesAnnotation)
    if (Array.isArray(current)) v2Status.currentMetrics = list(current).map(statusFromV1)
    else if (typeof status.currentCPUUtilizationPercentage === 'number') {
      v2Status.currentMetrics = [{type: 'Resource', resource: {name: 'cpu', current: {averageUtilization: status.currentCPUUtilizationPercentage}}}]
    }
    const conditions = parsedAnnotation(annotations, conditionsAnnotation)
    if (Array.isArray(conditions)) v2Status.conditions = list(conditions)
    out.status = v2Status
  }
  setAnnotations(out, withoutRoundTripAnnotations(served.metadata))
  return out
}
