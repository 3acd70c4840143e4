// Reading an object back from etcd. A value written there by hand (`etcdctl put
// /registry/namespaces/x garbage`) cannot be decoded: kube-apiserver 1.32 (without the alpha
// AllowUnsafeMalformedObjectDeletion gate) fails the GET, LIST or watch that meets it with the
// decoder's own error, 500 without a reason. Its storage decoder tries JSON for values that begin
// with `{`, else YAML and last base64-wrapped data, so the error a user sees is encoding/json's
// or encoding/base64's; they are reproduced here.
import {isJsonObject, isKubeObject, type KubeObject} from '../api/object.js'
import {apiErrors} from './api-errors.js'

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

/** encoding/json's quoteChar: how its syntax errors show the offending byte. */
function quoteChar(byte: number): string {
  if (byte === 0x27) return "'\\''"
  if (byte === 0x22) return `'"'`
  const named: Record<number, string> = {0x07: '\\a', 0x08: '\\b', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v', 0x5c: '\\\\'}
  if (named[byte]) return `'${named[byte]}'`
  if (byte < 0x20 || byte === 0x7f) return `'\\x${byte.toString(16).padStart(2, '0')}'`
  if (byte >= 0x80 && byte < 0xa0) return `'\\u${byte.toString(16).padStart(4, '0')}'`
  if (byte === 0xad) return "'\\u00ad'"
  return `'${String.fromCharCode(byte)}'`
}

class JsonSyntaxError extends Error {}

/** encoding/json's scanner nests at most this deep. */
export const jsonNestingDepthMax = 10_000

/** encoding/json's scanner: the SyntaxError message for a value that is not JSON, or null. */
export function goJsonSyntaxError(bytes: Uint8Array): string | null {
  let index = 0
  const endOfInput = (): never => {
    throw new JsonSyntaxError('unexpected end of JSON input')
  }
  const invalid = (context: string): never => {
    throw new JsonSyntaxError(`invalid character ${quoteChar(bytes[index]!)} ${context}`)
  }
  const peek = (): number => (index < bytes.length ? bytes[index]! : endOfInput())
  const skipSpace = () => {
    while (index < bytes.length && (bytes[index] === 0x20 || bytes[index] === 0x09 || bytes[index] === 0x0a || bytes[index] === 0x0d)) index++
  }
  const isDigit = (byte: number) => byte >= 0x30 && byte <= 0x39
  const isHex = (byte: number) => isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
  const string = () => {
    index++
    for (;;) {
      const byte = peek()
      if (byte === 0x22) return void index++
      if (byte === 0x5c) {
        index++
        const escaped = peek()
        if ('"\\/bfnrt'.includes(String.fromCharCode(escaped))) index++
        else if (escaped === 0x75) {
          index++
          for (let digit = 0; digit < 4; digit++) {
            if (!isHex(peek())) invalid('in \\u hexadecimal character escape')
            index++
          }
        } else invalid('in string escape code')
      } else if (byte < 0x20) invalid('in string literal')
      else index++
    }
  }
  const digits = () => {
    while (index < bytes.length && isDigit(bytes[index]!)) index++
  }
  const number = () => {
    if (bytes[index] === 0x2d) {
      index++
      if (!isDigit(peek())) invalid('in numeric literal')
    }
    if (bytes[index] === 0x30) index++
    else digits()
    if (bytes[index] === 0x2e) {
      index++
      if (!isDigit(peek())) invalid('after decimal point in numeric literal')
      digits()
    }
    if (bytes[index] === 0x65 || bytes[index] === 0x45) {
      index++
      if (peek() === 0x2b || peek() === 0x2d) index++
      if (!isDigit(peek())) invalid('in exponent of numeric literal')
      digits()
    }
  }
  const literal = (word: string) => {
    index++
    for (let position = 1; position < word.length; position++) {
      if (peek() !== word.charCodeAt(position)) invalid(`in literal ${word} (expecting ${quoteChar(word.charCodeAt(position))})`)
      index++
    }
  }
  // Iterative, with the open objects and arrays on a stack: garbage may nest deep.
  const open: number[] = []
  let state: 'value' | 'key' | 'after' = 'value'
  const enter = (bracket: number, close: number) => {
    if (open.length >= jsonNestingDepthMax) invalid('exceeded max depth')
    open.push(bracket)
    index++
    skipSpace()
    if (peek() === close) {
      open.pop()
      index++
      state = 'after'
    } else state = bracket === 0x7b ? 'key' : 'value'
  }
  const step = () => {
    skipSpace()
    if (state === 'value') {
      const byte = peek()
      state = 'after'
      if (byte === 0x7b) enter(0x7b, 0x7d)
      else if (byte === 0x5b) enter(0x5b, 0x5d)
      else if (byte === 0x22) string()
      else if (byte === 0x2d || isDigit(byte)) number()
      else if (byte === 0x74) literal('true')
      else if (byte === 0x66) literal('false')
      else if (byte === 0x6e) literal('null')
      else invalid('looking for beginning of value')
    } else if (state === 'key') {
      if (peek() !== 0x22) invalid('looking for beginning of object key string')
      string()
      skipSpace()
      if (peek() !== 0x3a) invalid('after object key')
      index++
      state = 'value'
    } else {
      const inObject = open.at(-1) === 0x7b
      const next = peek()
      if (next === (inObject ? 0x7d : 0x5d)) {
        open.pop()
        index++
      } else if (next === 0x2c) {
        index++
        state = inObject ? 'key' : 'value'
      } else invalid(inObject ? 'after object key:value pair' : 'after array element')
    }
  }
  try {
    const complete = () => open.length === 0 && state === 'after'
    do step()
    while (!complete())
    skipSpace()
    if (index < bytes.length) invalid('after top-level value')
    return null
  } catch (error) {
    if (error instanceof JsonSyntaxError) return error.message
    throw error
  }
}
