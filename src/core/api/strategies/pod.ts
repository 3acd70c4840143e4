// The pod strategy: what a pod update may change, its ephemeral containers subresource, its
// defaults, validation, QoS class and grace period.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {defineStrategy, onlyFieldsChanged} from './base.js'
import {defaultPodSpec, podQosClass} from './pod-defaults.js'
import {validatePodSpec} from './pod-validation.js'
import type {Strategy} from './strategy.js'
import {type Json, objects, spec, str} from './json-fields.js'

const specPath = FieldPath.root('spec')

/** The fields a pod update may change; everything else is immutable once created. */
function podUpdateErrors(object: KubeObject, old: KubeObject): FieldError[] {
  const mutable = ['activeDeadlineSeconds', 'tolerations', 'terminationGracePeriodSeconds', 'schedulingGates']
  const withoutImages = (side: Json) => {
    for (const container of [...objects(side.containers), ...objects(side.initContainers)]) delete container.image
  }
  if (onlyFieldsChanged(spec(object), spec(old), mutable, withoutImages)) return []
  return [
    fieldError.forbidden(
      specPath,
      'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
    ),
  ]
}

/**
 * pods/ephemeralcontainers (kube's ValidatePodEphemeralContainersUpdate): only
 * spec.ephemeralContainers may change, by additions; names are unique among all the containers.
 */
export function validateEphemeralContainersUpdate(object: KubeObject, old: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const path = specPath.child('ephemeralContainers')
  const wanted = objects(spec(object).ephemeralContainers)
  const before = objects(spec(old).ephemeralContainers)
  before.forEach((container, index) => {
    const now = wanted.find((candidate) => candidate.name === container.name)
    if (!now) errors.push(fieldError.forbidden(path, `existing ephemeral containers ${JSON.stringify(container.name)} may not be removed\n`))
    else if (!jsonEqual(now, container)) errors.push(fieldError.forbidden(path.index(index), `existing ephemeral containers ${JSON.stringify(container.name)} may not be changed\n`))
  })
  const taken = new Set([...objects(spec(object).containers), ...objects(spec(object).initContainers)].map((container) => str(container.name)))
  wanted.forEach((container, index) => {
    const name = str(container.name)
    if (taken.has(name)) errors.push(fieldError.duplicate(path.index(index).child('name'), name))
    taken.add(name)
    if (str(container.image).length === 0) errors.push(fieldError.required(path.index(index).child('image'), ''))
  })
  const {ephemeralContainers: _new, ...rest} = spec(object)
  const {ephemeralContainers: _old, ...restBefore} = spec(old)
  if (!jsonEqual(rest, restBefore)) errors.push(fieldError.forbidden(specPath, 'pod updates may not change fields other than `spec.ephemeralContainers`'))
  return errors
}

export const podStrategy: Strategy = defineStrategy({
  hasStatus: true,
  returnDeletedObject: true,
  defaults: (object) => defaultPodSpec(spec(object)),
  prepareForCreate: (object) => {
    const podSpec = spec(object)
    // The v1 conversion mirrors serviceAccountName into the deprecated serviceAccount field.
    if (str(podSpec.serviceAccountName).length > 0) podSpec.serviceAccount = podSpec.serviceAccountName
    object.status = {phase: 'Pending', qosClass: podQosClass(podSpec)}
  },
  validate: (object) => validatePodSpec(spec(object), specPath),
  validateUpdate: (object, old) => [...validatePodSpec(spec(object), specPath), ...podUpdateErrors(object, old)],
  fields: (object) => {
    const podSpec = spec(object)
    const status = isJsonObject(object.status) ? object.status : {}
    return {
      'spec.nodeName': str(podSpec.nodeName),
      'spec.restartPolicy': str(podSpec.restartPolicy),
      'spec.schedulerName': str(podSpec.schedulerName),
      'spec.serviceAccountName': str(podSpec.serviceAccountName),
      'spec.hostNetwork': String(podSpec.hostNetwork === true),
      'status.phase': str(status.phase),
      'status.podIP': str(status.podIP),
      'status.nominatedNodeName': str(status.nominatedNodeName),
    }
  },
  // A pod on a node is given its grace period for the kubelet to stop it; an unscheduled pod goes at once.
  defaultGracePeriodSeconds: (object) => {
    const podSpec = spec(object)
    if (str(podSpec.nodeName).length === 0) return 0
    return typeof podSpec.terminationGracePeriodSeconds === 'number' ? podSpec.terminationGracePeriodSeconds : 30
  },
})
