// Request bodies decoded as kube-apiserver decodes them: JSON or YAML by content type, the kind
// and apiVersion checked against the URL, the schema applied with the request's field validation.
import {parse as parseYaml} from 'yaml'
import {pruneUnknownFields} from '../api/custom-resources.js'
import {DecodeError, decodeObject} from '../api/decode.js'
import {hasLiteralsAtRisk, parseJsonKeepingLiterals, plainNumbers} from '../api/json-literals.js'
import {isJsonObject, type KubeObject} from '../api/object.js'
import {groupVersion, type ResourceDefinition, type Scheme} from '../api/scheme.js'
import type {Schema} from '../api/schema.js'
import {apiErrors} from './api-errors.js'
import {goJsonSyntaxError, jsonNestingDepthMax} from './stored-decode.js'

/** kube-apiserver refuses request bodies over 3 MiB. */
export const requestBodyBytesMax = 3 * 1024 * 1024

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore'

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** kube-apiserver quotes at most this many bytes of a body it cannot recognise. */
export const unrecognizedBodySummaryBytesMax = 30

export function bodyText(body: Uint8Array | string | undefined): string {
  if (body === undefined) return ''
  return typeof body === 'string' ? body : decoder.decode(body)
}

export function bodyBytes(body: Uint8Array | string | undefined): number {
  if (body === undefined) return 0
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
}

/** Parses a JSON or YAML body; a syntax error is a 400 as kube-apiserver words it (encoding/json's text). */
export function parseBody(text: string, contentType: string): unknown {
  if (/yaml/.test(contentType)) {
    try {
      return parseYaml(text)
    } catch (error) {
      throw apiErrors.badRequest(`error converting YAML to JSON: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  // A text shorter than encoding/json's nesting limit cannot nest deeper than it, so JSON.parse
  // accepting it means encoding/json does too: Go's scanner (in JavaScript, about as costly as the
  // parse) runs only to word the error, or on longer texts for their depth.
  if (text.length < jsonNestingDepthMax) {
    try {
      return JSON.parse(text) as unknown
    } catch {
      // Worded below as encoding/json words it.
    }
  }
  const syntax = goJsonSyntaxError(encoder.encode(text))
  if (syntax !== null) throw apiErrors.badRequest(`couldn't get version/kind; json parse error: ${syntax}`)
  return JSON.parse(text) as unknown
}

/** apimachinery's summarizeData: the body's start, as text when it looks like JSON, else in hex. */
function summarizeBody(text: string): string {
  const bytes = encoder.encode(text)
  if (bytes.length === 0) return '<empty>'
  const cut = bytes.length > unrecognizedBodySummaryBytesMax
  const head = bytes.subarray(0, unrecognizedBodySummaryBytesMax)
  const shown = bytes[0] === 0x7b ? decoder.decode(head) : Buffer.from(head).toString('hex')
  return cut ? `${shown} ...` : shown
}

/**
 * A body whose kind cannot even be read, as kube-apiserver's create and update handlers report it.
 * A JSON body's number literals that JSON.parse would change are kept as written (NumberLiteral)
 * for the schema decoder, which judges them as Go's decoder does.
 */
function parseKindedBody(text: string, contentType: string, kind: string): {parsed: Record<string, unknown>; numberLiterals: boolean} {
  const unrecognized = (reason: string) => apiErrors.badRequest(`the object provided is unrecognized (must be of type ${kind}): ${reason} (${summarizeBody(text)})`)
  let parsed: unknown
  try {
    parsed = parseBody(text, contentType)
  } catch (error) {
    throw unrecognized(error instanceof Error ? error.message : String(error))
  }
  let numberLiterals = false
  if (!/yaml/.test(contentType) && hasLiteralsAtRisk(text)) {
    try {
      parsed = parseJsonKeepingLiterals(text)
      numberLiterals = true
    } catch (error) {
      // Nested deeper than the reader's stack goes (JSON.parse's goes further): the literals as JSON.parse read them.
      if (!(error instanceof RangeError)) throw error
    }
  }
  if (!isJsonObject(parsed)) {
    const type = parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed
    throw unrecognized(`couldn't get version/kind; json parse error: json: cannot unmarshal ${type} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`)
  }
  return {parsed, numberLiterals}
}

function snippet(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)} ...` : text
}

export interface DecodedBody {
  readonly object: KubeObject
  readonly warnings: string[]
}

/** Decodes a body into the kind of `definition` (or of `schema`, for subresources like Scale). */
export function decodeBody(
  scheme: Scheme,
  definition: ResourceDefinition,
  text: string,
  contentType: string,
  fieldValidation: FieldValidation,
  expected: {kind: string; apiVersion: string; schema: Schema} = {kind: definition.kind, apiVersion: groupVersion(definition), schema: definition.schema},
): DecodedBody {
  const {parsed, numberLiterals} = parseKindedBody(text, contentType, expected.kind)
  const kind = typeof parsed.kind === 'string' ? parsed.kind : ''
  const apiVersion = typeof parsed.apiVersion === 'string' ? parsed.apiVersion : ''
  if (kind.length === 0) throw apiErrors.badRequest(`Object 'Kind' is missing in '${snippet(text.trim())}'`)
  if (apiVersion.length > 0 && apiVersion !== expected.apiVersion) {
    throw apiErrors.badRequest(`the API version in the data (${apiVersion}) does not match the expected API version (${expected.apiVersion})`)
  }
  const version = expected.apiVersion.includes('/') ? expected.apiVersion.slice(expected.apiVersion.indexOf('/') + 1) : expected.apiVersion
  if (kind !== expected.kind) {
    const known = scheme.kindOf(expected.apiVersion, kind)
    if (!known) throw apiErrors.badRequest(`no kind "${kind}" is registered for version "${expected.apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`)
    throw apiErrors.badRequest(`${kind} in version "${version}" cannot be handled as a ${expected.kind}: the kind in the data does not match the URL`)
  }
  if (definition.custom && expected.schema === definition.schema) {
    // Custom objects stay unstructured: fields the schema does not declare are pruned.
    if (numberLiterals) plainNumbers(parsed)
    const unknownPaths = pruneUnknownFields(definition.openApiSchema as Record<string, unknown> | undefined, parsed)
    const unknown = unknownPaths.map((path) => `unknown field "${path}"`)
    if (unknown.length > 0 && fieldValidation === 'Strict') {
      throw apiErrors.badRequest(`${kind} in version "${version}" cannot be handled as a ${expected.kind}: strict decoding error: ${unknown.join(', ')}`)
    }
    const object = parsed as KubeObject
    if (!isJsonObject(object.metadata)) object.metadata = {}
    object.apiVersion = expected.apiVersion
    return {object, warnings: fieldValidation === 'Warn' ? unknown : []}
  }
  let decoded
  try {
    decoded = decodeObject(expected.schema, parsed, {numberLiterals})
  } catch (error) {
    if (error instanceof DecodeError) throw apiErrors.badRequest(`${kind} in version "${version}" cannot be handled as a ${expected.kind}: ${error.message}`)
    throw error
  }
  const unknown = decoded.unknownFields.map((path) => `unknown field "${path}"`)
  if (unknown.length > 0 && fieldValidation === 'Strict') {
    throw apiErrors.badRequest(`${kind} in version "${version}" cannot be handled as a ${expected.kind}: strict decoding error: ${unknown.join(', ')}`)
  }
  const object = decoded.value as KubeObject
  if (!isJsonObject(object.metadata)) object.metadata = {}
  object.apiVersion = expected.apiVersion
  return {object, warnings: fieldValidation === 'Warn' ? unknown : []}
}
