// The RBAC authorizer of kube-apiserver: system:masters is always allowed (the privileged-group
// authorizer in front of RBAC); everyone else gets what the ClusterRoleBindings, and the
// RoleBindings of the request's namespace, grant through their roles' rules. Aggregated
// ClusterRoles (admin, edit, view) take the rules of the roles their selectors match.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {isLabelSelectorObject, labelSelectorFromObject, matchesLabels} from '../../api/selectors.js'
import {parseServiceAccountUserName, systemGroups} from '../authentication/user.js'
import type {UserInfo} from '../../api/wire.js'

export interface PolicyRule {
  readonly verbs: readonly string[]
  readonly apiGroups?: readonly string[]
  readonly resources?: readonly string[]
  readonly resourceNames?: readonly string[]
  readonly nonResourceURLs?: readonly string[]
}

export interface Subject {
  readonly kind: string
  readonly name: string
  readonly namespace?: string
  readonly apiGroup?: string
}

/** authorizer.Attributes: what a request asks to do. */
export interface Attributes {
  readonly user: UserInfo
  readonly verb: string
  readonly isResourceRequest: boolean
  readonly path: string
  readonly apiGroup: string
  readonly apiVersion: string
  readonly namespace: string
  readonly resource: string
  readonly subresource: string
  readonly name: string
}

export interface Decision {
  readonly allowed: boolean
  readonly reason: string
}

/** How the authorizer reads RBAC objects (through the registry, at the newest revision). */
export interface RbacReader {
  clusterRoleBindings(): Promise<KubeObject[]>
  roleBindings(namespace: string): Promise<KubeObject[]>
  clusterRoles(): Promise<KubeObject[]>
  clusterRole(name: string): Promise<KubeObject | null>
  role(namespace: string, name: string): Promise<KubeObject | null>
}

/** A stored role or binding whose rules or subjects are not the shape RBAC reads (written past the API server). */
export class RbacShapeError extends Error {
  constructor(object: KubeObject, field: string, index: number, expected: string) {
    super(`${object.kind ?? 'object'} ${JSON.stringify(object.metadata.name ?? '')}: ${field}[${index}] is not ${expected}`)
    this.name = 'RbacShapeError'
  }
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string')
const isOptionalStringList = (value: unknown) => value === undefined || isStringList(value)
const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string'

export function isPolicyRule(value: unknown): value is PolicyRule {
  return isJsonObject(value) && isStringList(value.verbs) && isOptionalStringList(value.apiGroups) && isOptionalStringList(value.resources) && isOptionalStringList(value.resourceNames) && isOptionalStringList(value.nonResourceURLs)
}

export function isSubject(value: unknown): value is Subject {
  return isJsonObject(value) && typeof value.kind === 'string' && typeof value.name === 'string' && isOptionalString(value.namespace) && isOptionalString(value.apiGroup)
}

/** The items of `list` (object's `field`) that must all pass `is`; RbacShapeError names the first that does not. */
function itemsOf<T>(object: KubeObject, list: unknown, field: string, is: (value: unknown) => value is T, expected: string): T[] {
  if (!Array.isArray(list)) return []
  const items: T[] = []
  for (const [index, item] of list.entries()) {
    if (!is(item)) throw new RbacShapeError(object, field, index, expected)
    items.push(item)
  }
  return items
}

const rulesOf = (role: KubeObject): PolicyRule[] => itemsOf(role, role.rules, 'rules', isPolicyRule, 'a PolicyRule (verbs and the other fields lists of strings)')
const subjectsOf = (binding: KubeObject): Subject[] => itemsOf(binding, binding.subjects, 'subjects', isSubject, 'a Subject (kind and name strings)')

interface RoleReference {
  readonly kind: string
  readonly name: string
}

function roleReferenceOf(binding: KubeObject): RoleReference {
  const reference = isJsonObject(binding.roleRef) ? binding.roleRef : {}
  return {kind: String(reference.kind ?? ''), name: String(reference.name ?? '')}
}

export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.name === subject.name
    case 'Group':
      return user.groups.includes(subject.name)
    case 'ServiceAccount': {
      const account = parseServiceAccountUserName(user.name)
      const namespace = subject.namespace && subject.namespace.length > 0 ? subject.namespace : bindingNamespace
      return account !== null && account.namespace === namespace && account.name === subject.name
    }
    default:
      return false
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `${subject.kind} ${JSON.stringify(`${subject.name}/${subject.namespace || bindingNamespace}`)}`
  return `${subject.kind} ${JSON.stringify(subject.name)}`
}

const has = (list: readonly string[] | undefined, value: string) => (list ?? []).includes('*') || (list ?? []).includes(value)

export function ruleAllows(attributes: Omit<Attributes, 'user'>, rule: PolicyRule): boolean {
  if (!has(rule.verbs, attributes.verb)) return false
  if (!attributes.isResourceRequest) {
    return (rule.nonResourceURLs ?? []).some((url) => url === '*' || url === attributes.path || (url.endsWith('*') && attributes.path.startsWith(url.slice(0, -1))))
  }
  if (!has(rule.apiGroups, attributes.apiGroup)) return false
  const combined = attributes.subresource.length > 0 ? `${attributes.resource}/${attributes.subresource}` : attributes.resource
  const resourceMatches = (rule.resources ?? []).some(
    (resource) => resource === '*' || resource === combined || (attributes.subresource.length > 0 && resource === `*/${attributes.subresource}`),
  )
  if (!resourceMatches) return false
  const names = rule.resourceNames ?? []
  return names.length === 0 || names.includes(attributes.name)
}

