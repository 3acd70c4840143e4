// The generic registry: objects of every resource stored as JSON under /registry, with
// resourceVersion = etcd mod revision, optimistic concurrency, generateName, uid and timestamps,
// generation, status kept apart, finalizers and graceful deletion (kube's generic store).
import {validateCustomObject} from '../api/custom-resources.js'
import type {FieldError} from '../api/field-errors.js'
import {cloneJson, formatTimestamp, type KubeObject} from '../api/object.js'
import type {ResourceDefinition} from '../api/scheme.js'
import type {UserInfo} from '../api/wire.js'
import {validateObjectMeta, validateObjectMetaUpdate} from '../api/strategies/meta.js'
import {strategyFor, type Strategy} from '../api/strategies/index.js'
import {type Store, StoreError, type StoredObject} from '../store/store.js'
import {assert} from '../util/assert.js'
import {objectKey} from './keys.js'
import {recordUpdate} from './managed-fields.js'
import {ApiError, apiErrors} from './api-errors.js'
import {encodeForStorage, keepStoredForm, objectFromStored, reorderMetadata, storedFormOf, storeFailure, writeOptionsOf, writtenObject} from './stored-objects.js'
import {WrittenObjects} from './written-objects.js'

export {eventTtlSeconds} from './stored-objects.js'

/** An update without a resourceVersion retries on a concurrent write at most this often. */
export const unconditionalUpdateAttemptsMax = 16
const generateNameAlphabet = 'bcdfghjklmnpqrstvwxz2456789'
const generateNameSuffixLength = 5
/** kube's maxNameGenerationCreateAttempts. */
export const generatedNameCreateAttemptsMax = 8

export interface RegistryEnvironment {
  nowMilliseconds(): number
  newUid(): string
  /** A number in [0, 1) for generateName suffixes. */
  random(): number
}

/** Admission around a write: mutate before the registry's checks, validate after them. */
export interface AdmissionHooks {
  mutate(object: KubeObject, old: KubeObject | null): Promise<void>
  validate(object: KubeObject, old: KubeObject | null): Promise<void>
}

export const noAdmission: AdmissionHooks = {mutate: async () => {}, validate: async () => {}}

export interface WriteOptions {
  readonly dryRun?: boolean
  readonly admission?: AdmissionHooks
  readonly subresource?: 'status' | 'approval' | 'ephemeralcontainers' | null
  /** The requesting user, for the kinds whose strategy records it (a CSR's spec.username). */
  readonly user?: UserInfo
  /** A subresource's own validation of the update, instead of the strategy's (pods/ephemeralcontainers). */
  readonly validateSubresourceUpdate?: (object: KubeObject, old: KubeObject) => FieldError[]
  /**
   * Takes what the object needs from a shared range (a Service's cluster IP and node ports)
   * before validation, as kube's BeginCreate/BeginUpdate; the result is told how the write ended.
   */
  readonly allocate?: (object: KubeObject, old: KubeObject | null) => Promise<(succeeded: boolean) => Promise<void>>
  /**
   * Who writes (managedFields): an Update records the fields it changed as the manager's; an
   * Apply has set managedFields itself (server-side apply).
   */
  readonly fieldManager?: {readonly manager: string; readonly operation: 'Update' | 'Apply'}
}

export interface DeleteOptions {
  readonly dryRun?: boolean
  readonly gracePeriodSeconds?: number
  readonly propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'
  readonly preconditions?: {uid?: string; resourceVersion?: string}
  /**
   * DELETE's admission, given the object the delete's first read found, once its preconditions
   * passed (kube-apiserver's delete reads the object once for both, and rest.BeforeDelete checks
   * the preconditions first): a separate read for admission was one more store read per delete.
   */
  readonly admit?: (current: KubeObject) => Promise<void>
}

export interface DeleteResult {
  readonly object: KubeObject
  /** False when the object stays for now (finalizers, a grace period, a terminating namespace). */
  readonly deleted: boolean
}

export function strategyOf(definition: ResourceDefinition): Strategy {
  return strategyFor(definition.group, definition.kind, definition.custom ?? false, definition.subresources.status ?? false)
}

export class Registry {
  constructor(
    readonly store: Store,
    private readonly environment: RegistryEnvironment,
    /**
     * What this registry, and the others of this process that share it, last wrote of each
     * object: an update starts from it (see written-objects.ts). The API servers of `up` share
     * one, so a pod created through one and written by its kubelet through another is not read first.
     */
    private readonly written = new WrittenObjects(),
  ) {}

