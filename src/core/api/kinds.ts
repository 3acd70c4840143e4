// Typed Kubernetes kinds as the control plane's layers read them (the scheduler, controllers,
// kubelet and kube-proxy all import them from here, never from one another): Pod and Node with the
// fields kube-scheduler 1.32 looks at, and the shapes inside them. The schemas that decode and
// validate these kinds live in types/; these are the TypeScript view of the same objects.
import type {KubeObject} from './object.js'

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

export interface Container {
  name: string
  image?: string
  ports?: Array<{containerPort: number; hostPort?: number; protocol?: string; hostIP?: string}>
  resources?: {requests?: Record<string, string>; limits?: Record<string, string>}
  restartPolicy?: string
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
  volumes?: Array<{name: string; persistentVolumeClaim?: {claimName: string; readOnly?: boolean}}>
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
