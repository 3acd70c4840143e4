// The static pods of a master, as kubeadm 1.32 writes them to /etc/kubernetes/manifests (etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler: flags sorted by name, as kubeadm's
// ArgumentsToCommand sorts them) with this cluster's values, and the mirror pod a kubelet posts
// for each: named <component>-<node>, annotated with the static pod's hash, owned by the Node.
// Where this cluster differs from a kubeadm one, the flags say what it really runs: etcd on the
// Procfile's loopback URLs, plain HTTP unless `up --etcd-tls` serves them as kubeadm does (then
// with kubeadm's certificate flags and pki/etcd mount), every API server knowing every member.
import {createHash} from 'node:crypto'
import {mirrorPodAnnotation} from '../api/mirror-pods.js'
import type {KubeObject} from '../api/object.js'
import {serviceAccountIssuer} from '../apiserver/authentication/service-account-tokens.js'
import {apiServerSecurePort, kubernetesVersion} from '../apiserver/bootstrap-object.js'
import {serviceClusterIpRange} from '../apiserver/range-allocation.js'
import {defaultLayout, type MemberLayout} from '../etcd/layout.js'
import {etcdVersion} from '../etcd/version.js'
import {type MasterComponent, type MasterLayout, masterComponents} from '../api/masters.js'
import type {Node, Pod} from '../api/kinds.js'

export const configHashAnnotation = 'kubernetes.io/config.hash'
export const configSeenAnnotation = 'kubernetes.io/config.seen'
export const configSourceAnnotation = 'kubernetes.io/config.source'
export const staticPodNamespace = 'kube-system'
export const staticPodManifestFolder = '/etc/kubernetes/manifests'

/** Whether a master's component runs; a stopped one crash-loops in its mirror pod. */
export type StaticPodState = 'running' | 'stopped'
export type StaticPodHealth = (node: string, component: MasterComponent) => StaticPodState
export const allStaticPodsRunning: StaticPodHealth = () => 'running'

export interface StaticPod {
  readonly component: MasterComponent
  /** The mirror pod's name: the manifest's name and the node's. */
  readonly name: string
  /** The manifest as the file holds it. */
  readonly manifest: Pod
  /** The kubelet's hash of the manifest, its node and its source: the static pod's UID. */
  readonly hash: string
}

const pki = '/etc/kubernetes/pki'
/** Where kubeadm keeps etcd's CA, serving and health-check certificates on a master, mounted into etcd's pod. */
export const etcdPkiHostPath = `${pki}/etcd`
/** The API server's etcd client certificate on a master (kubeadm's apiserver-etcd-client.crt and .key). */
export const apiServerEtcdClientHostPath = `${pki}/apiserver-etcd-client`
/** kubeadm's etcd metrics port (plain HTTP, no client certificate) beside the client port 2379: its probes ask it when the client URLs need one. Each member of the Procfile layout has its own, two above its client port. */
const etcdMetricsPortAboveClient = 2

/** How a master's etcd serves its clients: the Procfile's plain HTTP, or kubeadm's TLS with client certificates (`up --etcd-tls`). */
export interface EtcdServing {
  readonly tls: boolean
}
export const plainEtcd: EtcdServing = {tls: false}

