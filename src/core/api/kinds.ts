// Typed Kubernetes kinds as the control plane's layers read them (the scheduler, controllers,
// kubelet and kube-proxy all import them from here, never from one another): Pod and Node with the
// fields kube-scheduler 1.32 looks at, and the shapes inside them. The schemas that decode and
// validate these kinds live in types/; these are the TypeScript view of the same objects.
import {areObjectsOrAbsent, isJsonObject, type KubeObject} from './object.js'

export interface Toleration {
  key?: string
  operator?: 'Exists' | 'Equal'
  value?: string
  effect?: string
  tolerationSeconds?: number
}

export interface Taint {
  key: string
  value?: string
  effect: string
  timeAdded?: string
}

export interface NodeSelectorRequirement {
  key: string
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt'
  values?: string[]
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[]
  matchFields?: NodeSelectorRequirement[]
}

export interface PodAffinityTerm {
  labelSelector?: {matchLabels?: Record<string, string>; matchExpressions?: Array<{key: string; operator: string; values?: string[]}>}
  namespaces?: string[]
  namespaceSelector?: {matchLabels?: Record<string, string>; matchExpressions?: Array<{key: string; operator: string; values?: string[]}>}
  topologyKey: string
  matchLabelKeys?: string[]
  mismatchLabelKeys?: string[]
}

export interface WeightedPodAffinityTerm {
  weight: number
  podAffinityTerm: PodAffinityTerm
}

export interface TopologySpreadConstraint {
  maxSkew: number
  topologyKey: string
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway'
  labelSelector?: PodAffinityTerm['labelSelector']
  minDomains?: number
  nodeAffinityPolicy?: 'Honor' | 'Ignore'
  nodeTaintsPolicy?: 'Honor' | 'Ignore'
  matchLabelKeys?: string[]
}

/** A probe as the kubelet runs it: exec, httpGet, tcpSocket or grpc, on the container's clock. */
export interface Probe {
  exec?: {command?: string[]}
  httpGet?: {path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: Array<{name: string; value: string}>}
  tcpSocket?: {port: number | string; host?: string}
  grpc?: {port: number; service?: string}
  initialDelaySeconds?: number
  periodSeconds?: number
  timeoutSeconds?: number
  successThreshold?: number
  failureThreshold?: number
}

export interface ObjectKeySelector {
  name: string
  key: string
  optional?: boolean
}

export interface ResourceFieldSelector {
  containerName?: string
  resource: string
  divisor?: string
}

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: {fieldRef?: {fieldPath: string; apiVersion?: string}; resourceFieldRef?: ResourceFieldSelector; configMapKeyRef?: ObjectKeySelector; secretKeyRef?: ObjectKeySelector}
}

export interface EnvFromSource {
  prefix?: string
  configMapRef?: {name: string; optional?: boolean}
  secretRef?: {name: string; optional?: boolean}
}

export interface VolumeMount {
  name: string
  mountPath: string
  subPath?: string
  readOnly?: boolean
}

export type ImagePullPolicy = 'Always' | 'IfNotPresent' | 'Never'

export interface Container {
  name: string
  image?: string
  imagePullPolicy?: ImagePullPolicy
  command?: string[]
  args?: string[]
  env?: EnvVar[]
  envFrom?: EnvFromSource[]
  ports?: Array<{name?: string; containerPort: number; hostPort?: number; protocol?: string; hostIP?: string}>
  resources?: {requests?: Record<string, string>; limits?: Record<string, string>}
  volumeMounts?: VolumeMount[]
  livenessProbe?: Probe
  readinessProbe?: Probe
  startupProbe?: Probe
  /** A sidecar's Always (init containers only). */
  restartPolicy?: string
  tty?: boolean
  stdin?: boolean
}

export interface KeyToPath {
  key: string
  path: string
  mode?: number
}

export interface DownwardAPIVolumeFile {
  path: string
  fieldRef?: {fieldPath: string; apiVersion?: string}
  resourceFieldRef?: ResourceFieldSelector
  mode?: number
}

export interface Volume {
  name: string
  persistentVolumeClaim?: {claimName: string; readOnly?: boolean}
  configMap?: {name: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number}
  secret?: {secretName: string; items?: KeyToPath[]; optional?: boolean; defaultMode?: number}
  downwardAPI?: {items?: DownwardAPIVolumeFile[]; defaultMode?: number}
  projected?: {
    sources?: Array<{
      configMap?: {name: string; items?: KeyToPath[]; optional?: boolean}
      secret?: {name: string; items?: KeyToPath[]; optional?: boolean}
      downwardAPI?: {items?: DownwardAPIVolumeFile[]}
      serviceAccountToken?: {path?: string; audience?: string; expirationSeconds?: number}
    }>
    defaultMode?: number
  }
  emptyDir?: {medium?: string; sizeLimit?: string}
  hostPath?: {path: string; type?: string}
}

export interface PodSpec {
  nodeName?: string
  restartPolicy?: 'Always' | 'OnFailure' | 'Never'
  terminationGracePeriodSeconds?: number
  nodeSelector?: Record<string, string>
  schedulerName?: string
  priority?: number
  priorityClassName?: string
  preemptionPolicy?: 'PreemptLowerPriority' | 'Never'
  tolerations?: Toleration[]
  containers: Container[]
  initContainers?: Container[]
  /** kubectl debug's containers, added to a running pod. */
  ephemeralContainers?: Container[]
  hostname?: string
  subdomain?: string
  hostNetwork?: boolean
  serviceAccountName?: string
  enableServiceLinks?: boolean
  securityContext?: Record<string, unknown>
  overhead?: Record<string, string>
  affinity?: {
    nodeAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: {nodeSelectorTerms: NodeSelectorTerm[]}
      preferredDuringSchedulingIgnoredDuringExecution?: Array<{weight: number; preference: NodeSelectorTerm}>
    }
    podAffinity?: {requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[]}
    podAntiAffinity?: {requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: WeightedPodAffinityTerm[]}
  }
  topologySpreadConstraints?: TopologySpreadConstraint[]
  schedulingGates?: Array<{name: string}>
  volumes?: Volume[]
}

export interface Pod extends KubeObject {
  spec: PodSpec
  status?: {phase?: string; nominatedNodeName?: string; conditions?: Array<{type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastProbeTime?: string | null}>}
}

export interface Node extends KubeObject {
  spec?: {unschedulable?: boolean; taints?: Taint[]; podCIDR?: string}
  status?: {
    capacity?: Record<string, string>
    allocatable?: Record<string, string>
    images?: Array<{names?: string[]; sizeBytes?: number}>
    conditions?: Array<{type: string; status: string}>
  }
}

/** A Pod as the API server stores one: a spec with its list of containers. */
export function isPod(object: KubeObject): object is Pod {
  return isJsonObject(object.spec) && Array.isArray(object.spec.containers) && areObjectsOrAbsent(object, 'status')
}

export function isNode(object: KubeObject): object is Node {
  return areObjectsOrAbsent(object, 'spec', 'status')
}
