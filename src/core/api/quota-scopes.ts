// ResourceQuota scopes (spec.scopes and spec.scopeSelector): which pods a quota counts, as kube's
// pod evaluator matches them (Terminating: an activeDeadlineSeconds; BestEffort: the QoS class;
// PriorityClass: the pod's priorityClassName; CrossNamespacePodAffinity), and the validation that
// keeps scopes to the resources they can count. A scoped quota counts pods only.
import {type FieldError, type FieldPath, fieldError} from './field-errors.js'
import {isJsonObject, type KubeObject} from './object.js'
import {podQosClass} from './strategies/pod-defaults.js'

export const standardQuotaScopes = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'] as const

/** The names kube's validation checks against scopes (helper.IsStandardQuotaResourceName). */
const standardQuotaResources = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory',
  'limits.ephemeral-storage', 'pods', 'quota', 'services', 'replicationcontrollers', 'secrets', 'persistentvolumeclaims', 'configmaps', 'services.nodeports', 'services.loadbalancers',
])
const podComputeResources = new Set(['cpu', 'memory', 'limits.cpu', 'limits.memory', 'requests.cpu', 'requests.memory'])

/** helper.IsResourceQuotaScopeValidForResource. */
function scopeValidForResource(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods'
  if ((standardQuotaScopes as readonly string[]).includes(scope)) return resource === 'pods' || podComputeResources.has(resource)
  return true
}

interface ScopeRequirement {
  readonly scopeName: string
  readonly operator: string
  readonly values: readonly string[]
}

/** The scopes of a quota as requirements: each of spec.scopes is an Exists, then the scopeSelector's expressions. */
function requirementsOf(quota: KubeObject): ScopeRequirement[] {
  const spec = isJsonObject(quota.spec) ? quota.spec : {}
  const scopes = Array.isArray(spec.scopes) ? spec.scopes.map(String) : []
  const selector = isJsonObject(spec.scopeSelector) ? spec.scopeSelector : {}
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isJsonObject) : []
  return [
    ...scopes.map((scopeName) => ({scopeName, operator: 'Exists', values: []})),
    ...expressions.map((expression) => ({scopeName: String(expression.scopeName), operator: String(expression.operator), values: Array.isArray(expression.values) ? expression.values.map(String) : []})),
  ]
}

export function isScopedQuota(quota: KubeObject): boolean {
  return requirementsOf(quota).length > 0
}

function usesCrossNamespacePodAffinity(spec: Record<string, unknown>): boolean {
  const affinity = isJsonObject(spec.affinity) ? spec.affinity : {}
  const terms = ['podAffinity', 'podAntiAffinity'].flatMap((kind) => {
    const section = isJsonObject(affinity[kind]) ? affinity[kind] : {}
    const required = Array.isArray(section.requiredDuringSchedulingIgnoredDuringExecution) ? section.requiredDuringSchedulingIgnoredDuringExecution : []
    const preferred = Array.isArray(section.preferredDuringSchedulingIgnoredDuringExecution) ? section.preferredDuringSchedulingIgnoredDuringExecution : []
    return [...required, ...preferred.map((entry) => (isJsonObject(entry) ? entry.podAffinityTerm : undefined))].filter(isJsonObject)
  })
  return terms.some((term) => (Array.isArray(term.namespaces) && term.namespaces.length > 0) || term.namespaceSelector !== undefined)
}

function podMatches(requirement: ScopeRequirement, pod: KubeObject): boolean {
  const spec = isJsonObject(pod.spec) ? pod.spec : {}
  const bestEffort = () => (isJsonObject(pod.status) && typeof pod.status.qosClass === 'string' ? pod.status.qosClass : podQosClass(spec)) === 'BestEffort'
  const terminating = () => typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds >= 0
  switch (requirement.scopeName) {
    case 'Terminating': return terminating()
    case 'NotTerminating': return !terminating()
    case 'BestEffort': return bestEffort()
    case 'NotBestEffort': return !bestEffort()
    case 'CrossNamespacePodAffinity': return usesCrossNamespacePodAffinity(spec)
    case 'PriorityClass': {
      const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : ''
      switch (requirement.operator) {
        case 'Exists': return name.length > 0
        case 'DoesNotExist': return name.length === 0
        case 'In': return requirement.values.includes(name)
        case 'NotIn': return !requirement.values.includes(name)
        default: return false
      }
    }
    default: return false
  }
}

