// client-go's watchtools.UntilWithSync on one object, as kubectl 1.32's wait, rollout status and
// delete --wait follow it: an informer whose reflector lists the object's name
// (fieldSelector=metadata.name=NAME, limit=500, resourceVersion=0), then watches from the list's
// resourceVersion (bookmarks allowed, a random timeout of 5 to 10 minutes), and hands each change
// to a condition as an ADDED, MODIFIED or DELETED event, until the condition holds or the deadline
// passes. The same requests go out in the same order as the real kubectl's, and the reflector's
// klog lines sit where it logs them. As client-go's reflector does, it never gives up before the
// deadline: a watch the server ends after a while or after events is opened again at once from
// the last resourceVersion seen; a watch that ends with an error (an expired resourceVersion, 410,
// included) or at once with nothing, and a list or watch request that fails, make it back off
// (800 ms doubling to 30 s, jittered) and list again, from the last resourceVersion seen, or, once
// that list answered 410, from the newest one (a consistent read, resourceVersion unset).
import {isKubeObject, type KubeObject} from '../api/object.js'
import {clusterRandomness} from '../seed.js'
import type {Clock} from '../util/clock.js'
import {ConnectionRefusedError, KubectlError, ServerError, type StatusBody} from './errors.js'
import {deadlinePassing, whileClusterRuns} from './object-watch.js'
import {type ApiResource, collectionPath} from './resources.js'
import type {KubectlSession} from './session.js'

/** client-go's reflector backs off this long after a failed list or a watch that ended, at first… */
const backoffInitialMilliseconds = 800
/** …doubling each time up to this… */
const backoffCapMilliseconds = 30_000
/** …each wait lengthened by up to as much again (its jitter), and starting over after this long without one. */
const backoffResetMilliseconds = 120_000

/** A watch the server ends sooner than this, with no event, is "very short": an error, so a backoff and a list follow. */
const shortWatchMilliseconds = 1_000

/**
 * Watches opened again at once in a row (each ended by the server after a while or after events,
 * which client-go answers with a new watch, no pause) before the reflector pauses for a backoff
 * anyway: a server that ended every watch right after an event could otherwise keep it busy.
 * Every other turn waits a backoff, so a wait ends at its deadline, never because of a count.
 */
export const reflectorRewatchesWithoutPauseMax = 100

/** client-go's reflector asks the server to end a watch after 5 to 10 minutes (its minWatchTimeout, times 1 to 2). */
const minWatchTimeoutSeconds = 300

/** The reflector's name, its type and the informer it feeds, as client-go names them in its log lines. */
const reflectorName = 'k8s.io/client-go/tools/watch/informerwatcher.go:146'
const reflectorType = '*unstructured.Unstructured'
const reflectorDescription = `${reflectorType} (0s) from ${reflectorName}`
const reflectorSource = `${reflectorType} from ${reflectorName}`

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

/** What the reflector needs of a kubectl session: its requests, its log and its clock. */
export type ReflectorClient = Pick<KubectlSession, 'request' | 'klog' | 'klogProblem' | 'clock'>

/** client-go's NotFound for a group resource: `deployments.apps "web" not found`. */
export function notFoundError(resource: ApiResource, name: string): ServerError {
  const groupResource = resource.group ? `${resource.resource}.${resource.group}` : resource.resource
  return new ServerError({message: `${groupResource} ${JSON.stringify(name)} not found`, reason: 'NotFound', details: {name, kind: resource.resource}, code: 404})
}

/** Whether the condition was met before the deadline. */
export async function untilWithSync(session: KubectlSession, resource: ApiResource, namespace: string, name: string, options: UntilWithSyncOptions): Promise<boolean> {
  const random = clusterRandomness(session.clusterFolder()).numbers('kubectl-reflector')
  return whileClusterRuns(session, () => reflectObject(session, collectionPath(resource, namespace), name, options, random))
}

