// The kubelet's image manager, simulated: whether a container's start pulls its image (its
// imagePullPolicy, defaulted as the API server defaults it, and whether the node has the image:
// node-images.ts) and the events that tells, worded as
// kubelet 1.32's pkg/kubelet/images writes them. A pull's time and the image's size are fixed by
// the image's name, so every run and every process tells the same; under a running clock a pod's
// first start waits for its pulls (pod-work.ts).
import type {EventRecorder, EventSubject} from '../client/events.js'
import type {ImagePullPolicy} from '../api/kinds.js'
import {fnv32a} from '../util/fnv.js'
import type {NodeImageStore} from './node-images.js'
import {fullImageName} from './pod-status.js'

/** A simulated pull takes between these (milliseconds). */
export const imagePullMinMilliseconds = 500
export const imagePullMaxMilliseconds = 5_000
/** A simulated image's size is between these (bytes). */
export const imageSizeMinBytes = 2_000_000
export const imageSizeMaxBytes = 200_000_000

/** The container's policy, or the API server's default: Always for `:latest` or no tag (and no digest), else IfNotPresent. */
export function imagePullPolicyOf(container: {image?: string; imagePullPolicy?: string}): ImagePullPolicy {
  const declared = container.imagePullPolicy
  if (declared === 'Always' || declared === 'IfNotPresent' || declared === 'Never') return declared
  const image = container.image ?? ''
  if (image.includes('@')) return 'IfNotPresent'
  return fullImageName(image).endsWith(':latest') ? 'Always' : 'IfNotPresent'
}

/** Go's time.Duration text of a millisecond count: 850ms, 1.5s, 2s, 1.234s. */
export function goDurationText(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds}ms`
  const seconds = Math.floor(milliseconds / 1000)
  const fraction = String(milliseconds % 1000).padStart(3, '0').replace(/0+$/, '')
  return fraction ? `${seconds}.${fraction}s` : `${seconds}s`
}

/** How long pulling `image` takes and how big it is. */
export function simulatedPull(image: string): {milliseconds: number; sizeBytes: number} {
  const name = fullImageName(image)
  const milliseconds = imagePullMinMilliseconds + (fnv32a(`${name}/pull`) % (imagePullMaxMilliseconds - imagePullMinMilliseconds + 1))
  const sizeBytes = imageSizeMinBytes + (fnv32a(`${name}/size`) % (imageSizeMaxBytes - imageSizeMinBytes + 1))
  return {milliseconds, sizeBytes}
}

/** What a container start found: its image present (or pulled now), or absent under imagePullPolicy Never. */
export type ImageCheck = {ok: true; pulled: boolean} | {ok: false; reason: 'ErrImageNeverPull'; message: string}

/** Whether a container's start on `node` pulls its image: under Always, or when the node lacks it (not under Never). */
export function startPulls(images: NodeImageStore, node: string, container: {image?: string; imagePullPolicy?: string}): boolean {
  const policy = imagePullPolicyOf(container)
  if (policy === 'Never') return false
  return policy === 'Always' || !images.has(node, container.image ?? '')
}

/** When a pull's events happen: Pulling at `pullingAt` (null: already told), Pulled once the pull is over. */
export interface PullTimes {
  readonly pullingAt: number | null
  readonly pulledAt: number
}

/**
 * The image manager's check at one container start on `node`, with its events: a pull under
 * Always or when the node lacks the image (IfNotPresent), "already present" otherwise, and
 * ErrImageNeverPull (with kubelet's Failed event) when Never meets an image the node lacks.
 * A pulled image is on the node from then on. `pull` places a pull's events in time (the kubelet
 * waited for it); without it they carry `atMilliseconds`, a pull that took no time on the clock.
 */
export async function ensureImage(images: NodeImageStore, node: string, recorder: EventRecorder, pod: EventSubject, container: {image?: string; imagePullPolicy?: string}, atMilliseconds?: number, pull?: PullTimes): Promise<ImageCheck> {
  const image = container.image ?? ''
  const policy = imagePullPolicyOf(container)
  const present = images.has(node, image)
  if (policy === 'Never' && !present) {
    const message = `Container image "${image}" is not present with pull policy of Never`
    await recorder.record(pod, 'Warning', 'ErrImageNeverPull', message, atMilliseconds)
    await recorder.record(pod, 'Warning', 'Failed', 'Error: ErrImageNeverPull', atMilliseconds)
    return {ok: false, reason: 'ErrImageNeverPull', message}
  }
  // A pull the kubelet planned (and waited for) stays a pull, whatever came onto the node meanwhile.
  if (policy !== 'Always' && present && pull === undefined) {
    await recorder.record(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, atMilliseconds)
    return {ok: true, pulled: false}
  }
  const simulated = simulatedPull(image)
  const pulledAt = pull?.pulledAt ?? atMilliseconds
  // On the node at once: a start that looks while this one's events are written finds it.
  images.add(node, {name: fullImageName(image), sizeBytes: simulated.sizeBytes, pulledAtMilliseconds: pulledAt ?? 0})
  const took = goDurationText(simulated.milliseconds)
  if (pull === undefined || pull.pullingAt !== null) await recorder.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, pull?.pullingAt ?? atMilliseconds)
  await recorder.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${simulated.sizeBytes} bytes.`, pulledAt)
  return {ok: true, pulled: true}
}
