// List (selectors, limit/continue, a past resourceVersion) and watch (from a resourceVersion,
// initial events, selector transitions, 410 after compaction, bookmarks) over the store.
import type {KubeObject} from '../api/object.js'
import {groupVersion, type ResourceDefinition} from '../api/scheme.js'
import {type FieldRequirement, type LabelSelector, matchesFields, matchesLabels} from '../api/selectors.js'
import {listPageObjectsMax, type StoreEvent, StoreError, type StoreWatch} from '../store/store.js'
import {decodeContinue, encodeContinue, inconsistentContinue} from './continue-token.js'
import {listPrefix} from './keys.js'
import {type Registry, strategyOf} from './registry.js'
import {objectFromStored, sharedObjectFromStored, storeFailure} from './stored-objects.js'
import {ApiError, apiErrors} from './api-errors.js'
import type {Clock} from '../util/clock.js'
import {goQuote} from '../util/go-quote.js'
import type {ApiWatch, WatchEvent} from '../api/wire.js'

/** A filtered list reads at most this many stored objects before it answers with what it has. */
export const listScannedObjectsMax = 100_000
/** A list without a limit holds at most this many objects (ten times kwok's 100,000 pods). */
export const unlimitedListObjectsMax = 1_000_000

export interface ListQuery {
  readonly namespace: string | null
  readonly labelSelector: LabelSelector
  readonly fieldSelector: readonly FieldRequirement[]
  readonly limit?: number
  readonly continueToken?: string
  readonly resourceVersion?: string
  readonly resourceVersionMatch?: string
}

export interface ListObject {
  kind: string
  apiVersion: string
  metadata: {resourceVersion: string; continue?: string; remainingItemCount?: number}
  items: KubeObject[]
}

/** The fields a field selector may name on this resource. */
export function selectableFields(definition: ResourceDefinition, object: KubeObject): Record<string, string> {
  const fields: Record<string, string> = {'metadata.name': object.metadata.name ?? ''}
  if (definition.namespaced) fields['metadata.namespace'] = object.metadata.namespace ?? ''
  return {...fields, ...strategyOf(definition).fields(object)}
}

/** The fields every kind may be selected by (apimachinery's DefaultMetaV1FieldSelectorConversion). */
const metadataFields = ['metadata.name', 'metadata.namespace']

/**
 * A field the kind cannot be selected by: a kind with field-label conversions of its own (its
 * strategy selects more than metadata: pods, nodes, services …) refuses it in those functions'
 * words; any other kind through the default conversion, which names the two it knows.
 */
/** A field label a kind's own conversion refuses, in that function's words (batch/v1's Job names its kind; core's do not). */
function unsupportedFieldLabel(definition: ResourceDefinition, field: string): string {
  if (definition.group === 'batch' && definition.kind === 'Job') return `field label ${goQuote(field)} not supported for batchv1.Job`
  return `field label not supported: ${field}`
}

export function checkFieldSelector(definition: ResourceDefinition, requirements: readonly FieldRequirement[]): void {
  const converted = Object.keys(strategyOf(definition).fields({metadata: {}})).length > 0
  const supported = selectableFields(definition, {metadata: {}})
  for (const {field} of requirements) {
    if (!converted && !metadataFields.includes(field)) throw apiErrors.badRequest(`${goQuote(field)} is not a known field selector: only ${metadataFields.map(goQuote).join(', ')}`)
    if (converted && !(field in supported)) throw apiErrors.badRequest(unsupportedFieldLabel(definition, field))
  }
}

export function matches(definition: ResourceDefinition, object: KubeObject, query: Pick<ListQuery, 'labelSelector' | 'fieldSelector'>): boolean {
  if (!matchesLabels(query.labelSelector, object.metadata.labels)) return false
  return query.fieldSelector.length === 0 || matchesFields(query.fieldSelector, selectableFields(definition, object))
}

function parseRevision(text: string): number {
  if (!/^\d+$/.test(text)) throw apiErrors.badRequest(`invalid resource version: ${text}`)
  return Number(text)
}

/** A list at a compacted revision: kube-apiserver's etcd3 store answers with its fixed text. */
function compactedError(error: unknown): Error | null {
  if (error instanceof Error && /compacted/.test(error.message)) return apiErrors.expired('The resourceVersion for the provided list is too old.')
  return null
}