/** The reflector's run, from its start to its stop (the condition met, or the deadline). */
export async function reflectObject(client: ReflectorClient, path: string, name: string, options: UntilWithSyncOptions, random: () => number): Promise<boolean> {
  const stop = new AbortController()
  const timedOut = deadlinePassing(client, options.deadline, stop.signal)
  client.klog(3, 'reflector.go:313', `Starting reflector ${reflectorDescription}`)
  try {
    return await new Reflector(client, path, name, options, timedOut, random).run()
  } finally {
    stop.abort()
    client.klog(3, 'reflector.go:319', `Stopping reflector ${reflectorDescription}`)
  }
}

type OpenWatch = NonNullable<Awaited<ReturnType<KubectlSession['request']>>['watch']>

/** How a list and its watches ended: the condition met, the deadline, a failed request, or a watch ended that calls for a list. */
type Outcome = 'met' | 'timed out' | 'list again' | {readonly failed: RequestFailure}

/** A list or watch request the server refused or could not be reached for. */
type RequestFailure = ServerError | ConnectionRefusedError

function isRequestFailure(error: unknown): error is RequestFailure {
  return error instanceof ServerError || error instanceof ConnectionRefusedError
}

/** A failure as client-go's error prints it. */
function failureText(error: RequestFailure): string {
  if (error instanceof ServerError) return (error.status.message ?? error.message).replace(/\n$/, '')
  return error.request ? error.requestError(error.request.method, error.request.url) : error.message
}

/** client-go's isExpiredError: 410, as Expired or Gone. */
function isExpired(error: unknown): boolean {
  return error instanceof ServerError && error.code === 410
}

function isTooManyRequests(error: unknown): boolean {
  return error instanceof ServerError && error.code === 429
}

class Reflector {
  /** The informer's store: the object under its name, or nothing. */
  private stored: KubeObject | null = null
  /** The last resourceVersion listed or watched; '' before the first list. */
  private lastSyncResourceVersion = ''
  /** A list at lastSyncResourceVersion answered 410: the next one is a consistent read. */
  private lastSyncResourceVersionUnavailable = false
  private synced = false
  private backoffMilliseconds = backoffInitialMilliseconds
  private lastBackoffStart: number

  constructor(
    private readonly client: ReflectorClient,
    private readonly path: string,
    private readonly name: string,
    private readonly options: UntilWithSyncOptions,
    private readonly timedOut: Promise<'timed out'>,
    private readonly random: () => number,
  ) {
    this.lastBackoffStart = client.clock.nowMilliseconds()
  }

  private get fieldSelector(): string {
    return `metadata.name=${this.name}`
  }

  /** client-go's Run: list and watch, and after each end (an error, or a watch that calls for a list) a backoff. */
  async run(): Promise<boolean> {
    for (;;) {
      const outcome = await this.listAndWatch()
      if (outcome === 'met') return true
      if (outcome === 'timed out') return false
      if (outcome !== 'list again') {
        // The reflector's watch error handler.
        const text = failureText(outcome.failed)
        if (isExpired(outcome.failed)) this.client.klog(4, 'reflector.go:160', `${reflectorName}: watch of ${reflectorType} closed with: ${text}`)
        else this.client.klogProblem('E', 'reflector.go:166', `"Unhandled Error" err=${JSON.stringify(`${reflectorName}: Failed to watch ${reflectorType}: ${text}`)}`)
      }
      if ((await this.backOff()) === 'timed out') return false
    }
  }

  /** Waits the next backoff; 'timed out' if the deadline comes first. */
  private async backOff(): Promise<'timed out' | 'waited'> {
    const {clock} = this.client
    const now = clock.nowMilliseconds()
    if (now - this.lastBackoffStart > backoffResetMilliseconds) this.backoffMilliseconds = backoffInitialMilliseconds
    this.lastBackoffStart = now
    const base = this.backoffMilliseconds
    this.backoffMilliseconds = Math.min(base * 2, backoffCapMilliseconds)
    const stop = new AbortController()
    try {
      return await Promise.race([clock.sleep(base + this.random() * base, stop.signal).then(() => 'waited' as const), this.timedOut])
    } finally {
      stop.abort()
    }
  }

