// Strategies of apps/v1 workloads: defaults (Deployment 25%/25%, history 10, …), selector and
// template rules, immutable selectors (batch.ts has the Jobs' and CronJobs').
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {labelSelectorFromObject, matchesLabels, SelectorError, type LabelSelectorObject} from '../selectors.js'
import {defineStrategy, onlyFieldsChanged} from './base.js'
import {goIntOrString, goLabelSelector, goStringMap} from './go-values.js'
import {validateLabels} from './meta.js'
import {defaultPodTemplate} from './pod-defaults.js'
import {validatePodTemplate} from './pod-validation.js'
import type {Strategy} from './strategy.js'
import {child, type Json, objects, setDefault, spec, str} from './json-fields.js'

const specPath = FieldPath.root('spec')

export function nonNegative(errors: FieldError[], value: unknown, path: FieldPath): void {
  if (typeof value === 'number' && value < 0) errors.push(fieldError.invalid(path, value, 'must be greater than or equal to 0'))
}

/** The selector must be set, non-empty, and select the template's labels. */
export function validateSelector(workloadSpec: Json, path: FieldPath, kindName: string): FieldError[] {
  const errors: FieldError[] = []
  const selector = workloadSpec.selector
  if (!isJsonObject(selector)) return [fieldError.required(path.child('selector'))]
  const selectorObject = selector as LabelSelectorObject
  errors.push(...validateLabels(selectorObject.matchLabels, path.child('selector', 'matchLabels')))
  let requirements
  try {
    requirements = labelSelectorFromObject(selectorObject)
  } catch (error) {
    if (!(error instanceof SelectorError)) throw error
    return [...errors, fieldError.invalid(path.child('selector'), {goString: goLabelSelector(selectorObject)}, error.message)]
  }
  if (requirements.length === 0) {
    errors.push(fieldError.invalid(path.child('selector'), {goString: goLabelSelector(selectorObject)}, `empty selector is invalid for ${kindName}`))
    return errors
  }
  const template = isJsonObject(workloadSpec.template) ? workloadSpec.template : {}
  const labels = isJsonObject(template.metadata) ? (template.metadata.labels as Record<string, string> | undefined) : undefined
  if (!matchesLabels(requirements, labels)) {
    errors.push(fieldError.invalid(path.child('template', 'metadata', 'labels'), {goString: goStringMap(labels)}, '`selector` does not match template `labels`'))
  }
  return errors
}

export function immutableSelector(object: KubeObject, old: KubeObject): FieldError[] {
  const now = spec(object).selector
  if (jsonEqual(now, spec(old).selector)) return []
  return [fieldError.invalid(specPath.child('selector'), {goString: goLabelSelector((now ?? {}) as LabelSelectorObject)}, 'field is immutable')]
}

