// `kubectl auth reconcile -f FILE`: the Roles, ClusterRoles, RoleBindings and ClusterRoleBindings
// of the files made so on the server as kube's RBAC reconciliation makes them: a missing one is
// created (its namespace too), an existing one gets the rules or subjects it lacks (and loses the
// extra ones with --remove-extra-permissions / --remove-extra-subjects), a binding whose roleRef
// differs is deleted and created again, labels and annotations merge (the existing ones win), and
// one annotated rbac.authorization.kubernetes.io/autoupdate=false is left alone. Each object is
// printed as `KIND/NAME reconciled`, and what it needed goes to stderr in kubectl 1.32's words.
import {cloneJson, type KubeObject} from '../../api/object.js'
import {KubectlError} from '../errors.js'
import {hasManifestSource, readManifestsOrKustomization} from '../kustomize/manifests.js'
import {ChangedObjectPrinter} from '../output.js'
import {collectionPath, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {asTypedObject} from '../typed-object.js'
import {dryRunOf, dryRunSuffix, placeObject} from './apply.js'

const rbacGroup = 'rbac.authorization.k8s.io'
const protectedAnnotation = 'rbac.authorization.kubernetes.io/autoupdate'

interface PolicyRule {
  verbs?: string[]
  apiGroups?: string[]
  resources?: string[]
  resourceNames?: string[]
  nonResourceURLs?: string[]
}

interface Subject {
  kind?: string
  apiGroup?: string
  name?: string
  namespace?: string
}

type Operation = 'none' | 'create' | 'update' | 'recreate'

interface Reconciled {
  object: KubeObject
  operation: Operation
  protected: boolean
  missingRules: PolicyRule[]
  extraRules: PolicyRule[]
  missingSubjects: Subject[]
  extraSubjects: Subject[]
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [])
const rulesOf = (object: KubeObject): PolicyRule[] => (Array.isArray(object.rules) ? (object.rules as PolicyRule[]) : [])
const subjectsOf = (object: KubeObject): Subject[] => (Array.isArray(object.subjects) ? (object.subjects as Subject[]) : [])

/** A rule cut into rules of one group, resource, verb (and name), or one URL and verb: what coverage is checked on. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const parts: PolicyRule[] = []
  for (const group of list(rule.apiGroups)) {
    for (const resource of list(rule.resources)) {
      for (const verb of list(rule.verbs)) {
        const names = list(rule.resourceNames)
        if (names.length > 0) for (const name of names) parts.push({apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name]})
        else parts.push({apiGroups: [group], resources: [resource], verbs: [verb]})
      }
    }
  }
  for (const url of list(rule.nonResourceURLs)) for (const verb of list(rule.verbs)) parts.push({nonResourceURLs: [url], verbs: [verb]})
  return parts
}

const hasAll = (owner: readonly string[], wanted: readonly string[]) => wanted.every((entry) => owner.includes(entry))

/** RBAC's resource coverage: `*`, the resource itself, `resource/*` for its subresources, `*\/sub` for a subresource of any. */
function resourcesCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes('*')) return true
  return wanted.every((resource) => {
    if (owner.includes(resource)) return true
    const slash = resource.indexOf('/')
    if (slash < 0) return false
    return owner.includes(`${resource.slice(0, slash)}/*`) || owner.includes(`*${resource.slice(slash)}`)
  })
}

function urlsCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((url) => owner.some((pattern) => pattern === '*' || pattern === url || (pattern.endsWith('*') && url.startsWith(pattern.slice(0, -1)))))
}

function ruleCovers(owner: PolicyRule, part: PolicyRule): boolean {
  const verbs = list(owner.verbs).includes('*') || hasAll(list(owner.verbs), list(part.verbs))
  const groups = list(owner.apiGroups).includes('*') || hasAll(list(owner.apiGroups), list(part.apiGroups))
  const names = list(part.resourceNames).length === 0 ? list(owner.resourceNames).length === 0 : list(owner.resourceNames).length === 0 || hasAll(list(owner.resourceNames), list(part.resourceNames))
  return verbs && groups && resourcesCovered(list(owner.resources), list(part.resources)) && names && urlsCovered(list(owner.nonResourceURLs), list(part.nonResourceURLs))
}

/** The parts of `wanted` that no rule of `owner` covers. */
function uncovered(owner: readonly PolicyRule[], wanted: readonly PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdown).filter((part) => !owner.some((rule) => ruleCovers(rule, part)))
}

