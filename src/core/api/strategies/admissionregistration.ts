// ValidatingWebhookConfiguration and MutatingWebhookConfiguration: v1's defaults and
// kube-apiserver's validation of them (pkg/apis/admissionregistration/validation), field paths and
// messages as it words them.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isDns1035Label, isDns1123Subdomain, isQualifiedName} from '../names.js'
import {isJsonObject, type JsonObject, type KubeObject} from '../object.js'
import {celCompileFailure} from '../cel.js'
import {defineStrategy} from './base.js'
import {objects, str} from './json-fields.js'
import type {Strategy} from './strategy.js'
import {validateLabels} from './meta.js'

export const webhookTimeoutSecondsDefault = 10
export const webhookTimeoutSecondsMin = 1
export const webhookTimeoutSecondsMax = 30
export const webhookServicePortDefault = 443
/** The AdmissionReview versions kube-apiserver can send. */
export const acceptedAdmissionReviewVersions = ['v1', 'v1beta1'] as const

const supportedOperations = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE']
const supportedScopes = ['*', 'Cluster', 'Namespaced']
const supportedFailurePolicies = ['Fail', 'Ignore']
const supportedMatchPolicies = ['Equivalent', 'Exact']
const supportedReinvocationPolicies = ['IfNeeded', 'Never']
/** v1 accepts only webhooks that declare no side effects (or none on a dry run). */
const noSideEffectClasses = ['None', 'NoneOnDryRun']

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map((item) => str(item)) : [])
/** How Go's %#v prints a []string (or a named string slice) in a field error. */
const goSlice = (values: readonly string[], type = 'string') => ({goString: `[]${type}{${values.map((value) => JSON.stringify(value)).join(', ')}}`})

function defaultWebhooks(object: KubeObject, mutating: boolean): void {
  for (const hook of objects(object.webhooks)) {
    hook.failurePolicy ??= 'Fail'
    hook.matchPolicy ??= 'Equivalent'
    hook.namespaceSelector ??= {}
    hook.objectSelector ??= {}
    hook.timeoutSeconds ??= webhookTimeoutSecondsDefault
    if (mutating) hook.reinvocationPolicy ??= 'Never'
    for (const rule of objects(hook.rules)) rule.scope ??= '*'
    const clientConfig = isJsonObject(hook.clientConfig) ? hook.clientConfig : null
    if (clientConfig && isJsonObject(clientConfig.service)) clientConfig.service.port ??= webhookServicePortDefault
  }
}

export const matchConditionsMax = 64
/** What a webhook's matchConditions may read. */
export const webhookMatchConditionVariables = ['object', 'oldObject', 'request', 'authorizer']

/** A CEL expression that must compile with `variables` (and evaluate to `returns`): kube's "compilation failed: …" otherwise. */
export function validateExpression(path: FieldPath, expression: string, variables: readonly string[], returns?: 'bool' | 'string'): FieldError[] {
  const failure = celCompileFailure(expression, variables, returns)
  return failure === null ? [] : [fieldError.invalid(path, expression, failure)]
}

/** validateMatchConditions: named, qualified, unique conditions whose expressions compile. */
export function validateMatchConditions(conditions: unknown, path: FieldPath, variables: readonly string[]): FieldError[] {
  const list = objects(conditions)
  const errors: FieldError[] = []
  if (list.length > matchConditionsMax) errors.push(fieldError.tooMany(path, list.length, matchConditionsMax))
  const names = new Set<string>()
  list.forEach((condition, index) => {
    const at = path.index(index)
    const expression = str(condition.expression).trim()
    if (expression.length === 0) errors.push(fieldError.required(at.child('expression')))
    else errors.push(...validateExpression(at.child('expression'), expression, variables, 'bool'))
    const name = str(condition.name)
    if (name.length === 0) errors.push(fieldError.required(at.child('name')))
    else for (const message of isQualifiedName(name)) errors.push(fieldError.invalid(at.child('name'), name, message))
    if (name.length === 0) return
    if (names.has(name)) errors.push(fieldError.duplicate(at.child('name'), name))
    else names.add(name)
  })
  return errors
}

