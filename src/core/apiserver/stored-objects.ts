// Objects as the registry keeps them in the store: the JSON written (kind and apiVersion set,
// the Go struct's field order), the object read back with its resourceVersion (the etcd mod
// revision), what a write asks of the store, and the store's failures as kube-apiserver reports them.
import {sortKeys} from '../api/custom-resources.js'
import {decodeObject} from '../api/decode.js'
import {jsonRoundTrip, type KubeObject} from '../api/object.js'
import type {ResourceDefinition} from '../api/scheme.js'
import {StoreError, type StoredObject, type WriteOptions as StoreWriteOptions} from '../store/store.js'
import {ApiError, apiErrors, etcdFailure} from './api-errors.js'
import {decodedValues} from './decoded-values.js'

const encoder = new TextEncoder()

/** kube-apiserver's --event-ttl: events go away an hour after their last write. */
export const eventTtlSeconds = 60 * 60

/** What a write of this resource asks of the store: events live for the event TTL (an etcd lease). */
export function writeOptionsOf(definition: ResourceDefinition): StoreWriteOptions | undefined {
  return definition.resource === 'events' ? {ttlSeconds: eventTtlSeconds} : undefined
}

/** What a write stores: the JSON, and the object it was encoded from (without a resourceVersion). */
export interface StoredForm {
  readonly value: Uint8Array
  readonly ordered: KubeObject
}

export function storedFormOf(definition: ResourceDefinition, object: KubeObject): StoredForm {
  // A shallow copy: the fields changed here are the top level and metadata's; the ordering below builds new objects.
  const {resourceVersion: _, ...metadata} = object.metadata
  const stored: KubeObject = {...object, metadata, kind: definition.kind, apiVersion: definition.group.length > 0 ? `${definition.group}/${definition.version}` : definition.version}
  // Stored JSON keeps the Go struct's field order, as kube-apiserver writes it.
  const ordered = (definition.custom ? sortKeys(stored) : decodeObject(definition.schema, stored).value) as KubeObject
  return {value: encoder.encode(JSON.stringify(ordered)), ordered}
}

/** The form about to be stored at `key`: its readers then copy (or share) the object instead of parsing the JSON (decoded-values.ts). */
export function keepStoredForm(key: string, form: StoredForm): void {
  decodedValues.keep(key, form.value, form.ordered)
}

export function encodeForStorage(definition: ResourceDefinition, object: KubeObject): Uint8Array {
  return storedFormOf(definition, object).value
}

/**
 * The object a write answers with, as reading its stored JSON back gives it, with its
 * resourceVersion: a fresh copy at each call, made from the encoded object rather than by parsing
 * the JSON again (a parse per write was about 2% of up's CPU in the kwok bench).
 */
export function writtenObject(form: StoredForm, revision: number | null): KubeObject {
  const object = jsonRoundTrip(form.ordered)
  if (revision !== null) object.metadata.resourceVersion = String(revision)
  return reorderMetadata(object)
}

/** The object a stored value holds, with its resourceVersion set from the revision. */
export function objectFromStored(stored: StoredObject, revision = stored.modRevision): KubeObject {
  const object = decodedValues.decode(stored.key, stored.value)
  object.metadata = {...object.metadata, resourceVersion: String(revision)}
  return reorderMetadata(object)
}

/**
 * objectFromStored for a reader that changes nothing below the top level and metadata (a
 * read-only watch): what this process wrote is not copied, its parts are shared.
 */
export function sharedObjectFromStored(stored: StoredObject, revision = stored.modRevision): KubeObject {
  const kept = decodedValues.shared(stored.key, stored.value)
  if (kept === null) return objectFromStored(stored, revision)
  return reorderMetadata({...kept, metadata: {...kept.metadata, resourceVersion: String(revision)}})
}

const metadataOrder = [
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields',
]

export function reorderMetadata(object: KubeObject): KubeObject {
  const metadata: Record<string, unknown> = {}
  for (const field of metadataOrder) if (object.metadata[field] !== undefined) metadata[field] = object.metadata[field]
  object.metadata = metadata
  return object
}

/** Store and etcd failures as kube-apiserver reports them. */
export function storeFailure(error: unknown, definition: ResourceDefinition, name: string): Error {
  if (error instanceof ApiError) return error
  if (error instanceof StoreError) {
    if (error.code === 'AlreadyExists') return apiErrors.alreadyExists(definition, name)
    if (error.code === 'NotFound') return apiErrors.notFound(definition, name)
    if (error.code === 'Conflict') return apiErrors.modified(definition, name)
    if (error.code === 'Gone') return apiErrors.expired(error.message)
  }
  return etcdFailure(error) ?? (error instanceof Error ? error : new Error(String(error)))
}