/** The rules granted to a user, each with the binding that grants it (for "allowed by …"). */
interface VisitedRule {
  readonly rule: PolicyRule
  readonly source: string
}

export class RbacAuthorizer {
  constructor(private readonly reader: RbacReader) {}

  async authorize(attributes: Attributes): Promise<Decision> {
    if (attributes.user.groups.includes(systemGroups.masters)) return {allowed: true, reason: ''}
    const {rules, errors} = await this.visit(attributes.user, attributes.namespace, (rule) => ruleAllows(attributes, rule))
    const allowing = rules.find((visited) => ruleAllows(attributes, visited.rule))
    if (allowing) return {allowed: true, reason: `RBAC: allowed by ${allowing.source}`}
    return {allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`}
  }

  /** Everything a user may do in a namespace, as SelfSubjectRulesReview reports it. */
  async rulesFor(user: UserInfo, namespace: string): Promise<{rules: PolicyRule[]; errors: string[]}> {
    const {rules, errors} = await this.visit(user, namespace, () => false)
    return {rules: rules.map((visited) => visited.rule), errors}
  }

  /** Walks the user's bindings (cluster ones first), stopping early once `stop` holds for a rule. */
  private async visit(user: UserInfo, namespace: string, stop: (rule: PolicyRule) => boolean): Promise<{rules: VisitedRule[]; errors: string[]}> {
    const rules: VisitedRule[] = []
    const errors: string[] = []
    const bindings: Array<{binding: KubeObject; namespace: string}> = (await this.reader.clusterRoleBindings()).map((binding) => ({binding, namespace: ''}))
    if (namespace.length > 0) bindings.push(...(await this.reader.roleBindings(namespace)).map((binding) => ({binding, namespace})))
    for (const {binding, namespace: bindingNamespace} of bindings) {
      const subject = shapeChecked(() => subjectsOf(binding).find((candidate) => appliesTo(user, candidate, bindingNamespace)))
      if (typeof subject === 'string') {
        errors.push(subject)
        continue
      }
      if (!subject) continue
      const reference = roleReferenceOf(binding)
      const role = await this.roleRules(reference, bindingNamespace)
      if (typeof role === 'string') {
        errors.push(role)
        continue
      }
      const source = bindingNamespace.length === 0
        ? `ClusterRoleBinding ${JSON.stringify(binding.metadata.name)} of ${reference.kind} ${JSON.stringify(reference.name)} to ${describeSubject(subject, '')}`
        : `RoleBinding ${JSON.stringify(`${binding.metadata.name}/${bindingNamespace}`)} of ${reference.kind} ${JSON.stringify(reference.name)} to ${describeSubject(subject, bindingNamespace)}`
      for (const rule of role) {
        rules.push({rule, source})
        if (stop(rule)) return {rules, errors}
      }
    }
    return {rules, errors}
  }

  /** A role's rules, or the error text when it is missing or its rules are malformed. */
  private async roleRules(reference: RoleReference, namespace: string): Promise<PolicyRule[] | string> {
    if (reference.kind === 'Role') {
      const role = await this.reader.role(namespace, reference.name)
      return role ? shapeChecked(() => rulesOf(role)) : `role.rbac.authorization.k8s.io ${JSON.stringify(reference.name)} not found`
    }
    const role = await this.reader.clusterRole(reference.name)
    if (!role) return `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(reference.name)} not found`
    try {
      return await this.effectiveClusterRoleRules(role)
    } catch (error) {
      if (error instanceof RbacShapeError) return error.message
      throw error
    }
  }

  private async effectiveClusterRoleRules(role: KubeObject): Promise<PolicyRule[]> {
    const aggregation = isJsonObject(role.aggregationRule) ? role.aggregationRule : null
    if (!aggregation || !Array.isArray(aggregation.clusterRoleSelectors)) return rulesOf(role)
    const selectors = itemsOf(role, aggregation.clusterRoleSelectors, 'aggregationRule.clusterRoleSelectors', isLabelSelectorObject, 'a LabelSelector').map(labelSelectorFromObject)
    const rules = [...rulesOf(role)]
    const seen = new Set(rules.map((rule) => JSON.stringify(rule)))
    for (const candidate of await this.reader.clusterRoles()) {
      if (candidate.metadata.name === role.metadata.name) continue
      if (!selectors.some((selector) => matchesLabels(selector, candidate.metadata.labels))) continue
      for (const rule of rulesOf(candidate)) {
        const key = JSON.stringify(rule)
        if (!seen.has(key)) {
          seen.add(key)
          rules.push(rule)
        }
      }
    }
    return rules
  }
}

/** What `read` returns, or the message of the RbacShapeError it threw (reported as the authorizer's errors are). */
function shapeChecked<T>(read: () => T): T | string {
  try {
    return read()
  } catch (error) {
    if (error instanceof RbacShapeError) return error.message
    throw error
  }
}

/** kube-apiserver's Forbidden message for a denied request. */
export function forbiddenMessage(attributes: Attributes): string {
  const user = attributes.user.name
  if (!attributes.isResourceRequest) return `User ${JSON.stringify(user)} cannot ${attributes.verb} path ${JSON.stringify(attributes.path)}`
  const resource = attributes.subresource.length > 0 ? `${attributes.resource}/${attributes.subresource}` : attributes.resource
  const scope = attributes.namespace.length > 0 ? `in the namespace ${JSON.stringify(attributes.namespace)}` : 'at the cluster scope'
  return `User ${JSON.stringify(user)} cannot ${attributes.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attributes.apiGroup)} ${scope}`
}
