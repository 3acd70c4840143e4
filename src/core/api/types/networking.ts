// networking.k8s.io/v1 kinds: NetworkPolicy, Ingress, IngressClass.
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

const ingressBackend = object('v1.IngressBackend', {
  service: object('v1.IngressServiceBackend', {name: string, port: object('v1.ServiceBackendPort', {name: string, number: int32})}),
  resource: object('v1.TypedLocalObjectReference', {apiGroup: string, kind: string, name: string}),
})

export const ingress = kind('v1.Ingress', {
  spec: object('v1.IngressSpec', {
    ingressClassName: string,
    defaultBackend: ingressBackend,
    tls: arrayOf(object('v1.IngressTLS', {hosts: arrayOf(string), secretName: string})),
    rules: arrayOf(object('v1.IngressRule', {
      host: string,
      http: object('v1.HTTPIngressRuleValue', {paths: arrayOf(object('v1.HTTPIngressPath', {path: string, pathType: string, backend: ingressBackend}))}),
    })),
  }),
  status: object('v1.IngressStatus', {
    loadBalancer: object('v1.IngressLoadBalancerStatus', {
      ingress: arrayOf(object('v1.IngressLoadBalancerIngress', {ip: string, hostname: string, ports: arrayOf(object('v1.IngressPortStatus', {port: int32, protocol: string, error: string}))})),
    }),
  }),
})

export const ingressClass = kind('v1.IngressClass', {
  spec: object('v1.IngressClassSpec', {
    controller: string,
    parameters: object('v1.IngressClassParametersReference', {apiGroup: string, kind: string, name: string, scope: string, namespace: string}),
  }),
})
