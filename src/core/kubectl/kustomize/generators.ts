// configMapGenerator and secretGenerator: key/value pairs from env files, literals and files (in
// that order, as kustomize loads them), the generator options, and the name suffix kustomize
// derives from a ConfigMap's or Secret's content.
import {readFileSync} from 'node:fs'
import {basename} from 'node:path'
import type {JsonObject} from '../../api/object.js'
import {hashSuffix} from '../content-hash.js'
import {KustomizeError} from './errors.js'
import type {GeneratorArgs, GeneratorOptions} from './kustomization.js'
import {type LoadRoot, resolveInRoot} from './paths.js'

const utf8Bom = '\ufeff'
const envVarName = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/
const dataKey = /^[-._a-zA-Z0-9]+$/

function withoutQuotes(text: string): string {
  if (text.length < 2 || text[0] !== text[text.length - 1]) return text
  return text[0] === '"' || text[0] === "'" ? text.slice(1, -1) : text
}

function literalPair(source: string): [string, string] {
  const at = source.indexOf('=')
  if (at <= 0) throw new KustomizeError(`invalid literal source ${source}, expected key=value`)
  return [source.slice(0, at), withoutQuotes(source.slice(at + 1))]
}

function envPairs(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  const lines = text.split(/\r?\n/)
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  lines.forEach((raw, index) => {
    const line = (index === 0 && raw.startsWith(utf8Bom) ? raw.slice(1) : raw).replace(/^\s+/, '')
    if (line.length === 0 || line.startsWith('#')) return
    const at = line.indexOf('=')
    const key = at < 0 ? line : line.slice(0, at)
    if (!envVarName.test(key)) {
      throw new KustomizeError(`"${key}" is not a valid key name: a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnv1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')`)
    }
    pairs.push([key, at < 0 ? '' : line.slice(at + 1)])
  })
  return pairs
}

function fileSource(source: string): [string, string] {
  const separators = source.split('=').length - 1
  if (separators === 0) return [basename(source), source]
  if (separators === 1 && source.startsWith('=')) throw new KustomizeError(`missing key name for file path ${JSON.stringify(source.slice(1))} in source ${JSON.stringify(source)}`)
  if (separators === 1 && source.endsWith('=')) throw new KustomizeError(`missing file path for key name ${JSON.stringify(source.slice(0, -1))} in source ${JSON.stringify(source)}`)
  if (separators > 1) throw new KustomizeError(`source ${JSON.stringify(source)} key name or file path contains '='`)
  const [key, path] = source.split('=') as [string, string]
  return [key, path]
}

/** Runs `step`, its kustomize errors prefixed as kustomize wraps them ("loading KV pairs: …"). */
function withPrefix(prefix: string, step: () => void): void {
  try {
    step()
  } catch (error) {
    if (error instanceof KustomizeError) throw error.wrapped(`loading KV pairs: ${prefix}`)
    throw error
  }
}

/** The pairs a generator's sources give, checked as kustomize checks them. */
function generatorPairs(root: LoadRoot, args: GeneratorArgs, kind: string): Map<string, Buffer | string> {
  const pairs: Array<[string, Buffer | string]> = []
  const envs = [...(args.envs ?? []), ...(args.env ? [args.env] : [])]
  withPrefix(`env source files: [${envs.join(' ')}]: `, () => {
    for (const env of envs) pairs.push(...envPairs(readFileSync(resolveInRoot(root, env), 'utf8')))
  })
  withPrefix(`literal sources [${(args.literals ?? []).join(' ')}]: `, () => {
    for (const literal of args.literals ?? []) pairs.push(literalPair(literal))
  })
  withPrefix(`file sources: [${(args.files ?? []).join(' ')}]: `, () => {
    for (const source of args.files ?? []) {
      const [key, path] = fileSource(source)
      pairs.push([key, readFileSync(resolveInRoot(root, path))])
    }
  })
  const data = new Map<string, Buffer | string>()
  for (const [key, value] of pairs) {
    if (!dataKey.test(key)) throw new KustomizeError(`"${key}" is not a valid key name for a ${kind}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`)
    if (data.has(key)) throw new KustomizeError(`configmap ${args.name ?? ''} illegally repeats the key \`${key}\``)
    data.set(key, value)
  }
  return data
}