function percentOrInt(errors: FieldError[], value: unknown, path: FieldPath): number | null {
  if (value === undefined) return null
  if (typeof value === 'number') {
    nonNegative(errors, value, path)
    return value
  }
  const match = /^(\d+)%$/.exec(String(value))
  if (!match) {
    errors.push(fieldError.invalid(path, String(value), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"))
    return null
  }
  const percent = Number(match[1])
  if (percent > 100) errors.push(fieldError.invalid(path, String(value), 'must not be greater than 100%'))
  return percent
}

function validateRollingUpdate(rollingUpdate: unknown, path: FieldPath, maxSurgeAllowed: boolean): FieldError[] {
  const errors: FieldError[] = []
  if (!isJsonObject(rollingUpdate)) return errors
  const unavailable = percentOrInt(errors, rollingUpdate.maxUnavailable, path.child('maxUnavailable'))
  const surge = maxSurgeAllowed ? percentOrInt(errors, rollingUpdate.maxSurge, path.child('maxSurge')) : 0
  if (unavailable === 0 && surge === 0) {
    errors.push(fieldError.invalid(path.child('maxUnavailable'), {goString: goIntOrString(rollingUpdate.maxUnavailable as number | string)}, 'may not be 0 when `maxSurge` is 0'))
  }
  return errors
}

function validateDeployment(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const deploymentSpec = spec(object)
  nonNegative(errors, deploymentSpec.replicas, specPath.child('replicas'))
  errors.push(...validateSelector(deploymentSpec, specPath, 'deployment'))
  errors.push(...validatePodTemplate(deploymentSpec.template, specPath.child('template'), ['Always']))
  const strategy = isJsonObject(deploymentSpec.strategy) ? deploymentSpec.strategy : {}
  const type = strategy.type
  if (type === 'Recreate' && strategy.rollingUpdate !== undefined) {
    errors.push(fieldError.forbidden(specPath.child('strategy', 'rollingUpdate'), 'may not be specified when strategy `type` is \'Recreate\''))
  } else if (type === 'RollingUpdate') {
    errors.push(...validateRollingUpdate(strategy.rollingUpdate, specPath.child('strategy', 'rollingUpdate'), true))
  } else {
    errors.push(fieldError.notSupported(specPath.child('strategy', 'type'), String(type ?? ''), ['Recreate', 'RollingUpdate']))
  }
  nonNegative(errors, deploymentSpec.minReadySeconds, specPath.child('minReadySeconds'))
  nonNegative(errors, deploymentSpec.revisionHistoryLimit, specPath.child('revisionHistoryLimit'))
  const deadline = deploymentSpec.progressDeadlineSeconds
  if (typeof deadline === 'number') {
    nonNegative(errors, deadline, specPath.child('progressDeadlineSeconds'))
    const minReady = typeof deploymentSpec.minReadySeconds === 'number' ? deploymentSpec.minReadySeconds : 0
    if (deadline <= minReady) errors.push(fieldError.invalid(specPath.child('progressDeadlineSeconds'), deadline, 'must be greater than minReadySeconds'))
  }
  return errors
}

export const deploymentStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    const deploymentSpec = spec(object)
    setDefault(deploymentSpec, 'replicas', 1)
    const strategy = child(deploymentSpec, 'strategy')
    setDefault(strategy, 'type', 'RollingUpdate')
    if (strategy.type === 'RollingUpdate') {
      const rollingUpdate = child(strategy, 'rollingUpdate')
      setDefault(rollingUpdate, 'maxUnavailable', '25%')
      setDefault(rollingUpdate, 'maxSurge', '25%')
    }
    setDefault(deploymentSpec, 'revisionHistoryLimit', 10)
    setDefault(deploymentSpec, 'progressDeadlineSeconds', 600)
    defaultPodTemplate(deploymentSpec.template)
  },
  prepareForCreate: (object) => {
    object.status = {}
  },
  validate: validateDeployment,
  validateUpdate: (object, old) => [...validateDeployment(object), ...immutableSelector(object, old)],
})

function validateReplicaSet(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const replicaSetSpec = spec(object)
  nonNegative(errors, replicaSetSpec.replicas, specPath.child('replicas'))
  nonNegative(errors, replicaSetSpec.minReadySeconds, specPath.child('minReadySeconds'))
  errors.push(...validateSelector(replicaSetSpec, specPath, 'deployment'))
  errors.push(...validatePodTemplate(replicaSetSpec.template, specPath.child('template'), ['Always']))
  return errors
}

export const replicaSetStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    setDefault(spec(object), 'replicas', 1)
    defaultPodTemplate(spec(object).template)
  },
  prepareForCreate: (object) => {
    object.status = {replicas: 0}
  },
  validate: validateReplicaSet,
  validateUpdate: (object, old) => [...validateReplicaSet(object), ...immutableSelector(object, old)],
  fields: (object) => ({'status.replicas': String((isJsonObject(object.status) ? object.status.replicas : 0) ?? 0)}),
})

/** The set's pod template with a volume for each claim template, as its pods get them (mounts may name those). */
function withClaimTemplateVolumes(statefulSetSpec: Json): unknown {
  const claimNames = objects(statefulSetSpec.volumeClaimTemplates).map((claim) => str(isJsonObject(claim.metadata) ? claim.metadata.name : ''))
  if (claimNames.length === 0 || !isJsonObject(statefulSetSpec.template) || !isJsonObject(statefulSetSpec.template.spec)) return statefulSetSpec.template
  const template = structuredClone(statefulSetSpec.template) as Json
  const podSpec = template.spec as Json
  const volumes = objects(podSpec.volumes)
  for (const name of claimNames) if (!volumes.some((volume) => volume.name === name)) volumes.push({name, persistentVolumeClaim: {claimName: name}})
  podSpec.volumes = volumes
  return template
}

