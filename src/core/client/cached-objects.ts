// The form in which informers keep objects: frozen, with every part equal to one seen recently
// shared instead of held once per object. Pods made from one template differ in a few fields (name,
// uid, node, IPs, times) and share the rest (containers, volumes' sources, tolerations, labels,
// owner references, image names), so a cache of 100,000 pods held that rest 100,000 times.
//
// Sharing is safe because nothing may change a cached object (client-go's rule for its informers'
// objects: copy before writing): every part is frozen, so a consumer that tries fails at once
// (strict mode) instead of changing every object that shares the part.
//
// Parts are found by content through two bounded pools (strings, and objects and arrays), each
// keeping the values met most recently: a value that recurs (a node name, an image, a template's
// container) stays in its pool; one met once (a uid, a pod IP) passes through and leaves. A part
// whose content is not JSON's (a function, a Date) is copied as it is, unshared.

/** Strings a pool keeps to share (a bound: values met once pass through). */
export const sharedStringsMax = 4096
/** Objects and arrays a pool keeps to share. */
export const sharedPartsMax = 4096
/**
 * Longer strings are never pooled, nor the parts holding them: a ConfigMap's or Secret's data
 * (often tens of KiB, up to 1 MiB) would stay in the pool after its object is gone, and such a
 * value seldom recurs in another object.
 */
export const sharedStringLengthMax = 1024
/** A part whose key (its fields' names and its values' tokens) grows past this is not pooled. */
export const sharedPartKeyLengthMax = 4096
/** Field lists (shapes) a pool keeps a maker of objects for. */
export const objectShapesMax = 1024
/** Objects with more fields than this are made field by field. */
export const objectShapeFieldsMax = 64

/**
 * Values by key, the ones used most recently kept: two generations, the newer one filled until it
 * holds half the bound, then the older one dropped. A hit in the older generation moves to the newer.
 */
class RecentPool<V> {
  private newer = new Map<string, V>()
  private older = new Map<string, V>()

  constructor(private readonly entriesMax: number) {}

  get(key: string): V | undefined {
    const found = this.newer.get(key)
    if (found !== undefined) return found
    const old = this.older.get(key)
    if (old !== undefined) this.add(key, old)
    return old
  }

  add(key: string, value: V): void {
    if (this.newer.size >= this.entriesMax / 2) {
      this.older = this.newer
      this.newer = new Map()
    }
    this.newer.set(key, value)
  }

  get size(): number {
    return this.newer.size + this.older.size
  }
}

interface SharedPart {
  readonly value: object
  /** Tells the part apart in its parents' keys (never reused, so equal keys mean equal content). */
  readonly id: number
}

/** What a part is made of, and its shared value when it could be shared. */
type Interned = {readonly value: unknown; readonly token: string | null}

/** A pooled string, and the id that stands for it in its parents' keys (never reused). */
interface SharedString {
  readonly value: string
  readonly id: number
}

/** Strings equal to one met recently, shared: one instance of each value that recurs. */
export class SharedStrings {
  private readonly pool = new RecentPool<SharedString>(sharedStringsMax)
  private nextId = 0

  /** The instance of `value` the pool holds (`value` itself, kept from now on, when it holds none). */
  share(value: string): string {
    return this.entry(value)?.value ?? value
  }

  /** The pool's entry for `value` (made now when it has none); null for a string too long to pool. */
  entry(value: string): SharedString | null {
    if (value.length > sharedStringLengthMax) return null
    let found = this.pool.get(value)
    if (found === undefined) this.pool.add(value, (found = {value, id: this.nextId++}))
    return found
  }

  get size(): number {
    return this.pool.size
  }
}

/** The strings informers' objects and event recorders' records share. */
export const sharedStrings = new SharedStrings()

/** Makes an object with the shape's fields, given their values in order, held in the object itself. */
type ShapeMaker = (values: readonly unknown[]) => Record<string, unknown>

