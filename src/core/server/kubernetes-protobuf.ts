// Request bodies in application/vnd.kubernetes.protobuf, as client-go's typed clients send them (the
// real kubectl's `create configmap|secret|deployment …`, `auth can-i`, drain's evictions), turned
// into the JSON object the Go types would marshal to, so the API server handles them as any JSON
// body. The messages are those of Kubernetes 1.32 (data/kubernetes-protobuf/messages.json, read
// out of kubectl by scripts/extract-kubernetes-protobuf.mjs). Answers stay JSON: those clients
// accept `*/*`.
import {setOwn} from '../api/object.js'
import {readFileSync} from 'node:fs'
import {ProtobufWireError, readFields, readPacked, type WireField, WireType} from './protobuf-wire.js'

export const kubernetesProtobufContentType = 'application/vnd.kubernetes.protobuf'
/** Every protobuf body starts with "k8s\0", then a runtime.Unknown holding the type and the message. */
const envelopeMagic = [0x6b, 0x38, 0x73, 0x00] as const
/** Messages nested in one another at most (a PodTemplate in a Job in a CronJob is 10 deep). */
export const messageNestingDepthMax = 100

export class ProtobufBodyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtobufBodyError'
  }
}

export interface FieldDefinition {
  readonly number: number
  /** The JSON name (the Go struct tag's), which is the protobuf one but for a few fields. */
  readonly name: string
  /** A scalar type (`string`, `int64`, …) or a message's full name; absent for a map. */
  readonly type?: string
  readonly repeated?: boolean
  /** A Go pointer: JSON writes it whenever it is set, its zero value too. */
  readonly pointer?: boolean
  /** An embedded Go struct (`json:",inline"`): its fields are the parent's in JSON. */
  readonly inline?: boolean
  readonly map?: {readonly key: string; readonly value: string}
}

interface MessageDefinition {
  readonly fields: readonly FieldDefinition[]
  /** A Go named slice (`type ExtraValue []string`): a bare array in JSON. */
  readonly slice?: boolean
}

interface LoadedMessage extends MessageDefinition {
  readonly byNumber: ReadonlyMap<number, FieldDefinition>
}

const metaPackage = 'k8s.io.apimachinery.pkg.apis.meta.v1'
const timeMessage = `${metaPackage}.Time`
const microTimeMessage = `${metaPackage}.MicroTime`
const durationMessage = `${metaPackage}.Duration`
const fieldsMessage = `${metaPackage}.FieldsV1`
const quantityMessage = 'k8s.io.apimachinery.pkg.api.resource.Quantity'
const intOrStringMessage = 'k8s.io.apimachinery.pkg.util.intstr.IntOrString'
const rawExtensionMessage = 'k8s.io.apimachinery.pkg.runtime.RawExtension'
const typeMetaMessage = 'k8s.io.apimachinery.pkg.runtime.TypeMeta'

let loadedMessages: Map<string, LoadedMessage> | null = null

function messages(): Map<string, LoadedMessage> {
  if (!loadedMessages) {
    const data = JSON.parse(readFileSync(new URL('../../../data/kubernetes-protobuf/messages.json', import.meta.url), 'utf8')) as {messages: Record<string, MessageDefinition>}
    loadedMessages = new Map(Object.entries(data.messages).map(([name, message]) => [name, {...message, byNumber: new Map(message.fields.map((field) => [field.number, field]))}]))
  }
  return loadedMessages
}

function message(name: string): LoadedMessage {
  const found = messages().get(name)
  if (!found) throw new Error(`invariant: the protobuf message ${name} is referenced but not defined`)
  return found
}

/**
 * The Go struct behind an API kind (its fields in the struct's order, as messages.json lists them),
 * for code that writes an object as a Go typed client would; null for a kind with no message.
 */
export function goStructOfKind(apiVersion: string, kind: string): {readonly typeName: string; readonly fields: readonly FieldDefinition[]} | null {
  const typeName = `${packageOf(apiVersion)}.${kind}`
  const found = messages().get(typeName)
  return found ? {typeName, fields: found.fields} : null
}

