// The OpenAPI v2 document in gnostic's protocol buffer form (openapi.v2.Document), which the real
// kubectl asks for (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf). Only what
// the JSON document holds is written; vendor extensions are Any messages with their value as YAML
// text (JSON is YAML), which is how kubectl's reader (kube-openapi) takes them.
import type {OpenApiSchema} from './openapi.js'
import type {OpenApiV2Document} from './openapi-v2.js'

/** What kubectl asks for; Go's media type parser refuses the '@', so the answer is typed with a '.'. */
export const openApiV2ProtobufMediaTypes = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'] as const
export const openApiV2ProtobufContentType = openApiV2ProtobufMediaTypes[1]

/** Nesting deeper than this is not written (the schemas were already bounded when converted). */
const messageDepthMax = 128

/** A protocol buffer message being written: its fields in order, as chunks of bytes. */
class MessageWriter {
  private readonly chunks: Uint8Array[] = []
  private length = 0

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes)
    this.length += bytes.length
  }

  private varint(value: number): void {
    const bytes: number[] = []
    let rest = value
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80)
      rest = Math.floor(rest / 0x80)
    }
    bytes.push(rest)
    this.push(Uint8Array.from(bytes))
  }

  private key(field: number, wireType: 0 | 1 | 2): void {
    this.varint(field * 8 + wireType)
  }

  string(field: number, value: unknown): void {
    if (typeof value !== 'string' || value.length === 0) return
    const bytes = Buffer.from(value, 'utf8')
    this.key(field, 2)
    this.varint(bytes.length)
    this.push(bytes)
  }

  strings(field: number, values: unknown): void {
    if (Array.isArray(values)) for (const value of values) this.string(field, String(value))
  }

  boolean(field: number, value: unknown): void {
    if (value !== true) return
    this.key(field, 0)
    this.varint(1)
  }

  integer(field: number, value: unknown): void {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return
    this.key(field, 0)
    this.varint(value)
  }

  double(field: number, value: unknown): void {
    if (typeof value !== 'number') return
    const bytes = Buffer.alloc(8)
    bytes.writeDoubleLE(value)
    this.key(field, 1)
    this.push(bytes)
  }

  message(field: number, write: (writer: MessageWriter) => void): void {
    const inner = new MessageWriter()
    write(inner)
    const bytes = inner.bytes()
    this.key(field, 2)
    this.varint(bytes.length)
    this.push(bytes)
  }

  bytes(): Uint8Array {
    return Buffer.concat(this.chunks, this.length)
  }
}

/** An Any: the value as YAML text (field 2). */
function writeAny(writer: MessageWriter, field: number, value: unknown): void {
  writer.message(field, (any) => any.string(2, JSON.stringify(value)))
}

/** The `x-` keys of an object as NamedAny entries. */
function writeVendorExtensions(writer: MessageWriter, field: number, object: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(object)) {
    if (!name.startsWith('x-')) continue
    writer.message(field, (named) => {
      named.string(1, name)
      writeAny(named, 2, value)
    })
  }
}

function writeSchema(writer: MessageWriter, schema: OpenApiSchema, depth: number): void {
  if (depth > messageDepthMax) return
  writer.string(1, schema.$ref)
  writer.string(2, schema.format)
  writer.string(3, schema.title)
  writer.string(4, schema.description)
  if (schema.default !== undefined) writeAny(writer, 5, schema.default)
  writer.double(6, schema.multipleOf)
  writer.double(7, schema.maximum)
  writer.boolean(8, schema.exclusiveMaximum)
  writer.double(9, schema.minimum)
  writer.boolean(10, schema.exclusiveMinimum)
  writer.integer(11, schema.maxLength)
  writer.integer(12, schema.minLength)
  writer.string(13, schema.pattern)
  writer.integer(14, schema.maxItems)
  writer.integer(15, schema.minItems)
  writer.boolean(16, schema.uniqueItems)
  writer.integer(17, schema.maxProperties)
  writer.integer(18, schema.minProperties)
  writer.strings(19, schema.required)
  if (Array.isArray(schema.enum)) for (const value of schema.enum) writeAny(writer, 20, value)
  const additional = schema.additionalProperties
  if (typeof additional === 'boolean') writer.message(21, (item) => item.boolean(2, additional))
  else if (additional && typeof additional === 'object') writer.message(21, (item) => item.message(1, (inner) => writeSchema(inner, additional as OpenApiSchema, depth + 1)))
  if (typeof schema.type === 'string') writer.message(22, (type) => type.string(1, schema.type))
  const items = schema.items
  if (items && typeof items === 'object') writer.message(23, (item) => item.message(1, (inner) => writeSchema(inner, items as OpenApiSchema, depth + 1)))
  const properties = schema.properties as Record<string, OpenApiSchema> | undefined
  if (properties) {
    writer.message(25, (list) => {
      for (const [name, child] of Object.entries(properties)) {
        list.message(1, (named) => {
          named.string(1, name)
          named.message(2, (inner) => writeSchema(inner, child, depth + 1))
        })
      }
    })
  }
  writeVendorExtensions(writer, 31, schema)
}

/** A query parameter: Parameter → NonBodyParameter → QueryParameterSubSchema. */
function writeParameter(writer: MessageWriter, parameter: Record<string, unknown>): void {
  writer.message(1, (item) =>
    item.message(2, (nonBody) =>
      nonBody.message(3, (query) => {
        query.boolean(1, parameter.required)
        query.string(2, parameter.in)
        query.string(3, parameter.description)
        query.string(4, parameter.name)
        query.string(6, parameter.type)
        query.boolean(20, parameter.uniqueItems)
      }),
    ),
  )
}

function writeOperation(writer: MessageWriter, operation: Record<string, unknown>): void {
  writer.string(3, operation.description)
  writer.string(5, operation.operationId)
  writer.strings(6, operation.produces)
  writer.strings(7, operation.consumes)
  if (Array.isArray(operation.parameters)) for (const parameter of operation.parameters) writer.message(8, (item) => writeParameter(item, parameter as Record<string, unknown>))
  const responses = operation.responses as Record<string, {description?: string}> | undefined
  if (responses) {
    writer.message(9, (list) => {
      for (const [code, response] of Object.entries(responses)) {
        list.message(1, (named) => {
          named.string(1, code)
          named.message(2, (value) => value.message(1, (inner) => inner.string(1, response.description)))
        })
      }
    })
  }
  writer.strings(10, operation.schemes)
  writeVendorExtensions(writer, 13, operation)
}

const pathItemFields: Record<string, number> = {get: 2, put: 3, post: 4, delete: 5, options: 6, head: 7, patch: 8}

export function encodeOpenApiV2(document: OpenApiV2Document): Uint8Array {
  const writer = new MessageWriter()
  writer.string(1, document.swagger)
  writer.message(2, (info) => {
    info.string(1, document.info.title)
    info.string(2, document.info.version)
  })
  writer.message(8, (paths) => {
    for (const [path, item] of Object.entries(document.paths)) {
      paths.message(2, (named) => {
        named.string(1, path)
        named.message(2, (pathItem) => {
          for (const [method, field] of Object.entries(pathItemFields)) {
            const operation = item[method]
            if (operation) pathItem.message(field, (inner) => writeOperation(inner, operation as Record<string, unknown>))
          }
        })
      })
    }
  })
  writer.message(9, (definitions) => {
    for (const [name, schema] of Object.entries(document.definitions)) {
      definitions.message(1, (named) => {
        named.string(1, name)
        named.message(2, (inner) => writeSchema(inner, schema, 0))
      })
    }
  })
  return writer.bytes()
}
