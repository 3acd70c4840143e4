// The resources the control-plane components read and write.
import type {ResourceRef} from './client.js'

const core = (resource: string, namespaced = true): ResourceRef => ({group: '', version: 'v1', resource, namespaced})
const apps = (resource: string): ResourceRef => ({group: 'apps', version: 'v1', resource, namespaced: true})

export const resources = {
  pods: core('pods'),
  nodes: core('nodes', false),
  namespaces: core('namespaces', false),
  events: core('events'),
  services: core('services'),
  endpoints: core('endpoints'),
  serviceAccounts: core('serviceaccounts'),
  persistentVolumeClaims: core('persistentvolumeclaims'),
  persistentVolumes: core('persistentvolumes', false),
  configMaps: core('configmaps'),
  secrets: core('secrets'),
  resourceQuotas: core('resourcequotas'),
  replicationControllers: core('replicationcontrollers'),
  deployments: apps('deployments'),
  replicaSets: apps('replicasets'),
  statefulSets: apps('statefulsets'),
  daemonSets: apps('daemonsets'),
  controllerRevisions: apps('controllerrevisions'),
  horizontalPodAutoscalers: {group: 'autoscaling', version: 'v2', resource: 'horizontalpodautoscalers', namespaced: true},
  jobs: {group: 'batch', version: 'v1', resource: 'jobs', namespaced: true},
  cronJobs: {group: 'batch', version: 'v1', resource: 'cronjobs', namespaced: true},
  leases: {group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespaced: true},
  endpointSlices: {group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices', namespaced: true},
  networkPolicies: {group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', namespaced: true},
  podDisruptionBudgets: {group: 'policy', version: 'v1', resource: 'poddisruptionbudgets', namespaced: true},
  storageClasses: {group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', namespaced: false},
  priorityClasses: {group: 'scheduling.k8s.io', version: 'v1', resource: 'priorityclasses', namespaced: false},
} satisfies Record<string, ResourceRef>
