// kubectl describe for RBAC: Roles and ClusterRoles (their rules broken down to one group,
// resource and name each, the simple ones merged again with their verbs, sorted by the rule's Go
// text), RoleBindings and ClusterRoleBindings (the role, then the subjects). As kubectl 1.32's
// describers: no namespace line, no events.
import type {KubeObject} from '../../api/object.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, text} from './writer.js'

export interface PolicyRule {
  verbs: string[]
  apiGroups: string[]
  resources: string[]
  resourceNames: string[]
  nonResourceURLs: string[]
}

/** Go's %v of a string slice. */
export const goList = (values: readonly string[]) => `[${values.join(' ')}]`

/** rbacv1.PolicyRule's String(), by which kubectl sorts the rules it lists. */
export function policyRuleText(rule: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(rule.verbs)},APIGroups:${goList(rule.apiGroups)},Resources:${goList(rule.resources)},ResourceNames:${goList(rule.resourceNames)},NonResourceURLs:${goList(rule.nonResourceURLs)},}`
}

/** `deployments.apps/scale`: the resource, its group when there is one, then its subresource. */
export function combineResourceGroup(resources: readonly string[], groups: readonly string[]): string {
  if (resources.length === 0) return ''
  const [resource, subresource] = resources[0]!.split(/\/(.*)/s, 2) as [string, string | undefined]
  let combined = resource
  if (groups.length > 0 && groups[0] !== '') combined += `.${groups[0]}`
  return subresource !== undefined ? `${combined}/${subresource}` : combined
}

export function sortedByRuleText(rules: PolicyRule[]): PolicyRule[] {
  const texts = new Map(rules.map((entry) => [entry, policyRuleText(entry)]))
  return rules.sort((left, right) => (texts.get(left)! < texts.get(right)! ? -1 : texts.get(left)! > texts.get(right)! ? 1 : 0))
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map((item) => text(item)) : [])

/**
 * kubectl's BreakdownRule then CompactRules: a rule per group, resource, verb and name, and per
 * non-resource URL and verb; those of one group, resource and name merged again, verbs in order.
 */
function describedRules(rules: readonly Record<string, unknown>[]): PolicyRule[] {
  const rule = (fields: Partial<PolicyRule>): PolicyRule => ({verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...fields})
  const compacted: PolicyRule[] = []
  const simple = new Map<string, PolicyRule>()
  for (const source of rules) {
    const verbs = strings(source.verbs)
    const names = strings(source.resourceNames)
    for (const group of strings(source.apiGroups)) {
      for (const resource of strings(source.resources)) {
        for (const verb of verbs) {
          for (const name of names.length > 0 ? names : [null]) {
            const key = JSON.stringify([group, resource, name])
            const existing = simple.get(key)
            if (existing) existing.verbs.push(verb)
            else simple.set(key, rule({apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: name === null ? [] : [name]}))
          }
        }
      }
    }
    for (const url of strings(source.nonResourceURLs)) for (const verb of verbs) compacted.push(rule({nonResourceURLs: [url], verbs: [verb]}))
  }
  return sortedByRuleText([...compacted, ...simple.values()])
}

export async function describeRole(role: KubeObject): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${role.metadata.name ?? ''}\n`)
  printLabels(writer, 'Labels', role.metadata.labels)
  printAnnotations(writer, 'Annotations', role.metadata.annotations)
  writer.write(0, 'PolicyRule:\n')
  writer.write(1, 'Resources\tNon-Resource URLs\tResource Names\tVerbs\n')
  writer.write(1, '---------\t-----------------\t--------------\t-----\n')
  for (const rule of describedRules(list(role.rules))) {
    writer.write(1, `${combineResourceGroup(rule.resources, rule.apiGroups)}\t${goList(rule.nonResourceURLs)}\t${goList(rule.resourceNames)}\t${goList(rule.verbs)}\n`)
  }
  return writer.toString()
}

export async function describeRoleBinding(binding: KubeObject): Promise<string> {
  const writer = new DescribeWriter()
  const roleRef = record(binding.roleRef)
  writer.write(0, `Name:\t${binding.metadata.name ?? ''}\n`)
  printLabels(writer, 'Labels', binding.metadata.labels)
  printAnnotations(writer, 'Annotations', binding.metadata.annotations)
  writer.write(0, 'Role:\n')
  writer.write(1, `Kind:\t${text(roleRef.kind)}\n`)
  writer.write(1, `Name:\t${text(roleRef.name)}\n`)
  writer.write(0, 'Subjects:\n')
  writer.write(1, 'Kind\tName\tNamespace\n')
  writer.write(1, '----\t----\t---------\n')
  for (const subject of list(binding.subjects)) writer.write(1, `${text(subject.kind)}\t${text(subject.name)}\t${text(subject.namespace)}\n`)
  return writer.toString()
}
