// The indexes of the shared pod informer that the loops look pods up by, so that a lookup costs
// the pods it finds and not every pod of the cluster (100,000 at kwok's scale).
import type {Pod} from '../scheduler/types.js'
import type {InformerIndex} from './informer.js'

/** Pods by the node they are bound to (the kubelet's pods, a node's pods for eviction). */
export const podsByNodeName: InformerIndex<Pod> = {name: 'spec.nodeName', valueOf: (pod) => pod.spec.nodeName || null}

/** Pods by the uid of their controlling owner (a ReplicaSet's, a Job's pods); orphans under ''. */
export const podsByControllerUid: InformerIndex<Pod> = {
  name: 'controller-uid',
  valueOf: (pod) => (pod.metadata.ownerReferences ?? []).find((reference) => reference.controller)?.uid ?? '',
}

/** The orphans' value in podsByControllerUid. */
export const noController = ''
