// `kubectl explain`'s plaintext output, rendered from an OpenAPI v3 document as kubectl 1.32's
// explain template renders it (k8s.io/kubectl/pkg/explain/v2/templates/plaintext.tmpl): the same
// traversal of $refs, allOf, items and additionalProperties, the same type names, the same word
// wrapping (at 76 columns, or 78 less the field's indent).

type Json = Record<string, unknown>

export interface ExplainTarget {
  readonly group: string
  readonly version: string
  readonly resource: string
}

/** kubectl's message; `printed` is what kubectl had already written to stdout when it failed. */
export class ExplainError extends Error {
  constructor(
    message: string,
    readonly printed = '',
  ) {
    super(message)
  }
}

/** Recursion stops here even without a $ref cycle (a document should never nest this deep). */
const explainDepthMax = 64

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function sortedKeys(value: unknown): string[] {
  return isObject(value) ? Object.keys(value).sort() : []
}

/** kubectl's `wrap`: mitchellh/go-wordwrap's WrapString at `limit` runes (a newline starts a new line). */
export function wordWrap(text: string, limit: number): string {
  let output = ''
  let current = 0
  let word = ''
  let wordLength = 0
  let spaces = ''
  let spacesLength = 0
  for (const character of text) {
    if (character === '\n') {
      output += spaces + word + '\n'
      spaces = ''
      spacesLength = 0
      word = ''
      wordLength = 0
      current = 0
    } else if (/\s/u.test(character) && character !== '\u00a0') {
      if (spaces.length === 0 || word.length > 0) {
        current += spacesLength + wordLength
        output += spaces + word
        spaces = ''
        spacesLength = 0
        word = ''
        wordLength = 0
      }
      spaces += character
      spacesLength++
    } else {
      word += character
      wordLength++
      if (current + spacesLength + wordLength > limit && wordLength < limit) {
        output += '\n'
        current = 0
        spaces = ''
        spacesLength = 0
      }
    }
  }
  if (word.length === 0) {
    if (current + spacesLength <= limit) output += spaces
  } else {
    output += spaces + word
  }
  return output
}

function indent(amount: number, text: string): string {
  const pad = ' '.repeat(amount)
  return pad + text.replaceAll('\n', `\n${pad}`)
}

class ExplainRenderer {
  constructor(private readonly document: Json) {}

  resolveReference(reference: unknown): Json | null {
    if (typeof reference !== 'string' || !reference.startsWith('#')) return null
    let current: unknown = this.document
    for (const part of reference.slice(1).split('/')) {
      if (part.length === 0) continue
      if (!isObject(current)) return null
      current = current[decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~')]
    }
    return isObject(current) ? current : null
  }

  private resolved(schema: Json): Json {
    return this.resolveReference(schema.$ref) ?? schema
  }

  typeGuess(schema: Json, depth = 0): string {
    if (depth > explainDepthMax) return 'Object'
    if (schema.items) return `[]${this.typeGuess(schema.items as Json, depth + 1)}`
    if (isObject(schema.additionalProperties)) return `map[string]${this.typeGuess(schema.additionalProperties, depth + 1)}`
    if (Array.isArray(schema.allOf) && !schema.properties && schema.allOf.length === 1) return this.typeGuess(schema.allOf[0] as Json, depth + 1)
    if (schema.$ref) {
      const reference = String(schema.$ref)
      const target = this.resolveReference(reference)
      if (!target || !target.type || target.type === 'object') return reference.split('/').pop()!.split('.').pop() || 'Object'
      return String(target.type)
    }
    return schema.type === 'object' || !schema.type ? 'Object' : String(schema.type)
  }

  enumText(schema: Json, isLongView: boolean, limit: number, indentAmount: number): string {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0) return ''
    let out = isLongView ? 'ENUM:' : `\n${' '.repeat(indentAmount)}enum: `
    for (const [index, element] of schema.enum.entries()) {
      if (limit > -1 && index >= limit) {
        out += ', ....'
        break
      }
      if (index > 0 && !isLongView) out += ', '
      else if (isLongView) out += '\n    '
      out += element === '' ? '""' : String(element)
    }
    return out
  }

  description(schema: Json, depth = 0): string {
    if (depth > explainDepthMax) return ''
    const resolved = this.resolved(schema)
    let out = typeof resolved.description === 'string' && resolved.description.length > 0 ? `${resolved.description}\n` : ''
    if (Array.isArray(resolved.allOf)) for (const part of resolved.allOf) out += this.description(part as Json, depth + 1)
    if (isObject(resolved.items)) out += this.description(resolved.items, depth + 1)
    if (isObject(resolved.additionalProperties)) out += this.description(resolved.additionalProperties, depth + 1)
    return out
  }

  private externalDocs(schema: Json, indentAmount: number): string {
    const docs = schema.externalDocs
    if (!isObject(docs)) return ''
    let out = `${indent(indentAmount, 'EXTERNAL DOCS:')}\n`
    if (typeof docs.description === 'string' && docs.description) out += `${indent(indentAmount + 4, wordWrap(docs.description, 76 - indentAmount))}\n`
    if (typeof docs.url === 'string' && docs.url) out += `${indent(indentAmount + 4, `URL: ${docs.url}`)}\n`
    return out
  }

