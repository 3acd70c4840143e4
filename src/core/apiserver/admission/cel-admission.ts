// What admission's CEL reads and how its results are judged: the bindings of one request
// (object, oldObject, request), an expression's run with kube's error text, and matchConditions
// as kube's matcher decides them (any false skips; else an error fails or skips by policy).
import {type CelInput} from '@bufbuild/cel'
import {authorizerBindings, CelCompileError, CelEvaluationError, compileCel, evaluateCel, toCel} from '../../api/cel.js'
import {type AuthorizationCheck, AuthorizationSession} from '../../api/cel/authorizer.js'
import type {CostBudget} from '../../api/cel/cost.js'
import {serviceAccountUserName} from '../authentication/user.js'
import type {UserInfo} from '../../api/wire.js'
import type {AdmissionReader} from './context.js'
import type {JsonObject, KubeObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import type {AdmissionAttributes} from './chain.js'
import type {GroupVersionResource} from './webhook-matching.js'
import {admissionRequest} from './webhook-review.js'

export type CelBindings = Record<string, CelInput>

/** object, oldObject and request as kube's CEL sees them (the object in the matched version). */
export function requestBindings(attributes: AdmissionAttributes, target: GroupVersionResource, object: KubeObject | null, old: KubeObject | null): CelBindings {
  const apiVersion = target.group.length > 0 ? `${target.group}/${target.version}` : target.version
  const versioned = (value: KubeObject | null) => (value ? toCel({...value, apiVersion, kind: attributes.definition.kind}) : null)
  const request = admissionRequest('', attributes, target, null, null)
  delete request.uid
  delete request.object
  delete request.oldObject
  const requestResource = {group: target.group, resource: target.resource, subresource: attributes.subresource, namespace: attributes.namespace, name: attributes.name}
  return {object: versioned(object), oldObject: versioned(old), request: toCel(request), ...authorizerBindings(requestResource)}
}

/** A service account's user as kube's ServiceAccountInfo.UserInfo() makes it. */
function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {name: serviceAccountUserName(namespace, name), groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`]}
}

/** The authorizer checks of one request's CEL, asked as the request's user (or a service account). */
export function authorizationSession(attributes: AdmissionAttributes, reader: AdmissionReader): AuthorizationSession {
  return new AuthorizationSession(async (check: AuthorizationCheck) => {
    if (!reader.authorize) return {allowed: false, reason: '', error: 'no authorizer'}
    const user = check.serviceAccount ? serviceAccountUser(...check.serviceAccount) : attributes.user
    const decision = await reader.authorize({
      user, verb: check.verb, isResourceRequest: check.resourceRequest, path: check.path, apiGroup: check.group,
      apiVersion: check.resourceRequest ? '*' : '', namespace: check.namespace, resource: check.resource, subresource: check.subresource, name: check.name,
    })
    return {allowed: decision.allowed, reason: decision.reason, error: ''}
  })
}

export type Evaluation = {readonly value: unknown; readonly error?: undefined} | {readonly value?: undefined; readonly error: string}

/** One expression's result, or kube's "expression '…' resulted in error: …". */
export function evaluateExpression(expression: string, variables: readonly string[], bindings: CelBindings, budget?: CostBudget): Evaluation {
  try {
    return {value: evaluateCel(compileCel(expression, variables), bindings, budget)}
  } catch (error) {
    if (error instanceof CelEvaluationError || error instanceof CelCompileError) {
      return {error: `expression '${expression}' resulted in error: ${error.message}`}
    }
    throw error
  }
}

export interface MatchConditionsResult {
  readonly matches: boolean
  /** The failure that fails the request (failurePolicy Fail), as utilerrors' aggregate prints it. */
  readonly error: string | null
}

export function evaluateMatchConditions(conditions: unknown, variables: readonly string[], bindings: CelBindings, failurePolicy: string): MatchConditionsResult {
  const errors: string[] = []
  for (const condition of objects(conditions) as JsonObject[]) {
    const result = evaluateExpression(str(condition.expression), variables, bindings)
    if (result.error !== undefined) errors.push(result.error)
    else if (result.value === false) return {matches: false, error: null}
    else if (result.value !== true) errors.push(`expression '${str(condition.expression)}' resulted in error: no such overload`)
  }
  if (errors.length === 0) return {matches: true, error: null}
  if (failurePolicy === 'Ignore') return {matches: false, error: null}
  return {matches: false, error: errors.length === 1 ? errors[0]! : `[${errors.join(', ')}]`}
}