/** The fields of a Go struct by its message name (in the struct's order); null when it has none. */
export function goStructFields(typeName: string): {readonly fields: readonly FieldDefinition[]; readonly slice?: boolean} | null {
  return messages().get(typeName) ?? null
}

/** The protobuf package of an API group version: k8s.io.api.<the group's first label>.<version>. */
function packageOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/')
  const group = slash < 0 ? '' : apiVersion.slice(0, slash)
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1)
  if (group === 'meta.k8s.io') return `k8s.io.apimachinery.pkg.apis.meta.${version}`
  return `k8s.io.api.${group === '' ? 'core' : group.split('.')[0]}.${version}`
}

/** The JSON object a protobuf request body stands for, with its apiVersion and kind. */
export function protobufBodyToObject(body: Uint8Array): Record<string, unknown> {
  return decodeEnvelope(body, 0)
}

function decodeEnvelope(body: Uint8Array, depth: number): Record<string, unknown> {
  if (body.length < envelopeMagic.length || envelopeMagic.some((byte, index) => body[index] !== byte)) {
    throw new ProtobufBodyError(`provided data does not appear to be a protobuf message, expected prefix [${envelopeMagic.join(' ')}]`)
  }
  try {
    // runtime.Unknown: typeMeta (1), raw (2), contentEncoding (3); the raw bytes are the message itself.
    let typeMeta: {apiVersion?: string; kind?: string} = {}
    let raw: Uint8Array = new Uint8Array()
    let contentEncoding = ''
    for (const field of readFields(body.subarray(envelopeMagic.length))) {
      if (field.value.wireType !== WireType.lengthDelimited) continue
      if (field.fieldNumber === 1) typeMeta = decodeMessage(typeMetaMessage, field.value.bytes, depth + 1) as typeof typeMeta
      else if (field.fieldNumber === 2) raw = field.value.bytes
      else if (field.fieldNumber === 3) contentEncoding = Buffer.from(field.value.bytes).toString('utf8')
    }
    const apiVersion = typeMeta.apiVersion ?? ''
    const kind = typeMeta.kind ?? ''
    if (!kind) throw new ProtobufBodyError('Object \'Kind\' is missing in protobuf body')
    if (contentEncoding) throw new ProtobufBodyError(`unsupported content encoding ${JSON.stringify(contentEncoding)}`)
    // Options (DeleteOptions, …) are meta/v1's, sent under every group version.
    const typeName = [`${packageOf(apiVersion)}.${kind}`, `${metaPackage}.${kind}`].find((name) => messages().has(name))
    if (!typeName) throw new ProtobufBodyError(`no kind "${kind}" is registered for version "${apiVersion}"`)
    const object = decodeMessage(typeName, raw, depth + 1) as Record<string, unknown>
    return {apiVersion, kind, ...object}
  } catch (error) {
    if (error instanceof ProtobufWireError) throw new ProtobufBodyError(`unable to decode the protobuf body: ${error.message}`)
    throw error
  }
}

function decodeMessage(typeName: string, bytes: Uint8Array, depth: number): unknown {
  if (depth > messageNestingDepthMax) throw new ProtobufBodyError(`messages nested more than ${messageNestingDepthMax} deep`)
  switch (typeName) {
    case timeMessage: return timeOf(bytes, false)
    case microTimeMessage: return timeOf(bytes, true)
    case durationMessage: return goDuration(scalarField(bytes, 1, 'int64') as number | undefined ?? 0)
    case quantityMessage: return scalarField(bytes, 1, 'string') ?? '0'
    case intOrStringMessage: {
      const fields = decodeFields(message(typeName), bytes, depth)
      return fields.type === 1 ? fields.strVal ?? '' : fields.intVal ?? 0
    }
    case rawExtensionMessage:
    case fieldsMessage: {
      const raw = readFields(bytes).filter((field) => field.fieldNumber === 1).pop()?.value.bytes
      if (!raw || raw.length === 0) return null
      if (envelopeMagic.every((byte, index) => raw[index] === byte)) return decodeEnvelope(raw, depth + 1)
      try {
        return JSON.parse(Buffer.from(raw).toString('utf8')) as unknown
      } catch {
        throw new ProtobufBodyError(`${typeName === fieldsMessage ? 'fieldsV1' : 'an embedded object'} is neither JSON nor protobuf`)
      }
    }
  }
  const definition = message(typeName)
  const fields = decodeFields(definition, bytes, depth)
  if (definition.slice) return fields.items ?? []
  return fields
}

