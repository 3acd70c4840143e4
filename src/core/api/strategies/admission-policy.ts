// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding: v1's defaults and
// kube-apiserver's validation of them (pkg/apis/admissionregistration/validation), CEL expressions
// compiled at create time so a bad one is refused with the compiler's message; and the
// matchConditions every admission place shares.
import {fieldError, type FieldError, FieldPath} from '../field-errors.js'
import {isDns1035Label, isDns1123Subdomain} from '../names.js'
import {isJsonObject, type JsonObject, type KubeObject} from '../object.js'
import {validateExpression, validateLabelSelector, validateMatchConditions, validateRule} from './admissionregistration.js'
import {defineStrategy} from './base.js'
import {objects, str} from './json-fields.js'
import type {Strategy} from './strategy.js'

const supportedFailurePolicies = ['Fail', 'Ignore']
const supportedMatchPolicies = ['Equivalent', 'Exact']
const supportedValidationActions = ['Audit', 'Deny', 'Warn']
const supportedReasons = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized']
const supportedNotFoundActions = ['Deny', 'Allow']
const celReservedWords = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while'])

/** The names a policy's expressions may read (kube's OptionalVariableDeclarations). */
export function policyVariables(hasParams: boolean, place: 'validation' | 'message' | 'matchCondition' | 'variable'): string[] {
  const names = ['object', 'oldObject', 'request', 'namespaceObject']
  if (hasParams) names.push('params')
  if (place !== 'message') names.push('authorizer')
  if (place !== 'matchCondition') names.push('variables')
  return names
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.map((item) => str(item)) : [])

function validateParamKind(paramKind: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const apiVersion = str(paramKind.apiVersion)
  if (apiVersion.length === 0) errors.push(fieldError.required(path.child('apiVersion')))
  else if (apiVersion.split('/').length > 2) errors.push(fieldError.invalid(path.child('apiVersion'), apiVersion, `unexpected GroupVersion string: ${apiVersion}`))
  else if (apiVersion !== '/') {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion]
    if (group.length > 0) {
      const failures = isDns1123Subdomain(group)
      if (failures.length > 0) errors.push(fieldError.invalid(path.child('apiVersion'), group, failures.join(',')))
    }
    if (version.length === 0) errors.push(fieldError.invalid(path.child('apiVersion'), apiVersion, 'version must be specified'))
    else {
      const failures = isDns1035Label(version)
      if (failures.length > 0) errors.push(fieldError.invalid(path.child('apiVersion'), version, failures.join(',')))
    }
  }
  const kind = str(paramKind.kind)
  if (kind.length === 0) errors.push(fieldError.required(path.child('kind')))
  else {
    const failures = isDns1035Label(kind.toLowerCase())
    if (failures.length > 0) errors.push(fieldError.invalid(path.child('kind'), kind, `may have mixed case, but should otherwise match: ${failures.join(',')}`))
  }
  return errors
}

