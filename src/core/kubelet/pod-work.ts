// What a kubelet's pod workers share (kubelet.ts's Kubelets gives it): the node's client and
// event recorder, the simulated runtime, the two work queues, and the small acts every step of a
// pod's life uses: writing its status, reading the objects its containers mount, starting
// containers (their image, Created and Started events) and scheduling the end of their run time.
import type {KubeObject} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import {type ApiClient, isNotFound} from '../client/client.js'
import type {EventRecorder} from '../client/events.js'
import type {Informer} from '../client/informer.js'
import {resources} from '../client/resources.js'
import type {WorkQueue} from '../client/work-queue.js'
import type {PodObjectReader} from './container-setup.js'
import {runSecondsAnnotation, type SimulatedContainers} from './containers.js'
import {recordImageEvents} from './images.js'

/** A Job's pod without a run-seconds annotation finishes after this long (other pods run until stopped). */
export const jobPodRunSecondsDefault = 1

export interface PodWork {
  /** Each node's kubelet acts as that node's user (system:node:<name>). */
  readonly clientFor: (node: string) => ApiClient
  readonly recorderFor: (node: string) => EventRecorder
  /** What runs in the containers: their commands, execs and probes. */
  readonly runtime: SimulatedContainers
  /** Simulated work: collapses to zero in one-shot mode. */
  readonly simulated: WorkQueue
  /** Wall-clock work: restart back-off, probes' next verdicts. */
  readonly wallClock: WorkQueue
  /** Containers' service links, as the kubelet's own Service informer knows them. */
  readonly services: Informer<KubeObject>
  /** Set while the loop collapses delays (one-shot mode), so run times end at once. */
  readonly collapsing: boolean
}

/** The pod as an API object (kind and apiVersion set), for events and writes. */
export function podObjectOf(pod: Pod): Pod {
  return {...pod, kind: 'Pod', apiVersion: 'v1'}
}

export async function writeStatus(work: PodWork, pod: Pod, status: Record<string, unknown>): Promise<Pod> {
  return work.clientFor(String(pod.spec.nodeName)).update<Pod>(resources.pods, {...podObjectOf(pod), status}, 'status')
}

/** How long the pod's containers run before they exit, in seconds; NaN for ever. */
export function runSecondsOf(pod: Pod): number {
  const annotated = pod.metadata.annotations?.[runSecondsAnnotation]
  if (annotated !== undefined) return Number(annotated)
  return (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller && owner.kind === 'Job') ? jobPodRunSecondsDefault : Number.NaN
}

/**
 * Containers that start (again, after an exit or a kill): the kubelet checks the image at every
 * start, creates and starts each, and their simulated run ends after the pod's run time, if it has one.
 */
export async function startContainers(work: PodWork, pod: Pod, key: string, at: number, containers: Pod['spec']['containers'] = pod.spec.containers): Promise<void> {
  const recorder = work.recorderFor(String(pod.spec.nodeName))
  const podObject = podObjectOf(pod)
  // The events carry the start's cluster time (the status's startedAt), however long their writes take.
  for (const container of containers) {
    await recordImageEvents(recorder, podObject, container, at)
    await recorder.record(podObject, 'Normal', 'Created', `Created container ${container.name}`, at)
    await recorder.record(podObject, 'Normal', 'Started', `Started container ${container.name}`, at)
  }
  const runSeconds = runSecondsOf(pod)
  if (Number.isFinite(runSeconds)) work.simulated.addAfter(key, Math.max(0, runSeconds * 1000) || 1)
}

/** The reader a node's kubelet resolves env and volumes with (ConfigMaps, Secrets through the API). */
export function readerFor(work: PodWork, node: string): PodObjectReader {
  const client = work.clientFor(node)
  return {
    get: async (resource, namespace, name) => {
      try {
        return await client.get(resource === 'secrets' ? resources.secrets : resources.configMaps, namespace, name)
      } catch (error) {
        if (isNotFound(error)) return null
        throw error
      }
    },
    services: async (namespace) => work.services.list().filter((service) => service.metadata.namespace === namespace),
  }
}
