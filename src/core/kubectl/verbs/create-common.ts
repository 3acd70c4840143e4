// What the `kubectl create` generators share: their flags, the one-NAME rule, kubectl's
// container names for images, and printing or creating what they built.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {basename} from 'node:path'
import {isDns1123Subdomain} from '../../api/names.js'
import {type KubeObject, setOwn} from '../../api/object.js'
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {KubectlError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {outputFormatOf, printTemplated, withoutManagedFields} from '../output.js'
import {asTypedObject} from '../typed-object.js'
import {collectionPath, kindName, ResourceMapper} from '../resources.js'
import {nameWithHash} from '../content-hash.js'
import type {KubectlSession} from '../session.js'
import {dryRunOf, dryRunSuffix, fieldValidationOf, lastAppliedAnnotation} from './apply.js'

export const generatorFlags: readonly KubectlFlag[] = [
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'save-config', kind: 'bool'},
  {name: 'validate', kind: 'string', defaultValue: 'strict', noValueDefault: 'strict'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-create'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'template', kind: 'string'},
]

const randomAlphabet = 'bcdfghjklmnpqrstvwxz2456789'

export function randomSuffix(random: () => number): string {
  let suffix = ''
  for (let index = 0; index < 5; index++) suffix += randomAlphabet[Math.floor(random() * randomAlphabet.length)]
  return suffix
}

/** kubectl's container name for an image: its base name without tag or digest, made valid. */
export function containerNameOf(image: string, random: () => number): string {
  let name = image.slice(image.lastIndexOf('/') + 1)
  name = name.split(':')[0]!.split('@')[0]!
  if (isDns1123Subdomain(name).length === 0) return name
  return `${name.replaceAll('_', '-').toLowerCase()}-${randomSuffix(random)}`
}

export function oneName(args: readonly string[], usage: string): string {
  if (args.length === 0) throw new KubectlError(`exactly one NAME is required, got 0\nSee '${usage} -h' for help and examples`)
  if (args.length > 1) throw new KubectlError(`exactly one NAME is required, got ${args.length}\nSee '${usage} -h' for help and examples`)
  return args[0]!
}

export interface SubmitOptions {
  /** The word of the message: `deployment.apps/web created`, `service/web exposed`. */
  readonly verb?: 'created' | 'exposed' | 'autoscaled'
  /** The field manager without --field-manager. */
  readonly manager?: string
  /** `kubectl create` generators refuse table formats and name the namespace in client dry runs. */
  readonly generator?: boolean
  /** Whether a client dry run names the -n namespace (default: as `generator`; run and expose do, autoscale does not). */
  readonly namesNamespace?: boolean
}

/**
 * The words a `kubectl create <kind>` generator puts before the server's refusal, by kind (each
 * generator says it its own way; namespace, role and clusterrole pass the error through).
 */
function creationFailurePrefix(object: KubeObject): string | null {
  switch (object.kind) {
    case 'Secret':
      return 'failed to create secret '
    case 'Service':
      return `failed to create ${String((object.spec as {type?: string} | undefined)?.type ?? 'ClusterIP')} service: `
    case 'ResourceQuota':
      return 'failed to create quota: '
    case 'PodDisruptionBudget':
      return 'failed to create poddisruptionbudgets: '
    case 'Deployment':
    case 'ConfigMap':
    case 'ServiceAccount':
    case 'Job':
    case 'CronJob':
    case 'PriorityClass':
    case 'RoleBinding':
    case 'ClusterRoleBinding':
    case 'Ingress':
      return `failed to create ${object.kind.toLowerCase()}: `
    default:
      return null
  }
}

/**
 * --save-config on a generator's object: kubectl encodes the typed object (its Go fields in their
 * order, empty annotations left out, the -n namespace in) as the last-applied configuration.
 */
function withTypedLastApplied(object: KubeObject, namespace: string | null): KubeObject {
  const named = namespace === null ? object : {...object, metadata: {...object.metadata, namespace}}
  const typed = asTypedObject(named)
  const text = JSON.stringify(typed).replace(/[<>&\u2028\u2029]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return {...object, metadata: {...object.metadata, annotations: {...object.metadata.annotations, [lastAppliedAnnotation]: `${text}\n`}}}
}

/** Prints what a generator built (--dry-run=client) or creates it and prints the result. */
export async function submitGenerated(session: KubectlSession, object: KubeObject, options: SubmitOptions = {}): Promise<number> {
  const {verb = 'created', manager = 'kubectl-create', generator = true} = options
  // --append-hash (configmap and secret generators): the name gets the hash of what was built.
  if (generator && session.flag('append-hash') === 'true') object = {...object, metadata: {...object.metadata, name: nameWithHash(object)}}
  const namesNamespace = options.namesNamespace ?? generator
  const dryRun = dryRunOf(session)
  const fieldValidation = generator ? fieldValidationOf(session) : null
  const format = session.flag('output') || session.flag('template') ? outputFormatOf(session.flag('output'), session.flag('template'), session.flag('allow-missing-template-keys')) : null
  const output = format?.format ?? ''
  if (generator && format && (format.format === 'wide' || format.format === 'custom-columns' || format.format === 'table')) {
    throw new KubectlError(`unable to match a printer suitable for the output format "${session.flag('output')}", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`)
  }
  // A client dry run of a generator prints what it built: kubectl asks no server.
  // kubectl's generators send with typed clients, which discover nothing: no attempts to log when nothing listens.
  const mapper = dryRun === 'client' && generator ? await ResourceMapper.builtIn() : await ResourceMapper.discover(session, generator ? 0 : 5)
  const resource = mapper.forKind(object.apiVersion ?? '', object.kind ?? '')!
  const body = generator && session.flag('save-config') === 'true' ? withTypedLastApplied(object, resource.namespaced && session.namespaceExplicit() ? session.namespace() : null) : object
  let result: KubeObject = body
  if (dryRun !== 'client') {
    const namespace = resource.namespaced ? session.namespace() : ''
    const query: Record<string, string> = {fieldManager: session.flag('field-manager') || manager}
    if (fieldValidation) query.fieldValidation = fieldValidation
    if (dryRun === 'server') query.dryRun = 'All'
    try {
      result = (await session.request('POST', collectionPath(resource, namespace), {body, query})).body as KubeObject
    } catch (error) {
      // The generators print the server's message after their own words, not kubectl's usual line.
      const prefix = generator ? creationFailurePrefix(object) : null
      if (prefix !== null && error instanceof ServerError) throw new KubectlError(`${prefix}${error.status.message ?? ''}`)
      throw error
    }
    // The generators, run, expose and autoscale create through typed clients: the answer is
    // decoded into its Go type and printed in the struct's order.
    result = asTypedObject(result)
  } else if (namesNamespace && resource.namespaced && session.namespaceExplicit()) {
    // In ObjectMeta's order: the namespace comes right after the name.
    const {name, ...rest} = body.metadata
    result = {...body, metadata: {name, namespace: session.namespace(), ...rest}}
  }
  const shown = session.flag('show-managed-fields') === 'true' ? result : withoutManagedFields(result)
  if (format?.format === 'jsonpath' || format?.format === 'go-template') session.io.stdout(printTemplated(format, [result], true, false))
  else if (output === 'yaml') session.io.stdout(goYaml(shown))
  else if (output === 'json') session.io.stdout(`${goJson(shown, false)}\n`)
  else if (output === 'name') session.io.stdout(`${kindName(resource)}/${result.metadata.name ?? ''}\n`)
  else session.io.stdout(`${kindName(resource)}/${result.metadata.name ?? ''} ${verb}${dryRunSuffix(dryRun)}\n`)
  return 0
}

/** --from-file sources: `key=path`, or a path whose file name is the key; each file's bytes. */
export function fileSources(values: readonly string[]): Array<[string, Buffer]> {
  const pairs: Array<[string, Buffer]> = []
  for (const value of values) {
    const equals = value.indexOf('=')
    const key = equals > 0 ? value.slice(0, equals) : basename(value)
    const path = equals > 0 ? value.slice(equals + 1) : value
    if (!existsSync(path)) throw new KubectlError(`error reading ${path}: no such file or directory`)
    if (statSync(path).isDirectory()) throw new KubectlError(`cannot give a key name for a directory path`)
    pairs.push([key, readFileSync(path)])
  }
  return pairs
}

/** The pairs as a record in key order, as Go's json.Marshal writes a map. */
export function sortedRecord(pairs: ReadonlyArray<[string, string]>): Record<string, string> {
  const record: Record<string, string> = {}
  // setOwn: a `__proto__` key is data like any other.
  for (const [key, value] of [...pairs].sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))) setOwn(record, key, value)
  return record
}
