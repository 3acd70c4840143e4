// The resources the control-plane components read and write, each with the kind its informers
// read it as (KindRef): the kinds of the API layer are checked by their guards, the rest are plain
// objects until a component reads them as its own kind (kindRef with its guard).
import {isNode, isPod} from '../api/kinds.js'
import {isKubeObject, type KubeObject} from '../api/object.js'
import {isPersistentVolume, isPersistentVolumeClaim, isStorageClass} from '../api/volume-binding.js'
import type {ResourceRef} from './client.js'

/** A resource with the kind its objects are read as, and the check that an object is one. */
export interface KindRef<T extends KubeObject> extends ResourceRef {
  readonly kind: string
  readonly is: (object: KubeObject) => object is T
}

/** The resource read as `kind`, checked by `is`. */
export function kindRef<T extends KubeObject>(resource: ResourceRef, kind: string, is: (object: KubeObject) => object is T): KindRef<T> {
  return {...resource, kind, is}
}

/** A resource read as plain objects with metadata (what every stored object is). */
export function anyKind(resource: ResourceRef): KindRef<KubeObject> {
  return kindRef(resource, 'object with metadata', isKubeObject)
}

const core = (resource: string, namespaced = true) => anyKind({group: '', version: 'v1', resource, namespaced})
const apps = (resource: string) => anyKind({group: 'apps', version: 'v1', resource, namespaced: true})
const other = (group: string, version: string, resource: string, namespaced: boolean) => anyKind({group, version, resource, namespaced})

export const resources = {
  pods: kindRef(core('pods'), 'Pod', isPod),
  nodes: kindRef(core('nodes', false), 'Node', isNode),
  namespaces: core('namespaces', false),
  events: core('events'),
  services: core('services'),
  endpoints: core('endpoints'),
  serviceAccounts: core('serviceaccounts'),
  persistentVolumeClaims: kindRef(core('persistentvolumeclaims'), 'PersistentVolumeClaim', isPersistentVolumeClaim),
  persistentVolumes: kindRef(core('persistentvolumes', false), 'PersistentVolume', isPersistentVolume),
  configMaps: core('configmaps'),
  secrets: core('secrets'),
  resourceQuotas: core('resourcequotas'),
  replicationControllers: core('replicationcontrollers'),
  deployments: apps('deployments'),
  replicaSets: apps('replicasets'),
  statefulSets: apps('statefulsets'),
  daemonSets: apps('daemonsets'),
  controllerRevisions: apps('controllerrevisions'),
  horizontalPodAutoscalers: other('autoscaling', 'v2', 'horizontalpodautoscalers', true),
  jobs: other('batch', 'v1', 'jobs', true),
  cronJobs: other('batch', 'v1', 'cronjobs', true),
  leases: other('coordination.k8s.io', 'v1', 'leases', true),
  endpointSlices: other('discovery.k8s.io', 'v1', 'endpointslices', true),
  networkPolicies: other('networking.k8s.io', 'v1', 'networkpolicies', true),
  podDisruptionBudgets: other('policy', 'v1', 'poddisruptionbudgets', true),
  storageClasses: kindRef(other('storage.k8s.io', 'v1', 'storageclasses', false), 'StorageClass', isStorageClass),
  priorityClasses: other('scheduling.k8s.io', 'v1', 'priorityclasses', false),
} satisfies Record<string, KindRef<KubeObject>>
