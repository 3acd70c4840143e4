// `kubectl explain --output=plaintext-openapiv2`: kubectl's older explain printer, rendered from
// the server's OpenAPI v2 document (/openapi/v2): KIND and VERSION, then for a kind or a field of
// an object type its description and FIELDS (name, <type> and -required-, descriptions indented
// by five and wrapped at 80 columns; --recursive: the field tree alone, three more spaces per
// level), for a field of another type FIELD and its description. Types are the v2 printer's:
// Object for a definition, []T for a list, map[string]T for a map.
import {ExplainError} from './explain.js'

type Json = Record<string, unknown>

/** Recursion stops here even without a $ref cycle. */
const explainDepthMax = 64
/** The old printer's line width. */
const lineWidth = 80

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value)

export interface ExplainV2Target {
  readonly group: string
  readonly version: string
  readonly kind: string
}

/**
 * The old printer's wrapping: paragraphs (split at blank lines) each as one run of words, single
 * spaces between, filled greedily to the width (an indented line, a list item, starts a new one); a blank
 * line between paragraphs.
 */
function wrapped(text: string, indentAmount: number): string {
  const pad = ' '.repeat(indentAmount)
  const width = lineWidth - indentAmount
  const paragraphs = text.split('\n\n').map((paragraph) => {
    const lines: string[] = []
    let line = ''
    for (const sourceLine of paragraph.split('\n')) {
      // An indented line (a list item) starts a line of its own.
      if (/^[\s-]/.test(sourceLine) && line !== '') {
        lines.push(line)
        line = ''
      }
      for (const word of sourceLine.split(/\s+/).filter((item) => item !== '')) {
        if (line !== '' && line.length + 1 + word.length > width) {
          lines.push(line)
          line = word
        } else line = line === '' ? word : `${line} ${word}`
      }
    }
    if (line !== '') lines.push(line)
    return lines.map((item) => pad + item).join('\n')
  })
  return paragraphs.join('\n\n')
}

class V2Renderer {
  constructor(private readonly document: Json) {}

  resolve(schema: Json): Json {
    const reference = schema.$ref
    if (typeof reference !== 'string' || !reference.startsWith('#/definitions/')) return schema
    const definitions = isObject(this.document.definitions) ? this.document.definitions : {}
    const target = definitions[reference.slice('#/definitions/'.length)]
    return isObject(target) ? target : {}
  }

  /** The definition a field's values are (through lists), or null for a primitive or a map. */
  kindOf(schema: Json, depth = 0): Json | null {
    if (depth > explainDepthMax) return null
    if (isObject(schema.items)) return this.kindOf(schema.items, depth + 1)
    const resolved = this.resolve(schema)
    if (isObject(resolved.additionalProperties)) return null
    return resolved.properties !== undefined ? resolved : null
  }

  typeName(schema: Json, depth = 0): string {
    if (depth > explainDepthMax) return 'Object'
    if (isObject(schema.items)) return `[]${this.typeName(schema.items, depth + 1)}`
    if (isObject(schema.additionalProperties)) return `map[string]${this.typeName(schema.additionalProperties, depth + 1)}`
    const resolved = this.resolve(schema)
    if (resolved !== schema) return this.typeName(resolved, depth + 1)
    // An object with no fields of its own is the printer's arbitrary type, which has no name.
    if (schema.type === undefined || schema.type === 'object') return schema.properties === undefined ? '' : 'Object'
    return String(schema.type)
  }

  fields(kind: Json, level: number, recursive: boolean, seen: ReadonlySet<Json>): string {
    const properties = isObject(kind.properties) ? kind.properties : {}
    const required = Array.isArray(kind.required) ? kind.required : []
    let out = ''
    for (const name of Object.keys(properties).sort()) {
      const field = properties[name] as Json
      out += `${' '.repeat(level * 3)}${name}\t<${this.typeName(field)}>${required.includes(name) && !recursive ? ' -required-' : ''}\n`
      if (recursive) {
        const inner = this.kindOf(field)
        if (inner && !seen.has(inner) && level < explainDepthMax) out += this.fields(inner, level + 1, recursive, new Set(seen).add(inner))
        continue
      }
      const description = typeof field.description === 'string' ? field.description : ''
      out += `${description ? `${wrapped(description, level * 3 + 2)}\n` : ''}\n`
    }
    return out
  }

  explain(kind: Json, fieldPath: readonly string[], recursive: boolean): string {
    let current = kind
    let field: Json | null = null
    let name = ''
    for (const step of fieldPath) {
      name = step
      // Past a field of a primitive type the path names that field again; past a map, its values.
      if (field !== null && this.kindOf(field) === null) {
        const values: unknown = this.resolve(field).additionalProperties
        if (isObject(values)) field = values
        continue
      }
      const properties = isObject(current.properties) ? current.properties : {}
      if (!isObject(properties[step])) throw new ExplainError(`error: field "${step}" does not exist`)
      field = properties[step]
      current = this.kindOf(field) ?? {}
    }
    const descriptionOf = (schema: Json) => (typeof schema.description === 'string' ? schema.description : '')
    const fieldsText = (of: Json) => {
      const listed = this.fields(of, 1, recursive, new Set([of]))
      return listed ? `FIELDS:\n${listed}` : ''
    }
    if (field === null) return `DESCRIPTION:\n${wrapped(descriptionOf(kind), 5)}\n\n${fieldsText(kind)}`
    const inner = this.kindOf(field)
    // A field's own description, then its definition's (a kind, or a named primitive such as IntOrString).
    const values = isObject(field.items) ? field.items : isObject(field.additionalProperties) ? field.additionalProperties : field
    const definition = inner ?? this.resolve(values)
    const found = [descriptionOf(field), definition !== field ? descriptionOf(definition) : ''].filter((text) => text !== '')
    const descriptions = (found.length > 0 ? found : ['<empty>']).map((text) => wrapped(text, 5))
    if (inner === null) return `FIELD:    ${name} <${this.typeName(field)}>\n\nDESCRIPTION:\n${descriptions.join('\n\n')}\n`
    return `RESOURCE: ${name} <${this.typeName(field)}>\n\nDESCRIPTION:\n${descriptions.join('\n\n')}\n\n${fieldsText(inner)}`
  }
}

/** The v2 printer's explanation of a kind or one of its fields. */
export function renderExplainV2(document: Json, target: ExplainV2Target, fieldPath: readonly string[], recursive: boolean): string {
  const definitions = isObject(document.definitions) ? document.definitions : {}
  const kind = Object.keys(definitions)
    .map((key) => definitions[key] as Json)
    .find((definition) => Array.isArray(definition['x-kubernetes-group-version-kind']) && definition['x-kubernetes-group-version-kind'].some((gvk: unknown) => isObject(gvk) && (gvk.group ?? '') === target.group && gvk.version === target.version && gvk.kind === target.kind))
  if (!kind) throw new ExplainError(`error: couldn't find resource for "${target.group ? `${target.group}/` : ''}${target.version}, Kind=${target.kind}"`)
  const header = `KIND:     ${target.kind}\nVERSION:  ${target.group ? `${target.group}/` : ''}${target.version}\n\n`
  // A field that is not there: kubectl has printed nothing yet.
  return header + new V2Renderer(document).explain(kind, fieldPath, recursive)
}