const sameSubject = (left: Subject, right: Subject) => (left.kind ?? '') === (right.kind ?? '') && (left.apiGroup ?? '') === (right.apiGroup ?? '') && (left.name ?? '') === (right.name ?? '') && (left.namespace ?? '') === (right.namespace ?? '')

/** The subjects of `first` not in `second`, each once. */
function onlyIn(first: readonly Subject[], second: readonly Subject[]): Subject[] {
  const found: Subject[] = []
  for (const subject of first) if (!second.some((other) => sameSubject(subject, other)) && !found.some((other) => sameSubject(subject, other))) found.push(subject)
  return found
}

const isEqual = (left: unknown, right: unknown) => JSON.stringify(left ?? null) === JSON.stringify(right ?? null)

/** The existing object with the file's labels and annotations it lacks: whether that changes it. */
function mergedMetadata(expected: KubeObject, existing: KubeObject): {object: KubeObject; changed: boolean} {
  const object = cloneJson(existing)
  const annotations = {...expected.metadata.annotations, ...existing.metadata.annotations}
  const labels = {...expected.metadata.labels, ...existing.metadata.labels}
  if (Object.keys(annotations).length > 0) object.metadata.annotations = annotations
  if (Object.keys(labels).length > 0) object.metadata.labels = labels
  return {object, changed: !isEqual(object.metadata.annotations, existing.metadata.annotations) || !isEqual(object.metadata.labels, existing.metadata.labels)}
}

function reconcileRole(expected: KubeObject, existing: KubeObject | null, removeExtra: boolean): Reconciled {
  const empty = {missingSubjects: [], extraSubjects: []}
  if (!existing) return {object: expected, operation: 'create', protected: false, missingRules: rulesOf(expected), extraRules: [], ...empty}
  const {object, changed} = mergedMetadata(expected, existing)
  let operation: Operation = changed ? 'update' : 'none'
  if (expected.aggregationRule !== undefined && !isEqual(expected.aggregationRule, existing.aggregationRule)) {
    object.aggregationRule = cloneJson(expected.aggregationRule)
    operation = 'update'
  }
  const extraRules = expected.aggregationRule === undefined || existing.aggregationRule === undefined ? uncovered(rulesOf(expected), rulesOf(existing)) : []
  const missingRules = expected.aggregationRule === undefined ? uncovered(rulesOf(existing), rulesOf(expected)) : []
  if (!removeExtra && missingRules.length > 0) {
    object.rules = [...rulesOf(existing), ...missingRules]
    operation = 'update'
  } else if (removeExtra && (missingRules.length > 0 || extraRules.length > 0)) {
    object.rules = cloneJson(rulesOf(expected))
    operation = 'update'
  }
  return {object, operation, protected: existing.metadata.annotations?.[protectedAnnotation] === 'false', missingRules, extraRules, ...empty}
}

function reconcileBinding(expected: KubeObject, existing: KubeObject | null, removeExtra: boolean): Reconciled {
  const empty = {missingRules: [], extraRules: []}
  if (!existing) return {object: expected, operation: 'create', protected: false, missingSubjects: subjectsOf(expected), extraSubjects: [], ...empty}
  const isProtected = existing.metadata.annotations?.[protectedAnnotation] === 'false'
  if (!isEqual(expected.roleRef, existing.roleRef)) return {object: expected, operation: 'recreate', protected: isProtected, missingSubjects: [], extraSubjects: [], ...empty}
  const {object, changed} = mergedMetadata(expected, existing)
  let operation: Operation = changed ? 'update' : 'none'
  const missingSubjects = onlyIn(subjectsOf(expected), subjectsOf(existing))
  const extraSubjects = onlyIn(subjectsOf(existing), subjectsOf(expected))
  if (!removeExtra && missingSubjects.length > 0) {
    object.subjects = [...subjectsOf(existing), ...missingSubjects]
    operation = 'update'
  } else if (removeExtra && (missingSubjects.length > 0 || extraSubjects.length > 0)) {
    object.subjects = cloneJson(subjectsOf(expected))
    operation = 'update'
  }
  return {object, operation, protected: isProtected, missingSubjects, extraSubjects, ...empty}
}

/** Go's %+v of a rule and of a subject. */
const ruleText = (rule: PolicyRule) => `{Verbs:[${list(rule.verbs).join(' ')}] APIGroups:[${list(rule.apiGroups).join(' ')}] Resources:[${list(rule.resources).join(' ')}] ResourceNames:[${list(rule.resourceNames).join(' ')}] NonResourceURLs:[${list(rule.nonResourceURLs).join(' ')}]}`
const subjectText = (subject: Subject) => `{Kind:${subject.kind ?? ''} APIGroup:${subject.apiGroup ?? ''} Name:${subject.name ?? ''} Namespace:${subject.namespace ?? ''}}`

