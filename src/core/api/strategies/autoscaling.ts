// The HorizontalPodAutoscaler strategy as kube-apiserver 1.32 has it: autoscaling/v2's defaults
// (minReplicas 1, 80 % CPU when no metric is given, the behavior's missing rules filled in when
// one is given) and ValidateHorizontalPodAutoscaler's field errors, in its order.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, type KubeObject} from '../object.js'
import {isDns1123Label, isQualifiedName} from '../names.js'
import {parseQuantity, QuantityError} from '../quantity.js'
import {defineStrategy} from './base.js'
import {type Json, objects, spec, str} from './json-fields.js'
import {validateLabelSelector} from './networking.js'
import type {Strategy} from './strategy.js'

const specPath = FieldPath.root('spec')
/** kube's MaxStabilizationWindowSeconds and MaxPeriodSeconds. */
export const stabilizationWindowSecondsMax = 3600
export const policyPeriodSecondsMax = 1800
const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']
const sourceFields: Record<string, string> = {Object: 'object', Pods: 'pods', Resource: 'resource', External: 'external', ContainerResource: 'containerResource'}
const selectPolicies = ['Disabled', 'Max', 'Min']
const policyTypes = ['Percent', 'Pods']

/** autoscaling/v2's default scaling rules (GenerateHPAScaleUpRules / GenerateHPAScaleDownRules). */
export const defaultScaleUpRules = {stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{type: 'Pods', value: 4, periodSeconds: 15}, {type: 'Percent', value: 100, periodSeconds: 15}]}
export const defaultScaleDownRules = {selectPolicy: 'Max', policies: [{type: 'Percent', value: 100, periodSeconds: 15}]}

function filledRules(given: unknown, defaults: Json): Json {
  if (!isJsonObject(given)) return structuredClone(defaults)
  const rules: Json = {}
  for (const field of ['stabilizationWindowSeconds', 'selectPolicy', 'policies']) {
    const value = given[field] !== undefined && given[field] !== null ? given[field] : defaults[field]
    if (value !== undefined) rules[field] = structuredClone(value)
  }
  return rules
}

function defaultHorizontalPodAutoscaler(object: KubeObject): void {
  const hpaSpec = spec(object)
  if (hpaSpec.minReplicas === undefined || hpaSpec.minReplicas === null) hpaSpec.minReplicas = 1
  if (!Array.isArray(hpaSpec.metrics) || hpaSpec.metrics.length === 0) {
    hpaSpec.metrics = [{type: 'Resource', resource: {name: 'cpu', target: {type: 'Utilization', averageUtilization: 80}}}]
  }
  if (isJsonObject(hpaSpec.behavior)) {
    hpaSpec.behavior = {scaleUp: filledRules(hpaSpec.behavior.scaleUp, defaultScaleUpRules), scaleDown: filledRules(hpaSpec.behavior.scaleDown, defaultScaleDownRules)}
  }
}

/** path validation's IsValidPathSegmentName. */
function pathSegmentErrors(value: string): string[] {
  if (value === '.' || value === '..') return [`may not be '${value}'`]
  return ['/', '%'].filter((part) => value.includes(part)).map((part) => `may not contain '${part}'`)
}

function validateReference(reference: Json, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  for (const field of ['kind', 'name']) {
    const value = str(reference[field])
    if (value.length === 0) errors.push(fieldError.required(path.child(field), ''))
    else for (const message of pathSegmentErrors(value)) errors.push(fieldError.invalid(path.child(field), value, message))
  }
  return errors
}

const numberOrNull = (value: unknown): number | null => (typeof value === 'number' ? value : null)

function positiveQuantity(value: unknown): boolean {
  try {
    return parseQuantity(String(value)).nanos > 0n
  } catch (error) {
    if (error instanceof QuantityError) return false
    throw error
  }
}

function validateTarget(target: Json, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const type = str(target.type)
  if (type.length === 0) errors.push(fieldError.required(path.child('type'), 'must specify a metric target type'))
  if (!['Utilization', 'Value', 'AverageValue'].includes(type)) errors.push(fieldError.invalid(path.child('type'), type, 'must be either Utilization, Value, or AverageValue'))
  for (const field of ['value', 'averageValue']) {
    if (target[field] !== undefined && target[field] !== null && !positiveQuantity(target[field])) errors.push(fieldError.invalid(path.child(field), String(target[field]), 'must be positive'))
  }
  const utilization = numberOrNull(target.averageUtilization)
  if (utilization !== null && utilization < 1) errors.push(fieldError.invalid(path.child('averageUtilization'), utilization, 'must be greater than 0'))
  return errors
}

