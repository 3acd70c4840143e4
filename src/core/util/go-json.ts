// JSON as kubectl prints it: Go's encoding/json on unstructured maps, so object keys sorted,
// four-space indentation, and <, >, & and U+2028/U+2029 escaped as \u003c and friends.

function escapeGo(text: string): string {
  return JSON.stringify(text).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Go's float formatting for JSON numbers: integers plainly, others in shortest form. */
function goNumber(value: number): string {
  if (!Number.isFinite(value)) return 'null'
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : String(value).replace('e+', 'e+')
}

/**
 * `sorted`: objects from the server (unstructured maps, keys sorted); false for objects kubectl
 * builds itself (typed structs keep their field order).
 */
export function goJson(value: unknown, sorted = true, indent = '    ', level = 0): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return escapeGo(value)
  if (typeof value === 'number') return goNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  const inner = indent.repeat(level + 1)
  const outer = indent.repeat(level)
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return `[\n${value.map((item) => `${inner}${goJson(item, sorted, indent, level + 1)}`).join(',\n')}\n${outer}]`
  }
  const record = value as Record<string, unknown>
  const present = Object.keys(record).filter((key) => record[key] !== undefined)
  const keys = sorted ? present.sort() : present
  if (keys.length === 0) return '{}'
  return `{\n${keys.map((key) => `${inner}${escapeGo(key)}: ${goJson(record[key], sorted, indent, level + 1)}`).join(',\n')}\n${outer}}`
}

/** Go's json.Marshal: compact, keys sorted (unstructured), HTML characters escaped. */
export function goJsonCompact(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return escapeGo(value)
  if (typeof value === 'number') return goNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(goJsonCompact).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).filter((key) => record[key] !== undefined).sort()
  return `{${keys.map((key) => `${escapeGo(key)}:${goJsonCompact(record[key])}`).join(',')}}`
}
