// A strategy from the parts a kind overrides; the rest behaves as kube's generic registry.
import {cloneJson, jsonEqual, type KubeObject} from '../object.js'
import {nameIsDnsSubdomain} from './meta.js'
import type {Strategy} from './strategy.js'

export interface StrategyParts extends Partial<Omit<Strategy, 'prepareForUpdate' | 'prepareForStatusUpdate'>> {
  /** The kind has a status subresource: writes to the main resource keep the stored status. */
  readonly hasStatus?: boolean
  /** Fields whose change bumps the generation (default: everything but metadata and status). */
  readonly generationFields?: readonly string[]
  readonly onUpdate?: (object: KubeObject, old: KubeObject) => void
}

function specChanged(object: KubeObject, old: KubeObject, fields: readonly string[] | undefined): boolean {
  const names = fields ?? [...new Set([...Object.keys(object), ...Object.keys(old)])].filter(
    (name) => !['metadata', 'status', 'kind', 'apiVersion'].includes(name),
  )
  return names.some((name) => !jsonEqual(object[name], old[name]))
}

export function defineStrategy(parts: StrategyParts = {}): Strategy {
  const generation = parts.generation ?? false
  const hasStatus = parts.hasStatus ?? false
  return {
    nameValidation: parts.nameValidation ?? nameIsDnsSubdomain,
    generation,
    allowCreateOnUpdate: parts.allowCreateOnUpdate ?? false,
    returnDeletedObject: parts.returnDeletedObject ?? false,
    defaults: parts.defaults ?? (() => {}),
    prepareForCreate: (object, context) => {
      if (generation) object.metadata.generation = 1
      parts.prepareForCreate?.(object, context)
    },
    prepareForUpdate: (object, old) => {
      if (hasStatus) {
        if (old.status === undefined) delete object.status
        else object.status = old.status
      }
      if (generation) {
        const before = old.metadata.generation ?? 1
        object.metadata.generation = specChanged(object, old, parts.generationFields) ? before + 1 : before
      }
      parts.onUpdate?.(object, old)
    },
    prepareForStatusUpdate: (object, old) => {
      const status = object.status
      for (const key of Object.keys(object)) delete object[key]
      Object.assign(object, cloneJson(old))
      if (status === undefined) delete object.status
      else object.status = status
    },
    validate: parts.validate ?? (() => []),
    validateUpdate: parts.validateUpdate ?? ((object) => (parts.validate ? parts.validate(object) : [])),
    validateStatusUpdate: parts.validateStatusUpdate ?? (() => []),
    fields: parts.fields ?? (() => ({})),
    ...(parts.subresourceWrites ? {subresourceWrites: parts.subresourceWrites} : {}),
    ...(parts.defaultGracePeriodSeconds ? {defaultGracePeriodSeconds: parts.defaultGracePeriodSeconds} : {}),
    prepareForDelete: parts.prepareForDelete ?? (() => false),
  }
}

/** True when the two specs differ in nothing but `mutable` fields (what an update may change). */
export function onlyFieldsChanged(now: Record<string, unknown>, before: Record<string, unknown>, mutable: readonly string[], strip?: (spec: Record<string, unknown>) => void): boolean {
  const left = cloneJson(now)
  const right = cloneJson(before)
  for (const side of [left, right]) {
    for (const field of mutable) delete side[field]
    strip?.(side)
  }
  return jsonEqual(left, right)
}