  fieldDetail(name: string, schema: Json, short: boolean, level: number): string {
    const indentAmount = level * 2
    const field = (schema.properties as Json)[name] as Json
    let out = `${indent(indentAmount, name)}\t<${this.typeGuess(field)}>`
    if (Array.isArray(schema.required) && schema.required.includes(name)) out += ' -required-'
    out += `${this.enumText(field, false, 4, indentAmount)}\n`
    if (!short) {
      const text = typeof field.description === 'string' && field.description ? field.description : '<no description>'
      out += `${indent(indentAmount + 2, wordWrap(text, 78 - indentAmount))}\n`
      if (isObject(field.externalDocs)) out += `\n${this.externalDocs(field, indentAmount + 2)}`
      out += '\n'
    }
    return out
  }

  fieldList(schema: Json, level: number, history: ReadonlySet<string>, recursive: boolean): string {
    const reference = typeof schema.$ref === 'string' ? schema.$ref : ''
    if (reference && history.has(reference)) return ''
    if (level > explainDepthMax) return ''
    const next = new Set(history).add(reference)
    const resolved = this.resolved(schema)
    let out = ''
    for (const name of sortedKeys(resolved.properties)) {
      out += this.fieldDetail(name, resolved, recursive, level)
      if (recursive) out += this.fieldList((resolved.properties as Json)[name] as Json, level + 1, next, recursive)
    }
    if (Array.isArray(resolved.allOf)) for (const part of resolved.allOf) out += this.fieldList(part as Json, level, next, recursive)
    if (isObject(resolved.items)) out += this.fieldList(resolved.items, level, next, recursive)
    if (isObject(resolved.additionalProperties)) out += this.fieldList(resolved.additionalProperties, level, next, recursive)
    return out
  }

  output(schema: Json, history: ReadonlySet<string>, fieldPath: readonly string[], recursive: boolean, depth = 0): string {
    if (depth > explainDepthMax) return ''
    const reference = typeof schema.$ref === 'string' ? schema.$ref : ''
    const next = new Set(history).add(reference)
    const resolved = this.resolved(schema)
    if (fieldPath.length === 0) {
      let out = `DESCRIPTION:\n${indent(4, wordWrap(this.description(resolved) || '<empty>', 76))}\n`
      const docs = this.externalDocs(resolved, 0)
      if (docs) out += `\n${docs}`
      const fields = this.fieldList(resolved, 1, new Set(), recursive)
      if (fields) out += `FIELDS:\n${fields}`
      return out
    }
    if (reference && history.has(reference)) return ''
    const [first, ...rest] = fieldPath as [string, ...string[]]
    if (isObject(resolved.properties) && isObject(resolved.properties[first])) {
      const subschema = resolved.properties[first]
      let out = ''
      if (rest.length === 0) out += `FIELD: ${first} <${this.typeGuess(subschema)}>\n${this.enumText(subschema, true, -1, 0)}\n\n`
      return out + this.output(subschema, new Set(), rest, recursive, depth + 1)
    }
    if (isObject(resolved.items)) return this.output(resolved.items, next, fieldPath, recursive, depth + 1)
    if (isObject(resolved.additionalProperties)) return this.output(resolved.additionalProperties, next, fieldPath, recursive, depth + 1)
    if (Array.isArray(resolved.allOf)) {
      for (const part of resolved.allOf) {
        const out = this.output(part as Json, next, fieldPath, recursive, depth + 1)
        if (out) return out
      }
    }
    return ''
  }
}

function groupVersionKind(document: Json, target: ExplainTarget): Json | null {
  const prefix = target.group ? `/apis/${target.group}` : '/api'
  const base = `${prefix}/${target.version}`
  const searchPaths = [
    `${base}/${target.resource}`,
    `${base}/${target.resource}/{name}`,
    `${base}/namespaces/{namespace}/${target.resource}`,
    `${base}/namespaces/{namespace}/${target.resource}/{name}`,
  ]
  let found: Json | null = null
  const paths = isObject(document.paths) ? document.paths : {}
  for (const path of searchPaths) {
    const element = paths[path]
    if (!isObject(element)) continue
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const operation = element[method]
      if (!isObject(operation)) continue
      const gvk = operation['x-kubernetes-group-version-kind']
      found = isObject(gvk) ? gvk : null
      if (found) break
    }
  }
  return found
}

function sameGroupVersionKind(left: unknown, right: Json): boolean {
  return isObject(left) && Object.keys(left).length === Object.keys(right).length && Object.entries(right).every(([key, value]) => left[key] === value)
}

/** The plaintext explanation of a resource or one of its fields; ExplainError carries kubectl's message. */
export function renderExplain(document: Json, target: ExplainTarget, fieldPath: readonly string[], recursive: boolean): string {
  const renderer = new ExplainRenderer(document)
  const gvk = groupVersionKind(document, target)
  const targetName = `${target.group}/${target.version}, Resource=${target.resource}`
  if (!gvk) throw new ExplainError(`error: GVR (${targetName}) not found in OpenAPI schema`)
  let out = ''
  if (gvk.group) out += `GROUP:      ${String(gvk.group)}\n`
  out += `KIND:       ${String(gvk.kind)}\nVERSION:    ${String(gvk.version)}\n\n`
  const schemas = isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas : {}
  for (const name of Object.keys(schemas).sort()) {
    const schema = schemas[name] as Json
    const kinds = schema['x-kubernetes-group-version-kind']
    if (!Array.isArray(kinds) || !kinds.some((kind) => sameGroupVersionKind(kind, gvk))) continue
    const body = renderer.output(schema, new Set(), fieldPath, recursive)
    if (!body) throw new ExplainError(`error: field "${fieldPath[fieldPath.length - 1]}" does not exist`, out)
    return `${out + body}\n`
  }
  throw new ExplainError(`error: GVK map[${Object.keys(gvk).sort().map((key) => `${key}:${String(gvk[key])}`).join(' ')}] not found in OpenAPI schema`)
}
