// The JSON form of etcd's v3 messages as etcd 3.4's HTTP gateway reads and writes it (grpc-gateway's
// JSONPb marshaler: original proto field names, default values left out, 64-bit integers as
// strings, bytes as base64, enums by name), driven by the .proto definitions the gRPC front door
// serves. Requests become the same wire objects @grpc/proto-loader hands the gRPC services, so
// both doors share etcd-messages.ts; errors carry the texts of Go's jsonpb and encoding/json.
import {fileURLToPath} from 'node:url'
import * as protoLoader from '@grpc/proto-loader'
import {GoJsonError, goJsonString, goQuote, type JsonNode, decodeGoBase64, parseJson, textOf} from './go-json.js'
import type {Wire} from './etcd-messages.js'
import {varintBytes} from '../util/protobuf-size.js'

type ScalarKind = 'int64' | 'uint64' | 'int32' | 'uint32' | 'bool' | 'string' | 'bytes'

interface FieldSchema {
  /** The proto's own name (what the gateway writes and reads). */
  readonly name: string
  /** The lowerCamelCase JSON name, which jsonpb also reads. */
  readonly camelName: string
  readonly number: number
  readonly repeated: boolean
  readonly kind: ScalarKind | 'enum' | 'message'
  /** For enums and messages: the full proto name of the type. */
  readonly typeName: string
}

interface EnumSchema {
  /** The Go type's name, as Go's errors print it (etcdserverpb.RangeRequest_SortOrder). */
  readonly goName: string
  readonly numbers: ReadonlyMap<string, number>
  readonly names: ReadonlyMap<number, string>
}

interface DescriptorField {
  name: string
  number: number
  label: string
  type: string
  typeName: string
}
interface DescriptorMessage {
  name: string
  field: DescriptorField[]
  enumType?: Array<{name: string; value: Array<{name: string; number: number}>}>
}

const protoFolder = fileURLToPath(new URL('../../../data/etcd-proto/', import.meta.url))
const scalarKinds: Partial<Record<string, ScalarKind>> = {
  TYPE_INT64: 'int64',
  TYPE_SINT64: 'int64',
  TYPE_SFIXED64: 'int64',
  TYPE_UINT64: 'uint64',
  TYPE_FIXED64: 'uint64',
  TYPE_INT32: 'int32',
  TYPE_SINT32: 'int32',
  TYPE_SFIXED32: 'int32',
  TYPE_UINT32: 'uint32',
  TYPE_FIXED32: 'uint32',
  TYPE_BOOL: 'bool',
  TYPE_STRING: 'string',
  TYPE_BYTES: 'bytes',
}

class Schemas {
  readonly messages = new Map<string, readonly FieldSchema[]>()
  readonly enums = new Map<string, EnumSchema>()

  constructor() {
    const definition = protoLoader.loadSync('rpc.proto', {includeDirs: [protoFolder], keepCase: true})
    const messages = new Map<string, DescriptorMessage>()
    for (const [name, entry] of Object.entries(definition)) {
      const described = entry as {format?: string; type?: unknown}
      if (described.format === 'Protocol Buffer 3 DescriptorProto') messages.set(name, described.type as DescriptorMessage)
      if (described.format === 'Protocol Buffer 3 EnumDescriptorProto') this.addEnum(name, described.type as {value: Array<{name: string; number: number}>})
    }
    for (const [name, message] of messages) for (const nested of message.enumType ?? []) this.addEnum(`${name}.${nested.name}`, nested)
    for (const [name, message] of messages) {
      const scope = name.slice(0, name.lastIndexOf('.'))
      this.messages.set(
        name,
        message.field.map((field) => {
          const kind: FieldSchema['kind'] = scalarKinds[field.type] ?? (field.type === 'TYPE_ENUM' ? 'enum' : 'message')
          const candidates = [`${name}.${field.typeName}`, `${scope}.${field.typeName}`, field.typeName]
          const typeName = kind === 'enum' || kind === 'message' ? candidates.find((candidate) => this.enums.has(candidate) || messages.has(candidate)) : ''
          if (typeName === undefined) throw new Error(`invariant: the type ${field.typeName} of ${name}.${field.name} is not in the etcd protos`)
          const camelName = field.name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase())
          return {name: field.name, camelName, number: field.number, repeated: field.label === 'LABEL_REPEATED', kind, typeName}
        }),
      )
    }
  }

  private addEnum(name: string, type: {value: Array<{name: string; number: number}>}): void {
    const dot = name.indexOf('.')
    const goName = `${name.slice(0, dot)}.${name.slice(dot + 1).replaceAll('.', '_')}`
    // The .proto copy spells enum values in PascalCase (NotEqual); etcd's own are NOT_EQUAL.
    const etcdName = (value: {name: string}) => value.name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()
    this.enums.set(name, {goName, numbers: new Map(type.value.map((value) => [etcdName(value), value.number])), names: new Map(type.value.map((value) => [value.number, etcdName(value)]))})
  }

  fields(typeName: string): readonly FieldSchema[] {
    const fields = this.messages.get(typeName)
    if (!fields) throw new Error(`invariant: ${typeName} is not an etcd message`)
    return fields
  }
}

