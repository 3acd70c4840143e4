// What the workload controllers share: which pods a controller owns, pods from a template, the
// readiness and availability of pods (minReadySeconds), and which pods to delete first.
import {areObjectsOrAbsent, cloneJson, isJsonObject, type KubeObject, type OwnerReference} from '../api/object.js'
import {labelSelectorFromObject, matchesLabels, type LabelSelectorObject} from '../api/selectors.js'
import {isTerminalPod} from '../api/quota.js'
import type {Pod, PodSpec} from '../api/kinds.js'

/** A workload's pod template (core/v1 PodTemplateSpec), validated by the API server on write. */
export interface PodTemplate {
  metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}
  spec?: PodSpec
}

export interface Workload extends KubeObject {
  spec: {replicas?: number; selector?: LabelSelectorObject; minReadySeconds?: number; template?: PodTemplate}
  status?: Record<string, unknown>
}

/** A workload as the API server stores one: a spec, whose template (when there) is an object. */
export function isWorkload(object: KubeObject): object is Workload {
  return isJsonObject(object.spec) && areObjectsOrAbsent(object.spec, 'selector', 'template') && areObjectsOrAbsent(object, 'status')
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((reference) => reference.controller)
}

export function ownerReference(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {apiVersion, kind, name: String(owner.metadata.name), uid: String(owner.metadata.uid), controller: true, blockOwnerDeletion: true}
}

export function selectorMatches(selector: LabelSelectorObject | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false
  const requirements = labelSelectorFromObject(selector)
  return requirements.length > 0 && matchesLabels(requirements, labels)
}

export const isActivePod = (pod: Pod) => !isTerminalPod(pod) && !pod.metadata.deletionTimestamp

export function readySince(pod: Pod): number | null {
  const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready')
  if (!ready || ready.status !== 'True') return null
  return Date.parse(ready.lastTransitionTime ?? '') || 0
}

export function isPodReady(pod: Pod): boolean {
  return readySince(pod) !== null
}

/** Ready for at least minReadySeconds at `now`. */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  const since = readySince(pod)
  return since !== null && (minReadySeconds === 0 || since + minReadySeconds * 1000 <= now)
}

/**
 * The order in which a scale-down deletes pods (kube's ActivePodsWithRanks, reduced): not yet
 * scheduled first, then pending before running, not ready before ready, then the newest.
 */
export function deletionOrder(left: Pod, right: Pod): number {
  const rank = (pod: Pod) => [pod.spec.nodeName ? 1 : 0, pod.status?.phase === 'Running' ? 1 : 0, isPodReady(pod) ? 1 : 0]
  const [a, b] = [rank(left), rank(right)]
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return a[index]! - b[index]!
  return String(right.metadata.creationTimestamp).localeCompare(String(left.metadata.creationTimestamp))
}

/** A pod for a workload: the template's labels and annotations, a generated name, its owner. */
export function podFromTemplate(owner: Workload, apiVersion: string, kind: string, namePrefix: string): Pod {
  const template = owner.spec.template ?? {}
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      generateName: namePrefix,
      namespace: owner.metadata.namespace,
      labels: {...(template.metadata?.labels ?? {})},
      ...(template.metadata?.annotations ? {annotations: {...template.metadata.annotations}} : {}),
      ownerReferences: [ownerReference(owner, apiVersion, kind)],
    },
    // An absent template spec stays without containers, which the API server refuses as kube's does.
    spec: cloneJson(template.spec ?? {containers: []}),
  }
}