/**
 * Makers of objects by their list of fields. An object made empty and given its fields one by one
 * keeps four of them in itself and the rest in a separate array V8 grows in steps (about 64 bytes
 * more for a pod's metadata or status), and one with fewer than four has room for four: an
 * object literal of the shape's fields holds exactly them. A shape gets its maker the second
 * time it is met (one met once, such as a ConfigMap's data, is not worth compiling one for).
 */
class ObjectShapes {
  private readonly makers = new RecentPool<ShapeMaker | null>(objectShapesMax)

  /** An object of `fields` with `values` when the shape has a maker, else null. */
  make(fields: readonly string[], values: readonly unknown[]): Record<string, unknown> | null {
    if (fields.length === 0 || fields.length > objectShapeFieldsMax || fields.includes('__proto__')) return null
    const key = JSON.stringify(fields)
    const maker = this.makers.get(key)
    if (maker) return maker(values)
    if (maker === undefined) this.makers.add(key, null)
    else this.makers.add(key, literalMaker(fields))
    return null
  }
}

/** A function returning a literal of the fields: V8 sizes such an object for exactly them. */
function literalMaker(fields: readonly string[]): ShapeMaker {
  // The names are written as JSON strings, which are JavaScript string literals: no name can end one.
  return new Function('values', `return {${fields.map((field, index) => `${JSON.stringify(field)}: values[${index}]`).join(', ')}}`) as ShapeMaker
}

export class CachedObjectPool {
  constructor(private readonly strings: SharedStrings) {}

  private readonly parts = new RecentPool<SharedPart>(sharedPartsMax)
  private readonly shapes = new ObjectShapes()
  private nextId = 0