export async function listObjects(registry: Registry, definition: ResourceDefinition, query: ListQuery): Promise<ListObject> {
  checkFieldSelector(definition, query.fieldSelector)
  const prefix = listPrefix(definition, query.namespace)
  let revision = 0
  let continueAfter: string | undefined
  let continueStart = ''
  if (query.continueToken) {
    const token = decodeContinue(query.continueToken)
    // -1: the token of a 410, which carries on at the newest revision.
    revision = Math.max(token.revision, 0)
    continueStart = token.start
    continueAfter = `${prefix}${token.start.replace(/\u0000$/, '')}`
  } else if (query.resourceVersion && query.resourceVersion !== '0' && query.resourceVersionMatch === 'Exact') {
    revision = parseRevision(query.resourceVersion)
  }
  const limit = query.limit && query.limit > 0 ? Math.min(query.limit, listPageObjectsMax) : 0
  const filtered = query.labelSelector.length > 0 || query.fieldSelector.length > 0
  const items: KubeObject[] = []
  let scanned = 0
  let listRevision = revision
  let nextAfter: string | null = null
  let remaining = 0
  for (;;) {
    let page
    try {
      page = await registry.store.list(prefix, {revision: listRevision, limit: limit > 0 ? limit - items.length : 0, continueAfter})
    } catch (error) {
      if (query.continueToken && compactedError(error)) {
        throw apiErrors.expiredContinue(
          inconsistentContinue(continueStart),
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        )
      }
      throw compactedError(error) ?? storeFailure(error, definition, '')
    }
    listRevision = page.revision
    scanned += page.objects.length
    for (const stored of page.objects) {
      const object = objectFromStored(stored)
      if (!matches(definition, object, query)) continue
      if (!definition.custom) {
        delete object.kind
        delete object.apiVersion
      }
      items.push(object)
    }
    nextAfter = page.continueAfter
    remaining = page.remaining
    if (!nextAfter) break
    if (limit > 0 && (items.length >= limit || scanned >= listScannedObjectsMax)) break
    // Without a limit the list is whole, as kube-apiserver answers it: every page of the store.
    if (limit === 0 && scanned >= unlimitedListObjectsMax) {
      throw apiErrors.internal(`the list of ${definition.resource} passed ${unlimitedListObjectsMax} objects: ask for it in pages (limit and continue)`)
    }
    continueAfter = nextAfter
  }
  const metadata: ListObject['metadata'] = {resourceVersion: String(listRevision)}
  if (nextAfter) {
    metadata.continue = encodeContinue(listRevision, nextAfter.slice(prefix.length))
    if (!filtered) metadata.remainingItemCount = remaining
  }
  return {kind: `${definition.kind}List`, apiVersion: groupVersion(definition), metadata, items}
}

/** kube-apiserver's watch cache sends a bookmark about once a minute to watchers that allow them. */
export const watchBookmarkIntervalMilliseconds = 60_000

export interface WatchQuery extends ListQuery {
  readonly allowWatchBookmarks?: boolean
  readonly sendInitialEvents?: boolean
  /** The watcher changes nothing in the events' objects below their metadata (TrustedRequest's readOnlyWatch): they share parts with what the API server wrote. */
  readonly sharedParts?: boolean
  /** timeoutSeconds: kube-apiserver ends the watch after it (the client watches again): a timer of the seconds waited (the cluster clock's sleep), which a time advance does not shorten. */
  readonly timeoutSeconds?: number
}

function bookmark(definition: ResourceDefinition, revision: number, initialEventsEnd: boolean): WatchEvent {
  const metadata: Record<string, unknown> = {resourceVersion: String(revision)}
  if (initialEventsEnd) metadata.annotations = {'k8s.io/initial-events-end': 'true'}
  return {type: 'BOOKMARK', object: {kind: definition.kind, apiVersion: groupVersion(definition), metadata}}
}

/** A watch's next batch from the store, kept across calls while bookmarks are answered instead. */
interface StoreNext {
  readonly promise: Promise<StoreEvent[] | null>
  settled: boolean
  /** Ends the current bookmark wait when the batch comes. */
  wake: (() => void) | null
}

/**
 * A watch. Without a resourceVersion (or "0"), or with sendInitialEvents, it starts with an
 * ADDED event per current object; from a resourceVersion it replays what changed after it.
 */
