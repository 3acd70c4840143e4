#!/usr/bin/env node
// Regenerates data/openapi-descriptions.json: the descriptions of Kubernetes 1.32's
// OpenAPI schemas, which /openapi/v3 serves and `kubectl explain` prints. kubemu needs neither
// package below nor the network at run time; they are read here once.
//
// - @kubernetes/client-node 1.1.2 models (generated from kube's OpenAPI spec v1.32.0): the text
//   of each type and field, the type a field refers to, whether it is required. Its generator
//   turned newlines into spaces and dropped the description of fields that refer to a type.
// - kubernetes-types 1.30.0 (generated from kube's OpenAPI spec v1.30): the same texts with their
//   newlines, and the descriptions of fields that refer to a type. Used where its text is the
//   same as 1.32's but for whitespace, or where 1.32's description was dropped.
// Both are Apache-2.0, as the Kubernetes API documentation they carry.
//
//   node scripts/generate-api-descriptions.mjs
//
// Output: {"ClassName": [schemaName, description, {"field": [description, type, required]}]}, where
// ClassName is client-node's model name (V1PodSpec, RbacV1Subject), schemaName kube's
// (io.k8s.api.core.v1.PodSpec) and type one of: string, boolean, integer:int32, integer:int64,
// number:double, Time, MicroTime, Quantity, IntOrString, Object (any JSON), @ClassName,
// []type (array), {}type (map with string keys).
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

const modelsPackage = '@kubernetes/client-node@1.1.2'
const typesPackage = 'kubernetes-types@1.30.0'
const output = new URL('../data/openapi-descriptions.json', import.meta.url)

const packages = {
  meta: 'io.k8s.apimachinery.pkg.apis.meta',
  apiextensions: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions',
  apiregistration: 'io.k8s.kube-aggregator.pkg.apis.apiregistration',
}

const work = mkdtempSync(join(tmpdir(), 'kubemu-descriptions-'))
try {
  const models = join(unpack(modelsPackage, 'models'), 'dist', 'gen', 'models')
  const typesRoot = unpack(typesPackage, 'types')
  const typesByVersion = readTypes(typesRoot)
  const modelNames = new Set(readdirSync(models).filter((name) => name.endsWith('.d.ts')).map((name) => name.slice(0, -'.d.ts'.length)))
  const classes = {}
  for (const className of [...modelNames].sort()) {
    const text = readFileSync(join(models, `${className}.d.ts`), 'utf8')
    const classMatch = /(?:\/\*\*\n((?:\s*\*.*\n)*?)\s*\*\/\n)?export declare class (\w+)/.exec(text)
    if (!classMatch) continue
    const typeMapMatch = /attributeTypeMap = (\[[\s\S]*?\n\]);/.exec(readFileSync(join(models, `${className}.js`), 'utf8'))
    const attributeTypes = typeMapMatch ? JSON.parse(typeMapMatch[1]) : []
    const twin = twinType(className, typesByVersion)
    const fields = {}
    const body = text.slice(classMatch.index + classMatch[0].length)
    for (const match of body.matchAll(/(?:\/\*\*\n((?:\s*\*.*\n)*?)\s*\*\/\n)?\s*'([^']+)'(\??): [^;]+;/g)) {
      const attribute = attributeTypes.find((entry) => entry.name === match[2])
      if (!attribute) continue
      const twinField = twin?.fields[attribute.baseName]
      const type = fieldType(attribute.type, attribute.format, twinField?.type ?? '', modelNames)
      // Where 1.32's field text is only the referred type's own description, the field's was dropped.
      const own = comment(match[1])
      const isTypeText = own.startsWith('IntOrString is a type') || (type.replace(/^(\[\]|\{\})*@/, '') !== type && own === typeDescription(models, type.replace(/^(\[\]|\{\})*@/, '')))
      fields[attribute.baseName] = [merge(isTypeText && twinField?.description ? '' : own, twinField?.description), type, match[3] === '?' ? 0 : 1]
    }
    classes[className] = [schemaName(className, twin), merge(comment(classMatch[1]), twin?.description), fields]
  }
  for (const [name, group, description] of readAliases(typesRoot)) classes[`#${name}`] = [`${packages[group] ?? 'io.k8s.apimachinery.pkg.api.resource'}.v1.${name}`.replace('resource.v1.', 'resource.'), description, {}]
  writeFileSync(output, JSON.stringify(classes) + '\n')
  console.log(`${Object.keys(classes).length} classes written to ${output.pathname}`)
} finally {
  rmSync(work, {recursive: true, force: true})
}

function typeDescription(models, className) {
  const match = /(?:\/\*\*\n((?:\s*\*.*\n)*?)\s*\*\/\n)?export declare class (\w+)/.exec(readFileSync(join(models, `${className}.d.ts`), 'utf8'))
  return comment(match?.[1])
}

