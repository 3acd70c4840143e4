// A pod's sandbox as containerd sets it up for the kubelet: its network gets an address from the
// node's pod CIDR (the CNI plugin's host-local IPAM). With every address held, the sandbox fails
// for that pod alone: the kubelet has written the pod's status (Pending, ContainerCreating, no pod
// IP), tells a Warning FailedCreatePodSandBox with containerd's error, and its pod worker syncs
// the pod again after its back-off; the pod starts once an address is free. The other pods of the
// node go on.
import {createHash} from 'node:crypto'
import type {Node, Pod} from '../api/kinds.js'
import {podObjectOf, type PodWork, writeStatus} from './pod-work.js'
import {type PodIps, rangeSetOf} from './pod-ips.js'
import {creatingStatus, hostIpOf} from './pod-status.js'

/** How long a pod worker waits to sync a pod again after a failed sync (the kubelet's backOffPeriod, without its jitter). */
export const sandboxRetryMilliseconds = 10_000

export class PodSandboxes {
  /** When each pod whose sandbox failed (by uid) is due to try again: a sync before then (its status write's own event) does not try. */
  private readonly retryAt = new Map<string, number>()

  constructor(private readonly work: PodWork, private readonly podIps: PodIps) {}

  /** Whether the kubelet took up the pod (its status written) but its sandbox has no network yet. */
  awaitingNetwork(pod: Pod): boolean {
    const status = pod.status as {startTime?: string; podIP?: string; phase?: string} | undefined
    return status?.startTime !== undefined && status.phase === 'Pending' && !status.podIP && pod.spec.hostNetwork !== true
  }

  /**
   * The pod's sandbox set up (`first`: the kubelet takes the pod up now, and writes its Pending
   * status whatever comes of it): with an address, its status says so and its containers start
   * after `startMilliseconds`; without, the failure is told and the pod tried again after the back-off.
   */
  async setUp(pod: Pod, node: Node, key: string, now: number, first: boolean, startMilliseconds: number): Promise<void> {
    const uid = String(pod.metadata.uid)
    const due = this.retryAt.get(uid)
    if (!first && due !== undefined && now < due) return this.work.wallClock.addAfter(key, due - now)
    const ip = this.podIps.ipFor(node, pod)
    if (ip === null) {
      this.retryAt.set(uid, now + sandboxRetryMilliseconds)
      this.work.wallClock.addAfter(key, sandboxRetryMilliseconds)
      // Each attempt is a sandbox of its own, torn down when its network fails. Told before the
      // status is written (the kubelet's status manager writes it on its own), so whoever sees
      // the pod's status finds the event too.
      const sandbox = createHash('sha256').update(`sandbox:${uid}:${now}`).digest('hex')
      const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "${sandbox}": plugin type="host-local" failed (add): failed to allocate for range 0: no IP addresses available in range set: ${rangeSetOf(node)}`
      await this.work.recorderFor(String(pod.spec.nodeName)).record(podObjectOf(pod), 'Warning', 'FailedCreatePodSandBox', message, now)
    }
    if (first) await writeStatus(this.work, pod, creatingStatus(pod, hostIpOf(node), ip, now))
    else if (ip !== null) await writeStatus(this.work, pod, {...(pod.status as Record<string, unknown>), podIP: ip, podIPs: [{ip}]})
    if (ip !== null) {
      this.retryAt.delete(uid)
      this.work.simulated.addAfter(key, startMilliseconds)
    }
  }

  /** A pod gone: nothing more to try for it. */
  forget(uid: string): void {
    this.retryAt.delete(uid)
  }
}