/** IsFullyQualifiedName: a DNS subdomain of at least three segments. */
function validateFullyQualifiedName(path: FieldPath, value: string): FieldError[] {
  if (value.length === 0) return [fieldError.required(path)]
  const name = value.endsWith('.') ? value.slice(0, -1) : value
  const errors = isDns1123Subdomain(name)
  if (errors.length > 0) return [fieldError.invalid(path, name, errors.join(','))]
  if (name.split('.').length < 3) return [fieldError.invalid(path, name, 'should be a domain with at least three segments separated by dots')]
  return []
}

function validateResources(resources: string[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  if (resources.length === 0) errors.push(fieldError.required(path))
  const wildcardSubresourcesOf = new Set<string>()
  const wildcardResourceSubresources = new Set<string>()
  let doubleWildcard = false
  let singleWildcard = false
  let withoutSubresource = false
  resources.forEach((entry, index) => {
    if (entry === '') {
      errors.push(fieldError.required(path.index(index)))
      return
    }
    if (entry === '*/*') doubleWildcard = true
    if (entry === '*') singleWildcard = true
    const slash = entry.indexOf('/')
    if (slash < 0) {
      withoutSubresource = entry !== '*'
      return
    }
    const resource = entry.slice(0, slash)
    const subresource = entry.slice(slash + 1)
    if (wildcardSubresourcesOf.has(resource)) errors.push(fieldError.invalid(path.index(index), entry, `if '${resource}/*' is present, must not specify ${entry}`))
    if (wildcardResourceSubresources.has(subresource)) errors.push(fieldError.invalid(path.index(index), entry, `if '*/${subresource}' is present, must not specify ${entry}`))
    if (subresource === '*') wildcardSubresourcesOf.add(resource)
    if (resource === '*') wildcardResourceSubresources.add(subresource)
  })
  if (resources.length > 1 && doubleWildcard) errors.push(fieldError.invalid(path, goSlice(resources), "if '*/*' is present, must not specify other resources"))
  if (singleWildcard && withoutSubresource) errors.push(fieldError.invalid(path, goSlice(resources), "if '*' is present, must not specify other resources without subresources"))
  return errors
}

export function validateRule(rule: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const operations = strings(rule.operations)
  if (operations.length === 0) errors.push(fieldError.required(path.child('operations')))
  if (operations.length > 1 && operations.includes('*')) {
    errors.push(fieldError.invalid(path.child('operations'), goSlice(operations, 'admissionregistration.OperationType'), "if '*' is present, must not specify other operations"))
  }
  operations.forEach((operation, index) => {
    if (!supportedOperations.includes(operation)) errors.push(fieldError.notSupported(path.child('operations').index(index), operation, supportedOperations))
  })
  const groups = strings(rule.apiGroups)
  if (groups.length === 0) errors.push(fieldError.required(path.child('apiGroups')))
  if (groups.length > 1 && groups.includes('*')) errors.push(fieldError.invalid(path.child('apiGroups'), goSlice(groups), "if '*' is present, must not specify other API groups"))
  const versions = strings(rule.apiVersions)
  if (versions.length === 0) errors.push(fieldError.required(path.child('apiVersions')))
  if (versions.length > 1 && versions.includes('*')) errors.push(fieldError.invalid(path.child('apiVersions'), goSlice(versions), "if '*' is present, must not specify other API versions"))
  versions.forEach((version, index) => {
    if (version.length === 0) errors.push(fieldError.required(path.child('apiVersions').index(index)))
  })
  errors.push(...validateResources(strings(rule.resources), path.child('resources')))
  if (rule.scope !== undefined && !supportedScopes.includes(str(rule.scope))) errors.push(fieldError.notSupported(path.child('scope'), str(rule.scope), supportedScopes))
  return errors
}

/** metav1validation.ValidateLabelSelector. */
export function validateLabelSelector(selector: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  objects(selector.matchExpressions).forEach((expression, index) => {
    const at = path.child('matchExpressions').index(index)
    const operator = str(expression.operator)
    const values = strings(expression.values)
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0) errors.push(fieldError.required(at.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"))
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) errors.push(fieldError.forbidden(at.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    } else errors.push(fieldError.invalid(at.child('operator'), operator, 'not a valid selector operator'))
    for (const message of isQualifiedName(str(expression.key))) errors.push(fieldError.invalid(at.child('key'), str(expression.key), message))
  })
  if (isJsonObject(selector.matchLabels)) errors.push(...validateLabels(selector.matchLabels as Record<string, string>, path.child('matchLabels')))
  return errors
}

/** webhook.ValidateWebhookURL with https required. */
function validateWebhookUrl(path: FieldPath, text: string): FieldError[] {
  const form = '; desired format: https://host[/path]'
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return [fieldError.required(path, `url must be a valid URL: parse ${JSON.stringify(text)}: invalid URI for request${form}`)]
  }
  const errors: FieldError[] = []
  const scheme = url.protocol.replace(/:$/, '')
  if (scheme !== 'https') errors.push(fieldError.invalid(path, scheme, `'https' is the only allowed URL scheme${form}`))
  if (url.host.length === 0) errors.push(fieldError.invalid(path, url.host, `host must be specified${form}`))
  if (url.username.length > 0 || url.password.length > 0) {
    errors.push(fieldError.invalid(path, url.password.length > 0 ? `${url.username}:${url.password}` : url.username, 'user information is not permitted in the URL'))
  }
  if (url.hash.length > 1) errors.push(fieldError.invalid(path, decodeURIComponent(url.hash.slice(1)), 'fragments are not permitted in the URL'))
  if (url.search.length > 1) errors.push(fieldError.invalid(path, url.search.slice(1), 'query parameters are not permitted in the URL'))
  return errors
}

/** webhook.ValidateWebhookService. */
function validateWebhookService(path: FieldPath, service: JsonObject): FieldError[] {
  const errors: FieldError[] = []
  if (str(service.name).length === 0) errors.push(fieldError.required(path.child('name'), 'service name is required'))
  if (str(service.namespace).length === 0) errors.push(fieldError.required(path.child('namespace'), 'service namespace is required'))
  const port = typeof service.port === 'number' ? service.port : webhookServicePortDefault
  if (port < 1 || port > 65535) errors.push(fieldError.invalid(path.child('port'), port, 'port is not valid: must be between 1 and 65535, inclusive'))
  if (typeof service.path !== 'string') return errors
  const urlPath = service.path
  if (urlPath === '/' || urlPath.length === 0) return errors
  if (urlPath === '//') return [...errors, fieldError.invalid(path.child('path'), urlPath, 'segment[0] may not be empty')]
  if (!urlPath.startsWith('/')) errors.push(fieldError.invalid(path.child('path'), urlPath, "must start with a '/'"))
  let toCheck = urlPath.slice(1)
  if (toCheck.endsWith('/')) toCheck = toCheck.slice(0, -1)
  toCheck.split('/').forEach((step, index) => {
    if (step.length === 0) errors.push(fieldError.invalid(path.child('path'), urlPath, `segment[${index}] may not be empty`))
    else for (const failure of isDns1123Subdomain(step)) errors.push(fieldError.invalid(path.child('path'), urlPath, `segment[${index}]: ${failure}`))
  })
  return errors
}

function validateAdmissionReviewVersions(versions: string[], path: FieldPath): FieldError[] {
  const accepted = acceptedAdmissionReviewVersions.join(', ')
  if (versions.length === 0) return [fieldError.required(path, `must specify one of ${accepted}`)]
  const errors: FieldError[] = []
  const seen = new Set<string>()
  versions.forEach((version, index) => {
    if (seen.has(version)) {
      errors.push(fieldError.invalid(path.index(index), version, 'duplicate version'))
      return
    }
    seen.add(version)
    for (const message of isDns1035Label(version)) errors.push(fieldError.invalid(path.index(index), version, message))
  })
  if (!versions.some((version) => (acceptedAdmissionReviewVersions as readonly string[]).includes(version))) {
    errors.push(fieldError.invalid(path, goSlice(versions), `must include at least one of ${accepted}`))
  }
  return errors
}

function validateWebhook(hook: JsonObject, path: FieldPath, mutating: boolean): FieldError[] {
  const errors = validateFullyQualifiedName(path.child('name'), str(hook.name))
  objects(hook.rules).forEach((rule, index) => errors.push(...validateRule(rule, path.child('rules').index(index))))
  const choice = (field: string, supported: readonly string[]) => {
    if (hook[field] !== undefined && !supported.includes(str(hook[field]))) errors.push(fieldError.notSupported(path.child(field), str(hook[field]), supported))
  }
  choice('failurePolicy', supportedFailurePolicies)
  choice('matchPolicy', supportedMatchPolicies)
  if (hook.sideEffects === undefined) errors.push(fieldError.required(path.child('sideEffects'), `must specify one of ${noSideEffectClasses.join(', ')}`))
  else choice('sideEffects', noSideEffectClasses)
  const timeout = hook.timeoutSeconds
  if (typeof timeout === 'number' && (timeout > webhookTimeoutSecondsMax || timeout < webhookTimeoutSecondsMin)) {
    errors.push(fieldError.invalid(path.child('timeoutSeconds'), timeout, `the timeout value must be between ${webhookTimeoutSecondsMin} and ${webhookTimeoutSecondsMax} seconds`))
  }
  for (const selector of ['namespaceSelector', 'objectSelector']) {
    const value = hook[selector]
    if (isJsonObject(value)) errors.push(...validateLabelSelector(value, path.child(selector)))
  }
  if (mutating) choice('reinvocationPolicy', supportedReinvocationPolicies)
  const clientConfig = isJsonObject(hook.clientConfig) ? hook.clientConfig : {}
  const configPath = path.child('clientConfig')
  const hasUrl = typeof clientConfig.url === 'string'
  const hasService = isJsonObject(clientConfig.service)
  if (hasUrl === hasService) errors.push(fieldError.required(configPath, 'exactly one of url or service is required'))
  else if (hasUrl) errors.push(...validateWebhookUrl(configPath.child('url'), str(clientConfig.url)))
  else errors.push(...validateWebhookService(configPath.child('service'), clientConfig.service as JsonObject))
  errors.push(...validateMatchConditions(hook.matchConditions, path.child('matchConditions'), webhookMatchConditionVariables))
  return errors
}

function validateConfiguration(object: KubeObject, mutating: boolean): FieldError[] {
  const errors: FieldError[] = []
  const names = new Set<string>()
  objects(object.webhooks).forEach((hook, index) => {
    const path = FieldPath.root('webhooks').index(index)
    errors.push(...validateWebhook(hook, path, mutating))
    errors.push(...validateAdmissionReviewVersions(strings(hook.admissionReviewVersions), path.child('admissionReviewVersions')))
    const name = str(hook.name)
    if (name.length === 0) return
    if (names.has(name)) errors.push(fieldError.duplicate(path.child('name'), name))
    else names.add(name)
  })
  return errors
}

export const validatingWebhookConfigurationStrategy: Strategy = defineStrategy({
  generation: true,
  defaults: (object) => defaultWebhooks(object, false),
  validate: (object) => validateConfiguration(object, false),
})

export const mutatingWebhookConfigurationStrategy: Strategy = defineStrategy({
  generation: true,
  defaults: (object) => defaultWebhooks(object, true),
  validate: (object) => validateConfiguration(object, true),
})