  async get(definition: ResourceDefinition, namespace: string, name: string): Promise<KubeObject> {
    const {object} = await this.store.get(objectKey(definition, namespace, name))
    if (!object) throw apiErrors.notFound(definition, name)
    return objectFromStored(object)
  }

  private invalid(definition: ResourceDefinition, name: string, errors: FieldError[]): void {
    if (errors.length > 0) throw apiErrors.invalid(definition, name, errors)
  }

  /** A compare-and-swap on the stored revision; `definition` gives the store options (an event's TTL), null none. */
  private async replaceStored(key: string, value: Uint8Array, stored: StoredObject, definition: ResourceDefinition | null): Promise<StoredObject> {
    let written: StoredObject
    try {
      written = await this.store.update(key, value, stored.modRevision, definition ? writeOptionsOf(definition) : undefined)
    } catch (error) {
      this.written.forget(key)
      throw error
    }
    // Each write of a key gets a newer resourceVersion (etcd's mod revision): watches and caches rely on it.
    assert(written.modRevision > stored.modRevision, `${key} written at revision ${written.modRevision}, not after ${stored.modRevision}`)
    this.written.remember(written)
    return written
  }

  /** Deletes the stored object if it is still at `stored`'s revision. */
  private async deleteStored(key: string, stored: StoredObject): Promise<void> {
    this.written.forget(key)
    await this.store.delete(key, stored.modRevision)
  }

  private generatedName(prefix: string): string {
    let suffix = ''
    for (let index = 0; index < generateNameSuffixLength; index++) {
      suffix += generateNameAlphabet[Math.floor(this.environment.random() * generateNameAlphabet.length)]
    }
    return `${prefix}${suffix}`
  }

  private async write(operation: () => Promise<StoredObject>, definition: ResourceDefinition, name: string): Promise<StoredObject> {
    try {
      return await operation()
    } catch (error) {
      throw storeFailure(error, definition, name)
    }
  }

  /**
   * Creates an object. A generated name that is taken is generated again, up to 8 times in all
   * (kube-apiserver 1.32's RetryGenerateName): each attempt is a whole create, admission included.
   */
  async create(definition: ResourceDefinition, namespace: string, input: KubeObject, options: WriteOptions = {}): Promise<KubeObject> {
    const generated = !input.metadata.name && Boolean(input.metadata.generateName)
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.createOnce(definition, namespace, input, options)
      } catch (error) {
        if (!generated || attempt >= generatedNameCreateAttemptsMax || !(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error
      }
    }
  }

  private async createOnce(definition: ResourceDefinition, namespace: string, input: KubeObject, options: WriteOptions): Promise<KubeObject> {
    const strategy = strategyOf(definition)
    const object = cloneJson(input)
    object.metadata = {...object.metadata}
    if (definition.namespaced) object.metadata.namespace = namespace
    else delete object.metadata.namespace
    strategy.defaults(object)
    await (options.admission ?? noAdmission).mutate(object, null)
    if (!object.metadata.name && object.metadata.generateName) object.metadata.name = this.generatedName(object.metadata.generateName)
    object.metadata.uid = this.environment.newUid()
    object.metadata.creationTimestamp = formatTimestamp(this.environment.nowMilliseconds())
    delete object.metadata.deletionTimestamp
    delete object.metadata.deletionGracePeriodSeconds
    delete object.metadata.resourceVersion
    delete object.metadata.generation
    strategy.prepareForCreate(object, {user: options.user ?? null, nowMilliseconds: this.environment.nowMilliseconds()})
    const name = object.metadata.name ?? ''
    this.invalid(definition, name, [...validateObjectMeta(object, definition.namespaced, strategy.nameValidation), ...strategy.validate(object), ...validateCustomObject(definition, object)])
    await (options.admission ?? noAdmission).validate(object, null)
    this.recordManager(definition, object, null, options)
    const key = objectKey(definition, namespace, name)
    // Valid input that already exists takes nothing from a shared range.
    if (options.dryRun || options.allocate) {
      if ((await this.store.get(key)).object) throw apiErrors.alreadyExists(definition, name)
    }
    const finish = options.allocate ? await options.allocate(object, null) : null
    const form = storedFormOf(definition, object)
    const {value} = form
    if (options.dryRun) return writtenObject(form, null)
    let stored: StoredObject
    keepStoredForm(key, form)
    try {
      stored = await this.write(() => this.store.create(key, value, writeOptionsOf(definition)), definition, name)
      this.written.remember(stored)
    } catch (error) {
      await finish?.(false)
      throw error
    }
    await finish?.(true)
    return writtenObject(form, stored.modRevision)
  }