function validateStatefulSet(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const statefulSetSpec = spec(object)
  nonNegative(errors, statefulSetSpec.replicas, specPath.child('replicas'))
  errors.push(...validateSelector(statefulSetSpec, specPath, 'statefulset'))
  errors.push(...validatePodTemplate(withClaimTemplateVolumes(statefulSetSpec), specPath.child('template'), ['Always']))
  const policy = statefulSetSpec.podManagementPolicy
  if (policy !== 'OrderedReady' && policy !== 'Parallel') {
    errors.push(fieldError.notSupported(specPath.child('podManagementPolicy'), String(policy ?? ''), ['OrderedReady', 'Parallel']))
  }
  return errors
}

function statefulSetUpdateErrors(object: KubeObject, old: KubeObject): FieldError[] {
  const mutable = ['replicas', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'ordinals', 'revisionHistoryLimit']
  if (onlyFieldsChanged(spec(object), spec(old), mutable)) return []
  return [
    fieldError.forbidden(
      specPath,
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ),
  ]
}

export const statefulSetStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    const statefulSetSpec = spec(object)
    setDefault(statefulSetSpec, 'replicas', 1)
    setDefault(statefulSetSpec, 'podManagementPolicy', 'OrderedReady')
    const strategy = child(statefulSetSpec, 'updateStrategy')
    setDefault(strategy, 'type', 'RollingUpdate')
    if (strategy.type === 'RollingUpdate') {
      const rollingUpdate = child(strategy, 'rollingUpdate')
      setDefault(rollingUpdate, 'partition', 0)
    }
    setDefault(statefulSetSpec, 'revisionHistoryLimit', 10)
    setDefault(statefulSetSpec, 'persistentVolumeClaimRetentionPolicy', {whenDeleted: 'Retain', whenScaled: 'Retain'})
    defaultPodTemplate(statefulSetSpec.template)
  },
  prepareForCreate: (object) => {
    object.status = {replicas: 0, availableReplicas: 0}
  },
  validate: validateStatefulSet,
  validateUpdate: (object, old) => [...validateStatefulSet(object), ...statefulSetUpdateErrors(object, old)],
})

function validateDaemonSet(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const daemonSetSpec = spec(object)
  errors.push(...validateSelector(daemonSetSpec, specPath, 'daemonset'))
  errors.push(...validatePodTemplate(daemonSetSpec.template, specPath.child('template'), ['Always']))
  const strategy = isJsonObject(daemonSetSpec.updateStrategy) ? daemonSetSpec.updateStrategy : {}
  if (strategy.type === 'RollingUpdate') errors.push(...validateRollingUpdate(strategy.rollingUpdate, specPath.child('updateStrategy', 'rollingUpdate'), true))
  else if (strategy.type !== 'OnDelete') errors.push(fieldError.notSupported(specPath.child('updateStrategy', 'type'), String(strategy.type ?? ''), ['OnDelete', 'RollingUpdate']))
  return errors
}

export const daemonSetStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    const daemonSetSpec = spec(object)
    const strategy = child(daemonSetSpec, 'updateStrategy')
    setDefault(strategy, 'type', 'RollingUpdate')
    if (strategy.type === 'RollingUpdate') {
      const rollingUpdate = child(strategy, 'rollingUpdate')
      setDefault(rollingUpdate, 'maxUnavailable', 1)
      setDefault(rollingUpdate, 'maxSurge', 0)
    }
    setDefault(daemonSetSpec, 'revisionHistoryLimit', 10)
    defaultPodTemplate(daemonSetSpec.template)
  },
  prepareForCreate: (object) => {
    object.status = {currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0}
  },
  validate: validateDaemonSet,
  validateUpdate: (object, old) => [...validateDaemonSet(object), ...immutableSelector(object, old)],
})

export const controllerRevisionStrategy: Strategy = defineStrategy({
  validateUpdate: (object, old) =>
    jsonEqual(object.data, old.data) ? [] : [fieldError.invalid(FieldPath.root('data'), {goString: 'runtime.RawExtension{...}'}, 'field is immutable')],
})
