// A deleted pod's end on its node: the kubelet stops the containers as soon as it sees the
// deletion (Killing events), waits until they have ended after the SIGTERM or the grace period is
// over (termination.ts holds how each container reacts), then removes the pod for good.
import type {Pod} from '../api/kinds.js'
import {objectKey} from '../client/client.js'
import {runningRun} from '../apiserver/pod-logs.js'
import {isTerminalPod} from '../api/quota.js'
import {resources} from '../client/resources.js'
import {containerSubject, type PodWork, readerFor} from './pod-work.js'

/** Pods whose containers are stopping at once, across all nodes (each until its grace period ends). */
export const stoppingPodsMax = 1_000_000

/** The container's status says it ended for good (terminated). */
function containerEnded(pod: Pod, name: string): boolean {
  const statuses = ((pod.status as {containerStatuses?: Array<{name?: string; state?: {terminated?: unknown}}>} | undefined)?.containerStatuses ?? [])
  return statuses.find((status) => status.name === name)?.state?.terminated !== undefined
}

export class PodDeletions {
  /** Pods whose containers were told to stop (their Killing events are written): key → uid. */
  private readonly stopping = new Map<string, string>()

  constructor(private readonly work: PodWork) {}

  /** The pod is gone by another hand (a forced delete) while its containers were stopping. */
  forget(key: string): void {
    this.stopping.delete(key)
  }

  /**
   * The pod left the API (a forced delete, or the kubelet's own removal) at `now`: its running
   * containers ended then at the latest, and their commands sent nothing after.
   */
  gone(pod: Pod, now: number): void {
    const deletedAt = Date.parse(String(pod.metadata.deletionTimestamp ?? ''))
    const endedAt = Number.isNaN(deletedAt) ? now : Math.min(now, deletedAt)
    for (const container of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) {
      const run = runningRun(pod, container.name)
      if (run) this.work.runtime.runEnded(pod, container.name, run, endedAt)
    }
  }

  async terminate(pod: Pod, now: number): Promise<void> {
    const key = objectKey(pod)
    const uid = String(pod.metadata.uid)
    // The kubelet stops the containers as soon as it sees the deletion (Killing), then waits out the grace period.
    // A pod still initializing stops its running init container (and started sidecars) alike.
    const runningInits = (pod.spec.initContainers ?? []).filter((container) => runningRun(pod, container.name) !== null)
    if (this.stopping.get(key) !== uid && !isTerminalPod(pod) && (pod.status?.phase === 'Running' || runningInits.length > 0)) {
      if (this.stopping.size >= stoppingPodsMax) throw new Error(`invariant: more than ${stoppingPodsMax} pods stopping at once`)
      this.stopping.set(key, uid)
      const recorder = this.work.recorderFor(String(pod.spec.nodeName))
      // Containers that ended already (a pod whose sidecars are being stopped) are not stopped again.
      const stopped = pod.status?.phase === 'Running' ? [...pod.spec.containers.filter((container) => !containerEnded(pod, container.name)), ...runningInits] : runningInits
      for (const container of stopped) await recorder.record(containerSubject(pod, container.name), 'Normal', 'Killing', `Stopping container ${container.name}`)
    }
    const deletedAt = Date.parse(String(pod.metadata.deletionTimestamp))
    const endsAt = Math.min(deletedAt, await this.containersEndAfterTerm(pod, deletedAt))
    if (endsAt > now && !this.work.collapsing) return this.work.simulated.addAfter(key, endsAt - now)
    try {
      await this.work.clientFor(String(pod.spec.nodeName)).delete(resources.pods, String(pod.metadata.namespace), String(pod.metadata.name), {gracePeriodSeconds: 0, preconditions: {uid}})
    } finally {
      this.stopping.delete(key)
    }
  }

  /**
   * When the last of a deleted pod's running containers has ended after the SIGTERM the kubelet
   * sent as the deletion came (the grace period's end for one that ignores it, see termination.ts).
   */
  private async containersEndAfterTerm(pod: Pod, deletedAt: number): Promise<number> {
    const signalAt = deletedAt - Number(pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000
    // A pod that runs nothing (completed, failed, or not started yet) has nothing to wait for: its
    // kubelet removes it as soon as it sees the deletion (`kubectl run --rm` leaves nothing behind).
    // One initializing waits for its running init container (and sidecars).
    const inits = pod.spec.initContainers ?? []
    if (pod.status?.phase !== 'Running' && !inits.some((container) => runningRun(pod, container.name) !== null)) return signalAt
    const reader = readerFor(this.work, String(pod.spec.nodeName))
    let last = signalAt
    for (const container of [...pod.spec.containers, ...inits]) {
      const run = runningRun(pod, container.name)
      if (run === null) continue
      const end = Math.min(deletedAt, (await this.work.runtime.endAfterTerm(pod, container.name, run, signalAt, deletedAt, reader))?.atMilliseconds ?? deletedAt)
      // What its command would send after its end it never sent (access logs keep none of it).
      this.work.runtime.runEnded(pod, container.name, run, end)
      last = Math.max(last, end)
    }
    return last
  }
}
