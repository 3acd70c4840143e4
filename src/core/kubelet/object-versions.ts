// What a pod's containers read of ConfigMaps and Secrets, as the kubelet had them over time. A
// container's environment (env, envFrom) is read once, when it starts, and never changes while it
// runs; a volume's files are written when the pod's volumes are set up, then again at the
// kubelet's periodic sync of the pod after the object changed (syncFrequency, a minute), through
// the atomic writer (a new timestamped directory, `..data` swapped). Replays of a run read the
// versions in effect at their moments, so updating a ConfigMap never rewrites what a container
// already printed. Versions are kept only for the objects a pod reads, once it read them;
// kube-root-ca.crt (every service account volume's) is read as it is.
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
/** Versions kept per object a pod reads (the oldest go first). */
export const objectVersionsPerObjectMax = 16

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

/** A pod's ConfigMaps and Secrets as its containers saw them over time. */
export class PodObjectVersions {
  constructor(
    private readonly live: PodObjectReader,
    private readonly store: VersionStore,
    private readonly pod: Pod,
  ) {}

  /** The objects as the pod's containers saw them at `atMilliseconds` (Services as they are). */
  asOf(atMilliseconds: number): PodObjectReader {
    return {get: (resource, namespace, name) => this.get(resource, namespace, name, atMilliseconds), services: (namespace) => this.live.services(namespace)}
  }

  /** The moments after `after` up to `until` at which an object the pod read changed for it, with the objects' keys. */
  changes(after: number, until: number): Array<{atMilliseconds: number; key: string}> {
    const versions = this.store.objectVersions(String(this.pod.metadata.uid)) ?? {}
    return Object.entries(versions)
      .flatMap(([key, list]) => list.slice(1).filter((version) => version.atMilliseconds > after && version.atMilliseconds <= until).map((version) => ({atMilliseconds: version.atMilliseconds, key})))
      .sort((a, b) => a.atMilliseconds - b.atMilliseconds)
  }

  private async get(resource: 'configmaps' | 'secrets', namespace: string, name: string, atMilliseconds: number): Promise<KubeObject | null> {
    const live = await this.live.get(resource, namespace, name)
    if (resource === 'configmaps' && name === 'kube-root-ca.crt') return live
    const uid = String(this.pod.metadata.uid)
    const all = this.store.objectVersions(uid) ?? {}
    const key = objectKey(resource, namespace, name)
    let versions: readonly ObjectVersion[] = all[key] ?? []
    const latest = versions.at(-1)
    // A change (or the first read) is a new version; a deleted object leaves the last one in place.
    if (live !== null && (latest === undefined || !sameContent(latest.object, live))) {
      const from = latest === undefined ? 0 : Math.max(latest.atMilliseconds + 1, syncAtOrAfter(this.pod, lastWrittenAt(live)))
      versions = [...versions, {atMilliseconds: from, object: kept(live)}].slice(-objectVersionsPerObjectMax)
      this.store.setObjectVersions(uid, {...all, [key]: versions})
    }
    if (versions.length === 0) return live
    return ([...versions].reverse().find((version) => version.atMilliseconds <= atMilliseconds) ?? versions[0]!).object
  }
}
