// What `kubectl describe` prints for each kind: kubectl's own describers where kubemu has them,
// kubectl's generic describer (every field under its smart label) for the others: Leases, the
// webhook configurations and admission policies, custom resources and their definitions.
import type {KubeObject} from '../../api/object.js'
import {describeUnstructured} from './unstructured.js'
import {describeCertificateSigningRequest} from './certificates.js'
import type {DescribeContext} from './context.js'
import {describeConfigMap, describeLimitRange, describeNamespace, describePod, describeResourceQuota, describeSecret, describeService, describeServiceAccount} from './kinds.js'
import {describeNode} from './node.js'
import {describeEndpoints, describeEndpointSlice} from './endpoints.js'
import {describePodDisruptionBudget, describePriorityClass} from './disruption-priority.js'
import {describeCronJob, describeDeployment, describeJob, describeReplicaSet} from './workloads.js'
import {describeIngress, describeIngressClass} from './ingress.js'
import {describeHorizontalPodAutoscaler} from './horizontal-pod-autoscaler.js'
import {describeNetworkPolicy} from './network-policy.js'
import {describeReplicationController} from './replication-controller.js'
import {describeRole, describeRoleBinding} from './rbac.js'
import {describeDaemonSet, describeStatefulSet} from './sets.js'
import {describePersistentVolume, describePersistentVolumeClaim, describeStorageClass} from './storage.js'

type Describer = (object: KubeObject, context: DescribeContext) => Promise<string>

const describers = new Map<string, Describer>([
  ['/pods', describePod],
  ['apps/deployments', describeDeployment],
  ['apps/replicasets', describeReplicaSet],
  ['apps/daemonsets', describeDaemonSet],
  ['apps/statefulsets', describeStatefulSet],
  ['/replicationcontrollers', describeReplicationController],
  ['batch/jobs', describeJob],
  ['batch/cronjobs', describeCronJob],
  ['certificates.k8s.io/certificatesigningrequests', describeCertificateSigningRequest],
  ['/nodes', describeNode],
  ['/services', describeService],
  ['/endpoints', describeEndpoints],
  ['discovery.k8s.io/endpointslices', describeEndpointSlice],
  ['policy/poddisruptionbudgets', describePodDisruptionBudget],
  ['scheduling.k8s.io/priorityclasses', describePriorityClass],
  ['/namespaces', describeNamespace],
  ['/configmaps', describeConfigMap],
  ['/secrets', (object) => describeSecret(object)],
  ['/serviceaccounts', describeServiceAccount],
  ['/resourcequotas', describeResourceQuota],
  ['/limitranges', describeLimitRange],
  ['/persistentvolumeclaims', describePersistentVolumeClaim],
  ['/persistentvolumes', describePersistentVolume],
  ['storage.k8s.io/storageclasses', describeStorageClass],
  ['networking.k8s.io/networkpolicies', (object) => describeNetworkPolicy(object)],
  ['networking.k8s.io/ingresses', describeIngress],
  ['networking.k8s.io/ingressclasses', describeIngressClass],
  ['autoscaling/horizontalpodautoscalers', describeHorizontalPodAutoscaler],
  ['rbac.authorization.k8s.io/roles', describeRole],
  ['rbac.authorization.k8s.io/clusterroles', describeRole],
  ['rbac.authorization.k8s.io/rolebindings', describeRoleBinding],
  ['rbac.authorization.k8s.io/clusterrolebindings', describeRoleBinding],
])

/** The describer of a resource (its API group and plural name). */
export function describerOf(group: string, resource: string): Describer {
  return describers.get(`${group}/${resource}`) ?? describeUnstructured
}
