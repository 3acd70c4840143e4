// Plain scalars resolved as kubectl resolves them: sigs.k8s.io/yaml reads YAML with its go-yaml
// v2 fork, which keeps YAML 1.1's booleans (y, yes, on, off, n, no …), octal `0755` and
// underscores in numbers, but not YAML 1.1's base-60 numbers (`1:20` stays a string), and gives a
// timestamp-like value (`2001-12-14`) as the string it is. The `yaml` package's own 1.1 schema
// differs on those, so its plain-scalar resolution is replaced by this one; quoted scalars and
// explicit tags (`!!str`, `!!int` …) keep the schema's tags.
import type {DocumentOptions, ParseOptions, SchemaOptions, Tags} from 'yaml'

/** go-yaml's table of plain scalars it looks up whole, each with its value. */
const knownScalars: ReadonlyMap<string, null | boolean | number> = new Map<string, null | boolean | number>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((text) => [text, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((text) => [text, false] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((text) => [text, null] as const),
  ...['.nan', '.NaN', '.NAN'].map((text) => [text, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((text) => [text, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((text) => [text, Number.NEGATIVE_INFINITY] as const),
])

/** Go's strconv.ParseInt with base 0: a sign, then hex, octal (`0o17` or `017`), binary or decimal digits. */
const goInteger = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/
/** go-yaml's own float syntax (Go's ParseFloat takes more, but go-yaml asks this first). */
const goYamlFloat = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/
/** A plain scalar starting with `.` is tried as Go's ParseFloat reads it. */
const dotFloat = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/

/** The exact integer of a plain scalar's text as go-yaml reads one (underscores left out), or null when it is no integer. */
export function goYamlInteger(source: string): bigint | null {
  const integer = goInteger.exec(source.replaceAll('_', ''))
  if (!integer) return null
  const [, sign, digits] = integer as unknown as [string, string, string]
  const magnitude = BigInt(/^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.toLowerCase())
  return sign === '-' ? -magnitude : magnitude
}

/** The value go-yaml v2 gives a plain (unquoted, untagged) scalar. */
export function goYamlPlainValue(source: string): string | number | boolean | null {
  const known = knownScalars.get(source)
  if (known !== undefined) return known
  const first = source[0]
  if (first === '.') return dotFloat.test(source) ? Number(source) : source
  if (first === undefined || !/[-+0-9]/.test(first)) return source
  const plain = source.replaceAll('_', '')
  const integer = goYamlInteger(plain)
  if (integer !== null) return Number(integer)
  if (goYamlFloat.test(plain)) {
    const value = Number(plain)
    // Go's ParseFloat refuses a value out of range, and go-yaml then keeps the text.
    if (Number.isFinite(value)) return value
  }
  return source
}

/** Every plain scalar but the merge key, so that none reaches the schema's own tags by their tests. */
const everyPlainScalar = /^(?!<<$)/

const goYamlPlainScalar = {
  identify: () => false,
  default: true,
  tag: 'tag:kubemu,go-yaml-v2:plain',
  test: everyPlainScalar,
  resolve: (source: string) => goYamlPlainValue(source),
}

const binaryTag = 'tag:yaml.org,2002:binary'

/**
 * `!!binary`: go-yaml decodes the base64 into bytes and gives them as a Go string, which JSON then
 * writes as text (an invalid UTF-8 sequence as U+FFFD); the `yaml` package gives a Uint8Array.
 */
const goYamlBinary = {
  identify: () => false,
  default: false,
  tag: binaryTag,
  resolve: (source: string) => Buffer.from(source.replace(/\s+/g, ''), 'base64').toString('utf8'),
}

/** Options for the `yaml` package so that it reads a document as sigs.k8s.io/yaml does. */
export const goYamlV2Options: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  customTags: (tags: Tags) => [goYamlPlainScalar, goYamlBinary, ...tags.filter((tag) => typeof tag === 'string' || tag.tag !== binaryTag)] as Tags,
}

/**
 * sigs.k8s.io/yaml then writes the value as JSON, which refuses NaN and infinities: Go's error for
 * the first one json.Marshal meets (keys sorted), or null.
 */
export function goJsonUnsupportedValue(value: unknown): string | null {
  if (typeof value === 'number' && !Number.isFinite(value)) return `json: unsupported value: ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'}`
  const items = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.keys(value).sort().map((key) => (value as Record<string, unknown>)[key]) : []
  for (const item of items) {
    const found = goJsonUnsupportedValue(item)
    if (found !== null) return found
  }
  return null
}