/** The message's fields as Go's encoding/json would write them, in the Go struct's order. */
function decodeFields(definition: LoadedMessage, bytes: Uint8Array, depth: number): Record<string, unknown> {
  const values = new Map<FieldDefinition, unknown>()
  for (const wire of readFields(bytes)) {
    const field = definition.byNumber.get(wire.fieldNumber)
    if (!field) continue // a field newer than 1.32: gogo's unmarshalling skips it too
    if (field.map) {
      const entries = (values.get(field) ?? {}) as Record<string, unknown>
      const [key, value] = mapEntry(field, wire, depth)
      setOwn(entries, key, value)
      values.set(field, entries)
    } else if (field.repeated) {
      const items = (values.get(field) ?? []) as unknown[]
      items.push(...repeatedValues(field.type!, wire, depth))
      values.set(field, items)
    } else {
      values.set(field, fieldValue(field.type!, wire, depth))
    }
  }
  const object: Record<string, unknown> = {}
  for (const field of definition.fields) {
    if (!values.has(field)) continue
    const value = values.get(field)
    // A Go value (not a pointer) that is zero marshals as nothing (omitempty) or as what decodes to the
    // same zero value: leaving it out means the same to the API server.
    if (!field.pointer && !field.repeated && !field.map && isZero(value)) continue
    if (field.inline && value && typeof value === 'object' && !Array.isArray(value)) Object.assign(object, value)
    else object[field.name] = value
  }
  return object
}

function isZero(value: unknown): boolean {
  if (value === null || value === undefined || value === '' || value === 0 || value === false) return true
  return typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0
}

function mapEntry(field: FieldDefinition, wire: WireField, depth: number): [string, unknown] {
  if (wire.value.wireType !== WireType.lengthDelimited) throw new ProtobufBodyError(`map field ${field.name} is not length-delimited`)
  const {key: keyType, value: valueType} = field.map!
  let key: unknown = scalarDefault(keyType)
  let value: unknown = isScalar(valueType) ? scalarDefault(valueType) : decodeMessage(valueType, new Uint8Array(), depth + 1)
  for (const entry of readFields(wire.value.bytes)) {
    if (entry.fieldNumber === 1) key = fieldValue(keyType, entry, depth)
    else if (entry.fieldNumber === 2) value = fieldValue(valueType, entry, depth)
  }
  return [String(key), value]
}

function repeatedValues(type: string, wire: WireField, depth: number): unknown[] {
  // A packed repeated number: one length-delimited field holding them all.
  if (isScalar(type) && type !== 'string' && type !== 'bytes' && wire.value.wireType === WireType.lengthDelimited) {
    const width = fixedWidths[type] ?? null
    return readPacked(wire.value.bytes, width).map((number) => scalarOf(type, number))
  }
  return [fieldValue(type, wire, depth)]
}

function fieldValue(type: string, wire: WireField, depth: number): unknown {
  const value = wire.value
  if (!isScalar(type)) {
    if (value.wireType !== WireType.lengthDelimited) throw new ProtobufBodyError(`a ${type} that is not length-delimited`)
    return decodeMessage(type, value.bytes, depth + 1)
  }
  if (type === 'string') {
    if (value.wireType !== WireType.lengthDelimited) throw new ProtobufBodyError('a string that is not length-delimited')
    return Buffer.from(value.bytes).toString('utf8')
  }
  if (type === 'bytes') {
    if (value.wireType !== WireType.lengthDelimited) throw new ProtobufBodyError('bytes that are not length-delimited')
    return Buffer.from(value.bytes).toString('base64') // as encoding/json writes a []byte
  }
  if (value.wireType === WireType.lengthDelimited) throw new ProtobufBodyError(`a ${type} that is length-delimited`)
  return scalarOf(type, value.number)
}