function unpack(spec, folder) {
  const target = join(work, folder)
  mkdirSync(target)
  const archive = execFileSync('npm', ['pack', spec, '--silent'], {cwd: work, encoding: 'utf8'}).trim().split('\n').pop()
  execFileSync('tar', ['xzf', join(work, archive), '-C', target])
  return join(target, 'package')
}

/** kubernetes-types' interfaces: version → group → name → {description, fields}. */
function readTypes(root) {
  const byVersion = {}
  for (const group of readdirSync(root)) {
    const folder = join(root, group)
    if (!existsSync(folder) || group.includes('.')) continue
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.d.ts'))) {
      const version = file.slice(0, -'.d.ts'.length)
      const text = readFileSync(join(folder, file), 'utf8')
      for (const match of text.matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\n)?export interface (\w+) \{\n([\s\S]*?)\n\}/g)) {
        const fields = {}
        for (const field of match[3].matchAll(/(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\n)?\s*(?:readonly )?"?([\w$-]+)"?\??: ([^;]*(?:\{[^}]*\})?[^;]*);/g)) {
          fields[field[2]] = {description: comment(field[1]), type: field[3]}
        }
        ;((byVersion[version] ??= {})[group] ??= {})[match[2]] = {group, version, name: match[2], description: comment(match[1]), fields}
      }
    }
  }
  return byVersion
}

/** The string types with their own schema: Time and MicroTime (meta/v1), Quantity (api/resource). */
function readAliases(root) {
  const aliases = []
  for (const [file, group] of [['meta/v1.d.ts', 'meta'], ['api/resource.d.ts', 'resource']]) {
    const text = readFileSync(join(root, file), 'utf8')
    for (const match of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\nexport type (\w+) = string;/g)) aliases.push([match[2], group, comment(match[1])])
  }
  return aliases
}

/** V1PodSpec → core/v1 PodSpec; RbacV1Subject → rbac/v1 Subject; unprefixed names only when one group has them. */
function twinType(className, typesByVersion) {
  const match = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(className)
  if (!match) return undefined
  const groups = typesByVersion[match[2].toLowerCase()] ?? {}
  if (match[1]) return groups[match[1].toLowerCase()]?.[match[3]]
  if (match[3] === 'Time' || match[3] === 'MicroTime') return groups.meta?.[match[3]]
  const found = Object.values(groups).map((types) => types[match[3]]).filter(Boolean)
  return found.length === 1 ? found[0] : undefined
}

/** kube's name of a schema: io.k8s.api.core.v1.PodSpec, io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta. */
function schemaName(className, twin) {
  const match = /^([A-Z][a-z]+)?(V\d+(?:alpha\d+|beta\d+)?)([A-Z]\w*)$/.exec(className)
  if (!match) return `io.k8s.api.${className}`
  const group = twin?.group ?? (match[1] ?? 'core').toLowerCase()
  return `${packages[group] ?? `io.k8s.api.${group}`}.${match[2].toLowerCase()}.${match[3]}`
}

/** A field's type in the grammar above, from client-node's type and format and kubernetes-types' type text. */
function fieldType(type, format, twinType, modelNames) {
  const array = /^Array<(.*)>$/.exec(type)
  if (array) return `[]${fieldType(array[1], format, twinType.replace(/^Array<(.*)>$/s, '$1'), modelNames)}`
  const map = /^\{ \[key: string\]: (.*); \}$/.exec(type)
  if (map) return `{}${fieldType(map[1], format, /\]: ([^;}]*)/.exec(twinType)?.[1]?.trim() ?? '', modelNames)}`
  if (modelNames.has(type)) return `@${type}`
  switch (type) {
    case 'string':
      return /\bQuantity\b/.test(twinType) ? 'Quantity' : 'string'
    case 'V1MicroTime':
      return 'MicroTime'
    case 'Date':
      return /\bMicroTime\b/.test(twinType) ? 'MicroTime' : 'Time'
    case 'number':
      return format === 'int32' || format === 'int64' ? `integer:${format}` : 'number:double'
    case 'boolean':
      return 'boolean'
    case 'IntOrString':
      return 'IntOrString'
    case 'any':
    case 'object':
      return 'Object'
    default:
      throw new Error(`unknown model type ${type}`)
  }
}

function normalized(text) {
  return text.replace(/\s+/g, ' ').trim()
}

/** 1.32's text, with kubernetes-types' newlines when the words are the same; 1.30's where 1.32's was dropped. */
function merge(current, older) {
  if (!older) return current
  if (!current) return older
  return normalized(current) === normalized(older) ? older : current
}

function comment(block) {
  if (!block) return ''
  return block.split('\n').map((line) => line.replace(/^\s*\* ?/, '').replace(/\s+$/, '')).join('\n').trim()
}