let loaded: Schemas | undefined
const schemas = () => (loaded ??= new Schemas())

const kindOf = (node: JsonNode) => node.kind

function typeError(node: JsonNode, goType: string, withText = false): GoJsonError {
  const what = withText && node.kind === 'number' ? `number ${node.text}` : kindOf(node)
  return new GoJsonError(`json: cannot unmarshal ${what} into Go value of type ${goType}`)
}

/** A request message from its JSON, as jsonpb reads it (unknown fields ignored, null as unset). */
export function decodeMessage(typeName: string, node: JsonNode): Wire {
  if (node.kind !== 'object' && node.kind !== 'null') throw typeError(node, 'map[string]json.RawMessage')
  // json.Unmarshal into a map: a key given twice keeps its last value.
  const members = new Map(node.kind === 'object' ? node.members : [])
  const wire: Wire = {}
  for (const field of schemas().fields(typeName)) {
    // Both spellings are read; given both, the camelCase one wins (as jsonpb).
    const value = members.get(field.camelName) ?? members.get(field.name)
    wire[field.name] = value === undefined ? defaultOf(field) : decodeField(field, value)
  }
  return wire
}

function defaultOf(field: FieldSchema): unknown {
  if (field.repeated) return []
  switch (field.kind) {
    case 'int64':
    case 'uint64':
      return '0'
    case 'int32':
    case 'uint32':
    case 'enum':
      return 0
    case 'bool':
      return false
    case 'string':
      return ''
    case 'bytes':
      return Buffer.alloc(0)
    case 'message':
      return undefined
  }
}

function decodeField(field: FieldSchema, node: JsonNode): unknown {
  if (!field.repeated) return decodeSingle(field, node)
  if (node.kind === 'null') return []
  if (node.kind !== 'array') throw typeError(node, '[]json.RawMessage')
  return node.items.map((item) => decodeSingle(field, item))
}

function decodeSingle(field: FieldSchema, node: JsonNode): unknown {
  switch (field.kind) {
    case 'message':
      return node.kind === 'null' ? undefined : decodeMessage(field.typeName, node)
    case 'enum': {
      const schema = schemas().enums.get(field.typeName)!
      if (node.kind === 'string') {
        // jsonpb looks the name up as written, without unescaping it.
        const written = textOf(node).slice(1, -1)
        const number = schema.numbers.get(written)
        if (number === undefined) throw new GoJsonError(`unknown value ${goQuote(written)} for enum ${schema.goName}`)
        return number
      }
      return Number(decodeInteger(node, 'int32', schema.goName) ?? 0)
    }
    case 'int64':
    case 'uint64':
    case 'int32':
    case 'uint32': {
      // Numbers may come quoted: jsonpb drops the quotes and reads what is inside as JSON.
      const value = decodeInteger(node.kind === 'string' ? parseJson(textOf(node).slice(1, -1)) : node, field.kind, field.kind)
      const text = value ?? '0'
      return field.kind === 'int64' || field.kind === 'uint64' ? text : Number(text)
    }
    case 'bool':
      if (node.kind === 'null') return false
      if (node.kind !== 'bool') throw typeError(node, 'bool')
      return node.value
    case 'string':
      if (node.kind === 'null') return ''
      if (node.kind !== 'string') throw typeError(node, 'string')
      return node.value
    case 'bytes':
      if (node.kind === 'null') return Buffer.alloc(0)
      if (node.kind === 'string') return decodeGoBase64(node.value)
      // encoding/json also takes a []byte as an array of numbers.
      if (node.kind === 'array') return Buffer.from(node.items.map((item) => Number(decodeInteger(item, 'uint8', 'uint8') ?? 0)))
      throw typeError(node, '[]uint8')
  }
}

