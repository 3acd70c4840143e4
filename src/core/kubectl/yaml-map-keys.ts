// The map keys kubectl's YAML conversion refuses: go-yaml v2 decodes a mapping into
// map[interface{}]interface{}, so a key that is a sequence or a mapping (unhashable in Go) fails
// the decode (`yaml: invalid map key: []interface {}{"a", "b"}`); sigs.k8s.io/yaml then turns keys
// into JSON strings and has no string for a null key (`unsupported map key of type: %!s(<nil>), …`).
// Both print the value as Go's %#v prints what go-yaml decoded.
import {type Document, isAlias, isMap, isScalar, isSeq, type Node, Scalar, visit} from 'yaml'
import {goQuote} from '../util/go-quote.js'
import {goFloat} from '../util/prometheus-text.js'
import {goYamlInteger} from './go-yaml-scalars.js'

/** A number as go-yaml v2 decodes a plain scalar into interface{}: an int, a uint64 past int64, else a float64. */
class GoNumber {
  constructor(
    readonly kind: 'int' | 'uint64' | 'float64',
    readonly value: bigint | number,
  ) {}

  /** Go's %#v: an int in decimal, a uint64 in hex (0x…), a float64 as %g with Go's infinities. */
  toString(): string {
    if (this.kind === 'int') return String(this.value)
    if (this.kind === 'uint64') return `0x${this.value.toString(16)}`
    return goFloat(Number(this.value))
  }
}

const int64Max = (1n << 63n) - 1n
const uint64Max = (1n << 64n) - 1n

/** The Go value go-yaml gives a number scalar, from its text where it has one. */
function goNumber(value: number, source: string | undefined): GoNumber {
  const integer = source === undefined ? null : goYamlInteger(source)
  if (integer !== null && integer >= -int64Max - 1n && integer <= int64Max) return new GoNumber('int', integer)
  if (integer !== null && integer > 0n && integer <= uint64Max) return new GoNumber('uint64', integer)
  return new GoNumber('float64', value)
}

/** Go's %#v of a value go-yaml decoded into interface{} (maps with their keys sorted, as fmt sorts them). */
export function goSharpValue(value: unknown): string {
  if (value === null || value === undefined) return 'interface {}(nil)'
  if (typeof value === 'string') return goQuote(value)
  if (value instanceof GoNumber) return value.toString()
  if (typeof value === 'number') return goFloat(value)
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSharpValue).join(', ')}}`
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([key, entry]) => [goSharpValue(key), goSharpValue(entry)] as const).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    return `map[interface {}]interface {}{${entries.map(([key, entry]) => `${key}:${entry}`).join(', ')}}`
  }
  return String(value)
}

/** Bounds the aliases followed while a key is decoded (an alias of an alias …). */
const aliasHopsMax = 1000

/** The node an alias names (itself when it is none), as go-yaml puts the anchored value where the alias stands. */
function dealiased(node: unknown, document: Document): unknown {
  let current = node
  for (let hop = 0; hop < aliasHopsMax && isAlias(current); hop++) current = current.resolve(document)
  return current
}

/** What go-yaml decodes a node to: maps as Maps, so their keys keep their kinds; numbers with their Go type. */
function decoded(node: unknown, document: Document, depth = 0): unknown {
  if (depth > aliasHopsMax) return null
  const target = dealiased(node, document)
  if (isMap(target)) return new Map(target.items.map((pair) => [decoded(pair.key, document, depth + 1), decoded(pair.value, document, depth + 1)]))
  if (isSeq(target)) return target.items.map((item) => decoded(item, document, depth + 1))
  if (isScalar(target)) return typeof target.value === 'number' ? goNumber(target.value, target.source) : target.value
  return null
}

/** The Go type sigs.k8s.io/yaml names for a scalar key it cannot turn into a JSON string, or null when it can. */
function unsupportedKeyType(key: unknown): string | null {
  if (key === null) return '%!s(<nil>)'
  if (key instanceof GoNumber && key.kind === 'uint64') return 'uint64'
  return null
}

/**
 * The first refusal of a document's map keys, in kubectl's words (the decode's before the
 * conversion's), or null when every key is a scalar. An alias stands for the node it names; of a
 * mapping's repeated keys the last one counts, as go-yaml stores each into one Go map.
 */
export function mapKeyFault(document: Document): {decode: string} | {convert: string} | null {
  let collectionKey: Node | null = null
  let unsupported: {map: unknown; type: string; key: unknown; value: unknown} | null = null
  visit(document, {
    Pair(_key, pair, path) {
      const key = dealiased(pair.key, document)
      if (isMap(key) || isSeq(key)) {
        collectionKey = key
        return visit.BREAK
      }
      const goKey = key === null || key === undefined ? null : decoded(key, document)
      const type = unsupportedKeyType(goKey)
      const map = path[path.length - 1]
      // The first map with such a key is reported; within it, the key's last value.
      if (type !== null && (unsupported === null || (unsupported.map === map && unsupported.type === type && goSharpValue(unsupported.key) === goSharpValue(goKey)))) {
        unsupported = {map, type, key: goKey, value: decoded(pair.value, document)}
      }
      return undefined
    },
  })
  if (collectionKey !== null) return {decode: `invalid map key: ${goSharpValue(decoded(collectionKey, document))}`}
  if (unsupported === null) return null
  const {type, key, value} = unsupported as {type: string; key: unknown; value: unknown}
  // %+#v of a nil interface is <nil>.
  const shown = (item: unknown) => goSharpValue(item).replace(/^interface \{\}\(nil\)$/, '<nil>')
  return {convert: `unsupported map key of type: ${type}, key: ${shown(key)}, value: ${shown(value)}`}
}

/** Go's strconv.FormatFloat(value, 'g', -1, 32): the shortest digits that give back the same float32. */
function float32Text(value: number): string {
  const single = Math.fround(value)
  if (Object.is(single, -0)) return '-0'
  if (!Number.isFinite(single)) return goFloat(single)
  for (let precision = 1; precision < 9; precision++) {
    const candidate = Number(single.toPrecision(precision))
    if (Math.fround(candidate) === single) return goFloat(candidate)
  }
  return goFloat(Number(single.toPrecision(9)))
}

/**
 * Number keys written as sigs.k8s.io/yaml turns them into JSON strings: an int in decimal (exact,
 * however large), a float64 as FormatFloat(key, 'g', -1, 32) with YAML's .inf, -.inf and .nan
 * (the `yaml` package would write JavaScript's String of the number). Changes the document's keys.
 */
export function goJsonKeys(document: Document): void {
  visit(document, {
    Pair(_key, pair) {
      const key = pair.key
      if (!isScalar(key) || typeof key.value !== 'number') return undefined
      const number = goNumber(key.value, key.source)
      if (number.kind === 'uint64') return undefined
      const text = number.kind === 'int' ? String(number.value) : float32Text(Number(number.value))
      pair.key = new Scalar(({'+Inf': '.inf', '-Inf': '-.inf', NaN: '.nan'} as Record<string, string>)[text] ?? text)
      return undefined
    },
  })
}