  /** Keeps managedFields: an Update's changed fields become its manager's (kube's field manager). */
  private recordManager(definition: ResourceDefinition, object: KubeObject, current: KubeObject | null, options: WriteOptions): void {
    const manager = options.fieldManager
    if (!manager) {
      if (current && current.metadata.managedFields !== undefined) object.metadata.managedFields = current.metadata.managedFields
      return
    }
    if (manager.operation === 'Apply') return
    const apiVersion = definition.group.length > 0 ? `${definition.group}/${definition.version}` : definition.version
    const schema = definition.custom ? null : definition.schema
    recordUpdate(object, current, manager.manager, apiVersion, formatTimestamp(this.environment.nowMilliseconds()), schema, options.subresource ?? '')
  }

  /**
   * Replaces an object. With a resourceVersion in the body, a stale one is a 409; without, the
   * write applies to whatever is stored (retried on a concurrent write). `transform` (a patch)
   * derives the new object from the current one on each attempt.
   */
  async update(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    transform: (current: KubeObject | null) => Promise<KubeObject> | KubeObject,
    options: WriteOptions = {},
  ): Promise<{object: KubeObject; created: boolean}> {
    const strategy = strategyOf(definition)
    const key = objectKey(definition, namespace, name)
    for (let attempt = 0; attempt < unconditionalUpdateAttemptsMax; attempt++) {
      // The first attempt starts from what this registry last wrote, if anything; should that be
      // stale, whatever it leads to (a refusal, a conflict, no change to write) is settled by
      // another attempt from the store, as kube-apiserver does with its watch cache's copy. Not
      // for a dry run (nothing is written to find out) nor for a write that allocates addresses.
      const remembered = attempt === 0 && !options.dryRun && !options.allocate ? this.written.get(key) : undefined
      const stored = remembered ?? (await this.store.get(key)).object
      let outcome: {object: KubeObject; created: boolean} | 'retry'
      try {
        outcome = await this.updateFrom(definition, namespace, name, key, stored, remembered !== undefined, transform, strategy, options)
      } catch (error) {
        if (remembered) continue
        throw error
      }
      if (outcome !== 'retry') return outcome
    }
    throw apiErrors.modified(definition, name)
  }

  /** One attempt of update() from `stored` (null: the object does not exist); `remembered`: read from WrittenObjects, maybe stale. */
  private async updateFrom(
    definition: ResourceDefinition,
    namespace: string,
    name: string,
    key: string,
    stored: StoredObject | null,
    remembered: boolean,
    transform: (current: KubeObject | null) => Promise<KubeObject> | KubeObject,
    strategy: Strategy,
    options: WriteOptions,
  ): Promise<{object: KubeObject; created: boolean} | 'retry'> {
    const current = stored ? objectFromStored(stored) : null
    const object = cloneJson(await transform(current ? cloneJson(current) : null))
    object.metadata = {...object.metadata}
    if ((object.metadata.name ?? '') !== name) {
      throw apiErrors.badRequest(`the name of the object (${object.metadata.name ?? ''}) does not match the name on the URL (${name})`)
    }
    if (definition.namespaced) object.metadata.namespace = namespace
    if (!current) {
      if (!strategy.allowCreateOnUpdate || options.subresource) throw apiErrors.notFound(definition, name)
      if (object.metadata.resourceVersion) throw apiErrors.notFound(definition, name)
      return {object: await this.create(definition, namespace, object, options), created: true}
    }
    const requestedVersion = object.metadata.resourceVersion
    if (requestedVersion && requestedVersion !== current.metadata.resourceVersion) throw apiErrors.modified(definition, name)
    if (object.metadata.uid && object.metadata.uid !== current.metadata.uid) {
      throw apiErrors.conflict(definition, name, `Precondition failed: UID in precondition: ${current.metadata.uid}, UID in object meta: ${object.metadata.uid}`)
    }
    const ownWrite = options.subresource ? strategy.subresourceWrites?.[options.subresource] : undefined
    if (options.subresource === 'status' || ownWrite) {
      // Mutating admission sees the request as sent; the status strategy then keeps only status.
      await (options.admission ?? noAdmission).mutate(object, current)
      if (ownWrite) ownWrite.prepareForUpdate(object, current, {user: options.user ?? null, nowMilliseconds: this.environment.nowMilliseconds()})
      else strategy.prepareForStatusUpdate(object, current)
    } else {
      strategy.defaults(object)
      await (options.admission ?? noAdmission).mutate(object, current)
    }
    return await this.updateChecked(definition, name, key, object, current, stored!, requestedVersion, remembered, strategy, options)
  }