/** A generator's own options over the kustomization's generatorOptions. */
export function mergedOptions(global: GeneratorOptions | undefined, local: GeneratorOptions | undefined): GeneratorOptions {
  return {
    labels: {...global?.labels, ...local?.labels},
    annotations: {...global?.annotations, ...local?.annotations},
    disableNameSuffixHash: Boolean(global?.disableNameSuffixHash || local?.disableNameSuffixHash),
    immutable: Boolean(global?.immutable || local?.immutable),
  }
}

function baseObject(kind: string, args: GeneratorArgs, options: GeneratorOptions): JsonObject {
  if (!args.name) throw new KustomizeError(`a configmap must have a name`)
  const metadata: JsonObject = {name: args.name}
  if (args.namespace) metadata.namespace = args.namespace
  if (options.labels && Object.keys(options.labels).length > 0) metadata.labels = {...options.labels}
  if (options.annotations && Object.keys(options.annotations).length > 0) metadata.annotations = {...options.annotations}
  const object: JsonObject = {apiVersion: 'v1', kind, metadata}
  if (options.immutable) object.immutable = true
  return object
}

/** Base64 as kustomize writes Secret data: past 70 characters, in lines of 70, each ended by a newline. */
function wrappedBase64(value: Buffer): string {
  const encoded = value.toString('base64')
  const lineCharacters = 70
  if (encoded.length < lineCharacters) return encoded
  let wrapped = ''
  for (let at = 0; at < encoded.length; at += lineCharacters) wrapped += `${encoded.slice(at, at + lineCharacters)}\n`
  return wrapped
}

function isUtf8(value: Buffer): boolean {
  try {
    new TextDecoder('utf-8', {fatal: true}).decode(value)
    return true
  } catch {
    return false
  }
}

export function generateConfigMap(root: LoadRoot, args: GeneratorArgs, options: GeneratorOptions): JsonObject {
  const object = baseObject('ConfigMap', args, options)
  const data: JsonObject = {}
  const binaryData: JsonObject = {}
  for (const [key, value] of generatorPairs(root, args, 'ConfigMap')) {
    if (typeof value === 'string') data[key] = value
    else if (isUtf8(value)) data[key] = value.toString('utf8')
    else binaryData[key] = wrappedBase64(value)
  }
  if (Object.keys(data).length > 0) object.data = data
  if (Object.keys(binaryData).length > 0) object.binaryData = binaryData
  return object
}

export function generateSecret(root: LoadRoot, args: GeneratorArgs, options: GeneratorOptions): JsonObject {
  const object = baseObject('Secret', args, options)
  const data: JsonObject = {}
  for (const [key, value] of generatorPairs(root, args, 'Secret')) data[key] = wrappedBase64(Buffer.from(value))
  if (Object.keys(data).length > 0) object.data = data
  object.type = args.type || 'Opaque'
  return object
}

/** Go's json.Marshal: sorted keys, and <, >, &, U+2028, U+2029 escaped. */
function goJsonSorted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goJsonSorted).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value).sort().map((key) => `${goJsonSorted(key)}:${goJsonSorted((value as JsonObject)[key])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * kustomize's content hash (content-hash.ts) of the JSON of kind, name, data (and binaryData or
 * stringData, and a Secret's type). kustomize looks the name up by a
 * path its lookup does not split, so the name it hashes is always empty: kept here as it is.
 */
export function contentHash(object: JsonObject): string {
  const field = (name: string) => (object[name] === undefined ? '' : object[name])
  const encoded: JsonObject = {kind: object.kind, name: '', data: field('data')}
  if (object.kind === 'Secret') {
    encoded.type = field('type')
    if (typeof object.stringData === 'object' && object.stringData !== null) encoded.stringData = object.stringData
  } else if (typeof object.binaryData === 'object' && object.binaryData !== null) {
    encoded.binaryData = object.binaryData
  }
  return hashSuffix(goJsonSorted(encoded))
}
