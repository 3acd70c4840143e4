// ValidatingAdmissionPolicy, as kube-apiserver's plugin runs it after the mutating webhooks:
// every policy whose matchConstraints take the request, with each binding that takes it and each
// of that binding's params, runs its matchConditions, variables and validations in CEL. A failed
// validation denies (Deny), warns (Warn, a Warning header) or is recorded (Audit); errors count as
// failures under failurePolicy Fail and are passed over under Ignore.
import {toCel} from '../../api/cel.js'
import {budgetExceededMessage, CostBudget} from '../../api/cel/cost.js'
import {isJsonObject, type JsonObject, type KubeObject} from '../../api/object.js'
import {policyVariables} from '../../api/strategies/admission-policy.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {ApiError} from '../api-errors.js'
import type {StatusReason} from '../../api/wire.js'
import {CachedObjects} from './cached-objects.js'
import {authorizationSession, type CelBindings, evaluateExpression, evaluateMatchConditions, requestBindings} from './cel-admission.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'
import {collectParams, matchResourcesTarget, PolicyConfigurationError} from './policy-matching.js'

const admissionRegistrationGroup = 'admissionregistration.k8s.io'
/** The longest message a messageExpression may produce (celconfig.MaxEvaluatedMessageExpressionSizeBytes). */
export const evaluatedMessageBytesMax = 5 * 1024

const reasonCodes: Readonly<Record<string, number>> = {Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413, Unauthorized: 401}

interface Decision {
  readonly policy: string
  readonly binding: string | null
  readonly message: string
  readonly reason: string
}

const spec = (object: KubeObject): JsonObject => (isJsonObject(object.spec) ? object.spec : {})