/** A member's URL as served: https:// under TLS. */
const servedUrl = (url: string, serving: EtcdServing) => (serving.tls ? url.replace(/^http:\/\//, 'https://') : url)
const podSubnet = '10.244.0.0/16'
const clusterName = 'kubernetes'

/** `--name=value` for each flag, sorted by name as kubeadm writes them. */
function command(binary: string, flags: Record<string, string>): string[] {
  return [binary, ...Object.keys(flags).sort().map((name) => `--${name}=${flags[name]}`)]
}

/** kubeadm's probes: liveness (10 s delay, 8 failures), readiness (every second), startup (4 minutes). */
function probe(kind: 'liveness' | 'readiness' | 'startup', host: string, path: string, port: number, scheme: 'HTTP' | 'HTTPS'): Record<string, unknown> {
  const [initialDelaySeconds, failureThreshold, periodSeconds] = {liveness: [10, 8, 10], readiness: [0, 3, 1], startup: [10, 24, 10]}[kind]
  return {failureThreshold, httpGet: {host, path, port, scheme}, initialDelaySeconds, periodSeconds, timeoutSeconds: 15}
}

type HostPath = readonly [name: string, path: string, type: 'DirectoryOrCreate' | 'FileOrCreate', readOnly: boolean]

const caVolumes: readonly HostPath[] = [
  ['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate', true],
  ['etc-ca-certificates', '/etc/ca-certificates', 'DirectoryOrCreate', true],
  ['k8s-certs', pki, 'DirectoryOrCreate', true],
  ['usr-local-share-ca-certificates', '/usr/local/share/ca-certificates', 'DirectoryOrCreate', true],
  ['usr-share-ca-certificates', '/usr/share/ca-certificates', 'DirectoryOrCreate', true],
]

/** The manifest of one component: kubeadm's ComponentPod (host network, system-node-critical). */
function componentPod(component: MasterComponent, container: Record<string, unknown>, hostPaths: readonly HostPath[], annotations: Record<string, string>, mountsAsGiven = false): Pod {
  const sorted = [...hostPaths].sort((a, b) => a[0].localeCompare(b[0]))
  // kubeadm sorts the volumes by name, and the mounts too, but etcd's, which it lists data first.
  const mounts = mountsAsGiven ? hostPaths : sorted
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: component, namespace: staticPodNamespace, labels: {component, tier: 'control-plane'}, ...(Object.keys(annotations).length > 0 ? {annotations} : {})},
    spec: {
      containers: [{
        name: component,
        imagePullPolicy: 'IfNotPresent',
        ...container,
        volumeMounts: mounts.map(([name, mountPath, , readOnly]) => ({mountPath, name, ...(readOnly ? {readOnly} : {})})),
      }],
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      securityContext: {seccompProfile: {type: 'RuntimeDefault'}},
      volumes: sorted.map(([name, path, type]) => ({hostPath: {path, type}, name})),
    },
  }
}

function etcdManifest(member: MemberLayout, members: readonly MemberLayout[], token: string, serving: EtcdServing): Pod {
  const clientUrl = servedUrl(member.clientUrl, serving)
  const client = new URL(member.clientUrl)
  // etcd 3.4 serves /health (not /livez, /readyz) on its client URL; kubeadm's TLS etcd asks its
  // plain metrics URL, as the client URL wants a client certificate the kubelet does not present.
  const metricsPort = Number(client.port) + etcdMetricsPortAboveClient
  const health = (kind: 'liveness' | 'startup', path: string) => probe(kind, client.hostname, path, serving.tls ? metricsPort : Number(client.port), 'HTTP')
  const tlsFlags: Record<string, string> = serving.tls
    ? {
        'cert-file': `${etcdPkiHostPath}/server.crt`,
        'client-cert-auth': 'true',
        'key-file': `${etcdPkiHostPath}/server.key`,
        'listen-metrics-urls': `http://${client.hostname}:${metricsPort}`,
        'trusted-ca-file': `${etcdPkiHostPath}/ca.crt`,
      }
    : {}
  const hostPaths: HostPath[] = [['etcd-data', '/var/lib/etcd', 'DirectoryOrCreate', false]]
  if (serving.tls) hostPaths.push(['etcd-certs', etcdPkiHostPath, 'DirectoryOrCreate', false])
  return componentPod('etcd', {
    command: command('etcd', {
      'advertise-client-urls': clientUrl,
      'data-dir': '/var/lib/etcd',
      'experimental-initial-corrupt-check': 'true',
      'experimental-watch-progress-notify-interval': '5s',
      'initial-advertise-peer-urls': member.peerUrl,
      'initial-cluster': members.map((each) => `${each.name}=${each.peerUrl}`).join(','),
      'initial-cluster-state': 'new',
      'initial-cluster-token': token,
      'listen-client-urls': clientUrl,
      'listen-peer-urls': member.peerUrl,
      name: member.name,
      'snapshot-count': '10000',
      ...tlsFlags,
    }),
    image: `registry.k8s.io/etcd:${etcdVersion}-0`,
    livenessProbe: health('liveness', '/health?exclude=NOSPACE&serializable=true'),
    resources: {requests: {cpu: '100m', memory: '100Mi'}},
    startupProbe: health('startup', '/health?serializable=false'),
  }, hostPaths, {'kubeadm.kubernetes.io/etcd.advertise-client-urls': clientUrl}, true)
}

