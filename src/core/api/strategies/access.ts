// Strategies of RBAC, policy, coordination, discovery, scheduling and apiextensions kinds.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isDns1123Subdomain, isDns1123Label} from '../names.js'
import {isJsonObject, jsonEqual, type KubeObject} from '../object.js'
import {defineStrategy} from './base.js'
import {nameIsPathSegment} from './meta.js'
import type {Strategy} from './strategy.js'
import {child, type Json, objects, str} from './json-fields.js'

const rbacGroup = 'rbac.authorization.k8s.io'

function validateRules(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  objects(object.rules).forEach((rule, index) => {
    const path = FieldPath.root('rules').index(index)
    const verbs = Array.isArray(rule.verbs) ? rule.verbs : []
    if (verbs.length === 0) errors.push(fieldError.required(path.child('verbs'), 'verbs must contain at least one value'))
    const nonResource = Array.isArray(rule.nonResourceURLs) ? rule.nonResourceURLs : []
    const resources = Array.isArray(rule.resources) ? rule.resources : []
    if (nonResource.length > 0) {
      if (object.kind === 'Role' || object.metadata.namespace) {
        errors.push(fieldError.invalid(path.child('nonResourceURLs'), {goString: `[]string{${nonResource.map((url) => JSON.stringify(url)).join(', ')}}`}, 'namespaced rules cannot apply to non-resource URLs'))
      }
      if (resources.length > 0 || (Array.isArray(rule.apiGroups) && rule.apiGroups.length > 0)) {
        errors.push(fieldError.invalid(path.child('nonResourceURLs'), {goString: `[]string{${nonResource.map((url) => JSON.stringify(url)).join(', ')}}`}, 'rules cannot apply to both regular resources and non-resource URLs'))
      }
      return
    }
    if (!Array.isArray(rule.apiGroups) || rule.apiGroups.length === 0) {
      errors.push(fieldError.required(path.child('apiGroups'), 'resource rules must supply at least one api group'))
    }
    if (resources.length === 0) errors.push(fieldError.required(path.child('resources'), 'resource rules must supply at least one resource'))
  })
  return errors
}

function defaultSubjects(object: KubeObject): void {
  for (const subject of objects(object.subjects)) {
    if (subject.apiGroup !== undefined) continue
    if (subject.kind === 'ServiceAccount') subject.apiGroup = ''
    else if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = rbacGroup
  }
}

function validateBinding(object: KubeObject, allowedRoleKinds: string[]): FieldError[] {
  const errors: FieldError[] = []
  const roleRef = isJsonObject(object.roleRef) ? object.roleRef : {}
  const refPath = FieldPath.root('roleRef')
  if (str(roleRef.apiGroup) !== rbacGroup) errors.push(fieldError.notSupported(refPath.child('apiGroup'), str(roleRef.apiGroup), [rbacGroup]))
  if (!allowedRoleKinds.includes(str(roleRef.kind))) errors.push(fieldError.notSupported(refPath.child('kind'), str(roleRef.kind), allowedRoleKinds))
  if (str(roleRef.name).length === 0) errors.push(fieldError.required(refPath.child('name')))
  else for (const message of nameIsPathSegment(str(roleRef.name), false)) errors.push(fieldError.invalid(refPath.child('name'), str(roleRef.name), message))
  objects(object.subjects).forEach((subject, index) => {
    const path = FieldPath.root('subjects').index(index)
    const kind = str(subject.kind)
    const name = str(subject.name)
    if (name.length === 0) errors.push(fieldError.required(path.child('name')))
    if (kind === 'ServiceAccount') {
      if (str(subject.apiGroup).length > 0) errors.push(fieldError.notSupported(path.child('apiGroup'), str(subject.apiGroup), ['']))
      for (const message of isDns1123Subdomain(name)) if (name.length > 0) errors.push(fieldError.invalid(path.child('name'), name, message))
      if (str(subject.namespace).length === 0 && object.kind === 'ClusterRoleBinding') errors.push(fieldError.required(path.child('namespace')))
    } else if (kind === 'User' || kind === 'Group') {
      if (str(subject.apiGroup) !== rbacGroup) errors.push(fieldError.notSupported(path.child('apiGroup'), str(subject.apiGroup), [rbacGroup]))
    } else {
      errors.push(fieldError.notSupported(path.child('kind'), kind, ['ServiceAccount', 'User', 'Group']))
    }
  })
  return errors
}