export async function watchObjects(registry: Registry, definition: ResourceDefinition, query: WatchQuery, clock?: Clock): Promise<ApiWatch> {
  checkFieldSelector(definition, query.fieldSelector)
  const prefix = listPrefix(definition, query.namespace)
  const initial: WatchEvent[] = []
  let start: number
  const fromScratch = !query.resourceVersion || query.resourceVersion === '0' || query.sendInitialEvents === true
  if (fromScratch) {
    const listed = await listObjects(registry, definition, {...query, limit: 0, continueToken: undefined, resourceVersionMatch: undefined})
    for (const item of listed.items) {
      initial.push({type: 'ADDED', object: {kind: definition.kind, apiVersion: groupVersion(definition), ...item}})
    }
    start = Number(listed.metadata.resourceVersion)
    if (query.sendInitialEvents && query.allowWatchBookmarks) initial.push(bookmark(definition, start, true))
  } else {
    start = parseRevision(query.resourceVersion!)
  }
  const storeWatch: StoreWatch = registry.store.watch(prefix, start)
  let pending: WatchEvent[] | null = initial.length > 0 ? initial : null
  let ended = false
  let lastRevision = start
  // The store's next batch, kept across calls while a bookmark is answered instead.
  let storeNext: StoreNext | null = null
  let cancelTimer = () => {}
  // The watch's end at its timeoutSeconds: cancelling ends a store read in progress, so next() returns null.
  const lifetime = new AbortController()
  const cancel = () => {
    ended = true
    lifetime.abort()
    cancelTimer()
    storeWatch.cancel()
  }
  if (clock && query.timeoutSeconds !== undefined && query.timeoutSeconds > 0) {
    clock.sleep(query.timeoutSeconds * 1000, lifetime.signal).then(() => {
      if (!lifetime.signal.aborted) cancel()
    }, cancel)
  }
  const nextFromStore = async (): Promise<{bookmark: true} | {bookmark: false; events: StoreEvent[] | null}> => {
    if (!storeNext) {
      const entry: StoreNext = {promise: storeWatch.next(), settled: false, wake: null}
      const settle = () => {
        entry.settled = true
        entry.wake?.()
      }
      entry.promise.then(settle, settle)
      storeNext = entry
    }
    const entry = storeNext
    if (query.allowWatchBookmarks && clock && !entry.settled) {
      const timer = new AbortController()
      cancelTimer = () => timer.abort()
      // The store's answer ends the wait through the entry's one reaction: racing its promise
      // hung one more reaction on it at every bookmark for as long as the store stayed quiet.
      const timedOut = await new Promise<boolean>((resolve) => {
        entry.wake = () => resolve(false)
        clock.sleep(watchBookmarkIntervalMilliseconds, timer.signal).then(() => resolve(!timer.signal.aborted), () => resolve(false))
      })
      entry.wake = null
      timer.abort()
      // Store events that are ready win over a bookmark that fell due at the same moment.
      await Promise.resolve()
      if (timedOut && !entry.settled && !ended) return {bookmark: true}
    }
    storeNext = null
    return {bookmark: false, events: await entry.promise}
  }
  const withType = (object: KubeObject) => ({kind: definition.kind, apiVersion: groupVersion(definition), ...object})
  const selects = query.labelSelector.length > 0 || query.fieldSelector.length > 0
  const decoded = query.sharedParts ? sharedObjectFromStored : objectFromStored
  const translate = (event: StoreEvent): WatchEvent | null => {
    const object = decoded(event.object, event.object.modRevision)
    const nowMatches = event.type !== 'DELETED' && matches(definition, object, query)
    // Without selectors every object matches, so of the previous value only its existence counts:
    // not decoding it halves the work of each watcher per change.
    const matchedBefore = Boolean(event.previous) && (!selects || matches(definition, decoded(event.previous!), query))
    if (event.type === 'DELETED') return matchedBefore ? {type: 'DELETED', object: withType(object)} : null
    if (nowMatches && (event.type === 'ADDED' || !matchedBefore)) return {type: 'ADDED', object: withType(object)}
    if (nowMatches) return {type: 'MODIFIED', object: withType(object)}
    // An object that stops matching the selectors leaves the watcher's view: a DELETED event.
    if (matchedBefore) return {type: 'DELETED', object: withType(object)}
    return null
  }
  return {
    next: async () => {
      if (pending) {
        const events = pending
        pending = null
        return events
      }
      for (;;) {
        // Cancelled while the last batch was read: no new store read, no new bookmark timer.
        if (ended) return null
        let events: StoreEvent[] | null
        try {
          const next = await nextFromStore()
          if (next.bookmark) return [bookmark(definition, lastRevision, false)]
          events = next.events
        } catch (error) {
          ended = true
          if (error instanceof StoreError && error.code === 'Gone') {
            return [{type: 'ERROR', object: {...apiErrors.expired(error.message).toStatus()}}]
          }
          throw error
        }
        if (!events) {
          ended = true
          return null
        }
        for (const event of events) lastRevision = Math.max(lastRevision, event.object.modRevision)
        let translated: WatchEvent[]
        try {
          translated = events.map(translate).filter((event): event is WatchEvent => event !== null)
        } catch (error) {
          // An undecodable value (written to etcd by hand) ends the watch with an ERROR event, as kube-apiserver's watcher does.
          if (!(error instanceof ApiError)) throw error
          ended = true
          return [{type: 'ERROR', object: {...apiErrors.internal(error.message).toStatus()}}]
        }
        if (translated.length > 0) return translated
      }
    },
    cancel,
  }
}
