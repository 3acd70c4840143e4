// The ClusterRoleBindings kubeadm 1.32 writes for kubelet TLS bootstrap (its bootstraptoken/node
// phase): the bootstrap token's group may create CertificateSigningRequests, and the csrapproving
// controller approves a node client request from that group (nodeclient) and a node's renewal of
// its own certificate (selfnodeclient, for system:nodes).
import type {BootstrapObject} from '../bootstrap-object.js'

/** kubeadm's default bootstrap token's group (system:bootstrappers:kubeadm:default-node-token). */
export const defaultNodeTokenGroup = 'system:bootstrappers:kubeadm:default-node-token'

const binding = (name: string, role: string, group: string): BootstrapObject => ({
  group: 'rbac.authorization.k8s.io',
  resource: 'clusterrolebindings',
  namespace: '',
  body: {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {name},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role},
    subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group}],
  },
})

export function certificateApprovalBindingObjects(): BootstrapObject[] {
  return [
    binding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', defaultNodeTokenGroup),
    binding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', defaultNodeTokenGroup),
    binding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes'),
  ]
}
