// YAML as kubectl prints it (sigs.k8s.io/yaml over go-yaml v2): keys sorted, sequences not
// indented under their key, strings quoted only when they would read back as something else:
// double quotes for what resolves to a bool, number, null or timestamp, single quotes for what
// plain style cannot carry, literal blocks for text with newlines.

const timestampPattern = /^\d{4}-\d{1,2}-\d{1,2}(?:(?:[Tt]|[ \t]+)\d{1,2}:\d{1,2}:\d{1,2}(?:\.\d*)?(?:[ \t]*(?:Z|[-+]\d{1,2}(?::?\d{2})?))?)?$/

/** Whether go-yaml v2 would resolve this plain text to something other than a string. */
function resolvesToOtherType(text: string): boolean {
  if (text === '' || text === '~' || /^(null|Null|NULL)$/.test(text)) return true
  if (/^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(text)) return true
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return true
  if (/^[-+]?0b[01_]+$/.test(text) || /^[-+]?0x[0-9a-fA-F_]+$/.test(text) || /^[-+]?0[0-7_]+$/.test(text) || /^[-+]?[0-9][0-9_]*$/.test(text)) return true
  // strconv.ParseInt(text without '_', 0, 64) also takes Go's other base prefixes: 0o17, 0X1F, 0B101.
  if (/^[-+]?0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)$/.test(text.replaceAll('_', ''))) return true
  if (/^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(text)) return true
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text) || /^\.(nan|NaN|NAN)$/.test(text)) return true
  if (text === '<<') return true
  return timestampPattern.test(text)
}

/** Whether the emitter allows the text as a plain scalar (yaml_emitter_analyze_scalar). */
function plainAllowed(text: string): boolean {
  if (text.length === 0) return false
  if (/^[\s]|[\s]$/.test(text)) return false
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(text) && !(/^[-?:]/.test(text) && text.length > 1 && !/^[-?:][\s]/.test(text))) return false
  if (text.startsWith('---') || text.startsWith('...')) return false
  if (/: |:$| #|\t/.test(text)) return false
  if (/[\x00-\x1f\x7f]/.test(text)) return false
  return true
}

/** The control characters go-yaml v2 writes with a letter in a double-quoted scalar; others as \xXX. */
const shortEscapes: Record<string, string> = {'\0': '0', '\x07': 'a', '\b': 'b', '\t': 't', '\n': 'n', '\v': 'v', '\f': 'f', '\r': 'r', '\x1b': 'e'}

function doubleQuoted(text: string): string {
  let out = '"'
  for (const character of text) {
    const code = character.codePointAt(0)!
    if (character === '"') out += '\\"'
    else if (character === '\\') out += '\\\\'
    else if (Object.hasOwn(shortEscapes, character)) out += `\\${shortEscapes[character]}`
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0').toUpperCase()}`
    else out += character
  }
  return `${out}"`
}

/** go-yaml v2 breaks a flow scalar at a space once its line is past this column. */
const bestWidthColumns = 80

/**
 * Breaks a rendered plain or quoted scalar at single spaces past the best width, as go-yaml v2's
 * emitter does (quoted styles never at their first or last character; a double-quoted break
 * before a second space keeps it with a backslash).
 */
function folded(rendered: string, startColumn: number, continuation: string): string {
  const characters = [...rendered]
  const quote = characters[0] === '"' || characters[0] === "'" ? characters[0] : null
  let out = ''
  let column = startColumn
  let afterSpace = false
  for (let index = 0; index < characters.length; index++) {
    const character = characters[index]!
    if (character !== ' ') {
      out += character
      column++
      afterSpace = false
      continue
    }
    const next = characters[index + 1]
    const inside = quote === null || (index !== 1 && index !== characters.length - 2)
    const breakable = !afterSpace && column > bestWidthColumns && inside && (quote === '"' || next !== ' ')
    if (breakable) {
      out += `\n${continuation}`
      column = continuation.length
      if (quote === '"' && next === ' ') {
        out += '\\'
        column++
      }
    } else {
      out += ' '
      column++
    }
    afterSpace = true
  }
  return out
}

function scalar(text: string, indent: string, startColumn?: number): string {
  const rendered = renderedScalar(text, indent)
  if (startColumn === undefined || rendered.startsWith('|') || !rendered.includes(' ')) return rendered
  return folded(rendered, startColumn, `${indent}  `)
}

function renderedScalar(text: string, indent: string): string {
  if (text.includes('\n') && !/[\x00-\x09\x0b-\x1f\x7f]/.test(text) && !/^\s/.test(text) && !/ \n/.test(text)) {
    const chomp = text.endsWith('\n') ? (text.endsWith('\n\n') ? '+' : '') : '-'
    const body = (chomp === '' || chomp === '+' ? text.replace(/\n$/, '') : text).split('\n')
    return `|${chomp}\n${body.map((line) => (line.length > 0 ? `${indent}  ${line}` : '')).join('\n')}`
  }
  if (text.includes('\n')) return doubleQuoted(text)
  if (resolvesToOtherType(text)) return doubleQuoted(text)
  if (plainAllowed(text)) return text
  if (/[\x00-\x1f\x7f]/.test(text)) return doubleQuoted(text)
  return `'${text.replaceAll("'", "''")}'`
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  return String(value)
}

function isEmptyCollection(value: unknown): boolean {
  return (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0)
}

function inline(value: unknown, indent: string, startColumn?: number): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return scalar(value, indent, startColumn)
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return '[]'
  return '{}'
}

function lines(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (typeof item === 'object' && item !== null && !isEmptyCollection(item)) {
          const nested = lines(item, `${indent}  `)
          return `${indent}- ${nested.slice(indent.length + 2)}`
        }
        return `${indent}- ${inline(item, indent, indent.length + 2)}`
      })
      .join('\n')
  }
  const record = value as Record<string, unknown>
  return Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
    .map((key) => {
      const child = record[key]
      const name = scalar(key, indent)
      if (Array.isArray(child) && child.length > 0) return `${indent}${name}:\n${lines(child, indent)}`
      if (typeof child === 'object' && child !== null && !isEmptyCollection(child)) return `${indent}${name}:\n${lines(child, `${indent}  `)}`
      return `${indent}${name}: ${inline(child, indent, indent.length + [...name].length + 2)}`
    })
    .join('\n')
}

/** A JSON value as kubectl -o yaml prints it, with a trailing newline. */
export function goYaml(value: unknown): string {
  if (typeof value !== 'object' || value === null || isEmptyCollection(value)) return `${inline(value, '')}\n`
  return `${lines(value, '')}\n`
}