  /** The object to the store, and on to the condition as the change it makes; true when met. */
  private deliver(object: KubeObject | null): boolean {
    const before = this.stored
    this.stored = object
    if (object) return this.options.condition({type: before ? 'MODIFIED' : 'ADDED', object})
    return before ? this.options.condition({type: 'DELETED', object: before}) : false
  }

  /** client-go's ListAndWatch: a list, then watches from its resourceVersion. */
  private async listAndWatch(): Promise<Outcome> {
    this.client.klog(3, 'reflector.go:349', `Listing and watching ${reflectorSource}`)
    const listed = await this.list()
    if (listed === 'timed out' || 'failed' in listed) return listed
    this.client.klog(2, 'reflector.go:376', `Caches populated for ${reflectorSource}`)
    // The informer's watch goes out while the list's object is handed on (it always has by the
    // time it is): the precondition and the first delivery come once the watch went out.
    let handedOn = false
    const handOn = (object: KubeObject | null): boolean => {
      if (handedOn) return false
      handedOn = true
      if (!this.synced && this.options.precondition?.(object)) return true
      this.synced = true
      return this.deliver(object)
    }
    for (let rewatches = 0; ; rewatches++) {
      if (rewatches > 0 && rewatches % reflectorRewatchesWithoutPauseMax === 0 && (await this.backOff()) === 'timed out') return 'timed out'
      const started = this.client.clock.nowMilliseconds()
      const watch = await Promise.race([this.startWatch().catch((error: unknown) => (isRequestFailure(error) ? {failed: error} : Promise.reject(error))), this.timedOut])
      if (watch === 'timed out') return 'timed out'
      if ('failed' in watch) {
        if (handOn(listed.object)) return 'met'
        if (!(watch.failed instanceof ConnectionRefusedError) && !isTooManyRequests(watch.failed)) return watch
        this.client.klog(4, 'reflector.go:454', `${reflectorName}: watch of ${reflectorType} returned ${failureText(watch.failed)} - backing off`)
        if ((await this.backOff()) === 'timed out') return 'timed out'
        continue
      }
      let ended: Awaited<ReturnType<Reflector['follow']>>
      try {
        if (handOn(listed.object)) return 'met'
        ended = await this.follow(watch)
      } finally {
        watch.cancel()
      }
      if (ended === 'met' || ended === 'timed out') return ended
      if ('closed' in ended) {
        if (ended.closed === 0 && this.client.clock.nowMilliseconds() - started < shortWatchMilliseconds) {
          this.watchEndedWith(`very short watch: ${reflectorName}: Unexpected watch close - watch lasted less than a second and no items received`)
          return 'list again'
        }
        this.client.klog(4, 'reflector.go:879', `${reflectorName}: Watch close - ${reflectorType} total ${ended.closed} items received`)
        continue
      }
      const text = failureText(ended.error)
      if (isExpired(ended.error)) {
        this.client.klog(4, 'reflector.go:479', `${reflectorName}: watch of ${reflectorType} closed with: ${text}`)
        return 'list again'
      }
      if (isTooManyRequests(ended.error)) {
        this.client.klog(2, 'reflector.go:481', `${reflectorName}: watch of ${reflectorType} returned 429 - backing off`)
        if ((await this.backOff()) === 'timed out') return 'timed out'
        continue
      }
      this.watchEndedWith(text)
      return 'list again'
    }
  }

  private watchEndedWith(text: string): void {
    this.client.klogProblem('W', 'reflector.go:492', `${reflectorName}: watch of ${reflectorType} ended with: ${text}`)
  }

