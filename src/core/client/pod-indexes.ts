// The indexes of the shared informers (pods above all) that the loops look pods up by, so that a lookup costs
// the pods it finds and not every pod of the cluster (100,000 at kwok's scale).
import type {KubeObject} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import type {InformerIndex} from './informer.js'

/** Pods by the node they are bound to (the kubelet's pods, a node's pods for eviction). */
export const podsByNodeName: InformerIndex<Pod> = {name: 'spec.nodeName', valueOf: (pod) => pod.spec.nodeName || null}

/** Objects by the uid of their controlling owner (a ReplicaSet's pods, a StatefulSet's revisions); orphans under ''. */
export const objectsByControllerUid: InformerIndex<KubeObject> = {
  name: 'controller-uid',
  valueOf: (pod) => (pod.metadata.ownerReferences ?? []).find((reference) => reference.controller)?.uid ?? '',
}

/** The orphans' value in objectsByControllerUid. */
export const noController = ''

/** Objects by namespace (the pods a PodDisruptionBudget's selector is matched against). */
export const objectsByNamespace: InformerIndex<KubeObject> = {name: 'metadata.namespace', valueOf: (object) => object.metadata.namespace || null}
