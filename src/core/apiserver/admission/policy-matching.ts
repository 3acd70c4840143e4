// Which requests a ValidatingAdmissionPolicy and its bindings apply to, as kube's generic policy
// matcher decides: namespaceSelector, objectSelector, excludeResourceRules, then resourceRules
// (with resourceNames) under matchPolicy; an empty resourceRules matches every resource; and the
// params a binding's paramRef names.
import {isJsonObject, type JsonObject, type KubeObject} from '../../api/object.js'
import {labelSelectorFromObject, matchesLabels, type LabelSelectorObject} from '../../api/selectors.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import type {AdmissionAttributes} from './chain.js'
import type {AdmissionReader} from './context.js'
import {type GroupVersionResource, matchingResource, namespaceSelectorMatches, objectSelectorMatches} from './webhook-matching.js'

/** A configuration error of a binding or a policy, worded as kube's CollectParams. */
export class PolicyConfigurationError extends Error {}

function rulesFor(match: JsonObject, field: 'resourceRules' | 'excludeResourceRules', name: string): JsonObject[] {
  return objects(match[field]).filter((rule) => {
    const names = Array.isArray(rule.resourceNames) ? rule.resourceNames.map((value) => str(value)) : []
    return names.length === 0 || names.includes(name)
  })
}

/** The resource the request is seen as, or null when `match` leaves the request out. */
export async function matchResourcesTarget(
  match: JsonObject,
  attributes: AdmissionAttributes,
  object: KubeObject | null,
  old: KubeObject | null,
  reader: AdmissionReader,
): Promise<GroupVersionResource | null> {
  const namespaceLabels = async (namespace: string) => (await reader.get('', 'namespaces', '', namespace))?.metadata.labels
  if (!(await namespaceSelectorMatches(match, attributes, object, old, namespaceLabels))) return null
  if (!objectSelectorMatches(match, object, old)) return null
  const policy = str(match.matchPolicy) || 'Equivalent'
  const excluded = rulesFor(match, 'excludeResourceRules', attributes.name)
  if (excluded.length > 0 && matchingResource({rules: excluded, matchPolicy: policy}, attributes)) return null
  if (objects(match.resourceRules).length === 0) {
    const {group, version, resource} = attributes.definition
    return {group, version, resource}
  }
  return matchingResource({rules: rulesFor(match, 'resourceRules', attributes.name), matchPolicy: policy}, attributes)
}

/**
 * The params one binding evaluates its policy with: [null] without paramKind or paramRef, else
 * the named object or those its selector picks; none found is an error under Deny.
 */
export async function collectParams(policySpec: JsonObject, bindingSpec: JsonObject, namespace: string, reader: AdmissionReader): Promise<Array<KubeObject | null>> {
  const paramKind = isJsonObject(policySpec.paramKind) ? policySpec.paramKind : null
  const paramRef = isJsonObject(bindingSpec.paramRef) ? bindingSpec.paramRef : null
  if (!paramKind || !paramRef) return [null]
  const definition = reader.scheme.kindOf(str(paramKind.apiVersion), str(paramKind.kind))
  if (!definition) throw new PolicyConfigurationError(`paramKind kind \`&ParamKind{APIVersion:${str(paramKind.apiVersion)},Kind:${str(paramKind.kind)},}\` not known`)
  let paramsNamespace = ''
  if (definition.namespaced) {
    paramsNamespace = str(paramRef.namespace) || namespace
    if (paramsNamespace.length === 0) throw new PolicyConfigurationError('cannot use namespaced paramRef in policy binding that matches cluster-scoped resources')
  } else if (str(paramRef.namespace).length > 0) {
    throw new PolicyConfigurationError('paramRef.namespace must not be provided for a cluster-scoped `paramKind`')
  }
  let params: KubeObject[]
  const name = str(paramRef.name)
  if (name.length > 0) {
    const found = await reader.get(definition.group, definition.resource, paramsNamespace, name)
    params = found ? [found] : []
  } else {
    const selector = labelSelectorFromObject((isJsonObject(paramRef.selector) ? paramRef.selector : {}) as LabelSelectorObject)
    const all = await reader.list(definition.group, definition.resource, definition.namespaced ? paramsNamespace : null)
    params = all.filter((candidate) => matchesLabels(selector, candidate.metadata.labels ?? {}))
  }
  if (params.length === 0 && str(paramRef.parameterNotFoundAction) === 'Deny') {
    throw new PolicyConfigurationError('no params found for policy binding with `Deny` parameterNotFoundAction')
  }
  return params.map((param) => ({...param, apiVersion: str(paramKind.apiVersion), kind: str(paramKind.kind)}))
}
