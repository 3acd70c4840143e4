// The NodeRestriction admission plugin: what the Node authorizer allows a kubelet in general, this
// narrows to its own node: its own Node object and Lease, and the pods bound to it (their status,
// their deletion, their eviction); a kubelet creates only mirror pods. Messages are kube's.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {nodeNameOf} from '../authorization/node.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'

const mirrorPodAnnotation = 'kubernetes.io/config.mirror'

function nodeNameOfPod(pod: KubeObject | null): string {
  return pod && isJsonObject(pod.spec) && typeof pod.spec.nodeName === 'string' ? pod.spec.nodeName : ''
}

export class NodeRestriction implements AdmissionPlugin {
  readonly name = 'NodeRestriction'

  async validate(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<void> {
    const node = nodeNameOf(attributes.user)
    if (node === null) return
    const refuse = (reason: string) => apiErrors.forbidden({group: attributes.definition.group, resource: attributes.definition.resource}, attributes.name, reason)
    if (node.length === 0) throw refuse(`could not determine node from user ${JSON.stringify(attributes.user.name)}`)
    const {group, resource} = attributes.definition
    if (group === '' && resource === 'pods') {
      if (attributes.subresource === 'status') {
        if (nodeNameOfPod(old) !== node) throw refuse(`node ${JSON.stringify(node)} can only update pod status for pods with spec.nodeName set to itself`)
        return
      }
      if (attributes.subresource === 'eviction') {
        if (nodeNameOfPod(old) !== node) throw refuse(`node ${JSON.stringify(node)} can only evict pods with spec.nodeName set to itself`)
        return
      }
      if (attributes.subresource !== '') return
      if (attributes.operation === 'CREATE') {
        if (!object?.metadata.annotations?.[mirrorPodAnnotation]) throw refuse(`pod does not have "${mirrorPodAnnotation}" annotation, node ${JSON.stringify(node)} can only create mirror pods`)
        if (nodeNameOfPod(object) !== node) throw refuse(`node ${JSON.stringify(node)} can only create pods with spec.nodeName set to itself`)
        return
      }
      if (attributes.operation === 'DELETE' && nodeNameOfPod(old) !== node) throw refuse(`node ${JSON.stringify(node)} can only delete pods with spec.nodeName set to itself`)
      return
    }
    if (group === '' && resource === 'nodes') {
      const name = object?.metadata.name ?? attributes.name
      if (name !== node) throw refuse(`node ${JSON.stringify(node)} is not allowed to modify node ${JSON.stringify(name)}`)
      return
    }
    if (group === 'coordination.k8s.io' && resource === 'leases') {
      if (attributes.namespace !== 'kube-node-lease') throw refuse('can only access leases in the "kube-node-lease" system namespace')
      const name = object?.metadata.name ?? attributes.name
      if ((attributes.operation === 'CREATE' || attributes.operation === 'UPDATE') && name !== node) throw refuse('can only access node lease with the same name as the requesting node')
    }
  }
}