const integerRanges: Record<string, readonly [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint8: [0n, 255n],
}

/** An integer as encoding/json stores one (decimal text; undefined for null). */
function decodeInteger(node: JsonNode, kind: keyof typeof integerRanges, goType: string): string | undefined {
  if (node.kind === 'null') return undefined
  if (node.kind !== 'number') throw typeError(node, goType)
  const [lowest, highest] = integerRanges[kind]!
  const signed = kind !== 'uint64' && kind !== 'uint32' && kind !== 'uint8'
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(node.text)) throw typeError(node, goType, true)
  const value = BigInt(node.text)
  if (value < lowest || value > highest) throw typeError(node, goType, true)
  return value.toString()
}

/** A response message as JSON, as the gateway writes it: proto names, default values left out. */
export function encodeMessage(typeName: string, wire: Wire): string {
  const parts: string[] = []
  for (const field of schemas().fields(typeName)) {
    const value = wire[field.name]
    if (value === undefined || value === null) continue
    if (field.repeated) {
      const items = value as unknown[]
      if (items.length > 0) parts.push(`"${field.name}":[${items.map((item) => encodeSingle(field, item) ?? defaultText(field)).join(',')}]`)
      continue
    }
    const text = encodeSingle(field, value)
    if (text !== undefined) parts.push(`"${field.name}":${text}`)
  }
  return `{${parts.join(',')}}`
}

/** How a default value reads inside a list (where it is not left out). */
function defaultText(field: FieldSchema): string {
  if (field.kind === 'enum') return goJsonString(schemas().enums.get(field.typeName)!.names.get(0) ?? '0')
  if (field.kind === 'int64' || field.kind === 'uint64') return '"0"'
  if (field.kind === 'bool') return 'false'
  if (field.kind === 'string' || field.kind === 'bytes') return '""'
  return '0'
}

/** A single value's JSON; undefined for a default value (left out). */
function encodeSingle(field: FieldSchema, value: unknown): string | undefined {
  switch (field.kind) {
    case 'message':
      return encodeMessage(field.typeName, value as Wire)
    case 'int64':
    case 'uint64': {
      const text = String(value)
      return text === '0' ? undefined : `"${text}"`
    }
    case 'int32':
    case 'uint32':
      return Number(value) === 0 ? undefined : String(Number(value))
    case 'enum': {
      const number = Number(value)
      if (number === 0) return undefined
      const name = schemas().enums.get(field.typeName)!.names.get(number)
      return name === undefined ? String(number) : goJsonString(name)
    }
    case 'bool':
      return value === true ? 'true' : undefined
    case 'string':
      return value === '' ? undefined : goJsonString(String(value))
    case 'bytes': {
      const bytes = Buffer.from(value as Uint8Array)
      return bytes.length === 0 ? undefined : `"${bytes.toString('base64')}"`
    }
  }
}

/** A request's size in the protobuf encoding, as gRPC's receive limit counts it. */
export function encodedBytes(typeName: string, wire: Wire): number {
  let total = 0
  for (const field of schemas().fields(typeName)) {
    const value = wire[field.name]
    if (value === undefined || value === null) continue
    const tag = varintBytes(BigInt(field.number << 3))
    const items = field.repeated ? (value as unknown[]) : [value]
    const numeric = field.kind !== 'message' && field.kind !== 'string' && field.kind !== 'bytes'
    if (field.repeated && numeric) {
      // proto3 packs repeated numbers into one length-delimited field.
      const payload = items.reduce<number>((sum, item) => sum + scalarBytes(field, item), 0)
      if (payload > 0) total += tag + varintBytes(BigInt(payload)) + payload
      continue
    }
    for (const item of items) {
      if (numeric) {
        const bytes = scalarBytes(field, item)
        if (bytes > 0 || field.repeated) total += tag + bytes
        continue
      }
      const length = field.kind === 'message' ? encodedBytes(field.typeName, item as Wire) : field.kind === 'string' ? Buffer.byteLength(String(item)) : (item as Uint8Array).length
      if (length > 0 || field.repeated || field.kind === 'message') total += tag + varintBytes(BigInt(length)) + length
    }
  }
  return total
}

/** A number's varint bytes; 0 for a default value (not sent). */
function scalarBytes(field: FieldSchema, value: unknown): number {
  const number = field.kind === 'bool' ? (value ? 1n : 0n) : BigInt(String(value))
  return number === 0n ? 0 : varintBytes(number)
}