/** path.ValidatePathSegmentName: what a name in a URL may not be. */
function pathSegmentFailures(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`]
  return ['/', '%'].filter((character) => name.includes(character)).map((character) => `may not contain '${character}'`)
}

function validateNamedRule(rule: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  strings(rule.resourceNames).forEach((name, index) => {
    for (const message of pathSegmentFailures(name)) errors.push(fieldError.invalid(path.child('resourceNames').index(index), name, message))
    if (seen.has(name)) errors.push(fieldError.duplicate(path.child('resourceNames').index(index), name))
    seen.add(name)
  })
  return [...errors, ...validateRule(rule, path)]
}

function validateMatchResources(match: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  if (match.matchPolicy === undefined) errors.push(fieldError.required(path.child('matchPolicy')))
  else if (!supportedMatchPolicies.includes(str(match.matchPolicy))) errors.push(fieldError.notSupported(path.child('matchPolicy'), str(match.matchPolicy), supportedMatchPolicies))
  for (const selector of ['namespaceSelector', 'objectSelector']) {
    if (!isJsonObject(match[selector])) errors.push(fieldError.required(path.child(selector)))
    else errors.push(...validateLabelSelector(match[selector] as JsonObject, path.child(selector)))
  }
  for (const field of ['resourceRules', 'excludeResourceRules']) {
    objects(match[field]).forEach((rule, index) => errors.push(...validateNamedRule(rule, path.child(field).index(index))))
  }
  return errors
}

function validateValidation(validation: JsonObject, path: FieldPath, hasParams: boolean): FieldError[] {
  const errors: FieldError[] = []
  const expression = str(validation.expression)
  if (expression.trim().length === 0) errors.push(fieldError.required(path.child('expression'), 'expression is not specified'))
  else errors.push(...validateExpression(path.child('expression'), expression, policyVariables(hasParams, 'validation'), 'bool'))
  const messageExpression = str(validation.messageExpression)
  if (messageExpression.length > 0 && messageExpression.trim().length === 0) {
    errors.push(fieldError.invalid(path.child('messageExpression'), messageExpression, 'must be non-empty if specified'))
  } else if (messageExpression.trim().length > 0) {
    errors.push(...validateExpression(path.child('messageExpression'), messageExpression, policyVariables(hasParams, 'message'), 'string'))
  }
  const message = str(validation.message)
  if (message.length > 0 && message.trim().length === 0) errors.push(fieldError.invalid(path.child('message'), message, 'message must be non-empty if specified'))
  else if (/[\n\r]/.test(message.trim())) errors.push(fieldError.invalid(path.child('message'), message, 'message must not contain line breaks'))
  if (validation.reason !== undefined && !supportedReasons.includes(str(validation.reason))) {
    errors.push(fieldError.notSupported(path.child('reason'), str(validation.reason), supportedReasons))
  }
  return errors
}

function validateVariable(variable: JsonObject, path: FieldPath, hasParams: boolean): FieldError[] {
  const errors: FieldError[] = []
  const name = str(variable.name)
  if (name.trim().length === 0) errors.push(fieldError.required(path.child('name'), 'name is not specified'))
  else if (!/^[_a-zA-Z][_a-zA-Z0-9]*$/.test(name) || celReservedWords.has(name)) errors.push(fieldError.invalid(path.child('name'), name, 'name is not a valid CEL identifier'))
  const expression = str(variable.expression)
  if (expression.trim().length === 0) errors.push(fieldError.required(path.child('expression'), 'expression is not specified'))
  else errors.push(...validateExpression(path.child('expression'), expression, policyVariables(hasParams, 'variable')))
  return errors
}

function validatePolicy(object: KubeObject): FieldError[] {
  const spec = isJsonObject(object.spec) ? object.spec : {}
  const path = FieldPath.root('spec')
  const errors: FieldError[] = []
  if (spec.failurePolicy === undefined) errors.push(fieldError.required(path.child('failurePolicy')))
  else if (!supportedFailurePolicies.includes(str(spec.failurePolicy))) errors.push(fieldError.notSupported(path.child('failurePolicy'), str(spec.failurePolicy), supportedFailurePolicies))
  const hasParams = isJsonObject(spec.paramKind)
  if (hasParams) errors.push(...validateParamKind(spec.paramKind as JsonObject, path.child('paramKind')))
  if (!isJsonObject(spec.matchConstraints)) errors.push(fieldError.required(path.child('matchConstraints')))
  else {
    errors.push(...validateMatchResources(spec.matchConstraints, path.child('matchConstraints')))
    if (objects(spec.matchConstraints.resourceRules).length === 0) errors.push(fieldError.required(path.child('matchConstraints', 'resourceRules')))
  }
  errors.push(...validateMatchConditions(spec.matchConditions, path.child('matchConditions'), policyVariables(hasParams, 'matchCondition')))
  objects(spec.variables).forEach((variable, index) => errors.push(...validateVariable(variable, path.child('variables').index(index), hasParams)))
  const validations = objects(spec.validations)
  if (validations.length === 0 && objects(spec.auditAnnotations).length === 0) {
    const detail = 'validations or auditAnnotations must contain at least one item'
    return [...errors, fieldError.required(path.child('validations'), detail), fieldError.required(path.child('auditAnnotations'), detail)]
  }
  validations.forEach((validation, index) => errors.push(...validateValidation(validation, path.child('validations').index(index), hasParams)))
  return errors
}

function validateParamRef(paramRef: JsonObject, path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const name = str(paramRef.name)
  const hasSelector = isJsonObject(paramRef.selector)
  const exclusive = 'name and selector are mutually exclusive'
  if (name.length > 0) {
    for (const message of pathSegmentFailures(name)) errors.push(fieldError.invalid(path.child('name'), name, message))
    if (hasSelector) errors.push(fieldError.forbidden(path.child('name'), exclusive))
  }
  if (hasSelector) {
    errors.push(...validateLabelSelector(paramRef.selector as JsonObject, path.child('selector')))
    if (name.length > 0) errors.push(fieldError.forbidden(path.child('selector'), exclusive))
  }
  if (name.length === 0 && !hasSelector) errors.push(fieldError.required(path, 'one of name or selector must be specified'))
  const action = str(paramRef.parameterNotFoundAction)
  if (action.length === 0) errors.push(fieldError.required(path.child('parameterNotFoundAction')))
  else if (!supportedNotFoundActions.includes(action)) errors.push(fieldError.notSupported(path.child('parameterNotFoundAction'), action, supportedNotFoundActions))
  return errors
}

function validateValidationActions(actions: string[], path: FieldPath): FieldError[] {
  const errors: FieldError[] = []
  const seen = new Set<string>()
  actions.forEach((action, index) => {
    if (!supportedValidationActions.includes(action)) errors.push(fieldError.notSupported(path.index(index), action, supportedValidationActions))
    if (seen.has(action)) errors.push(fieldError.duplicate(path.index(index), action))
    seen.add(action)
  })
  if (seen.has('Deny') && seen.has('Warn')) {
    const value = {goString: `[]admissionregistration.ValidationAction{${actions.map((action) => JSON.stringify(action)).join(', ')}}`}
    errors.push(fieldError.invalid(path, value, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'))
  }
  if (seen.size === 0) errors.push(fieldError.required(path, 'at least one validation action is required'))
  return errors
}

function validateBinding(object: KubeObject): FieldError[] {
  const spec = isJsonObject(object.spec) ? object.spec : {}
  const path = FieldPath.root('spec')
  const errors: FieldError[] = []
  const policyName = str(spec.policyName)
  if (policyName.length === 0) errors.push(fieldError.required(path.child('policyName')))
  else for (const message of isDns1123Subdomain(policyName)) errors.push(fieldError.invalid(path.child('policyName'), policyName, message))
  if (isJsonObject(spec.paramRef)) errors.push(...validateParamRef(spec.paramRef, path.child('paramRef')))
  if (isJsonObject(spec.matchResources)) errors.push(...validateMatchResources(spec.matchResources, path.child('matchResources')))
  errors.push(...validateValidationActions(strings(spec.validationActions), path.child('validationActions')))
  return errors
}

/** SetDefaults_MatchResources and SetDefaults_Rule. */
function defaultMatchResources(match: unknown): void {
  if (!isJsonObject(match)) return
  match.matchPolicy ??= 'Equivalent'
  match.namespaceSelector ??= {}
  match.objectSelector ??= {}
  for (const field of ['resourceRules', 'excludeResourceRules']) for (const rule of objects(match[field])) rule.scope ??= '*'
}

export const validatingAdmissionPolicyStrategy: Strategy = defineStrategy({
  generation: true,
  hasStatus: true,
  generationFields: ['spec'],
  defaults: (object) => {
    if (!isJsonObject(object.spec)) return
    object.spec.failurePolicy ??= 'Fail'
    defaultMatchResources(object.spec.matchConstraints)
  },
  prepareForCreate: (object) => {
    delete object.status
  },
  validate: validatePolicy,
})

export const validatingAdmissionPolicyBindingStrategy: Strategy = defineStrategy({
  generation: true,
  defaults: (object) => {
    if (isJsonObject(object.spec)) defaultMatchResources(object.spec.matchResources)
  },
  validate: validateBinding,
})
