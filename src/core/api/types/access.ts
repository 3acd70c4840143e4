// rbac.authorization.k8s.io/v1, authentication.k8s.io/v1, authorization.k8s.io/v1 and
// apiextensions.k8s.io/v1 kinds.
import {anyValue, arrayOf, boolean, dateTime, int32, int64, mapOf, object, string} from '../schema.js'
import {condition, kind, labelSelector} from './meta.js'

const policyRule = object('v1.PolicyRule', {
  verbs: arrayOf(string), apiGroups: arrayOf(string), resources: arrayOf(string), resourceNames: arrayOf(string), nonResourceURLs: arrayOf(string),
})
const subject = object('v1.Subject', {kind: string, apiGroup: string, name: string, namespace: string})
const roleRef = object('v1.RoleRef', {apiGroup: string, kind: string, name: string})

export const role = kind('v1.Role', {rules: arrayOf(policyRule)})
export const clusterRole = kind('v1.ClusterRole', {
  rules: arrayOf(policyRule),
  aggregationRule: object('v1.AggregationRule', {clusterRoleSelectors: arrayOf(labelSelector)}),
})
export const roleBinding = kind('v1.RoleBinding', {subjects: arrayOf(subject), roleRef})
export const clusterRoleBinding = kind('v1.ClusterRoleBinding', {subjects: arrayOf(subject), roleRef})

const userInfo = object('v1.UserInfo', {username: string, uid: string, groups: arrayOf(string), extra: mapOf(arrayOf(string))})
export const tokenRequest = kind('v1.TokenRequest', {
  spec: object('v1.TokenRequestSpec', {
    audiences: arrayOf(string), expirationSeconds: int64,
    boundObjectRef: object('v1.BoundObjectReference', {kind: string, apiVersion: string, name: string, uid: string}),
  }),
  status: object('v1.TokenRequestStatus', {token: string, expirationTimestamp: dateTime}),
})
export const tokenReview = kind('v1.TokenReview', {
  spec: object('v1.TokenReviewSpec', {token: string, audiences: arrayOf(string)}),
  status: object('v1.TokenReviewStatus', {authenticated: boolean, user: userInfo, audiences: arrayOf(string), error: string}),
})
export const selfSubjectReview = kind('v1.SelfSubjectReview', {status: object('v1.SelfSubjectReviewStatus', {userInfo})})

const resourceAttributes = object('v1.ResourceAttributes', {
  namespace: string, verb: string, group: string, version: string, resource: string, subresource: string, name: string,
  fieldSelector: anyValue, labelSelector: anyValue,
})
const nonResourceAttributes = object('v1.NonResourceAttributes', {path: string, verb: string})
const accessReviewStatus = object('v1.SubjectAccessReviewStatus', {allowed: boolean, denied: boolean, reason: string, evaluationError: string})
export const selfSubjectAccessReview = kind('v1.SelfSubjectAccessReview', {
  spec: object('v1.SelfSubjectAccessReviewSpec', {resourceAttributes, nonResourceAttributes}),
  status: accessReviewStatus,
})
export const subjectAccessReview = kind('v1.SubjectAccessReview', {
  spec: object('v1.SubjectAccessReviewSpec', {
    resourceAttributes, nonResourceAttributes, user: string, groups: arrayOf(string), extra: mapOf(arrayOf(string)), uid: string,
  }),
  status: accessReviewStatus,
})
export const selfSubjectRulesReview = kind('v1.SelfSubjectRulesReview', {
  spec: object('v1.SelfSubjectRulesReviewSpec', {namespace: string}),
  status: object('v1.SubjectRulesReviewStatus', {
    resourceRules: arrayOf(object('v1.ResourceRule', {verbs: arrayOf(string), apiGroups: arrayOf(string), resources: arrayOf(string), resourceNames: arrayOf(string)})),
    nonResourceRules: arrayOf(object('v1.NonResourceRule', {verbs: arrayOf(string), nonResourceURLs: arrayOf(string)})),
    incomplete: boolean,
    evaluationError: string,
  }),
})

const crdNames = object('v1.CustomResourceDefinitionNames', {
  plural: string, singular: string, shortNames: arrayOf(string), kind: string, listKind: string, categories: arrayOf(string),
})
export const customResourceDefinition = kind('v1.CustomResourceDefinition', {
  spec: object('v1.CustomResourceDefinitionSpec', {
    group: string,
    names: crdNames,
    scope: string,
    versions: arrayOf(object('v1.CustomResourceDefinitionVersion', {
      name: string, served: boolean, storage: boolean, deprecated: boolean, deprecationWarning: string,
      schema: object('v1.CustomResourceValidation', {openAPIV3Schema: anyValue}),
      subresources: object('v1.CustomResourceSubresources', {
        status: anyValue,
        scale: object('v1.CustomResourceSubresourceScale', {specReplicasPath: string, statusReplicasPath: string, labelSelectorPath: string}),
      }),
      additionalPrinterColumns: arrayOf(object('v1.CustomResourceColumnDefinition', {
        name: string, type: string, format: string, description: string, priority: int32, jsonPath: string,
      })),
      selectableFields: arrayOf(object('v1.SelectableField', {jsonPath: string})),
    })),
    conversion: anyValue,
    preserveUnknownFields: boolean,
  }),
  status: object('v1.CustomResourceDefinitionStatus', {
    conditions: arrayOf(condition),
    acceptedNames: crdNames,
    storedVersions: arrayOf(string),
  }),
})
