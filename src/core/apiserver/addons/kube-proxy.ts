// The kube-proxy addon as kubeadm 1.32 installs it: its ServiceAccount, its bindings (the
// system:node-proxier role for the ServiceAccount; reading its ConfigMap for joining nodes), the
// ConfigMap with config.conf (mode iptables, kind's pod network as clusterCIDR) and
// kubeconfig.conf, and the DaemonSet that runs one kube-proxy on every node.
import {apiServerAddress, apiServerSecurePort, type BootstrapObject, kubernetesVersion} from '../bootstrap-object.js'

const namespace = 'kube-system'
const name = 'kube-proxy'
const labels = {'k8s-app': name}

/** config.conf: a KubeProxyConfiguration (set `mode: userspace` to watch the userspace proxier instead). */
export const kubeProxyConfigConf = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: 10.244.0.0/16
configSyncPeriod: 0s
conntrack:
  maxPerCore: null
  min: null
  tcpBeLiberal: false
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocal:
  bridgeInterface: ""
  interfaceNamePrefix: ""
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 1s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
metricsBindAddress: ""
mode: iptables
nftables:
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 0s
  syncPeriod: 0s
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
`

/** kubeconfig.conf (built when asked: bootstrap.ts, which this module reads, imports it too). */
const kubeconfigConf = (): string => `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://${apiServerAddress}:${apiServerSecurePort}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
`

export function kubeProxyAddonObjects(): BootstrapObject[] {
  const object = (group: string, resource: string, objectNamespace: string, body: BootstrapObject['body']): BootstrapObject => ({group, resource, namespace: objectNamespace, body})
  return [
    object('', 'serviceaccounts', namespace, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name}}),
    object('rbac.authorization.k8s.io', 'clusterrolebindings', '', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name: 'kubeadm:node-proxier'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:node-proxier'},
      subjects: [{kind: 'ServiceAccount', name, namespace}],
    }),
    object('rbac.authorization.k8s.io', 'roles', namespace, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {name},
      rules: [{apiGroups: [''], resources: ['configmaps'], resourceNames: [name], verbs: ['get']}],
    }),
    object('rbac.authorization.k8s.io', 'rolebindings', namespace, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {name},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name},
      subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:bootstrappers:kubeadm:default-node-token'}],
    }),
    object('', 'configmaps', namespace, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, labels: {app: name}}, data: {'config.conf': kubeProxyConfigConf, 'kubeconfig.conf': kubeconfigConf()}}),
    object('apps', 'daemonsets', namespace, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {name, labels},
      spec: {
        selector: {matchLabels: labels},
        updateStrategy: {type: 'RollingUpdate', rollingUpdate: {maxUnavailable: 1, maxSurge: 0}},
        template: {
          metadata: {labels},
          spec: {
            containers: [{
              name,
              image: `registry.k8s.io/kube-proxy:${kubernetesVersion}`,
              imagePullPolicy: 'IfNotPresent',
              command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
              env: [{name: 'NODE_NAME', valueFrom: {fieldRef: {apiVersion: 'v1', fieldPath: 'spec.nodeName'}}}],
              securityContext: {privileged: true},
              volumeMounts: [
                {mountPath: '/var/lib/kube-proxy', name},
                {mountPath: '/run/xtables.lock', name: 'xtables-lock'},
                {mountPath: '/lib/modules', name: 'lib-modules', readOnly: true},
              ],
            }],
            hostNetwork: true,
            nodeSelector: {'kubernetes.io/os': 'linux'},
            priorityClassName: 'system-node-critical',
            serviceAccountName: name,
            tolerations: [{operator: 'Exists'}],
            volumes: [
              {name, configMap: {name}},
              {name: 'xtables-lock', hostPath: {path: '/run/xtables.lock', type: 'FileOrCreate'}},
              {name: 'lib-modules', hostPath: {path: '/lib/modules'}},
            ],
          },
        },
      },
    }),
  ]
}
