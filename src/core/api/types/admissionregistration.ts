// admissionregistration.k8s.io/v1: the webhook configurations kube-apiserver calls on writes.
import {arrayOf, bytesField, int32, int64, object, string} from '../schema.js'
import {condition, kind, labelSelector} from './meta.js'

const ruleWithOperations = object('v1.RuleWithOperations', {
  operations: arrayOf(string), apiGroups: arrayOf(string), apiVersions: arrayOf(string), resources: arrayOf(string), scope: string,
})
const clientConfig = object('v1.WebhookClientConfig', {
  url: string,
  service: object('v1.ServiceReference', {namespace: string, name: string, path: string, port: int32}),
  caBundle: bytesField,
})
const matchCondition = object('v1.MatchCondition', {name: string, expression: string})
const webhookFields = {
  name: string, clientConfig, rules: arrayOf(ruleWithOperations), failurePolicy: string, matchPolicy: string,
  namespaceSelector: labelSelector, objectSelector: labelSelector, sideEffects: string, timeoutSeconds: int32,
  admissionReviewVersions: arrayOf(string), matchConditions: arrayOf(matchCondition),
}

export const validatingWebhookConfiguration = kind('v1.ValidatingWebhookConfiguration', {
  webhooks: arrayOf(object('v1.ValidatingWebhook', webhookFields), {mergeKey: 'name', patchStrategy: 'merge'}),
})
export const mutatingWebhookConfiguration = kind('v1.MutatingWebhookConfiguration', {
  webhooks: arrayOf(object('v1.MutatingWebhook', {...webhookFields, reinvocationPolicy: string}), {mergeKey: 'name', patchStrategy: 'merge'}),
})

// ValidatingAdmissionPolicy and its binding: CEL validations kube-apiserver runs in process.
const namedRuleWithOperations = object('v1.NamedRuleWithOperations', {
  resourceNames: arrayOf(string), operations: arrayOf(string), apiGroups: arrayOf(string), apiVersions: arrayOf(string), resources: arrayOf(string), scope: string,
})
const matchResources = object('v1.MatchResources', {
  namespaceSelector: labelSelector, objectSelector: labelSelector, resourceRules: arrayOf(namedRuleWithOperations),
  excludeResourceRules: arrayOf(namedRuleWithOperations), matchPolicy: string,
})
export const validatingAdmissionPolicy = kind('v1.ValidatingAdmissionPolicy', {
  spec: object('v1.ValidatingAdmissionPolicySpec', {
    paramKind: object('v1.ParamKind', {apiVersion: string, kind: string}),
    matchConstraints: matchResources,
    validations: arrayOf(object('v1.Validation', {expression: string, message: string, reason: string, messageExpression: string})),
    failurePolicy: string,
    auditAnnotations: arrayOf(object('v1.AuditAnnotation', {key: string, valueExpression: string})),
    matchConditions: arrayOf(matchCondition, {mergeKey: 'name', patchStrategy: 'merge'}),
    variables: arrayOf(object('v1.Variable', {name: string, expression: string})),
  }),
  status: object('v1.ValidatingAdmissionPolicyStatus', {
    observedGeneration: int64,
    typeChecking: object('v1.TypeChecking', {expressionWarnings: arrayOf(object('v1.ExpressionWarning', {fieldRef: string, warning: string}))}),
    conditions: arrayOf(condition),
  }),
})
export const validatingAdmissionPolicyBinding = kind('v1.ValidatingAdmissionPolicyBinding', {
  spec: object('v1.ValidatingAdmissionPolicyBindingSpec', {
    policyName: string,
    paramRef: object('v1.ParamRef', {name: string, namespace: string, selector: labelSelector, parameterNotFoundAction: string}),
    matchResources,
    validationActions: arrayOf(string),
  }),
})
