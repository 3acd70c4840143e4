// The order kustomize prints a build in. Legacy order (the default): kinds that others depend on
// first (Namespace, then quotas, storage classes, CRDs, service accounts, RBAC, config, services
// …), webhook configurations last, everything else between, sorted by group, version and kind;
// objects of one kind by namespace, then name. fifo keeps the order of the kustomization.
import {groupVersionOf, kindOf, type KustomizeResource, nameOf, namespaceOf} from './resource.js'

const firstKinds = [
  'Namespace', 'ResourceQuota', 'StorageClass', 'CustomResourceDefinition', 'ServiceAccount', 'PodSecurityPolicy', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding',
  'ConfigMap', 'Secret', 'Endpoints', 'Service', 'LimitRange', 'PriorityClass', 'PersistentVolume', 'PersistentVolumeClaim', 'Deployment', 'StatefulSet', 'CronJob', 'PodDisruptionBudget',
]
const lastKinds = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']

function rankOf(kind: string): number {
  const first = firstKinds.indexOf(kind)
  if (first >= 0) return first - firstKinds.length
  const last = lastKinds.indexOf(kind)
  return last >= 0 ? last + 1 : 0
}

function gvkKey(resource: KustomizeResource): string {
  const {group, version} = groupVersionOf(resource.object)
  return [group || '~G', version || '~V', kindOf(resource.object) || '~K'].join('_')
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0
}

function compareLegacy(left: KustomizeResource, right: KustomizeResource): number {
  const leftKey = gvkKey(left)
  const rightKey = gvkKey(right)
  if (leftKey !== rightKey) {
    const rank = rankOf(kindOf(left.object)) - rankOf(kindOf(right.object))
    if (rank !== 0) return rank
    // Two Namespace kinds, one of them in the core group: the core one first.
    const bothNamespaces = kindOf(left.object) === 'Namespace' && kindOf(right.object) === 'Namespace'
    const eitherCore = groupVersionOf(left.object).group === '' || groupVersionOf(right.object).group === ''
    return bothNamespaces && eitherCore ? compareText(rightKey, leftKey) : compareText(leftKey, rightKey)
  }
  const idOf = (resource: KustomizeResource) => `${namespaceOf(resource.object) || '~X'}|${nameOf(resource.object) || '~N'}`
  return compareText(idOf(left), idOf(right))
}

export function ordered(resources: readonly KustomizeResource[], order: 'legacy' | 'fifo'): KustomizeResource[] {
  return order === 'fifo' ? [...resources] : [...resources].sort(compareLegacy)
}