  private async updateChecked(
    definition: ResourceDefinition,
    name: string,
    key: string,
    object: KubeObject,
    current: KubeObject,
    stored: StoredObject,
    requestedVersion: string | undefined,
    remembered: boolean,
    strategy: Strategy,
    options: WriteOptions,
  ): Promise<{object: KubeObject; created: boolean} | 'retry'> {
    for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
      if (current.metadata[field] === undefined) delete object.metadata[field]
      else object.metadata[field] = current.metadata[field] as never
    }
    if (current.metadata.generation !== undefined) object.metadata.generation = current.metadata.generation
    const ownWrite = options.subresource ? strategy.subresourceWrites?.[options.subresource] : undefined
    const statusLike = options.subresource === 'status' || ownWrite !== undefined
    if (!statusLike) strategy.prepareForUpdate(object, current)
    const errors = [...validateObjectMetaUpdate(object, current), ...validateObjectMeta(object, definition.namespaced, strategy.nameValidation)]
    if (options.validateSubresourceUpdate) errors.push(...options.validateSubresourceUpdate(object, current))
    else if (ownWrite) errors.push(...ownWrite.validateUpdate(object, current))
    else errors.push(...(options.subresource === 'status' ? strategy.validateStatusUpdate(object, current) : strategy.validateUpdate(object, current)))
    errors.push(...validateCustomObject(definition, object))
    this.invalid(definition, name, errors)
    await (options.admission ?? noAdmission).validate(object, current)
    // Removing the last finalizer of an object being deleted (with no grace left) deletes it.
    // A namespace also waits for its spec.finalizers (kube's ShouldDeleteNamespaceDuringUpdate):
    // the namespace controller's status writes on a Terminating namespace must not delete it.
    const namespaceFinalizers = definition.group === '' && definition.resource === 'namespaces' ? ((object.spec as {finalizers?: unknown[]} | undefined)?.finalizers ?? []) : []
    const finishesDeletion = object.metadata.deletionTimestamp !== undefined && (object.metadata.finalizers ?? []).length === 0 &&
      (object.metadata.deletionGracePeriodSeconds ?? 0) === 0 && namespaceFinalizers.length === 0
    this.recordManager(definition, object, current, options)
    const finish = options.allocate && !statusLike ? await options.allocate(object, current) : null
    const form = storedFormOf(definition, object)
    const {value} = form
    if (options.dryRun) return {object: writtenObject(form, Number(current.metadata.resourceVersion)), created: false}
    if (Buffer.from(value.buffer, value.byteOffset, value.byteLength).equals(Buffer.from(stored.value.buffer, stored.value.byteOffset, stored.value.byteLength))) {
      await finish?.(true)
      // Nothing to write, as far as a remembered copy knows: the store may hold a newer one.
      if (remembered) return 'retry'
      return {object: current, created: false}
    }
    try {
      let result: {object: KubeObject; created: boolean}
      if (finishesDeletion) {
        await this.deleteStored(key, stored)
        result = {object: writtenObject(form, stored.modRevision), created: false}
      } else {
        keepStoredForm(key, form)
        const written = await this.replaceStored(key, value, stored, definition)
        result = {object: writtenObject(form, written.modRevision), created: false}
      }
      await finish?.(true)
      return result
    } catch (error) {
      await finish?.(false)
      if (error instanceof StoreError && error.code === 'Conflict' && (!requestedVersion || remembered)) return 'retry'
      if (error instanceof StoreError && error.code === 'Conflict') throw apiErrors.modified(definition, name)
      throw storeFailure(error, definition, name)
    }
  }

  /**
   * A guarded read-change-write with no strategy (GuaranteedUpdate on storage): what
   * kube-apiserver's own subresources (pods/binding) use to set fields users may not change. A
   * transform that answers null leaves the object as it is.
   */
  async guaranteedUpdate(definition: ResourceDefinition, namespace: string, name: string, transform: (current: KubeObject | null) => KubeObject | null): Promise<KubeObject> {
    const key = objectKey(definition, namespace, name)
    for (let attempt = 0; attempt < unconditionalUpdateAttemptsMax; attempt++) {
      // As update(): the first attempt starts from what was last written, if anything; a stale
      // copy fails the guarded write, or (no change to make, or no object) is read again.
      const remembered = attempt === 0 ? this.written.get(key) : undefined
      const stored = remembered ?? (await this.store.get(key)).object
      const current = stored ? objectFromStored(stored) : null
      let next: KubeObject | null
      try {
        next = transform(current ? cloneJson(current) : null)
      } catch (error) {
        if (remembered) continue
        throw error
      }
      if (!stored || !current) throw apiErrors.notFound(definition, name)
      if (next === null) {
        if (remembered) continue
        return current
      }
      const form = storedFormOf(definition, next)
      keepStoredForm(key, form)
      try {
        const written = await this.replaceStored(key, form.value, stored, definition)
        return writtenObject(form, written.modRevision)
      } catch (error) {
        if (error instanceof StoreError && error.code === 'Conflict') continue
        throw storeFailure(error, definition, name)
      }
    }
    throw apiErrors.modified(definition, name)
  }

  async delete(definition: ResourceDefinition, namespace: string, name: string, options: DeleteOptions = {}): Promise<DeleteResult> {
    const strategy = strategyOf(definition)
    const key = objectKey(definition, namespace, name)
    for (let attempt = 0; attempt < unconditionalUpdateAttemptsMax; attempt++) {
      const {object: stored} = await this.store.get(key)
      if (!stored) throw apiErrors.notFound(definition, name)
      const current = objectFromStored(stored)
      const preconditions = options.preconditions ?? {}
      if (attempt === 0) {
        // rest.BeforeDelete checks the preconditions first, naming the kind, before admission runs.
        checkPreconditionsEarly(definition, name, current, preconditions)
        await options.admit?.(current)
      }
      if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
        throw apiErrors.conflict(definition, name, `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`)
      }
      if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
        throw apiErrors.conflict(
          definition,
          name,
          `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
        )
      }
      // Only the top level and metadata change below (prepareForDelete replaces a namespace's status): no deep copy.
      const next: KubeObject = {...current, metadata: {...current.metadata}}
      const finalizers = [...(next.metadata.finalizers ?? [])]
      const policy = options.propagationPolicy
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan')
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion')
      if (policy === 'Background' || policy === 'Foreground') {
        const drop = policy === 'Background' ? ['orphan', 'foregroundDeletion'] : ['orphan']
        for (const finalizer of drop) if (finalizers.includes(finalizer) && !(current.metadata.finalizers ?? []).includes(finalizer)) finalizers.splice(finalizers.indexOf(finalizer), 1)
      }
      const requestedGrace = strategy.defaultGracePeriodSeconds ? (options.gracePeriodSeconds ?? strategy.defaultGracePeriodSeconds(current)) : 0
      const keepForSpec = strategy.prepareForDelete(next)
      const alreadyDeleting = current.metadata.deletionTimestamp !== undefined
      const previousGrace = current.metadata.deletionGracePeriodSeconds ?? 0
      const grace = alreadyDeleting ? Math.min(requestedGrace, previousGrace) : requestedGrace
      if (finalizers.length > 0 || grace > 0 || keepForSpec) {
        if (alreadyDeleting && grace === previousGrace && finalizers.length === (current.metadata.finalizers ?? []).length && !keepForSpec) {
          return {object: current, deleted: false}
        }
        const now = this.environment.nowMilliseconds()
        next.metadata.deletionTimestamp = alreadyDeleting && grace >= previousGrace ? current.metadata.deletionTimestamp : formatTimestamp(now + grace * 1000)
        next.metadata.deletionGracePeriodSeconds = grace
        if (finalizers.length > 0) next.metadata.finalizers = finalizers
        if (options.dryRun) return {object: next, deleted: false}
        try {
          const written = await this.replaceStored(key, encodeForStorage(definition, next), stored, null)
          next.metadata.resourceVersion = String(written.modRevision)
          return {object: reorderMetadata(next), deleted: false}
        } catch (error) {
          if (error instanceof StoreError && error.code === 'Conflict') continue
          throw storeFailure(error, definition, name)
        }
      }
      if (options.dryRun) return {object: current, deleted: true}
      try {
        await this.deleteStored(key, stored)
        return {object: current, deleted: true}
      } catch (error) {
        if (error instanceof StoreError && error.code === 'Conflict') continue
        throw storeFailure(error, definition, name)
      }
    }
    throw apiErrors.modified(definition, name)
  }
}

/**
 * rest.BeforeDelete's early check of a delete's preconditions: a Conflict on the kind (`on
 * ConfigMap "x"`), with its own words; the storage's later check words a change made meanwhile.
 */
function checkPreconditionsEarly(definition: ResourceDefinition, name: string, current: KubeObject, preconditions: {uid?: string; resourceVersion?: string}): void {
  const kind = {group: definition.group, resource: definition.kind}
  if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
    throw apiErrors.conflict(kind, name, `the UID in the precondition (${preconditions.uid}) does not match the UID in record (${current.metadata.uid ?? ''}). The object might have been deleted and then recreated`)
  }
  if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    throw apiErrors.conflict(kind, name, `the ResourceVersion in the precondition (${preconditions.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion ?? ''}). The object might have been modified`)
  }
}
