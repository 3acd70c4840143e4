// The ReplicationController strategy as kube-apiserver 1.32 has it (core/v1): the selector, a
// plain label map, defaults to the template's labels (as do the controller's own labels when it
// has none), and ValidateReplicationControllerSpec's field errors. Unlike a ReplicaSet's, the
// selector may change.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, type KubeObject} from '../object.js'
import {labelMapSelects} from '../selectors.js'
import {defineStrategy} from './base.js'
import {goStringMap} from './go-values.js'
import {defaultPodTemplate} from './pod-defaults.js'
import {validatePodTemplate} from './pod-validation.js'
import type {Strategy} from './strategy.js'
import {type Json, setDefault, spec} from './json-fields.js'
import {nonNegative} from './workloads.js'

const specPath = FieldPath.root('spec')

type LabelMap = Record<string, string>

const labelMap = (value: unknown): LabelMap => (isJsonObject(value) ? (value as LabelMap) : {})


function templateLabels(controllerSpec: Json): LabelMap | undefined {
  const template = controllerSpec.template
  if (!isJsonObject(template) || !isJsonObject(template.metadata) || !isJsonObject(template.metadata.labels)) return undefined
  return template.metadata.labels as LabelMap
}

/** SetDefaults_ReplicationController. */
function defaultReplicationController(object: KubeObject): void {
  const controllerSpec = spec(object)
  const labels = templateLabels(controllerSpec)
  if (labels !== undefined) {
    if (Object.keys(labelMap(controllerSpec.selector)).length === 0) controllerSpec.selector = {...labels}
    if (Object.keys(object.metadata.labels ?? {}).length === 0) object.metadata.labels = {...labels}
  }
  setDefault(controllerSpec, 'replicas', 1)
  defaultPodTemplate(controllerSpec.template)
}

/** ValidateReplicationControllerSpec with ValidatePodTemplateSpecForRC. */
function validateReplicationController(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const controllerSpec = spec(object)
  nonNegative(errors, controllerSpec.minReadySeconds, specPath.child('minReadySeconds'))
  const selector = labelMap(controllerSpec.selector)
  if (Object.keys(selector).length === 0) errors.push(fieldError.required(specPath.child('selector')))
  nonNegative(errors, controllerSpec.replicas, specPath.child('replicas'))
  const templatePath = specPath.child('template')
  const template = controllerSpec.template
  if (!isJsonObject(template)) {
    errors.push(fieldError.required(templatePath))
    return errors
  }
  const labels = templateLabels(controllerSpec)
  if (Object.keys(selector).length > 0 && !labelMapSelects(selector, labels)) {
    errors.push(fieldError.invalid(templatePath.child('metadata', 'labels'), {goString: goStringMap(labels)}, '`selector` does not match template `labels`'))
  }
  errors.push(...validatePodTemplate(template, templatePath, ['Always']))
  const podSpec = isJsonObject(template.spec) ? template.spec : {}
  if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errors.push(fieldError.forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicationController is not Supported'))
  }
  return errors
}

export const replicationControllerStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: defaultReplicationController,
  prepareForCreate: (object) => {
    object.status = {replicas: 0}
  },
  validate: validateReplicationController,
  fields: (object) => ({'status.replicas': String((isJsonObject(object.status) ? object.status.replicas : 0) ?? 0)}),
})
