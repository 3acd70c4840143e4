// `kubectl explain RESOURCE[.field…]`: a kind's or a field's type and its fields, from the
// structural schema the API server validates with (--recursive lists every field below).
import {resolve, type Schema} from '../../api/schema.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'

export const explainFlags: readonly KubectlFlag[] = [
  {name: 'recursive', kind: 'bool'},
  {name: 'api-version', kind: 'string'},
  {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'plaintext'},
]

/** Explaining recursively stops this deep (pod specs nest, and some types refer to themselves). */
export const explainDepthMax = 16

/** How kubectl names a field's type: <string>, <integer>, <Object name>, <[]Container>, <map[string]string>. */
export function typeName(schema: Schema): string {
  const resolved = resolve(schema)
  switch (resolved.type) {
    case 'object':
      return resolved.goType.replace(/^.*\./, '')
    case 'array':
      return `[]${typeName(resolved.items)}`
    case 'map':
      return `map[string]${typeName(resolved.values)}`
    case 'int-or-string':
      return 'IntOrString'
    case 'quantity':
      return 'Quantity'
    case 'any':
      return 'Object'
    case 'string':
      return resolved.format === 'date-time' ? 'string' : 'string'
    default:
      return resolved.type
  }
}

function fieldsOf(schema: Schema): Array<[string, Schema]> {
  let resolved = resolve(schema)
  while (resolved.type === 'array') resolved = resolve(resolved.items)
  if (resolved.type === 'map') resolved = resolve(resolved.values)
  return resolved.type === 'object' ? Object.entries(resolved.properties).sort(([left], [right]) => (left < right ? -1 : 1)) : []
}

function description(schema: Schema): string {
  return resolve(schema).description ?? '<empty>'
}

export async function runExplain(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [target] = args
  if (!target) throw new KubectlError('You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list of supported resources.')
  const [resourceText, ...path] = target.split('.')
  const mapper = await ResourceMapper.discover(session)
  const found = mapper.resolve(resourceText!)
  const api = await session.api()
  const definition = api.scheme.resource(found.group, found.version, found.resource)
  if (!definition) throw new KubectlError(`couldn't find resource for "${target}"`)
  let schema: Schema = definition.schema
  for (const field of path) {
    const next: [string, Schema] | undefined = fieldsOf(schema).find(([name]) => name === field)
    if (!next) throw new KubectlError(`field "${field}" does not exist`)
    schema = next[1]
  }
  let out = ''
  if (found.group) out += `GROUP:      ${found.group}\n`
  out += `KIND:       ${found.kind}\nVERSION:    ${found.version}\n\n`
  if (path.length > 0) out += `FIELD: ${path[path.length - 1]} <${typeName(schema)}>\n\n`
  out += `DESCRIPTION:\n    ${description(schema)}\n    \n`
  const fields = fieldsOf(schema)
  if (fields.length > 0) {
    out += 'FIELDS:\n'
    if (session.flag('recursive') === 'true') {
      const walk = (current: Schema, indent: string, depth: number) => {
        for (const [name, child] of fieldsOf(current)) {
          out += `${indent}${name}\t<${typeName(child)}>\n`
          if (depth < explainDepthMax) walk(child, `${indent}  `, depth + 1)
        }
      }
      walk(schema, '  ', 0)
    } else {
      for (const [name, child] of fields) out += `  ${name}\t<${typeName(child)}>\n    ${description(child)}\n\n`
    }
  }
  session.io.stdout(out.replace(/\n\n$/, '\n\n'))
  return 0
}
