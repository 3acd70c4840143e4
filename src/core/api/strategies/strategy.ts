// What differs from kind to kind in the registry, as kube-apiserver's per-resource strategies:
// defaulting, status and generation handling, validation, selectable fields, deletion rules.
import type {FieldError} from '../field-errors.js'
import type {KubeObject} from '../object.js'
import type {UserInfo} from '../wire.js'

/** Who writes and when, for the kinds whose strategy records them (a CSR's requester, condition times). */
export interface WriteContext {
  readonly user: UserInfo | null
  readonly nowMilliseconds: number
}

/** A subresource whose writes keep parts of the object of their own (a CSR's /status and /approval). */
export interface SubresourceWrite {
  prepareForUpdate(object: KubeObject, old: KubeObject, context: WriteContext): void
  validateUpdate(object: KubeObject, old: KubeObject): FieldError[]
}

export interface Strategy {
  /** The metadata.name rule (prefix: checking a generateName). */
  nameValidation(name: string, prefix: boolean): string[]
  /** metadata.generation starts at 1 and is bumped when the spec changes. */
  readonly generation: boolean
  readonly allowCreateOnUpdate: boolean
  /** A DELETE answers with the object instead of a Status. */
  readonly returnDeletedObject: boolean
  defaults(object: KubeObject): void
  prepareForCreate(object: KubeObject, context?: WriteContext): void
  /** A write to the main resource keeps the stored status. */
  prepareForUpdate(object: KubeObject, old: KubeObject): void
  /** A write to the status subresource keeps everything but the status. */
  prepareForStatusUpdate(object: KubeObject, old: KubeObject): void
  validate(object: KubeObject): FieldError[]
  validateUpdate(object: KubeObject, old: KubeObject): FieldError[]
  validateStatusUpdate(object: KubeObject, old: KubeObject): FieldError[]
  /** Subresources written with rules of their own, instead of the generic status rules. */
  readonly subresourceWrites?: Readonly<Record<string, SubresourceWrite>>
  /** Field-selector fields besides metadata.name and metadata.namespace. */
  fields(object: KubeObject): Record<string, string>
  /**
   * The grace period of a DELETE without one (0: delete at once). Only kinds with graceful
   * deletion have it (pods, as in kube-apiserver): for the others a DELETE's grace period is ignored.
   */
  readonly defaultGracePeriodSeconds?: (object: KubeObject) => number
  /** Before a DELETE: true when the object must stay for now (a namespace with spec finalizers). */
  prepareForDelete(object: KubeObject): boolean
}