function roleRefUnchanged(object: KubeObject, old: KubeObject): FieldError[] {
  if (jsonEqual(object.roleRef, old.roleRef)) return []
  const roleRef = isJsonObject(object.roleRef) ? object.roleRef : {}
  return [
    fieldError.invalid(
      FieldPath.root('roleRef'),
      {goString: `rbac.RoleRef{APIGroup:${JSON.stringify(str(roleRef.apiGroup))}, Kind:${JSON.stringify(str(roleRef.kind))}, Name:${JSON.stringify(str(roleRef.name))}}`},
      'cannot change roleRef',
    ),
  ]
}

export const roleStrategy: Strategy = defineStrategy({nameValidation: nameIsPathSegment, allowCreateOnUpdate: true, validate: validateRules})
export const clusterRoleStrategy: Strategy = defineStrategy({nameValidation: nameIsPathSegment, allowCreateOnUpdate: true, validate: validateRules})
export const roleBindingStrategy: Strategy = defineStrategy({
  nameValidation: nameIsPathSegment,
  allowCreateOnUpdate: true,
  defaults: defaultSubjects,
  validate: (object) => validateBinding(object, ['ClusterRole', 'Role']),
  validateUpdate: (object, old) => [...validateBinding(object, ['ClusterRole', 'Role']), ...roleRefUnchanged(object, old)],
})
export const clusterRoleBindingStrategy: Strategy = defineStrategy({
  nameValidation: nameIsPathSegment,
  allowCreateOnUpdate: true,
  defaults: defaultSubjects,
  validate: (object) => validateBinding(object, ['ClusterRole']),
  validateUpdate: (object, old) => [...validateBinding(object, ['ClusterRole']), ...roleRefUnchanged(object, old)],
})

export const podDisruptionBudgetStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  prepareForCreate: (object) => {
    object.status = {disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0}
  },
  validate: (object) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
      return [fieldError.invalid(FieldPath.root('spec'), {goString: 'policy.PodDisruptionBudgetSpec{...}'}, 'minAvailable and maxUnavailable cannot be both set')]
    }
    return []
  },
})

export const leaseStrategy: Strategy = defineStrategy({allowCreateOnUpdate: true})

export const endpointSliceStrategy: Strategy = defineStrategy({
  generation: true,
  defaults: (object) => {
    for (const port of objects(object.ports)) if (port.protocol === undefined) port.protocol = 'TCP'
  },
  validate: (object) => {
    const type = str(object.addressType)
    return ['FQDN', 'IPv4', 'IPv6'].includes(type) ? [] : [fieldError.notSupported(FieldPath.root('addressType'), type, ['FQDN', 'IPv4', 'IPv6'])]
  },
})

export const userPriorityMax = 1_000_000_000

export const priorityClassStrategy: Strategy = defineStrategy({
  defaults: (object) => {
    if (object.preemptionPolicy === undefined) object.preemptionPolicy = 'PreemptLowerPriority'
  },
  validate: (object) => {
    const errors: FieldError[] = []
    const name = object.metadata.name ?? ''
    if (typeof object.value === 'number' && object.value > userPriorityMax && !name.startsWith('system-')) {
      errors.push(fieldError.forbidden(FieldPath.root('value'), `maximum allowed value of a user defined priority is ${userPriorityMax}`))
    }
    if (name.startsWith('system-') && !['system-node-critical', 'system-cluster-critical'].includes(name)) {
      errors.push(fieldError.forbidden(FieldPath.root('metadata').child('name'), 'priority class names with \'system-\' prefix are reserved for system use only'))
    }
    return errors
  },
  validateUpdate: (object, old) =>
    object.value === old.value ? [] : [fieldError.forbidden(FieldPath.root('value'), 'may not be changed in an update.')],
})

