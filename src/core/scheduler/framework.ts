// The scheduling framework's extension points as kubemu runs them: PreFilter, Filter, PreScore,
// Score (normalized, weighted), over a snapshot of the nodes. Statuses carry kube-scheduler's
// reasons, which become the FailedScheduling message.
import type {PersistentVolume, PersistentVolumeClaim, StorageClass} from '../api/volume-binding.js'
import type {ImageNodeCounts, NodeInfo} from './node-info.js'
import type {Pod, PodAffinityTerm} from '../api/kinds.js'

export type LabelSelectorObject = NonNullable<PodAffinityTerm['labelSelector']>

export const maxNodeScore = 100

export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable'

export interface Status {
  readonly code: StatusCode
  readonly reasons: readonly string[]
}

export const success: Status = {code: 'Success', reasons: []}
export const unschedulable = (...reasons: string[]): Status => ({code: 'Unschedulable', reasons})
export const unresolvable = (...reasons: string[]): Status => ({code: 'UnschedulableAndUnresolvable', reasons})

export interface Snapshot {
  readonly nodes: readonly NodeInfo[]
  readonly byName: ReadonlyMap<string, NodeInfo>
  /** How many times the nodes list each image name (ImageLocality's spread). */
  readonly imageNodeCounts: Pick<ImageNodeCounts, 'get'>
  /** Labels of each namespace, for pod affinity terms with a namespaceSelector. */
  readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>
  /** The selector of the Services and the controller that own a pod (PodTopologySpread's default constraints), when the scheduler knows them. */
  readonly defaultSelector?: (pod: Pod) => LabelSelectorObject | null
  /** Claims, volumes and classes, for VolumeBinding (absent: no pod's volumes are checked). */
  readonly volumes?: VolumeLister
}

/** What VolumeBinding reads of the cluster (the scheduler's claim, volume and class informers). */
export interface VolumeLister {
  claim(namespace: string, name: string): PersistentVolumeClaim | undefined
  volume(name: string): PersistentVolume | undefined
  volumes(): readonly PersistentVolume[]
  storageClass(name: string): StorageClass | undefined
}

/** What PreFilter and PreScore compute once per pod, for Filter and Score to read per node. */
export type CycleState = Map<string, unknown>

/**
 * A plugin as kubemu runs it: the extension points it implements. PreFilter and PreScore compute
 * what Filter and Score read from the cycle state; Score's raw values are rescaled by Normalize.
 */
export interface SchedulerPlugin {
  readonly name: string
  /** A status other than Success rejects the pod on every node. */
  preFilter?(pod: Pod, snapshot: Snapshot, state: CycleState): Status
  filter?(pod: Pod, node: NodeInfo, state: CycleState, snapshot: Snapshot): Status
  preScore?(pod: Pod, feasible: readonly NodeInfo[], state: CycleState, snapshot: Snapshot): void
  score?(pod: Pod, node: NodeInfo, state: CycleState, snapshot: Snapshot): number
  /** Rescales the raw scores to 0..100, in place. */
  normalize?(scores: Map<string, number>, state: CycleState): void
}

export type FilterPlugin = SchedulerPlugin & Required<Pick<SchedulerPlugin, 'filter'>>
export type ScorePlugin = SchedulerPlugin & Required<Pick<SchedulerPlugin, 'score'>>

/** framework's DefaultNormalizeScore: scale to the maximum (integer division), reversed if asked. */
export function defaultNormalizeScore(scores: Map<string, number>, reverse: boolean): void {
  let maxCount = 0
  for (const score of scores.values()) if (score > maxCount) maxCount = score
  if (maxCount === 0) {
    if (reverse) for (const name of scores.keys()) scores.set(name, maxNodeScore)
    return
  }
  for (const [name, score] of scores) {
    const scaled = Math.trunc((maxNodeScore * score) / maxCount)
    scores.set(name, reverse ? maxNodeScore - scaled : scaled)
  }
}
