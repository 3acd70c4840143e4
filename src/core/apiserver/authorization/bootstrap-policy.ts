// The ClusterRoles and ClusterRoleBindings kube-apiserver 1.32 writes when it first starts
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), without the per-controller roles: the
// user-facing roles (cluster-admin, admin, edit, view and their aggregation sources) and the
// system roles of the components and of discovery.
import type {KubeObject} from '../../api/object.js'
import type {PolicyRule, Subject} from './rbac.js'

const readVerbs = ['get', 'list', 'watch']
const writeVerbs = ['create', 'delete', 'deletecollection', 'patch', 'update']
const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
const eventWriters = ['create', 'patch', 'update']

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? {verbs, apiGroups, resources, resourceNames} : {verbs, apiGroups, resources}
const urls = (nonResourceURLs: string[], verbs: string[] = ['get']): PolicyRule => ({verbs, nonResourceURLs})

/** kube's NodeRules: the system:node role, which the Node authorizer applies to kubelets (no binding uses the role). */
export const nodeRules: readonly PolicyRule[] = [
  rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
  rule(['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews'], ['create']),
  rule([''], ['services'], readVerbs),
  rule([''], ['nodes'], ['create', 'get', 'list', 'watch']),
  rule([''], ['nodes/status'], ['patch', 'update']),
  rule([''], ['nodes'], ['patch', 'update']),
  rule([''], ['events'], eventWriters),
  rule([''], ['pods'], readVerbs),
  rule([''], ['pods'], ['create', 'delete']),
  rule([''], ['pods/status'], ['patch', 'update']),
  rule([''], ['pods/eviction'], ['create']),
  rule([''], ['configmaps', 'secrets'], readVerbs),
  rule([''], ['persistentvolumeclaims', 'persistentvolumes'], ['get']),
  rule([''], ['endpoints'], ['get']),
  rule(['certificates.k8s.io'], ['certificatesigningrequests'], ['create', 'get', 'list', 'watch']),
  rule(['coordination.k8s.io'], ['leases'], ['create', 'delete', 'get', 'patch', 'update']),
  rule(['storage.k8s.io'], ['volumeattachments'], ['get']),
  rule([''], ['serviceaccounts/token'], ['create']),
  rule([''], ['persistentvolumeclaims/status'], ['get', 'patch', 'update']),
  rule(['storage.k8s.io'], ['csidrivers'], readVerbs),
  rule(['storage.k8s.io'], ['csinodes'], ['create', 'delete', 'get', 'patch', 'update']),
  rule(['node.k8s.io'], ['runtimeclasses'], readVerbs),
]