function validateCustomResourceDefinition(object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const spec = isJsonObject(object.spec) ? object.spec : {}
  const names = isJsonObject(spec.names) ? spec.names : {}
  const specPath = FieldPath.root('spec')
  const group = str(spec.group)
  const plural = str(names.plural)
  if (group.length === 0) errors.push(fieldError.required(specPath.child('group')))
  else {
    for (const message of isDns1123Subdomain(group)) errors.push(fieldError.invalid(specPath.child('group'), group, message))
    if (group.split('.').length < 2) errors.push(fieldError.invalid(specPath.child('group'), group, "should be a domain with at least one dot"))
  }
  if (plural.length === 0) errors.push(fieldError.required(specPath.child('names', 'plural')))
  else for (const message of isDns1123Label(plural)) errors.push(fieldError.invalid(specPath.child('names', 'plural'), plural, message))
  if (str(names.kind).length === 0) errors.push(fieldError.required(specPath.child('names', 'kind')))
  const name = object.metadata.name ?? ''
  if (name !== `${plural}.${group}`) errors.push(fieldError.invalid(FieldPath.root('metadata').child('name'), name, 'must be spec.names.plural+"."+spec.group'))
  const scope = str(spec.scope)
  if (!['Cluster', 'Namespaced'].includes(scope)) errors.push(fieldError.notSupported(specPath.child('scope'), scope, ['Cluster', 'Namespaced']))
  const versions = objects(spec.versions)
  if (versions.length === 0) errors.push(fieldError.invalid(specPath.child('versions'), {goString: '[]apiextensions.CustomResourceDefinitionVersion(nil)'}, 'must have exactly one version marked as storage version'))
  const storage = versions.filter((version) => version.storage === true).length
  if (versions.length > 0 && storage !== 1) {
    errors.push(fieldError.invalid(specPath.child('versions'), {goString: '[]apiextensions.CustomResourceDefinitionVersion{...}'}, 'must have exactly one version marked as storage version'))
  }
  versions.forEach((version, index) => {
    const path = specPath.child('versions').index(index)
    if (!isJsonObject(version.schema) || !isJsonObject((version.schema as Json).openAPIV3Schema)) {
      errors.push(fieldError.required(path.child('schema', 'openAPIV3Schema'), 'schemas are required'))
    }
  })
  return errors
}

export const customResourceDefinitionStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    const spec = child(object, 'spec')
    const names = isJsonObject(spec.names) ? spec.names : {}
    if (names.singular === undefined && typeof names.kind === 'string') names.singular = names.kind.toLowerCase()
    if (names.listKind === undefined && typeof names.kind === 'string') names.listKind = `${names.kind}List`
    if (spec.conversion === undefined) spec.conversion = {strategy: 'None'}
  },
  prepareForCreate: (object) => {
    const spec = isJsonObject(object.spec) ? object.spec : {}
    object.status = {
      acceptedNames: {...(isJsonObject(spec.names) ? spec.names : {})},
      conditions: [],
      storedVersions: objects(spec.versions).filter((version) => version.storage === true).map((version) => version.name),
    }
  },
  validate: validateCustomResourceDefinition,
  validateUpdate: (object, old) => {
    const errors = validateCustomResourceDefinition(object)
    const now = isJsonObject(object.spec) ? object.spec : {}
    const before = isJsonObject(old.spec) ? old.spec : {}
    if (now.scope !== before.scope) errors.push(fieldError.invalid(FieldPath.root('spec').child('scope'), str(now.scope), 'field is immutable'))
    return errors
  },
})