function validateMetricName(metric: Json, path: FieldPath): FieldError[] {
  const name = str(metric.name)
  if (name.length === 0) return [fieldError.required(path.child('name'), 'must specify a metric name')]
  return pathSegmentErrors(name).map((message) => fieldError.invalid(path.child('name'), name, message))
}

/** core validation's ValidateContainerResourceName. */
function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errors = isQualifiedName(name).map((message) => fieldError.invalid(path, name, message))
  if (errors.length === 0 && !name.includes('/') && !['cpu', 'memory', 'ephemeral-storage'].includes(name) && !name.startsWith('hugepages-')) {
    errors.push(fieldError.invalid(path, name, 'must be a standard resource for containers'))
  }
  return errors
}

function validateResourceSource(source: Json, path: FieldPath, container: boolean): FieldError[] {
  const errors: FieldError[] = []
  const name = str(source.name)
  if (name.length === 0) errors.push(fieldError.required(path.child('name'), 'must specify a resource name'))
  else errors.push(...validateResourceName(name, path.child('name')))
  if (container) {
    const containerName = str(source.container)
    if (containerName.length === 0) errors.push(fieldError.required(path.child('container'), 'must specify a container'))
    else for (const message of isDns1123Label(containerName)) errors.push(fieldError.invalid(path.child('container'), containerName, message))
  }
  const target = isJsonObject(source.target) ? source.target : {}
  errors.push(...validateTarget(target, path.child('target')))
  const hasUtilization = target.averageUtilization !== undefined && target.averageUtilization !== null
  const hasAverage = target.averageValue !== undefined && target.averageValue !== null
  if (!hasUtilization && !hasAverage) errors.push(fieldError.required(path.child('target', 'averageUtilization'), 'must set either a target raw value or a target utilization'))
  if (hasUtilization && hasAverage) errors.push(fieldError.forbidden(path.child('target', 'averageValue'), 'may not set both a target raw value and a target utilization'))
  return errors
}

function validateSource(field: string, source: Json, path: FieldPath): FieldError[] {
  const target = isJsonObject(source.target) ? source.target : {}
  const has = (name: string) => target[name] !== undefined && target[name] !== null
  const metric = isJsonObject(source.metric) ? source.metric : {}
  const metricErrors = () => [...validateMetricName(metric, path.child('metric')), ...(isJsonObject(metric.selector) ? validateLabelSelector(metric.selector, path.child('metric', 'selector')) : [])]
  switch (field) {
    case 'resource':
    case 'containerResource':
      return validateResourceSource(source, path, field === 'containerResource')
    case 'pods': {
      const errors = [...metricErrors(), ...validateTarget(target, path.child('target'))]
      if (!has('averageValue')) errors.push(fieldError.required(path.child('target', 'averageValue'), 'must specify a positive target averageValue'))
      return errors
    }
    case 'object': {
      const errors = [...validateReference(isJsonObject(source.describedObject) ? source.describedObject : {}, path.child('describedObject')), ...metricErrors(), ...validateTarget(target, path.child('target'))]
      if (!has('value') && !has('averageValue')) errors.push(fieldError.required(path.child('target', 'averageValue'), 'must set either a target value or averageValue'))
      return errors
    }
    default: {
      const errors = [...metricErrors(), ...validateTarget(target, path.child('target'))]
      if (!has('value') && !has('averageValue')) errors.push(fieldError.required(path.child('target', 'averageValue'), 'must set either a target value for metric or a per-pod target'))
      if (has('value') && has('averageValue')) errors.push(fieldError.forbidden(path.child('target', 'value'), 'may not set both a target value for metric and a per-pod target'))
      return errors
    }
  }
}

function validateMetricSpec(metric: Json, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const type = str(metric.type)
  if (type.length === 0) errors.push(fieldError.required(path.child('type'), 'must specify a metric source type'))
  if (!metricSourceTypes.includes(type)) errors.push(fieldError.notSupported(path.child('type'), type, metricSourceTypes))
  const present: string[] = []
  for (const field of ['object', 'external', 'pods', 'resource', 'containerResource']) {
    if (!isJsonObject(metric[field])) continue
    present.push(field)
    if (present.length === 1) errors.push(...validateSource(field, metric[field] as Json, path.child(field)))
  }
  const expected = sourceFields[type] ?? ''
  if (expected.length === 0) errors.push(fieldError.notSupported(path.child('type'), type, metricSourceTypes))
  if (!present.includes(expected)) errors.push(fieldError.required(path.child(expected), 'must populate information for the given metric source'))
  if (present.length !== 1) for (const field of present.filter((name) => name !== expected).sort()) errors.push(fieldError.forbidden(path.child(field), 'must populate the given metric source only'))
  return errors
}