  /**
   * client-go's list: the first from the watch cache (resourceVersion=0, in pages of 500); later
   * ones from the last resourceVersion seen (whole), and from the newest (resourceVersion unset)
   * once one of those answered 410, at once.
   */
  private async list(): Promise<{readonly object: KubeObject | null} | 'timed out' | {readonly failed: RequestFailure}> {
    const resourceVersion = this.relistResourceVersion()
    // The pager keeps the page size the first try chose.
    const paged = resourceVersion === '' || resourceVersion === '0'
    const listAt = (version: string) => {
      const query: Record<string, string> = {fieldSelector: this.fieldSelector}
      if (paged) query.limit = '500'
      if (version !== '') query.resourceVersion = version
      return this.client.request('GET', this.path, {query})
    }
    const listed = await Promise.race([
      listAt(resourceVersion).catch((error: unknown) => {
        if (!isExpired(error)) throw error
        this.lastSyncResourceVersionUnavailable = true
        return listAt(this.relistResourceVersion())
      }).catch((error: unknown) => (isRequestFailure(error) ? {failed: error} : Promise.reject(error))),
      this.timedOut,
    ])
    if (listed === 'timed out') return listed
    if ('failed' in listed) {
      const text = failureText(listed.failed)
      this.client.klogProblem('W', 'reflector.go:569', `${reflectorName}: failed to list ${reflectorType}: ${text}`)
      // Wrapped as client-go wraps it (%w): a 410 still reads as one.
      const {code, reason} = listed.failed instanceof ServerError ? listed.failed.status : {code: undefined, reason: undefined}
      return {failed: new ServerError({message: `failed to list ${reflectorType}: ${text}`, code, reason})}
    }
    this.lastSyncResourceVersionUnavailable = false
    const body = listed.body as {metadata?: {resourceVersion?: string}; items?: unknown[]}
    const object = (body.items ?? []).find((entry): entry is KubeObject => isKubeObject(entry) && entry.metadata.name === this.name) ?? null
    this.lastSyncResourceVersion = String(body.metadata?.resourceVersion ?? '')
    return {object}
  }

  private relistResourceVersion(): string {
    if (this.lastSyncResourceVersionUnavailable) return ''
    return this.lastSyncResourceVersion === '' ? '0' : this.lastSyncResourceVersion
  }

  private async startWatch(): Promise<OpenWatch> {
    const timeoutSeconds = String(Math.floor(minWatchTimeoutSeconds * (this.random() + 1)))
    const query = {allowWatchBookmarks: 'true', fieldSelector: this.fieldSelector, resourceVersion: this.lastSyncResourceVersion, timeoutSeconds, watch: 'true'}
    const watch = (await this.client.request('GET', this.path, {query})).watch
    if (!watch) throw new KubectlError('the server did not start a watch')
    return watch
  }

  /** A watch's events to the store until the condition holds, time is up, the watch closes (with its count of events) or an ERROR event ends it. */
  private async follow(watch: OpenWatch): Promise<'met' | 'timed out' | {readonly closed: number} | {readonly error: ServerError}> {
    let count = 0
    for (;;) {
      const events = await Promise.race([watch.next(), this.timedOut])
      if (events === 'timed out') return 'timed out'
      if (events === null) return {closed: count}
      for (const event of events) {
        // client-go's apierrors.FromObject: the Status the event carries.
        if (event.type === 'ERROR') return {error: new ServerError(typeof event.object === 'object' && event.object !== null ? (event.object as StatusBody) : {message: String(event.object)})}
        // client-go's StreamWatcher ends a watch on an event it cannot decode, with this error.
        if (!isKubeObject(event.object)) throw new KubectlError(`unable to decode an event from the watch stream: a ${event.type} event carries no object with metadata`)
        count++
        this.lastSyncResourceVersion = String(event.object.metadata.resourceVersion ?? '')
        if (event.type === 'BOOKMARK') continue
        if (this.deliver(event.type === 'DELETED' ? null : event.object)) return 'met'
      }
    }
  }
}
