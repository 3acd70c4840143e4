// What a pod's containers read of ConfigMaps and Secrets, as the kubelet had them over time. A
// container's environment (env, envFrom) is read when it starts and never changes while it runs;
// a volume's files are written when the container starts, then again at the kubelet's periodic
// sync of the pod after the object changed (syncFrequency, a minute), through the atomic writer (a
// new timestamped directory, `..data` swapped). The kubelet keeps each object's versions with the
// times they were written (one list per object, shared by every pod, written only when an object
// is first read or changes), so replays of a run read what was in effect at their moments and
// updating a ConfigMap never rewrites what a container already printed. kube-root-ca.crt (every
// service account volume's) is read as it is.
import type {KubeObject} from '../api/object.js'
import type {Pod} from '../api/kinds.js'
import type {ContainerStateStore, ObjectVersion} from './container-state.js'

/** What the kubelet reads for a pod's containers: its ConfigMaps and Secrets, and the Services of a namespace. */
export interface PodObjectReader {
  get(resource: 'configmaps' | 'secrets', namespace: string, name: string): Promise<KubeObject | null>
  /** The Services of `namespace` (service links); `default`'s too, for the `kubernetes` Service every container links. */
  services(namespace: string): Promise<readonly KubeObject[]>
}

/** The kubelet's periodic sync of each pod (syncFrequency): when it writes a changed volume. */
export const podSyncPeriodMilliseconds = 60_000
/** Versions kept per object (the oldest go first: a run started before all of them reads the oldest). */
export const objectVersionsPerObjectMax = 64

type VersionStore = Pick<ContainerStateStore, 'objectVersions' | 'setObjectVersions'>

export function objectKey(resource: 'configmaps' | 'secrets', namespace: string, name: string): string {
  return `${resource}/${namespace}/${name}`
}

/** When an object was last written (its managed fields' latest time, else its creation). */
export function lastWrittenAt(object: KubeObject | null): number {
  if (!object) return 0
  const times = (object.metadata.managedFields ?? []).map((entry) => Date.parse(String((entry as {time?: string}).time ?? '')) || 0)
  return Math.max(Date.parse(String(object.metadata.creationTimestamp ?? '')) || 0, ...times)
}

/** What a version keeps of an object: what containers read of it (its data and when it was written). */
function kept(object: KubeObject): KubeObject {
  const {data, binaryData} = object as {data?: unknown; binaryData?: unknown}
  const metadata = {name: object.metadata.name, namespace: object.metadata.namespace, creationTimestamp: object.metadata.creationTimestamp, managedFields: [{time: new Date(lastWrittenAt(object)).toISOString()}]}
  return {apiVersion: object.apiVersion, kind: object.kind, metadata, ...(data === undefined ? {} : {data}), ...(binaryData === undefined ? {} : {binaryData})} as KubeObject
}

function sameContent(left: KubeObject, right: KubeObject): boolean {
  const content = (object: KubeObject) => JSON.stringify([(object as {data?: unknown}).data ?? null, (object as {binaryData?: unknown}).binaryData ?? null])
  return content(left) === content(right)
}

/** The pod's first periodic sync at or after `atMilliseconds` (its syncs count from its start). */
function syncAtOrAfter(pod: Pod, atMilliseconds: number): number {
  const startedAt = Date.parse(String((pod.status as {startTime?: string} | undefined)?.startTime ?? '')) || 0
  if (atMilliseconds <= startedAt) return startedAt
  return startedAt + Math.ceil((atMilliseconds - startedAt) / podSyncPeriodMilliseconds) * podSyncPeriodMilliseconds
}

/** A pod's ConfigMaps and Secrets as a run of one of its containers saw them. */
export class PodObjectVersions {
  constructor(
    private readonly live: PodObjectReader,
    private readonly store: VersionStore,
    private readonly pod: Pod,
    /** When the run started: what was written by then is in its environment and first files. */
    private readonly runStartedAtMilliseconds: number,
  ) {}

  /** The objects as the run saw them at `atMilliseconds` (Services as they are). */
  asOf(atMilliseconds: number): PodObjectReader {
    return {get: (resource, namespace, name) => this.get(resource, namespace, name, atMilliseconds), services: (namespace) => this.live.services(namespace)}
  }

  /** The moments after the run's start up to `until` at which the kubelet's sync writes a volume whose object changed, with the objects' keys. */
  changes(until: number, keys: readonly string[]): Array<{atMilliseconds: number; key: string}> {
    return keys
      .flatMap((key) => this.store.objectVersions(key).filter((version) => version.writtenAtMilliseconds > this.runStartedAtMilliseconds).map((version) => ({atMilliseconds: this.effectiveAt(version), key})))
      .filter((change) => change.atMilliseconds <= until)
      .sort((a, b) => a.atMilliseconds - b.atMilliseconds)
  }

  /** When a version reaches the run: at its start when written before it, else at the pod's next sync. */
  private effectiveAt(version: ObjectVersion): number {
    return version.writtenAtMilliseconds <= this.runStartedAtMilliseconds ? version.writtenAtMilliseconds : syncAtOrAfter(this.pod, version.writtenAtMilliseconds)
  }

  private async get(resource: 'configmaps' | 'secrets', namespace: string, name: string, atMilliseconds: number): Promise<KubeObject | null> {
    const live = await this.live.get(resource, namespace, name)
    if (resource === 'configmaps' && name === 'kube-root-ca.crt') return live
    const key = objectKey(resource, namespace, name)
    let versions = this.store.objectVersions(key)
    const latest = versions.at(-1)
    // A change (or the first read) is a new version; a deleted object leaves the last one in place.
    if (live !== null && (latest === undefined || !sameContent(latest.object, live))) {
      versions = [...versions, {writtenAtMilliseconds: lastWrittenAt(live), object: kept(live)}].slice(-objectVersionsPerObjectMax)
      this.store.setObjectVersions(key, versions)
    }
    if (versions.length === 0) return live
    const inEffect = [...versions].reverse().find((version) => this.effectiveAt(version) <= atMilliseconds)
    // Before its oldest kept version the object did not exist yet, unless versions were dropped (then the oldest stands in).
    return inEffect?.object ?? (versions.length >= objectVersionsPerObjectMax ? versions[0]!.object : null)
  }
}