function apiServerManifest(address: string, members: readonly MemberLayout[], serving: EtcdServing): Pod {
  const etcdClientFlags: Record<string, string> = serving.tls
    ? {'etcd-cafile': `${etcdPkiHostPath}/ca.crt`, 'etcd-certfile': `${apiServerEtcdClientHostPath}.crt`, 'etcd-keyfile': `${apiServerEtcdClientHostPath}.key`}
    : {}
  return componentPod('kube-apiserver', {
    command: command('kube-apiserver', {
      'advertise-address': address,
      'allow-privileged': 'true',
      'authorization-mode': 'Node,RBAC',
      'client-ca-file': `${pki}/ca.crt`,
      'enable-admission-plugins': 'NodeRestriction',
      // Each API server's etcd client knows every member and fails over.
      'etcd-servers': members.map((member) => servedUrl(member.clientUrl, serving)).join(','),
      ...etcdClientFlags,
      'kubelet-client-certificate': `${pki}/apiserver-kubelet-client.crt`,
      'kubelet-client-key': `${pki}/apiserver-kubelet-client.key`,
      'kubelet-preferred-address-types': 'InternalIP,ExternalIP,Hostname',
      'proxy-client-cert-file': `${pki}/front-proxy-client.crt`,
      'proxy-client-key-file': `${pki}/front-proxy-client.key`,
      'requestheader-allowed-names': 'front-proxy-client',
      'requestheader-client-ca-file': `${pki}/front-proxy-ca.crt`,
      'requestheader-extra-headers-prefix': 'X-Remote-Extra-',
      'requestheader-group-headers': 'X-Remote-Group',
      'requestheader-username-headers': 'X-Remote-User',
      'secure-port': String(apiServerSecurePort),
      'service-account-issuer': serviceAccountIssuer,
      'service-account-key-file': `${pki}/sa.pub`,
      'service-account-signing-key-file': `${pki}/sa.key`,
      'service-cluster-ip-range': serviceClusterIpRange,
      'tls-cert-file': `${pki}/apiserver.crt`,
      'tls-private-key-file': `${pki}/apiserver.key`,
      // The admin's token lives in the static token file.
      'token-auth-file': `${pki}/tokens.csv`,
    }),
    image: `registry.k8s.io/kube-apiserver:${kubernetesVersion}`,
    livenessProbe: probe('liveness', address, '/livez', apiServerSecurePort, 'HTTPS'),
    readinessProbe: probe('readiness', address, '/readyz', apiServerSecurePort, 'HTTPS'),
    resources: {requests: {cpu: '250m'}},
    startupProbe: probe('startup', address, '/livez', apiServerSecurePort, 'HTTPS'),
  }, caVolumes, {'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${address}:${apiServerSecurePort}`})
}

function controllerManagerManifest(): Pod {
  const kubeconfig = '/etc/kubernetes/controller-manager.conf'
  return componentPod('kube-controller-manager', {
    command: command('kube-controller-manager', {
      'allocate-node-cidrs': 'true',
      'authentication-kubeconfig': kubeconfig,
      'authorization-kubeconfig': kubeconfig,
      'bind-address': '127.0.0.1',
      'client-ca-file': `${pki}/ca.crt`,
      'cluster-cidr': podSubnet,
      'cluster-name': clusterName,
      'cluster-signing-cert-file': `${pki}/ca.crt`,
      'cluster-signing-key-file': `${pki}/ca.key`,
      // kubemu's controller manager has no bootstrap-token controllers and acts as itself
      // (no --use-service-account-credentials).
      controllers: '*',
      kubeconfig,
      'leader-elect': 'true',
      'requestheader-client-ca-file': `${pki}/front-proxy-ca.crt`,
      'root-ca-file': `${pki}/ca.crt`,
      'service-account-private-key-file': `${pki}/sa.key`,
      'service-cluster-ip-range': serviceClusterIpRange,
    }),
    image: `registry.k8s.io/kube-controller-manager:${kubernetesVersion}`,
    livenessProbe: probe('liveness', '127.0.0.1', '/healthz', 10257, 'HTTPS'),
    resources: {requests: {cpu: '200m'}},
    startupProbe: probe('startup', '127.0.0.1', '/healthz', 10257, 'HTTPS'),
  }, [...caVolumes, ['flexvolume-dir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec', 'DirectoryOrCreate', false], ['kubeconfig', kubeconfig, 'FileOrCreate', true]], {})
}

function schedulerManifest(): Pod {
  const kubeconfig = '/etc/kubernetes/scheduler.conf'
  return componentPod('kube-scheduler', {
    command: command('kube-scheduler', {
      'authentication-kubeconfig': kubeconfig,
      'authorization-kubeconfig': kubeconfig,
      'bind-address': '127.0.0.1',
      kubeconfig,
      'leader-elect': 'true',
    }),
    image: `registry.k8s.io/kube-scheduler:${kubernetesVersion}`,
    livenessProbe: probe('liveness', '127.0.0.1', '/healthz', 10259, 'HTTPS'),
    resources: {requests: {cpu: '100m'}},
    startupProbe: probe('startup', '127.0.0.1', '/healthz', 10259, 'HTTPS'),
  }, [['kubeconfig', kubeconfig, 'FileOrCreate', true]], {})
}

export class StaticPodError extends Error {}

/** The four static pods of a master whose node has `address`, in masterComponents' order. */
export function staticPodsOf(master: MasterLayout, address: string, layout = defaultLayout(), serving: EtcdServing = plainEtcd): StaticPod[] {
  const member = layout.members.find((candidate) => candidate.name === master.member)
  if (!member) throw new StaticPodError(`master ${master.node} runs etcd member ${master.member}, which the cluster layout does not have`)
  const manifests: Record<MasterComponent, Pod> = {
    etcd: etcdManifest(member, layout.members, layout.token, serving),
    'kube-apiserver': apiServerManifest(address, layout.members, serving),
    'kube-controller-manager': controllerManagerManifest(),
    'kube-scheduler': schedulerManifest(),
  }
  return masterComponents.map((component) => {
    const manifest = manifests[component]
    // The kubelet's UID for a static pod: a hash of the pod, its node and its source file.
    const hash = createHash('md5').update(JSON.stringify(manifest)).update(`host:${master.node}`).update(`file:${staticPodManifestFolder}/${component}.yaml`).digest('hex')
    return {component, name: `${component}-${master.node}`, manifest, hash}
  })
}

/** The mirror pod a kubelet creates for a static pod: its node's, controlled by the Node. */
export function mirrorPodOf(staticPod: StaticPod, node: Node, seenAt: string): KubeObject {
  const {manifest, hash} = staticPod
  const nodeName = String(node.metadata.name)
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: staticPod.name,
      namespace: staticPodNamespace,
      labels: {...manifest.metadata.labels},
      annotations: {...manifest.metadata.annotations, [configHashAnnotation]: hash, [mirrorPodAnnotation]: hash, [configSeenAnnotation]: seenAt, [configSourceAnnotation]: 'file'},
      ownerReferences: [{apiVersion: 'v1', kind: 'Node', name: nodeName, uid: String(node.metadata.uid), controller: true}],
    },
    // The kubelet binds a static pod to its node and lets it tolerate every NoExecute taint.
    spec: {...manifest.spec, nodeName, tolerations: [{operator: 'Exists', effect: 'NoExecute'}]},
  }
}

/** The kubelet's config.seen: when it first read the manifest, with nanoseconds. */
export function seenTimestamp(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z')
}
