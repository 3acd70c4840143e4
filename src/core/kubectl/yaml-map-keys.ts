// The map keys kubectl's YAML conversion refuses: go-yaml v2 decodes a mapping into
// map[interface{}]interface{}, so a key that is a sequence or a mapping (unhashable in Go) fails
// the decode (`yaml: invalid map key: []interface {}{"a", "b"}`); sigs.k8s.io/yaml then turns keys
// into JSON strings and has no string for a null key (`unsupported map key of type: %!s(<nil>), …`).
// Both print the value as Go's %#v prints what go-yaml decoded.
import {type Document, isMap, isScalar, isSeq, type Node, visit} from 'yaml'
import {goQuote} from '../util/go-quote.js'

/** Go's %#v of a value go-yaml decoded into interface{} (maps with their keys sorted, as fmt sorts them). */
export function goSharpValue(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)'
  if (typeof value === 'string') return goQuote(value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpValue).join(', ')}}`
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([key, entry]) => [goSharpValue(key), goSharpValue(entry)] as const).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    return `map[interface {}]interface {}{${entries.map(([key, entry]) => `${key}:${entry}`).join(', ')}}`
  }
  return String(value)
}

/** What go-yaml decodes a node to: maps as Maps, so their keys keep their kinds. */
function decoded(node: unknown): unknown {
  if (isMap(node)) return new Map(node.items.map((pair) => [decoded(pair.key), decoded(pair.value)]))
  if (isSeq(node)) return node.items.map(decoded)
  if (isScalar(node)) return node.value
  return null
}

/**
 * The first refusal of a document's map keys, in kubectl's words (the decode's before the
 * conversion's), or null when every key is a scalar.
 */
export function mapKeyFault(document: Document): {decode: string} | {convert: string} | null {
  let collectionKey: Node | null = null
  let nullKeyValue: {value: unknown} | null = null
  visit(document, {
    Pair(_key, pair) {
      const key = pair.key
      if (isMap(key) || isSeq(key)) {
        collectionKey = key
        return visit.BREAK
      }
      if ((key === null || (isScalar(key) && key.value === null)) && nullKeyValue === null) nullKeyValue = {value: decoded(pair.value)}
      return undefined
    },
  })
  if (collectionKey !== null) return {decode: `invalid map key: ${goSharpValue(decoded(collectionKey))}`}
  if (nullKeyValue !== null) return {convert: `unsupported map key of type: %!s(<nil>), key: <nil>, value: ${goSharpValue((nullKeyValue as {value: unknown}).value).replace(/^interface \{\}\(nil\)$/, '<nil>')}`}
  return null
}