/** Whether a quota counts the object: an unscoped one counts everything; a scoped one, pods in all its scopes. */
export function quotaMatches(quota: KubeObject, group: string, resource: string, object: KubeObject): boolean {
  const requirements = requirementsOf(quota)
  if (requirements.length === 0) return true
  if (group !== '' || resource !== 'pods') return false
  return requirements.every((requirement) => podMatches(requirement, object))
}

/** Go's %#v of a []core.ResourceQuotaScope, as kube's field errors print it. */
function goScopes(scopes: readonly string[]): {goString: string} {
  return {goString: `[]core.ResourceQuotaScope{${scopes.map((scope) => JSON.stringify(scope)).join(', ')}}`}
}

/** validateResourceQuotaScopes and validateScopeSelector of kube 1.32. */
export function validateQuotaScopes(spec: Record<string, unknown>, specPath: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const hard = Object.keys(isJsonObject(spec.hard) ? spec.hard : {}).sort()
  const scopes = Array.isArray(spec.scopes) ? spec.scopes.map(String) : []
  const scopesPath = specPath.child('scopes')
  for (const scope of scopes) {
    if (!(standardQuotaScopes as readonly string[]).includes(scope)) errors.push(fieldError.invalid(scopesPath, goScopes(scopes), 'unsupported scope'))
    for (const name of hard) {
      if (standardQuotaResources.has(name) && !scopeValidForResource(scope, name)) errors.push(fieldError.invalid(scopesPath, goScopes(scopes), 'unsupported scope applied to resource'))
    }
  }
  for (const [one, other] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']] as const) {
    if (scopes.includes(one) && scopes.includes(other)) errors.push(fieldError.invalid(scopesPath, goScopes(scopes), 'conflicting scopes'))
  }
  const selector = isJsonObject(spec.scopeSelector) ? spec.scopeSelector : null
  if (!selector) return errors
  const expressionsPath = specPath.child('scopeSelector').child('matchExpressions')
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []
  const selectorScopes: string[] = []
  expressions.forEach((expression, index) => {
    const path = expressionsPath.index(index)
    const entry = isJsonObject(expression) ? expression : {}
    const scopeName = String(entry.scopeName ?? '')
    const operator = String(entry.operator ?? '')
    const values = Array.isArray(entry.values) ? entry.values : []
    if (!(standardQuotaScopes as readonly string[]).includes(scopeName)) errors.push(fieldError.invalid(path.child('scopeName'), scopeName, 'unsupported scope'))
    else selectorScopes.push(scopeName)
    if (['In', 'NotIn'].includes(operator)) {
      if (values.length === 0) errors.push(fieldError.required(path.child('values'), 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'))
    } else if (['Exists', 'DoesNotExist'].includes(operator)) {
      if (values.length > 0) errors.push(fieldError.invalid(path.child('values'), {goString: `[]string{${values.map((value) => JSON.stringify(String(value))).join(', ')}}`}, 'must be no value when `operator` is \'Exist\' or \'DoesNotExist\' for scope selector'))
    } else errors.push(fieldError.invalid(path.child('operator'), operator, 'not a valid selector operator'))
    if (['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort'].includes(scopeName) && operator !== 'Exists') {
      errors.push(fieldError.invalid(path.child('operator'), operator, 'must be \'Exist\' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity'))
    }
  })
  for (const scope of selectorScopes) {
    for (const name of hard) {
      if (standardQuotaResources.has(name) && !scopeValidForResource(scope, name)) errors.push(fieldError.invalid(expressionsPath, goScopes(selectorScopes), 'unsupported scope applied to resource'))
    }
  }
  return errors
}

/** Which pods a quota counts cannot change under it (its scopes, as a set). */
export function validateQuotaScopesUpdate(spec: Record<string, unknown>, oldSpec: Record<string, unknown>, specPath: FieldPath): FieldError[] {
  const scopes = Array.isArray(spec.scopes) ? spec.scopes.map(String) : []
  const oldScopes = Array.isArray(oldSpec.scopes) ? oldSpec.scopes.map(String) : []
  const same = new Set(scopes).size === new Set(oldScopes).size && scopes.every((scope) => oldScopes.includes(scope))
  return same ? [] : [fieldError.invalid(specPath.child('scopes'), goScopes(scopes), 'field is immutable')]
}