  /**
   * A frozen copy of `value` that shares its parts with what the pool met before. The object itself
   * is not pooled: its uid and resourceVersion make it unlike any other.
   */
  share<T>(value: T): T {
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && isPlainObject(value)) return this.internObject(value as Record<string, unknown>, false).value as T
    return this.intern(value).value as T
  }

  /**
   * share(value) for the next state of `previous` (the frozen object share gave for the same
   * object before a change): every part equal to previous's part at the same place (same fields
   * in the same order, same values) is previous's part itself, already frozen and shared; an
   * object or array that changed is made anew around its unchanged parts; any other part is
   * shared as share() does. Comparing costs less than keying every part for the pool: a status
   * write changes a pod's resourceVersion and a few fields of its status, and leaves the rest.
   */
  shareNext<T>(value: T, previous: T | null): T {
    if (previous === null || !isPlainRecord(value) || !isPlainRecord(previous)) return this.share(value)
    return this.nextObject(value, previous) as T
  }

  /** A part of shareNext: `before` is the frozen part at the same place in the object before, or undefined. */
  private next(value: unknown, before: unknown): unknown {
    if (typeof value !== 'object' || value === null) return this.intern(value).value
    if (sameJsonParts(value, before)) return before
    if (Array.isArray(value)) {
      if (!Array.isArray(before)) return this.intern(value).value
      const copy: unknown[] = new Array(value.length)
      for (let index = 0; index < value.length; index++) copy[index] = this.next(value[index], before[index])
      return Object.freeze(copy)
    }
    if (!isPlainRecord(value) || !isPlainRecord(before)) return this.intern(value).value
    return this.nextObject(value, before)
  }

  private nextObject(value: Record<string, unknown>, before: Record<string, unknown>): object {
    const fields = Object.keys(value)
    const values: unknown[] = new Array(fields.length)
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index]!
      values[index] = this.next(value[field], Object.prototype.hasOwnProperty.call(before, field) ? before[field] : undefined)
    }
    return Object.freeze(this.made(fields, values))
  }

  /** Values the pools hold now (strings, parts). */
  get held(): {readonly strings: number; readonly parts: number} {
    return {strings: this.strings.size, parts: this.parts.size}
  }

  private intern(value: unknown): Interned {
    switch (typeof value) {
      case 'string': {
        const shared = this.strings.entry(value)
        return shared ? {value: shared.value, token: `s${shared.id};`} : {value, token: null}
      }
      case 'number':
        return {value, token: `n${value};`}
      case 'boolean':
        return {value, token: value ? 't' : 'f'}
      case 'undefined':
        return {value, token: 'u'}
      case 'object':
        if (value === null) return {value, token: 'z'}
        if (Array.isArray(value)) return this.internArray(value)
        if (isPlainObject(value)) return this.internObject(value as Record<string, unknown>, true)
        return {value, token: null}
      default:
        return {value, token: null}
    }
  }

  private internArray(array: readonly unknown[]): Interned {
    const copy: unknown[] = new Array(array.length)
    let key = `a${array.length}[`
    let shareable = true
    for (let index = 0; index < array.length; index++) {
      const part = this.intern(array[index])
      copy[index] = part.value
      if (part.token === null || key.length > sharedPartKeyLengthMax) shareable = false
      else if (shareable) key += part.token
    }
    return this.shared(Object.freeze(copy), shareable ? key : null)
  }

  private internObject(object: Record<string, unknown>, pooled: boolean): Interned {
    const fields = Object.keys(object)
    const values: unknown[] = new Array(fields.length)
    let key = '{'
    let shareable = true
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index]!
      const part = this.intern(object[field])
      values[index] = part.value
      if (part.token === null || key.length > sharedPartKeyLengthMax) shareable = false
      else if (shareable) key += `${field.length}:${field}${part.token}`
    }
    // A part equal to a pooled one is that one: no copy made (most parts of a pod are).
    const partKey = shareable && pooled ? `${key}}` : null
    const pooledPart = partKey === null ? undefined : this.parts.get(partKey)
    if (pooledPart !== undefined) return {value: pooledPart.value, token: `#${pooledPart.id};`}
    return this.shared(Object.freeze(this.made(fields, values)), partKey)
  }

  /** An object of the fields with their values, in order. */
  private made(fields: readonly string[], values: readonly unknown[]): Record<string, unknown> {
    const copy = this.shapes.make(fields, values)
    if (copy !== null) return copy
    const made: Record<string, unknown> = {}
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index]!
      if (field === '__proto__') Object.defineProperty(made, field, {value: values[index], enumerable: true, writable: true, configurable: true})
      else made[field] = values[index]
    }
    return made
  }

  /** The pooled part with this content, or `made` (pooled from now on). */
  private shared(made: object, key: string | null): Interned {
    if (key === null) return {value: made, token: null}
    let part = this.parts.get(key)
    if (part === undefined) this.parts.add(key, (part = {value: made, id: this.nextId++}))
    return {value: part.value, token: `#${part.id};`}
  }
}

/** The pool every informer of the process keeps its objects through (they share node names, images, templates). */
export const cachedObjects = new CachedObjectPool(sharedStrings)

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && isPlainObject(value)
}

/**
 * Whether two JSON parts are equal as the pool tells parts apart: the same fields in the same
 * order, arrays of the same length, equal values (only plain objects and arrays are looked into).
 */
function sameJsonParts(left: unknown, right: unknown): boolean {
  if (left === right) return true
  if (typeof left !== 'object' || typeof right !== 'object' || left === null || right === null) return false
  if (Array.isArray(left)) {
    if (!Array.isArray(right) || left.length !== right.length) return false
    for (let index = 0; index < left.length; index++) if (!sameJsonParts(left[index], right[index])) return false
    return true
  }
  if (Array.isArray(right) || !isPlainObject(left) || !isPlainObject(right)) return false
  const leftFields = Object.keys(left)
  const rightFields = Object.keys(right)
  if (leftFields.length !== rightFields.length) return false
  for (let index = 0; index < leftFields.length; index++) {
    const field = leftFields[index]!
    if (field !== rightFields[index] || !sameJsonParts((left as Record<string, unknown>)[field], (right as Record<string, unknown>)[field])) return false
  }
  return true
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
