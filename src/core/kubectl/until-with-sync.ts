// client-go's watchtools.UntilWithSync on one object, as kubectl 1.32's wait, rollout status and
// delete --wait follow it: an informer whose reflector lists the object's name
// (fieldSelector=metadata.name=NAME, limit=500, resourceVersion=0), then watches from the list's
// resourceVersion (bookmarks allowed, a random timeout of 5 to 10 minutes), and hands each change
// to a condition as an ADDED, MODIFIED or DELETED event, until the condition holds or the deadline
// passes. The same requests go out in the same order as the real kubectl's, and the reflector's
// klog lines (-v=2 and -v=3) sit where it logs them. A watch the server ends is opened again from
// the last resourceVersion seen; an ERROR event or an expired resourceVersion lists again.
import {isKubeObject, type KubeObject} from '../api/object.js'
import {clusterRandomness} from '../seed.js'
import {KubectlError, ServerError} from './errors.js'
import {deadlinePassing, whileClusterRuns} from './object-watch.js'
import {type ApiResource, collectionPath} from './resources.js'
import type {KubectlSession} from './session.js'

/** A reflector lists or watches again at most this many times before giving up. */
export const reflectorWatchesMax = 100

/** client-go's reflector asks the server to end a watch after 5 to 10 minutes (its minWatchTimeout, times 1 to 2). */
const minWatchTimeoutSeconds = 300

/** The reflector's name and the informer it feeds, as client-go names them in its log lines. */
const reflectorDescription = '*unstructured.Unstructured (0s) from k8s.io/client-go/tools/watch/informerwatcher.go:146'
const reflectorSource = '*unstructured.Unstructured from k8s.io/client-go/tools/watch/informerwatcher.go:146'

/** A change of the object as the informer delivers it. */
export interface SyncEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED'
  readonly object: KubeObject
}

export interface UntilWithSyncOptions {
  /** Once the list is in: true ends the wait at once (met); it may throw. Given the listed object, or null. */
  readonly precondition?: (object: KubeObject | null) => boolean
  /** Each event in turn; true ends the wait (met); it may throw. */
  readonly condition: (event: SyncEvent) => boolean
  /** On the session's clock; Infinity waits without end. */
  readonly deadline: number
}

/** client-go's NotFound for a group resource: `deployments.apps "web" not found`. */
export function notFoundError(resource: ApiResource, name: string): ServerError {
  const groupResource = resource.group ? `${resource.resource}.${resource.group}` : resource.resource
  return new ServerError({message: `${groupResource} ${JSON.stringify(name)} not found`, reason: 'NotFound', details: {name, kind: resource.resource}, code: 404})
}

/** Whether the condition was met before the deadline. */
export async function untilWithSync(session: KubectlSession, resource: ApiResource, namespace: string, name: string, options: UntilWithSyncOptions): Promise<boolean> {
  const stop = new AbortController()
  const timedOut = deadlinePassing(session, options.deadline, stop.signal)
  const random = clusterRandomness(session.clusterFolder()).numbers('kubectl-reflector')
  const path = collectionPath(resource, namespace)
  session.klog(3, 'reflector.go:313', `Starting reflector ${reflectorDescription}`)
  try {
    return await whileClusterRuns(session, () => reflect(session, path, name, options, timedOut, random))
  } finally {
    stop.abort()
    session.klog(3, 'reflector.go:319', `Stopping reflector ${reflectorDescription}`)
  }
}

/** The reflector's list and watches, handing each change to the store and on to the condition. */
async function reflect(session: KubectlSession, path: string, name: string, options: UntilWithSyncOptions, timedOut: Promise<'timed out'>, random: () => number): Promise<boolean> {
  const fieldSelector = `metadata.name=${name}`
  // The informer's store: the object under its name, or nothing.
  let stored: KubeObject | null = null
  let resourceVersion = ''
  let synced = false
  const deliver = (object: KubeObject | null): boolean => {
    const before = stored
    stored = object
    if (object) return options.condition({type: before ? 'MODIFIED' : 'ADDED', object})
    return before ? options.condition({type: 'DELETED', object: before}) : false
  }
  for (let attempt = 0; attempt < reflectorWatchesMax; attempt++) {
    // Listed now: the object the list found (null: none); undefined when the reflector only watches again.
    let listedItem: KubeObject | null | undefined
    if (resourceVersion === '') {
      session.klog(3, 'reflector.go:349', `Listing and watching ${reflectorSource}`)
      const listed = await Promise.race([session.request('GET', path, {query: {fieldSelector, limit: '500', resourceVersion: '0'}}), timedOut])
      if (listed === 'timed out') return false
      const body = listed.body as {metadata?: {resourceVersion?: string}; items?: unknown[]}
      listedItem = (body.items ?? []).find((entry): entry is KubeObject => isKubeObject(entry) && entry.metadata.name === name) ?? null
      resourceVersion = String(body.metadata?.resourceVersion ?? '')
      session.klog(2, 'reflector.go:376', `Caches populated for ${reflectorSource}`)
    }
    // After a list, the informer's watch goes out while the first events are handed on (it always
    // has by the time they are); after a watch ended, the reflector watches again from the last
    // resourceVersion it saw, and lists again if that has expired (410 Gone).
    const watch = await Promise.race([startWatch(session, path, fieldSelector, resourceVersion, random).catch((error: unknown) => {
      if (listedItem === undefined && error instanceof ServerError && error.code === 410) return null
      throw error
    }), timedOut])
    if (watch === 'timed out') return false
    if (watch === null) {
      resourceVersion = ''
      continue
    }
    try {
      if (listedItem !== undefined) {
        if (!synced && options.precondition?.(listedItem)) return true
        synced = true
        if (deliver(listedItem)) return true
      }
      const result = await follow(watch, timedOut, deliver, (version) => (resourceVersion = version))
      if (result !== 'ended') return result === 'met'
    } finally {
      watch.cancel()
    }
  }
  return false
}

type OpenWatch = NonNullable<Awaited<ReturnType<KubectlSession['request']>>['watch']>

async function startWatch(session: KubectlSession, path: string, fieldSelector: string, resourceVersion: string, random: () => number): Promise<OpenWatch> {
  const timeoutSeconds = String(Math.floor(minWatchTimeoutSeconds * (random() + 1)))
  const query = {allowWatchBookmarks: 'true', fieldSelector, resourceVersion, timeoutSeconds, watch: 'true'}
  const watch = (await session.request('GET', path, {query})).watch
  if (!watch) throw new KubectlError('the server did not start a watch')
  return watch
}

/** A watch's events to the store until the condition holds ('met'), time is up, or the watch ends (relisting after an ERROR event). */
async function follow(watch: OpenWatch, timedOut: Promise<'timed out'>, deliver: (object: KubeObject | null) => boolean, seen: (resourceVersion: string) => void): Promise<'met' | 'timed out' | 'ended'> {
  for (;;) {
    const events = await Promise.race([watch.next(), timedOut])
    if (events === 'timed out') return 'timed out'
    if (events === null) return 'ended'
    for (const event of events) {
      if (event.type === 'ERROR') {
        // The reflector drops what it knew of the resourceVersion and lists again.
        seen('')
        return 'ended'
      }
      // client-go's StreamWatcher ends a watch on an event it cannot decode, with this error.
      if (!isKubeObject(event.object)) throw new KubectlError(`unable to decode an event from the watch stream: a ${event.type} event carries no object with metadata`)
      seen(String(event.object.metadata.resourceVersion ?? ''))
      if (event.type === 'BOOKMARK') continue
      if (deliver(event.type === 'DELETED' ? null : event.object)) return 'met'
    }
  }
}
