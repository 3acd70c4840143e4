// kube-apiserver's Node authorizer (--authorization-mode=Node,RBAC): a kubelet, user
// system:node:<name> in group system:nodes, may do what the system:node role lists, but may read
// a secret, config map or persistent volume claim, or ask a service account token, only for the
// pods bound to its node (kube keeps a graph of these, and so does kubemu: node-graph.ts), and
// may touch only its own Lease in kube-node-lease. Anything else is no opinion: RBAC decides next.
import type {UserInfo} from '../../api/wire.js'
import {nodeRules} from './bootstrap-policy.js'
import type {PodReferenceKind} from './node-graph.js'
import {type Attributes, type Decision, ruleAllows} from './rbac.js'

const nodeUserPrefix = 'system:node:'
export const nodesGroup = 'system:nodes'
const nodeLeaseNamespace = 'kube-node-lease'

/** The node a user is the kubelet of (kube's NodeIdentifier), or null. */
export function nodeNameOf(user: UserInfo): string | null {
  if (!user.name.startsWith(nodeUserPrefix) || !user.groups.includes(nodesGroup)) return null
  return user.name.slice(nodeUserPrefix.length)
}

export interface NodeDecision extends Decision {
  /** False: no opinion (the next authorizer decides), with `reason` saying why. */
  readonly decided: boolean
}

const noOpinion = (reason: string): NodeDecision => ({decided: false, allowed: false, reason})
const allow: NodeDecision = {decided: true, allowed: true, reason: ''}

export class NodeAuthorizer {
  constructor(private readonly pods: {related(namespace: string, node: string, kind: PodReferenceKind, name: string): Promise<boolean>}) {}

  async authorize(attributes: Attributes): Promise<NodeDecision> {
    const node = nodeNameOf(attributes.user)
    if (node === null) return noOpinion('')
    if (node.length === 0) return noOpinion(`unknown node for user ${JSON.stringify(attributes.user.name)}`)
    if (attributes.isResourceRequest) {
      const resource = `${attributes.apiGroup}/${attributes.resource}`
      if (resource === '/secrets' || resource === '/configmaps') return this.readReferenced(node, attributes, attributes.resource as 'secrets' | 'configmaps')
      if (resource === '/persistentvolumeclaims' && attributes.subresource === '') return this.getReferenced(node, attributes, 'persistentvolumeclaims')
      if (resource === '/serviceaccounts' && attributes.subresource === 'token') return this.createToken(node, attributes)
      if (resource === 'coordination.k8s.io/leases') return this.lease(node, attributes)
    }
    return nodeRules.some((rule) => ruleAllows(attributes, rule)) ? allow : noOpinion('')
  }

  private async readReferenced(node: string, attributes: Attributes, kind: 'secrets' | 'configmaps'): Promise<NodeDecision> {
    if (!['get', 'list', 'watch'].includes(attributes.verb)) return noOpinion('can only read resources of this type')
    if (attributes.subresource.length > 0) return noOpinion('cannot read subresource')
    if (attributes.namespace.length === 0) return noOpinion('can only read namespaced object of this type')
    return this.related(node, attributes, kind)
  }

  private async getReferenced(node: string, attributes: Attributes, kind: 'persistentvolumeclaims'): Promise<NodeDecision> {
    if (attributes.verb !== 'get') return noOpinion('can only get individual resources of this type')
    return this.related(node, attributes, kind)
  }

  private async createToken(node: string, attributes: Attributes): Promise<NodeDecision> {
    if (attributes.verb !== 'create') return noOpinion('can only create tokens for individual service accounts')
    return this.related(node, attributes, 'serviceaccounts')
  }

  /** Whether a pod bound to the node refers to the named object (kube's path from the object to the node). */
  private async related(node: string, attributes: Attributes, kind: PodReferenceKind): Promise<NodeDecision> {
    if (attributes.name.length === 0) return noOpinion('No Object name found')
    const related = await this.pods.related(attributes.namespace, node, kind, attributes.name)
    return related ? allow : noOpinion(`no relationship found between node '${node}' and this object`)
  }

  private lease(node: string, attributes: Attributes): NodeDecision {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(attributes.verb)) return noOpinion('can only get, create, update, patch, or delete a node lease')
    if (attributes.namespace !== nodeLeaseNamespace) return noOpinion(`can only access leases in the ${JSON.stringify(nodeLeaseNamespace)} system namespace`)
    // The name is not known on create: NodeRestriction checks it then.
    if (attributes.verb !== 'create' && attributes.name !== node) return noOpinion('can only access node lease with the same name as the requesting node')
    return allow
  }
}