function reportText(result: Reconciled, removeExtraSubjects: boolean, removeExtraPermissions: boolean): string {
  if (result.operation === 'none') return ''
  const caveat = result.protected ? `, but object opted out (${protectedAnnotation}: false)` : ''
  let text = `\treconciliation required ${result.operation}${caveat}\n`
  const section = (title: string, lines: string[]) => (lines.length > 0 ? `\t${title}:\n${lines.map((line) => `\t\t${line}\n`).join('')}` : '')
  text += section('missing subjects added', result.missingSubjects.map(subjectText))
  if (removeExtraSubjects) text += section('extra subjects removed', result.extraSubjects.map(subjectText))
  text += section('missing rules added', result.missingRules.map(ruleText))
  if (removeExtraPermissions) text += section('extra rules removed', result.extraRules.map(ruleText))
  return text
}

/** kube's tryEnsureNamespace: a Role's namespace is made when it is not there (a refusal is left to the Role's own create). */
async function ensureNamespace(session: KubectlSession, namespace: string, query: Record<string, string>): Promise<void> {
  const found = await session.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`, {allow: [403, 404]})
  if (found.status !== 404) return
  await session.request('POST', '/api/v1/namespaces', {body: {apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}}, query, allow: [403, 409]})
}

export async function runReconcile(session: KubectlSession): Promise<number> {
  if (!hasManifestSource(session)) throw new KubectlError('must specify one of -f and -k')
  let dryRun
  try {
    dryRun = dryRunOf(session)
  } catch (error) {
    // reconcile reads the flag through cmdutil's accessor, which names it.
    throw new KubectlError(`error accessing --dry-run flag for command reconcile: ${(error as Error).message}`)
  }
  const removeExtraPermissions = session.flag('remove-extra-permissions') === 'true'
  const removeExtraSubjects = session.flag('remove-extra-subjects') === 'true'
  const manifests = await readManifestsOrKustomization(session, 'reconcile')
  const mapper = await ResourceMapper.discover(session)
  const printer = new ChangedObjectPrinter(session.flag('output'), session.flag('template'), session.flag('show-managed-fields') === 'true', session.flag('allow-missing-template-keys'))
  const query: Record<string, string> = dryRun === 'server' ? {dryRun: 'All'} : {}
  for (const manifest of manifests) {
    const {object: given} = manifest
    const group = (given.apiVersion ?? '').split('/')[0]
    const isRole = given.kind === 'Role' || given.kind === 'ClusterRole'
    const isBinding = given.kind === 'RoleBinding' || given.kind === 'ClusterRoleBinding'
    // Other kinds in the files are passed over, as kubectl passes them.
    if (group !== rbacGroup || (!isRole && !isBinding)) continue
    const {resource, namespace} = placeObject(session, mapper, manifest)
    const expected: KubeObject = {...cloneJson(given), apiVersion: `${rbacGroup}/v1`, metadata: {...cloneJson(given.metadata), ...(resource.namespaced ? {namespace} : {})}}
    const name = expected.metadata.name ?? ''
    const path = objectPath(resource, namespace, name)
    const found = await session.request('GET', path, {allow: [404]})
    const existing = found.status === 404 ? null : (found.body as KubeObject)
    const result = isRole ? reconcileRole(expected, existing, removeExtraPermissions) : reconcileBinding(expected, existing, removeExtraSubjects)
    if (dryRun !== 'client' && !result.protected && result.operation !== 'none') {
      // The first refusal ends the command, as kubectl's visitor stops at it.
      if (result.operation === 'update') {
        result.object = (await session.request('PUT', path, {body: result.object, query})).body as KubeObject
      } else {
        if (result.operation === 'recreate') await session.request('DELETE', path, {query})
        if (resource.namespaced) await ensureNamespace(session, namespace, query)
        result.object = (await session.request('POST', collectionPath(resource, namespace), {body: result.object, query})).body as KubeObject
      }
    }
    session.io.stdout(printer.print(asTypedObject(result.object), `${resource.kind.toLowerCase()}.${resource.group}/${name}`, `reconciled${dryRunSuffix(dryRun)}`, true))
    session.io.stderr(reportText(result, removeExtraSubjects, removeExtraPermissions))
  }
  return 0
}