const aggregateToView: PolicyRule[] = [
  rule([''], ['configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status'], readVerbs),
  rule([''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status'], readVerbs),
  rule([''], ['namespaces'], readVerbs),
  rule(['discovery.k8s.io'], ['endpointslices'], readVerbs),
  rule(['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], readVerbs),
  rule(['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status'], readVerbs),
  rule(['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status'], readVerbs),
  rule(['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale'], readVerbs),
  rule(['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status'], readVerbs),
  rule(['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies'], readVerbs),
]

const aggregateToEdit: PolicyRule[] = [
  rule([''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy'], readVerbs),
  rule([''], ['serviceaccounts'], ['impersonate']),
  rule([''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], writeVerbs),
  rule([''], ['pods/eviction'], ['create']),
  rule([''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy'], writeVerbs),
  rule([''], ['serviceaccounts/token'], ['create']),
  rule(['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], writeVerbs),
  rule(['autoscaling'], ['horizontalpodautoscalers'], writeVerbs),
  rule(['batch'], ['cronjobs', 'jobs'], writeVerbs),
  rule(['extensions'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'ingresses', 'networkpolicies', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale'], writeVerbs),
  rule(['policy'], ['poddisruptionbudgets'], writeVerbs),
  rule(['networking.k8s.io'], ['ingresses', 'networkpolicies'], writeVerbs),
  rule(['coordination.k8s.io'], ['leases'], allVerbs),
]

const aggregateToAdmin: PolicyRule[] = [
  rule(['authorization.k8s.io'], ['localsubjectaccessreviews'], ['create']),
  rule(['rbac.authorization.k8s.io'], ['rolebindings', 'roles'], allVerbs),
]

interface RoleDefinition {
  readonly name: string
  readonly rules: PolicyRule[]
  readonly labels?: Record<string, string>
  /** The label an aggregated role collects (admin, edit, view). */
  readonly aggregates?: string
}

const aggregateLabel = (role: string) => `rbac.authorization.k8s.io/aggregate-to-${role}`

const clusterRoleDefinitions: RoleDefinition[] = [
  {name: 'admin', rules: [], aggregates: 'admin'},
  {name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]},
  {name: 'edit', rules: [], aggregates: 'edit', labels: {[aggregateLabel('admin')]: 'true'}},
  {name: 'system:aggregate-to-admin', rules: aggregateToAdmin, labels: {[aggregateLabel('admin')]: 'true'}},
  {name: 'system:aggregate-to-edit', rules: aggregateToEdit, labels: {[aggregateLabel('edit')]: 'true'}},
  {name: 'system:aggregate-to-view', rules: aggregateToView, labels: {[aggregateLabel('view')]: 'true'}},
  {name: 'system:auth-delegator', rules: [rule(['authentication.k8s.io'], ['tokenreviews'], ['create']), rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create'])]},
  {
    name: 'system:basic-user',
    rules: [rule(['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], ['create']), rule(['authentication.k8s.io'], ['selfsubjectreviews'], ['create'])],
  },
  {name: 'system:discovery', rules: [urls(['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]},
  // Who may approve client and serving certificates from the cluster's signers (granted to nobody by default).
  ...['kube-apiserver-client', 'kube-apiserver-client-kubelet', 'kubelet-serving', 'legacy-unknown'].map((signer) => ({
    name: `system:certificates.k8s.io:${signer}-approver`,
    rules: [rule(['certificates.k8s.io'], ['signers'], ['approve'], [`kubernetes.io/${signer}`])],
  })),
  {name: 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', rules: [rule(['certificates.k8s.io'], ['certificatesigningrequests/nodeclient'], ['create'])]},
  {name: 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', rules: [rule(['certificates.k8s.io'], ['certificatesigningrequests/selfnodeclient'], ['create'])]},
  {name: 'system:kube-aggregator', rules: [rule([''], ['endpoints', 'services'], readVerbs)]},
  {
    name: 'system:kube-controller-manager',
    rules: [
      rule(['', 'events.k8s.io'], ['events'], eventWriters),
      rule(['coordination.k8s.io'], ['leases'], ['create']),
      rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], ['kube-controller-manager']),
      rule([''], ['secrets', 'serviceaccounts'], ['create']),
      rule([''], ['secrets'], ['delete']),
      rule([''], ['configmaps', 'namespaces', 'secrets', 'serviceaccounts'], ['get']),
      rule([''], ['secrets', 'serviceaccounts'], ['update']),
      rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
      rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
      rule(['*'], ['*'], ['list', 'watch']),
      rule([''], ['serviceaccounts/token'], ['create']),
    ],
  },
  {name: 'system:kube-dns', rules: [rule([''], ['endpoints', 'services'], ['list', 'watch'])]},
  {
    name: 'system:kube-scheduler',
    rules: [
      rule(['', 'events.k8s.io'], ['events'], eventWriters),
      rule(['coordination.k8s.io'], ['leases'], ['create']),
      rule(['coordination.k8s.io'], ['leases'], ['get', 'update'], ['kube-scheduler']),
      rule([''], ['nodes'], readVerbs),
      rule([''], ['pods'], ['delete', 'get', 'list', 'watch']),
      rule([''], ['bindings', 'pods/binding'], ['create']),
      rule([''], ['pods/status'], ['patch', 'update']),
      rule([''], ['replicationcontrollers', 'services'], readVerbs),
      rule(['apps', 'extensions'], ['replicasets'], readVerbs),
      rule(['apps'], ['statefulsets'], readVerbs),
      rule(['policy'], ['poddisruptionbudgets'], readVerbs),
      rule([''], ['persistentvolumeclaims', 'persistentvolumes'], readVerbs),
      rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
      rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
      rule(['storage.k8s.io'], ['csinodes'], readVerbs),
      rule([''], ['namespaces'], readVerbs),
      rule(['storage.k8s.io'], ['csidrivers'], readVerbs),
      rule(['storage.k8s.io'], ['csistoragecapacities'], readVerbs),
    ],
  },
  {name: 'system:monitoring', rules: [urls(['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*'])]},
  {
    name: 'system:node',
    rules: [...nodeRules],
  },
  {name: 'system:node-bootstrapper', rules: [rule(['certificates.k8s.io'], ['certificatesigningrequests'], ['create', 'get', 'list', 'watch'])]},
  {
    name: 'system:node-proxier',
    rules: [
      rule([''], ['endpoints', 'services'], ['list', 'watch']),
      rule([''], ['nodes'], readVerbs),
      rule(['', 'events.k8s.io'], ['events'], eventWriters),
      rule(['discovery.k8s.io'], ['endpointslices'], ['list', 'watch']),
    ],
  },
  {name: 'system:public-info-viewer', rules: [urls(['/healthz', '/livez', '/readyz', '/version', '/version/'])]},
  {name: 'system:service-account-issuer-discovery', rules: [urls(['/.well-known/openid-configuration', '/openid/v1/jwks'])]},
  {
    name: 'system:volume-scheduler',
    rules: [
      rule([''], ['persistentvolumes'], ['get', 'list', 'patch', 'update', 'watch']),
      rule(['storage.k8s.io'], ['storageclasses'], readVerbs),
      rule([''], ['persistentvolumeclaims'], ['get', 'list', 'patch', 'update', 'watch']),
    ],
  },
  {name: 'view', rules: [], aggregates: 'view', labels: {[aggregateLabel('edit')]: 'true'}},
]

const group = (name: string): Subject => ({kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name})
const user = (name: string): Subject => ({kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name})

const clusterRoleBindingDefinitions: Array<{name: string; subjects: Subject[]}> = [
  {name: 'cluster-admin', subjects: [group('system:masters')]},
  {name: 'system:basic-user', subjects: [group('system:authenticated')]},
  {name: 'system:discovery', subjects: [group('system:authenticated')]},
  {name: 'system:kube-controller-manager', subjects: [user('system:kube-controller-manager')]},
  {name: 'system:kube-dns', subjects: [{kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system'}]},
  {name: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')]},
  {name: 'system:monitoring', subjects: [group('system:monitoring')]},
  {name: 'system:node', subjects: []},
  {name: 'system:node-proxier', subjects: [user('system:kube-proxy')]},
  {name: 'system:public-info-viewer', subjects: [group('system:authenticated'), group('system:unauthenticated')]},
  {name: 'system:service-account-issuer-discovery', subjects: [group('system:serviceaccounts')]},
  {name: 'system:volume-scheduler', subjects: [user('system:kube-scheduler')]},
]

const bootstrapMetadata = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: {'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels},
  annotations: {'rbac.authorization.kubernetes.io/autoupdate': 'true'},
})

/** The ClusterRoles, aggregated ones with the rules the aggregation controller gives them. */
export function bootstrapClusterRoles(): KubeObject[] {
  const labelled = (label: string) => clusterRoleDefinitions.filter((role) => role.labels?.[label] === 'true')
  const collect = (role: string, seen = new Set<string>()): PolicyRule[] => {
    const rules: PolicyRule[] = []
    for (const source of labelled(aggregateLabel(role))) {
      if (seen.has(source.name)) continue
      seen.add(source.name)
      rules.push(...(source.aggregates ? collect(source.aggregates, seen) : source.rules))
    }
    return rules
  }
  return clusterRoleDefinitions.map((role) => {
    const object: KubeObject = {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: bootstrapMetadata(role.name, role.labels)}
    if (role.aggregates) {
      object.aggregationRule = {clusterRoleSelectors: [{matchLabels: {[aggregateLabel(role.aggregates)]: 'true'}}]}
      object.rules = collect(role.aggregates)
    } else {
      object.rules = role.rules
    }
    return object
  })
}

export function bootstrapClusterRoleBindings(): KubeObject[] {
  return clusterRoleBindingDefinitions.map(({name, subjects}) => {
    const object: KubeObject = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: bootstrapMetadata(name),
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name},
    }
    if (subjects.length > 0) object.subjects = subjects
    return object
  })
}
