// Reading an object back from etcd. A value written there by hand (`etcdctl put
// /registry/namespaces/x garbage`) cannot be decoded: kube-apiserver 1.32 (without the alpha
// AllowUnsafeMalformedObjectDeletion gate) fails the GET, LIST or watch that meets it with the
// decoder's own error, 500 without a reason. Its storage decoder tries JSON for values that begin
// with `{`, else YAML and last base64-wrapped data, so the error a user sees is encoding/json's
// or encoding/base64's; they are reproduced here.
import {isJsonObject, isKubeObject, type KubeObject} from '../api/object.js'
import {goJsonSyntaxError, jsonNestingDepthMax} from '../util/go-json-scan.js'
import {apiErrors} from './api-errors.js'

export {goJsonSyntaxError, jsonNestingDepthMax} from '../util/go-json-scan.js'

const decoder = new TextDecoder()

/** Decodes a stored value; an undecodable one is an ApiError with kube-apiserver's message. */
export function decodeStoredValue(value: Uint8Array): KubeObject {
  const decoded = wellFormedObject(value)
  if (decoded !== null) return decoded
  const problem = undecodableReason(value)
  if (problem !== null) throw apiErrors.storage(problem)
  // What passed undecodableReason is a JSON object with a kind and an apiVersion, bare or base64-wrapped.
  const base64Decoded = startsWithBrace(value) ? value : goBase64Decode(value)
  const parsed: unknown = JSON.parse(decoder.decode(typeof base64Decoded === 'number' ? value : base64Decoded))
  const object = storedObjectOf(parsed)
  if (typeof object === 'string') throw apiErrors.storage(object)
  if (object === null) throw new Error(`assertion failed: a stored value undecodableReason accepts has a kind and an apiVersion: ${decoder.decode(value).slice(0, 200)}`)
  return object
}

/**
 * The object, when the value is what the API server itself writes: one JSON object with a kind
 * and an apiVersion, parsed once. Anything else (null) goes through Go's scanner for its error.
 * A value shorter than encoding/json's nesting limit cannot nest deeper than it, so JSON.parse
 * accepting it means encoding/json does too.
 */
function wellFormedObject(value: Uint8Array): KubeObject | null {
  if (value.length >= jsonNestingDepthMax || value[0] !== 0x7b) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(decoder.decode(value))
  } catch {
    return null
  }
  const object = storedObjectOf(parsed)
  return typeof object === 'string' ? null : object
}

/**
 * A parsed JSON object with a kind and an apiVersion as a KubeObject (null without them): Go
 * decodes a missing metadata to its zero value, and refuses one that is not an object (the message).
 */
function storedObjectOf(parsed: unknown): KubeObject | string | null {
  if (!isJsonObject(parsed) || typeof parsed.kind !== 'string' || parsed.kind === '' || typeof parsed.apiVersion !== 'string' || parsed.apiVersion === '') return null
  if (isKubeObject(parsed)) return parsed
  const {metadata} = parsed
  if (metadata === undefined || metadata === null) return {...parsed, metadata: {}}
  const shown = Array.isArray(metadata) ? 'array' : typeof metadata === 'boolean' ? 'bool' : typeof metadata
  return `json: cannot unmarshal ${shown} into Go struct field ${parsed.kind}.metadata of type v1.ObjectMeta`
}

/** Why kube-apiserver's storage decoder rejects a value, or null when it decodes. */
export function undecodableReason(value: Uint8Array): string | null {
  if (startsWithBrace(value)) return jsonObjectProblem(value)
  const decoded = goBase64Decode(value)
  if (typeof decoded === 'number') return `illegal base64 data at input byte ${decoded}`
  if (startsWithBrace(decoded)) return jsonObjectProblem(decoded)
  // YAML reads other text as a plain string, which has no apiVersion or kind.
  return 'couldn\'t get version/kind; json parse error: json: cannot unmarshal string into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
}

function startsWithBrace(value: Uint8Array): boolean {
  for (const byte of value) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c) continue
    return byte === 0x7b
  }
  return false
}

function jsonObjectProblem(value: Uint8Array): string | null {
  const syntax = goJsonSyntaxError(value)
  if (syntax !== null) return `couldn't get version/kind; json parse error: ${syntax}`
  // Go's scanner accepted it and it begins with `{`: a JSON object.
  const parsed: unknown = JSON.parse(decoder.decode(value))
  const object = isJsonObject(parsed) ? parsed : {}
  if (typeof object.kind !== 'string' || object.kind === '') return `Object 'Kind' is missing in '${decoder.decode(value)}'`
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') return `Object 'apiVersion' is missing in '${decoder.decode(value)}'`
  return null
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** encoding/base64's StdEncoding.Decode: the decoded bytes, or the offset of its CorruptInputError. */
function goBase64Decode(value: Uint8Array): Uint8Array | number {
  const isNewline = (byte: number | undefined) => byte === 0x0a || byte === 0x0d
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1')
  let index = 0
  let clean = ''
  for (;;) {
    let taken = 0
    while (taken < 4) {
      if (index === text.length) {
        if (taken === 0) return Buffer.from(clean, 'base64')
        return index - taken
      }
      const character = text[index++]!
      if (base64Alphabet.includes(character)) {
        clean += character
        taken++
        continue
      }
      if (isNewline(value[index - 1])) continue
      if (character !== '=' || taken < 2) return index - 1
      if (taken === 2) {
        while (index < text.length && isNewline(value[index])) index++
        if (index === text.length) return text.length
        if (text[index] !== '=') return index - 1
        index++
      }
      while (index < text.length && isNewline(value[index])) index++
      if (index < text.length) return index
      return Buffer.from(clean, 'base64')
    }
  }
}