export class ValidatingAdmissionPolicyPlugin implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionPolicy'
  private readonly policies: CachedObjects
  private readonly bindings: CachedObjects

  constructor(private readonly reader: AdmissionReader) {
    const definition = (resource: string) => reader.scheme.resource(admissionRegistrationGroup, 'v1', resource)!
    this.policies = new CachedObjects(reader.registry.store, definition('validatingadmissionpolicies'))
    this.bindings = new CachedObjects(reader.registry.store, definition('validatingadmissionpolicybindings'))
  }

  async validate(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<void> {
    // Admission configuration is never judged by policies: a bad policy could not then be removed.
    if (attributes.definition.group === admissionRegistrationGroup) return
    const policies = await this.policies.objects()
    if (policies.length === 0) return
    const bindings = await this.bindings.objects()
    const denied: Decision[] = []
    for (const policy of policies) {
      const bound = bindings.filter((binding) => str(spec(binding).policyName) === policy.metadata.name)
      if (bound.length === 0) continue
      denied.push(...(await this.judge(policy, bound, attributes, object, old)))
    }
    const first = denied[0]
    if (!first) return
    const by = first.binding === null ? `ValidatingAdmissionPolicy '${first.policy}'` : `ValidatingAdmissionPolicy '${first.policy}' with binding '${first.binding}'`
    const message = `${by} denied request: ${first.message}`
    const {group, resource} = attributes.definition
    const qualified = group.length > 0 ? `${resource}.${group}` : resource
    const text = attributes.name.length > 0 ? `${qualified} ${JSON.stringify(attributes.name)} is forbidden: ${message}` : `${qualified} is forbidden: ${message}`
    throw new ApiError(reasonCodes[first.reason] ?? 400, first.reason as StatusReason, text, {
      ...(attributes.name.length > 0 ? {name: attributes.name} : {}),
      ...(group.length > 0 ? {group} : {}),
      kind: resource,
      causes: [{message}],
    })
  }

  /** The denials of one policy under its bindings; warnings go to the response on the way. */
  private async judge(policy: KubeObject, bindings: KubeObject[], attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<Decision[]> {
    const policySpec = spec(policy)
    const policyName = policy.metadata.name ?? ''
    const failClosed = str(policySpec.failurePolicy) !== 'Ignore'
    const match = isJsonObject(policySpec.matchConstraints) ? policySpec.matchConstraints : {}
    const target = await matchResourcesTarget(match, attributes, object, old, this.reader)
    if (!target) return []
    const denied: Decision[] = []
    const configurationError = (binding: string, error: string) => {
      if (failClosed) denied.push({policy: policyName, binding, message: `failed to configure binding: ${error}`, reason: 'Invalid'})
    }
    const namespace = await this.namespaceObject(attributes)
    const session = authorizationSession(attributes, this.reader)
    for (const binding of bindings) {
      const bindingSpec = spec(binding)
      const bindingName = binding.metadata.name ?? ''
      if (isJsonObject(bindingSpec.matchResources) && !(await matchResourcesTarget(bindingSpec.matchResources, attributes, object, old, this.reader))) continue
      let params: Array<KubeObject | null>
      try {
        params = await collectParams(policySpec, bindingSpec, attributes.namespace, this.reader)
      } catch (error) {
        if (!(error instanceof PolicyConfigurationError)) throw error
        configurationError(bindingName, error.message)
        continue
      }
      const actions = Array.isArray(bindingSpec.validationActions) ? bindingSpec.validationActions.map((action) => str(action)) : []
      for (const param of params) {
        const bindings: CelBindings = {...requestBindings(attributes, target, object, old), params: toCel(param), namespaceObject: namespace}
        const failures = await session.evaluate(() => this.evaluate(policySpec, bindings, failClosed))
        for (const decision of failures) {
          if (actions.includes('Deny')) denied.push({policy: policyName, binding: bindingName, ...decision})
          if (actions.includes('Warn')) attributes.warnings?.push(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bindingName}': ${decision.message}`)
        }
      }
    }
    return denied
  }

  /** The failed validations of one evaluation (matchConditions, variables, validations). */
  private evaluate(policySpec: JsonObject, bindings: CelBindings, failClosed: boolean): Array<{message: string; reason: string}> {
    const hasParams = isJsonObject(policySpec.paramKind)
    const failurePolicy = failClosed ? 'Fail' : 'Ignore'
    const conditions = evaluateMatchConditions(policySpec.matchConditions, policyVariables(hasParams, 'matchCondition'), bindings, failurePolicy)
    if (conditions.error !== null) return [{message: conditions.error, reason: 'Invalid'}]
    if (!conditions.matches) return []
    const variables = new Map<string, CelBindings[string]>()
    const variableErrors = new Map<string, string>()
    const scope: CelBindings = {...bindings, variables}
    // One budget for the variables and validations of this evaluation; past it kube denies with no further rule run, whatever the failurePolicy.
    const budget = new CostBudget()
    const outOfBudget = [{message: budgetExceededMessage, reason: 'Invalid'}]
    for (const variable of objects(policySpec.variables)) {
      const result = evaluateExpression(str(variable.expression), policyVariables(hasParams, 'variable'), scope, budget)
      if (budget.exhausted) return outOfBudget
      if (result.error !== undefined) variableErrors.set(str(variable.name), result.error)
      else variables.set(str(variable.name), result.value as CelBindings[string])
    }
    const failures: Array<{message: string; reason: string}> = []
    for (const validation of objects(policySpec.validations)) {
      const expression = str(validation.expression)
      const variableError = [...variableErrors].find(([name]) => new RegExp(`\\bvariables\\.${name}\\b`).test(expression))
      const result = variableError ? {error: variableError[1]} : evaluateExpression(expression, policyVariables(hasParams, 'validation'), scope, budget)
      if (budget.exhausted) return outOfBudget
      if (result.error !== undefined) {
        if (failClosed) failures.push({message: result.error, reason: 'Invalid'})
        continue
      }
      if (result.value === true) continue
      failures.push({message: this.message(validation, hasParams, scope), reason: str(validation.reason) || 'Invalid'})
    }
    return failures
  }

  /** messageExpression's text when usable, else message, else "failed expression: …". */
  private message(validation: JsonObject, hasParams: boolean, scope: CelBindings): string {
    const messageExpression = str(validation.messageExpression)
    if (messageExpression.trim().length > 0) {
      const result = evaluateExpression(messageExpression, policyVariables(hasParams, 'message'), scope)
      if (typeof result.value === 'string') {
        const text = result.value.trim()
        if (text.length > 0 && Buffer.byteLength(text) <= evaluatedMessageBytesMax && !text.includes('\n')) return text
      }
    }
    const message = str(validation.message).trim()
    if (message.length > 0) return message
    return `failed expression: ${str(validation.expression).trim()}`
  }

  /** namespaceObject: the request's namespace (none for cluster-scoped objects and namespaces). */
  private async namespaceObject(attributes: AdmissionAttributes): Promise<CelBindings[string]> {
    const isNamespace = attributes.definition.group === '' && attributes.definition.kind === 'Namespace'
    if (attributes.namespace.length === 0 || isNamespace) return null
    const namespace = await this.reader.get('', 'namespaces', '', attributes.namespace)
    if (!namespace) return null
    const {managedFields: _managedFields, ...metadata} = namespace.metadata
    return toCel({apiVersion: 'v1', kind: 'Namespace', metadata, spec: namespace.spec ?? {}, status: namespace.status ?? {}})
  }
}
