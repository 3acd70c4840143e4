// The built-in resources of kube-apiserver 1.32 that kubemu serves, as discovery reports them.
import {type ResourceDefinition, Scheme, standardVerbs, type VersionConversion} from './scheme.js'
import {anyValue, type ObjectSchema} from './schema.js'
import {kind} from './types/meta.js'
import * as access from './types/access.js'
import * as admissionregistration from './types/admissionregistration.js'
import * as apiregistration from './types/apiregistration.js'
import * as apps from './types/apps.js'
import * as autoscaling from './types/autoscaling.js'
import {horizontalPodAutoscalerFromV1, horizontalPodAutoscalerToV1} from './autoscaling-conversion.js'
import * as certificates from './types/certificates.js'
import * as core from './types/core.js'
import * as networking from './types/networking.js'
import * as storage from './types/storage.js'

interface Entry {
  group?: string
  version?: string
  kind: string
  resource: string
  shortNames?: string[]
  namespaced: boolean
  verbs?: readonly string[]
  categories?: string[]
  /** Defaults to the resource name; null for resources that are not stored. */
  etcdPrefix?: string | null
  schema: ObjectSchema
  status?: boolean
  scale?: boolean
  others?: string[]
  conversion?: VersionConversion
}

const createOnly = ['create'] as const
const namespaceVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] as const
const replicasScale = {specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector'}

const entries: Entry[] = [
  {kind: 'Binding', resource: 'bindings', namespaced: true, verbs: createOnly, etcdPrefix: null, schema: core.binding},
  {kind: 'ComponentStatus', resource: 'componentstatuses', shortNames: ['cs'], namespaced: false, verbs: ['get', 'list'], etcdPrefix: null, schema: core.componentStatus},
  {kind: 'ConfigMap', resource: 'configmaps', shortNames: ['cm'], namespaced: true, schema: core.configMap},
  {kind: 'Endpoints', resource: 'endpoints', shortNames: ['ep'], namespaced: true, etcdPrefix: 'services/endpoints', schema: core.endpoints},
  {kind: 'Event', resource: 'events', shortNames: ['ev'], namespaced: true, schema: core.event},
  {kind: 'LimitRange', resource: 'limitranges', shortNames: ['limits'], namespaced: true, schema: core.limitRange},
  {kind: 'Namespace', resource: 'namespaces', shortNames: ['ns'], namespaced: false, verbs: namespaceVerbs, schema: core.namespace, status: true, others: ['finalize']},
  {kind: 'Node', resource: 'nodes', shortNames: ['no'], namespaced: false, etcdPrefix: 'minions', schema: core.node, status: true, others: ['proxy']},
  {kind: 'PersistentVolume', resource: 'persistentvolumes', shortNames: ['pv'], namespaced: false, schema: storage.persistentVolume, status: true},
  {kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', shortNames: ['pvc'], namespaced: true, schema: core.persistentVolumeClaim, status: true},
  {
    kind: 'Pod', resource: 'pods', shortNames: ['po'], namespaced: true, categories: ['all'], schema: core.pod, status: true,
    others: ['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'proxy', 'resize'],
  },
  {kind: 'PodTemplate', resource: 'podtemplates', namespaced: true, schema: core.podTemplate},
  {kind: 'ReplicationController', resource: 'replicationcontrollers', shortNames: ['rc'], namespaced: true, categories: ['all'], etcdPrefix: 'controllers', schema: core.replicationController, status: true, scale: true},
  {kind: 'ResourceQuota', resource: 'resourcequotas', shortNames: ['quota'], namespaced: true, schema: core.resourceQuota, status: true},
  {kind: 'Secret', resource: 'secrets', namespaced: true, schema: core.secret},
  {kind: 'ServiceAccount', resource: 'serviceaccounts', shortNames: ['sa'], namespaced: true, schema: core.serviceAccount, others: ['token']},
  {
    kind: 'Service', resource: 'services', shortNames: ['svc'], namespaced: true, categories: ['all'], etcdPrefix: 'services/specs',
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], schema: core.service, status: true, others: ['proxy'],
  },
  {group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration', resource: 'mutatingwebhookconfigurations', namespaced: false, categories: ['api-extensions'], schema: admissionregistration.mutatingWebhookConfiguration},
  {group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', resource: 'validatingwebhookconfigurations', namespaced: false, categories: ['api-extensions'], schema: admissionregistration.validatingWebhookConfiguration},
  {group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy', resource: 'validatingadmissionpolicies', namespaced: false, categories: ['api-extensions'], schema: admissionregistration.validatingAdmissionPolicy, status: true},
  {group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding', resource: 'validatingadmissionpolicybindings', namespaced: false, categories: ['api-extensions'], schema: admissionregistration.validatingAdmissionPolicyBinding},
  // kube-aggregator's own resource, stored under /registry/apiregistration.k8s.io/apiservices/.
  {group: 'apiregistration.k8s.io', kind: 'APIService', resource: 'apiservices', namespaced: false, categories: ['api-extensions'], etcdPrefix: 'apiregistration.k8s.io/apiservices', schema: apiregistration.apiService, status: true},
  {group: 'apps', kind: 'ControllerRevision', resource: 'controllerrevisions', namespaced: true, schema: apps.controllerRevision},
  {group: 'apps', kind: 'DaemonSet', resource: 'daemonsets', shortNames: ['ds'], namespaced: true, categories: ['all'], schema: apps.daemonSet, status: true},
  {group: 'apps', kind: 'Deployment', resource: 'deployments', shortNames: ['deploy'], namespaced: true, categories: ['all'], schema: apps.deployment, status: true, scale: true},
  {group: 'apps', kind: 'ReplicaSet', resource: 'replicasets', shortNames: ['rs'], namespaced: true, categories: ['all'], schema: apps.replicaSet, status: true, scale: true},
  {group: 'apps', kind: 'StatefulSet', resource: 'statefulsets', shortNames: ['sts'], namespaced: true, categories: ['all'], schema: apps.statefulSet, status: true, scale: true},
  {group: 'authentication.k8s.io', kind: 'SelfSubjectReview', resource: 'selfsubjectreviews', namespaced: false, verbs: createOnly, etcdPrefix: null, schema: access.selfSubjectReview},
  {group: 'authentication.k8s.io', kind: 'TokenReview', resource: 'tokenreviews', namespaced: false, verbs: createOnly, etcdPrefix: null, schema: access.tokenReview},
  {group: 'authorization.k8s.io', kind: 'LocalSubjectAccessReview', resource: 'localsubjectaccessreviews', namespaced: true, verbs: createOnly, etcdPrefix: null, schema: access.subjectAccessReview},
  {group: 'authorization.k8s.io', kind: 'SelfSubjectAccessReview', resource: 'selfsubjectaccessreviews', namespaced: false, verbs: createOnly, etcdPrefix: null, schema: access.selfSubjectAccessReview},
  {group: 'authorization.k8s.io', kind: 'SelfSubjectRulesReview', resource: 'selfsubjectrulesreviews', namespaced: false, verbs: createOnly, etcdPrefix: null, schema: access.selfSubjectRulesReview},
  {group: 'authorization.k8s.io', kind: 'SubjectAccessReview', resource: 'subjectaccessreviews', namespaced: false, verbs: createOnly, etcdPrefix: null, schema: access.subjectAccessReview},
  // autoscaling/v2 is stored and preferred; v1 is served converted, as kube-apiserver serves it.
  {group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], namespaced: true, categories: ['all'], schema: autoscaling.horizontalPodAutoscalerV2, status: true},
  {
    group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], namespaced: true, categories: ['all'],
    schema: autoscaling.horizontalPodAutoscalerV1, status: true, conversion: {storageVersion: 'v2', toStorage: horizontalPodAutoscalerFromV1, fromStorage: horizontalPodAutoscalerToV1},
  },
  {group: 'batch', kind: 'CronJob', resource: 'cronjobs', shortNames: ['cj'], namespaced: true, categories: ['all'], schema: apps.cronJob, status: true},
  {group: 'batch', kind: 'Job', resource: 'jobs', namespaced: true, categories: ['all'], schema: apps.job, status: true},
  {group: 'certificates.k8s.io', kind: 'CertificateSigningRequest', resource: 'certificatesigningrequests', shortNames: ['csr'], namespaced: false, schema: certificates.certificateSigningRequest, status: true, others: ['approval']},
  {group: 'coordination.k8s.io', kind: 'Lease', resource: 'leases', namespaced: true, schema: apps.lease},
  {group: 'discovery.k8s.io', kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true, schema: apps.endpointSlice},
  // Served from the kubelets' simulated use (what metrics-server would answer), not stored.
  {group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics', resource: 'nodes', namespaced: false, verbs: ['get', 'list'], etcdPrefix: null, schema: kind('v1beta1.NodeMetrics', {timestamp: anyValue, window: anyValue, usage: anyValue})},
  {group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics', resource: 'pods', namespaced: true, verbs: ['get', 'list'], etcdPrefix: null, schema: kind('v1beta1.PodMetrics', {timestamp: anyValue, window: anyValue, containers: anyValue})},
  // Ingresses live under /registry/ingress/, as kube-apiserver stores them.
  {group: 'networking.k8s.io', kind: 'IngressClass', resource: 'ingressclasses', namespaced: false, schema: networking.ingressClass},
  {group: 'networking.k8s.io', kind: 'Ingress', resource: 'ingresses', shortNames: ['ing'], namespaced: true, etcdPrefix: 'ingress', schema: networking.ingress, status: true},
  {group: 'networking.k8s.io', kind: 'NetworkPolicy', resource: 'networkpolicies', shortNames: ['netpol'], namespaced: true, schema: networking.networkPolicy},
  {group: 'policy', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', shortNames: ['pdb'], namespaced: true, schema: apps.podDisruptionBudget, status: true},
  {group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false, schema: access.clusterRoleBinding},
  {group: 'rbac.authorization.k8s.io', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, schema: access.clusterRole},
  {group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', resource: 'rolebindings', namespaced: true, schema: access.roleBinding},
  {group: 'rbac.authorization.k8s.io', kind: 'Role', resource: 'roles', namespaced: true, schema: access.role},
  {group: 'storage.k8s.io', kind: 'StorageClass', resource: 'storageclasses', shortNames: ['sc'], namespaced: false, schema: storage.storageClass},
  {group: 'scheduling.k8s.io', kind: 'PriorityClass', resource: 'priorityclasses', shortNames: ['pc'], namespaced: false, schema: apps.priorityClass},
  {
    group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', shortNames: ['crd', 'crds'],
    namespaced: false, categories: ['api-extensions'], etcdPrefix: 'apiextensions.k8s.io/customresourcedefinitions',
    schema: access.customResourceDefinition, status: true,
  },
]

export const builtinResources: readonly ResourceDefinition[] = entries.map((entry) => ({
  group: entry.group ?? '',
  version: entry.version ?? 'v1',
  kind: entry.kind,
  resource: entry.resource,
  singular: entry.kind.toLowerCase(),
  shortNames: entry.shortNames ?? [],
  namespaced: entry.namespaced,
  verbs: entry.verbs ?? standardVerbs,
  categories: entry.categories ?? [],
  etcdPrefix: entry.etcdPrefix === undefined ? entry.resource : entry.etcdPrefix,
  schema: entry.schema,
  subresources: {status: entry.status ?? false, ...(entry.scale ? {scale: replicasScale} : {}), others: entry.others ?? []},
  ...(entry.conversion ? {conversion: entry.conversion} : {}),
}))

let builtinSchemeInstance: Scheme | null = null

/** The built-ins alone, for lookups (a kind's schema) that need no API server; built once. */
export function builtinScheme(): Scheme {
  builtinSchemeInstance ??= new Scheme(builtinResources)
  return builtinSchemeInstance
}
