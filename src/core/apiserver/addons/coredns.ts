// The CoreDNS addon as kubeadm 1.32 installs it: the coredns ServiceAccount and its
// system:coredns ClusterRole and binding (list/watch of what the kubernetes plugin reads), the
// coredns ConfigMap with kubeadm's Corefile, the coredns Deployment (2 replicas, labelled
// k8s-app=kube-dns) and the kube-dns Service at the address every kubelet's clusterDNS names.
import type {BootstrapObject} from '../bootstrap-object.js'

const namespace = 'kube-system'
const labels = {'k8s-app': 'kube-dns'}

/** The kube-dns Service's cluster IP: the tenth address of the service range, as kubeadm picks it. */
export const kubeDnsServiceAddress = '10.96.0.10'
export const coreDnsImage = 'registry.k8s.io/coredns/coredns:v1.11.3'
export const coreDnsReplicas = 2

/** kubeadm's Corefile: the kubernetes plugin for the cluster domain and reverse zones, everything else forwarded to the node's resolver. */
export const corefile = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`

const dnsPorts = [
  {name: 'dns', port: 53, protocol: 'UDP'},
  {name: 'dns-tcp', port: 53, protocol: 'TCP'},
  {name: 'metrics', port: 9153, protocol: 'TCP'},
]

function system(group: string, resource: string, body: BootstrapObject['body'], namespaced = true): BootstrapObject {
  return {group, resource, namespace: namespaced ? namespace : '', body}
}

export function coreDnsAddonObjects(): BootstrapObject[] {
  const rbac = 'rbac.authorization.k8s.io'
  return [
    system('', 'serviceaccounts', {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'coredns'}}),
    system(rbac, 'clusterroles', {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: {name: 'system:coredns'},
      rules: [
        {apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch']},
        {apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch']},
      ],
    }, false),
    system(rbac, 'clusterrolebindings', {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: {name: 'system:coredns'},
      roleRef: {apiGroup: rbac, kind: 'ClusterRole', name: 'system:coredns'},
      subjects: [{kind: 'ServiceAccount', name: 'coredns', namespace}],
    }, false),
    system('', 'configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'coredns'}, data: {Corefile: corefile}}),
    system('apps', 'deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'coredns', labels},
      spec: {
        replicas: coreDnsReplicas,
        strategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1}},
        selector: {matchLabels: labels},
        template: {
          metadata: {labels},
          spec: {
            priorityClassName: 'system-cluster-critical',
            serviceAccountName: 'coredns',
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{weight: 100, podAffinityTerm: {labelSelector: {matchExpressions: [{key: 'k8s-app', operator: 'In', values: ['kube-dns']}]}, topologyKey: 'kubernetes.io/hostname'}}],
              },
            },
            tolerations: [{key: 'CriticalAddonsOnly', operator: 'Exists'}, {key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}],
            nodeSelector: {'kubernetes.io/os': 'linux'},
            containers: [{
              name: 'coredns',
              image: coreDnsImage,
              imagePullPolicy: 'IfNotPresent',
              resources: {limits: {memory: '170Mi'}, requests: {cpu: '100m', memory: '70Mi'}},
              args: ['-conf', '/etc/coredns/Corefile'],
              volumeMounts: [{name: 'config-volume', mountPath: '/etc/coredns', readOnly: true}],
              ports: dnsPorts.map((port) => ({containerPort: port.port, name: port.name, protocol: port.protocol})),
              securityContext: {allowPrivilegeEscalation: false, capabilities: {add: ['NET_BIND_SERVICE'], drop: ['ALL']}, readOnlyRootFilesystem: true},
              livenessProbe: {httpGet: {path: '/health', port: 8080, scheme: 'HTTP'}, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5},
              readinessProbe: {httpGet: {path: '/ready', port: 8181, scheme: 'HTTP'}},
            }],
            dnsPolicy: 'Default',
            volumes: [{name: 'config-volume', configMap: {name: 'coredns', items: [{key: 'Corefile', path: 'Corefile'}]}}],
          },
        },
      },
    }),
    system('', 'services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-dns',
        labels: {...labels, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS'},
        annotations: {'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true'},
      },
      spec: {clusterIP: kubeDnsServiceAddress, ports: dnsPorts.map((port) => ({...port, targetPort: port.port})), selector: labels},
    }),
  ]
}
