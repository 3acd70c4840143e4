// Which webhooks a request goes to, as kube-apiserver's webhook dispatchers decide: the rules
// (operations, groups, versions, resources with subresources, scope), matchPolicy Equivalent
// (the same kind through another group or version), namespaceSelector and objectSelector.
import {isJsonObject, type JsonObject, type KubeObject} from '../../api/object.js'
import {labelSelectorFromObject, matchesLabels, SelectorError, type LabelSelectorObject} from '../../api/selectors.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes} from './chain.js'

export interface GroupVersionResource {
  readonly group: string
  readonly version: string
  readonly resource: string
}

/** Groups serving the same kinds under another name (kube's equivalent resource mapper). */
const equivalentGroups: Readonly<Record<string, readonly string[]>> = {
  'apps/deployments': ['apps', 'extensions'],
  'apps/daemonsets': ['apps', 'extensions'],
  'apps/replicasets': ['apps', 'extensions'],
  '/events': ['', 'events.k8s.io'],
  'networking.k8s.io/ingresses': ['networking.k8s.io', 'extensions'],
  'networking.k8s.io/networkpolicies': ['networking.k8s.io', 'extensions'],
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map((item) => str(item)) : [])

function resourceMatches(patterns: readonly string[], resource: string, subresource: string): boolean {
  return patterns.some((pattern) => {
    if (pattern === '*/*') return true
    const slash = pattern.indexOf('/')
    if (slash < 0) return subresource === '' && (pattern === '*' || pattern === resource)
    const wantedResource = pattern.slice(0, slash)
    const wantedSubresource = pattern.slice(slash + 1)
    return (wantedResource === '*' || wantedResource === resource) && (wantedSubresource === '*' || wantedSubresource === subresource)
  })
}

function ruleMatches(rule: JsonObject, attributes: AdmissionAttributes, target: GroupVersionResource): boolean {
  const within = (values: string[], value: string) => values.includes('*') || values.includes(value)
  if (!within(strings(rule.operations), attributes.operation)) return false
  if (!within(strings(rule.apiGroups), target.group) || !within(strings(rule.apiVersions), target.version)) return false
  if (!resourceMatches(strings(rule.resources), target.resource, attributes.subresource)) return false
  const scope = str(rule.scope) || '*'
  const clusterScoped = !attributes.definition.namespaced
  return scope === '*' || (scope === 'Cluster' && clusterScoped) || (scope === 'Namespaced' && !clusterScoped)
}

/**
 * The group, version and resource a webhook sees the request as: the request's own when a rule
 * names it; with matchPolicy Equivalent, else the first equivalent one a rule names; null when
 * no rule matches.
 */
export function matchingResource(hook: JsonObject, attributes: AdmissionAttributes): GroupVersionResource | null {
  const {group, version, resource} = attributes.definition
  const requested = {group, version, resource}
  const rules = objects(hook.rules)
  if (rules.some((rule) => ruleMatches(rule, attributes, requested))) return requested
  if (str(hook.matchPolicy) === 'Exact') return null
  const groups = equivalentGroups[`${group}/${resource}`] ?? [group]
  for (const rule of rules) {
    for (const candidateGroup of groups) {
      for (const candidateVersion of strings(rule.apiVersions).filter((value) => value !== '*')) {
        const candidate = {group: candidateGroup, version: candidateVersion, resource}
        if (ruleMatches(rule, attributes, candidate)) return candidate
      }
    }
  }
  return null
}

function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!isJsonObject(selector)) return true
  try {
    return matchesLabels(labelSelectorFromObject(selector as LabelSelectorObject), labels ?? {})
  } catch (error) {
    // Validation keeps bad operators out; a stored one that slipped past fails the request.
    if (error instanceof SelectorError) throw apiErrors.internal(error.message)
    throw error
  }
}

const isEmptySelector = (selector: unknown) =>
  !isJsonObject(selector) || (Object.keys(selector.matchLabels ?? {}).length === 0 && objects(selector.matchExpressions).length === 0)

/** objectSelector: the new or the old object's labels match. */
export function objectSelectorMatches(hook: JsonObject, object: KubeObject | null, old: KubeObject | null): boolean {
  if (isEmptySelector(hook.objectSelector)) return true
  return [object, old].some((candidate) => candidate !== null && selectorMatches(hook.objectSelector, candidate.metadata.labels))
}

/**
 * namespaceSelector: cluster-scoped objects other than namespaces always match; a namespace is
 * matched by its own labels, a namespaced object by its namespace's.
 */
export async function namespaceSelectorMatches(
  hook: JsonObject,
  attributes: AdmissionAttributes,
  object: KubeObject | null,
  old: KubeObject | null,
  namespaceLabels: (namespace: string) => Promise<Record<string, string> | undefined>,
): Promise<boolean> {
  if (isEmptySelector(hook.namespaceSelector)) return true
  const isNamespace = attributes.definition.group === '' && attributes.definition.resource === 'namespaces'
  if (isNamespace) return selectorMatches(hook.namespaceSelector, (object ?? old)?.metadata.labels)
  if (!attributes.definition.namespaced) return true
  return selectorMatches(hook.namespaceSelector, await namespaceLabels(attributes.namespace))
}