const fixedWidths: Record<string, 4 | 8> = {fixed32: 4, sfixed32: 4, float: 4, fixed64: 8, sfixed64: 8, double: 8}
const scalarTypes = new Set(['double', 'float', 'int64', 'uint64', 'int32', 'fixed64', 'fixed32', 'bool', 'string', 'bytes', 'uint32', 'sfixed32', 'sfixed64', 'sint32', 'sint64'])

function isScalar(type: string): boolean {
  return scalarTypes.has(type)
}

function scalarDefault(type: string): unknown {
  if (type === 'string' || type === 'bytes') return ''
  return type === 'bool' ? false : 0
}

function scalarOf(type: string, number: bigint): unknown {
  switch (type) {
    case 'bool': return number !== 0n
    case 'int32': case 'sfixed32': return Number(BigInt.asIntN(32, number))
    case 'uint32': case 'fixed32': return Number(BigInt.asUintN(32, number))
    case 'int64': case 'sfixed64': return Number(BigInt.asIntN(64, number))
    case 'uint64': case 'fixed64': return Number(BigInt.asUintN(64, number))
    case 'sint32': case 'sint64': return Number((number >> 1n) ^ -(number & 1n))
    case 'float': return new DataView(new Uint32Array([Number(number)]).buffer).getFloat32(0, true)
    case 'double': return new DataView(new BigUint64Array([number]).buffer).getFloat64(0, true)
    default: throw new Error(`invariant: ${type} is not a numeric scalar`)
  }
}

/** The last value of a scalar field of a small message (Quantity, Duration), without its definition. */
function scalarField(bytes: Uint8Array, fieldNumber: number, type: string): unknown {
  const wire = readFields(bytes).filter((field) => field.fieldNumber === fieldNumber).pop()
  return wire ? fieldValue(type, wire, 0) : undefined
}

/** metav1.Time and MicroTime: no bytes is Go's zero time (JSON null); Time keeps whole seconds, as its Unmarshal does. */
function timeOf(bytes: Uint8Array, micro: boolean): string | null {
  if (bytes.length === 0) return null
  const seconds = scalarField(bytes, 1, 'int64') as number | undefined ?? 0
  const nanoseconds = scalarField(bytes, 2, 'int32') as number | undefined ?? 0
  const text = new Date(seconds * 1000).toISOString().slice(0, 19)
  return micro ? `${text}.${String(Math.floor(nanoseconds / 1000)).padStart(6, '0')}Z` : `${text}Z`
}

/** Go's time.Duration.String(): "1h0m0s", "1.5s", "300ms", "0s". */
export function goDuration(nanosecondsTotal: number): string {
  if (nanosecondsTotal === 0) return '0s'
  const sign = nanosecondsTotal < 0 ? '-' : ''
  let remaining = BigInt(Math.abs(nanosecondsTotal))
  const fraction = (value: bigint, scale: bigint, digits: number) => {
    const whole = value / scale
    const rest = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '')
    return rest ? `${whole}.${rest}` : `${whole}`
  }
  if (remaining < 1_000n) return `${sign}${remaining}ns`
  if (remaining < 1_000_000n) return `${sign}${fraction(remaining, 1_000n, 3)}µs`
  if (remaining < 1_000_000_000n) return `${sign}${fraction(remaining, 1_000_000n, 6)}ms`
  let text = `${fraction(remaining % 60_000_000_000n, 1_000_000_000n, 9)}s`
  remaining /= 60_000_000_000n
  if (remaining > 0n) {
    text = `${remaining % 60n}m${text}`
    remaining /= 60n
    if (remaining > 0n) text = `${remaining}h${text}`
  }
  return `${sign}${text}`
}