function validateScalingRules(rules: unknown, path: FieldPath): FieldError[] {
  if (!isJsonObject(rules)) return []
  const errors: FieldError[] = []
  const window = numberOrNull(rules.stabilizationWindowSeconds)
  if (window !== null && window < 0) errors.push(fieldError.invalid(path.child('stabilizationWindowSeconds'), window, 'must be greater than or equal to zero'))
  if (window !== null && window > stabilizationWindowSecondsMax) errors.push(fieldError.invalid(path.child('stabilizationWindowSeconds'), window, `must be less than or equal to ${stabilizationWindowSecondsMax}`))
  if (rules.selectPolicy !== undefined && rules.selectPolicy !== null && !selectPolicies.includes(str(rules.selectPolicy))) errors.push(fieldError.notSupported(path.child('selectPolicy'), str(rules.selectPolicy), selectPolicies))
  const policies = objects(rules.policies)
  if (policies.length === 0) errors.push(fieldError.required(path.child('policies'), 'must specify at least one Policy'))
  policies.forEach((policy, index) => {
    const policyPath = path.child('policies').index(index)
    if (!policyTypes.includes(str(policy.type))) errors.push(fieldError.notSupported(policyPath.child('type'), str(policy.type), policyTypes))
    const value = numberOrNull(policy.value) ?? 0
    if (value <= 0) errors.push(fieldError.invalid(policyPath.child('value'), value, 'must be greater than zero'))
    const period = numberOrNull(policy.periodSeconds) ?? 0
    if (period <= 0) errors.push(fieldError.invalid(policyPath.child('periodSeconds'), period, 'must be greater than zero'))
    if (period > policyPeriodSecondsMax) errors.push(fieldError.invalid(policyPath.child('periodSeconds'), period, `must be less than or equal to ${policyPeriodSecondsMax}`))
  })
  return errors
}

export function validateHorizontalPodAutoscaler(object: KubeObject): FieldError[] {
  const hpaSpec = spec(object)
  const errors: FieldError[] = []
  const minReplicas = numberOrNull(hpaSpec.minReplicas)
  const maxReplicas = numberOrNull(hpaSpec.maxReplicas) ?? 0
  if (minReplicas !== null && minReplicas < 1) errors.push(fieldError.invalid(specPath.child('minReplicas'), minReplicas, 'must be greater than or equal to 1'))
  if (maxReplicas < 1) errors.push(fieldError.invalid(specPath.child('maxReplicas'), maxReplicas, 'must be greater than 0'))
  if (minReplicas !== null && maxReplicas < minReplicas) errors.push(fieldError.invalid(specPath.child('maxReplicas'), maxReplicas, 'must be greater than or equal to `minReplicas`'))
  const referenceErrors = validateReference(isJsonObject(hpaSpec.scaleTargetRef) ? hpaSpec.scaleTargetRef : {}, specPath.child('scaleTargetRef'))
  if (referenceErrors.length > 0) return [...errors, ...referenceErrors]
  const metricErrors = objects(hpaSpec.metrics).flatMap((metric, index) => validateMetricSpec(metric, specPath.child('metrics').index(index)))
  if (metricErrors.length > 0) return [...errors, ...metricErrors]
  const behavior = isJsonObject(hpaSpec.behavior) ? hpaSpec.behavior : null
  if (behavior) errors.push(...validateScalingRules(behavior.scaleUp, specPath.child('behavior', 'scaleUp')), ...validateScalingRules(behavior.scaleDown, specPath.child('behavior', 'scaleDown')))
  return errors
}

function validateStatus(object: KubeObject): FieldError[] {
  const status = isJsonObject(object.status) ? object.status : {}
  const errors: FieldError[] = []
  for (const field of ['currentReplicas', 'desiredReplicas']) {
    const value = numberOrNull(status[field])
    if (value !== null && value < 0) errors.push(fieldError.invalid(FieldPath.root('status').child(field), value, 'must be greater than or equal to 0'))
  }
  return errors
}

export const horizontalPodAutoscalerStrategy: Strategy = defineStrategy({
  hasStatus: true,
  defaults: defaultHorizontalPodAutoscaler,
  prepareForCreate: (object) => {
    object.status = {desiredReplicas: 0}
  },
  validate: validateHorizontalPodAutoscaler,
  validateStatusUpdate: validateStatus,
})
