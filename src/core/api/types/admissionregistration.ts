// admissionregistration.k8s.io/v1: the webhook configurations kube-apiserver calls on writes.
import {arrayOf, bytesField, int32, object, string} from '../schema.js'
import {kind, labelSelector} from './meta.js'

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
