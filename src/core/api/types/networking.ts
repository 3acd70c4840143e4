// networking.k8s.io/v1 kinds: NetworkPolicy.
import {arrayOf, int32, intOrString, object, string} from '../schema.js'
import {kind, labelSelector} from './meta.js'

const networkPolicyPort = object('v1.NetworkPolicyPort', {protocol: string, port: intOrString, endPort: int32})
const networkPolicyPeer = object('v1.NetworkPolicyPeer', {
  podSelector: labelSelector,
  namespaceSelector: labelSelector,
  ipBlock: object('v1.IPBlock', {cidr: string, except: arrayOf(string)}),
})

export const networkPolicy = kind('v1.NetworkPolicy', {
  spec: object('v1.NetworkPolicySpec', {
    podSelector: labelSelector,
    ingress: arrayOf(object('v1.NetworkPolicyIngressRule', {ports: arrayOf(networkPolicyPort), from: arrayOf(networkPolicyPeer)})),
    egress: arrayOf(object('v1.NetworkPolicyEgressRule', {ports: arrayOf(networkPolicyPort), to: arrayOf(networkPolicyPeer)})),
    policyTypes: arrayOf(string),
  }),
})
