// What kubectl's set verbs share: the objects they edit (named, from files, or --local), and the
// edit of their pod template's containers sent as a strategic merge patch (or printed).
import {cloneJson, isJsonObject, jsonEqual, type KubeObject} from '../../api/object.js'
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {collectServerError, errorsText, KubectlError, refuseAllWithSelector, KubectlPlainError, ServerError} from '../errors.js'
import {isManifest, readManifestEntries} from '../manifests.js'
import {outputFormatOf, printTemplated, withoutManagedFields} from '../output.js'
import type {KubectlFlag} from '../flags.js'
import {changeCauseAnnotation, changeCauseOf} from '../record.js'
import {type ApiResource, kindName, objectPath, requestList, type ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {asTypedObject} from '../typed-object.js'
import {dryRunOf, dryRunSuffix, placeObject} from './apply.js'
import {parseResourceArguments, refuseNamesWithSelection} from './get.js'
import {builtinScheme} from '../../api/resources.js'
import {threeWayPatch} from '../three-way-patch.js'

export const commonFlags: readonly KubectlFlag[] = [
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'template', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'all', kind: 'bool'},
  {name: 'local', kind: 'bool'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-set'},
  {name: 'containers', shorthand: 'c', kind: 'string', defaultValue: '*'},
]

export type Containers = Record<string, unknown>[]

/** The containers (and init containers) an object's pod spec holds, by reference. */
export function podSpecOf(resource: ApiResource, object: KubeObject): Record<string, unknown> | null {
  const spec = isJsonObject(object.spec) ? object.spec : null
  if (!spec) return null
  if (resource.resource === 'pods') return spec
  if (resource.resource === 'cronjobs') {
    const jobSpec = isJsonObject(spec.jobTemplate) && isJsonObject(spec.jobTemplate.spec) ? spec.jobTemplate.spec : null
    return jobSpec && isJsonObject(jobSpec.template) && isJsonObject(jobSpec.template.spec) ? jobSpec.template.spec : null
  }
  return isJsonObject(spec.template) && isJsonObject(spec.template.spec) ? spec.template.spec : null
}

/** An object set edits: named on the server, or read from a file with --local. */
export interface EditTarget {
  readonly resource: ApiResource
  readonly namespace: string
  readonly name: string
  /** With --local: the file's object, edited and printed, never sent. */
  readonly local?: KubeObject
  /** The object as the first GET found it (kubectl's builder reads each once, then edits what it read). */
  readonly fetched?: KubeObject
}

/** kubectl's LocalResourceError: --local reads objects only from files. */
const localResourceMessage = "you must specify resources by --filename when --local is set.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'"

/** Several errors as kubectl's CheckErr prints an aggregate (one per line, no `error: `), one as it is. */
export function aggregated(messages: readonly string[]): KubectlError {
  return messages.length === 1 ? new KubectlError(messages[0]!) : new KubectlPlainError(messages.join('\n'))
}

/**
 * The objects to edit, as set's resource builder finds them before the verb checks its own
 * arguments: the named ones (or those of -f) read from the server, every read error told
 * together; with --local the files' objects as they are.
 */
/** The Go type kubectl decodes an object of `resource` into: its package's version and kind, or unstructured for a kind it does not build in. */
function goTypeOf(resource: ApiResource): string {
  return builtinScheme().resource(resource.group, resource.version, resource.resource) ? `*${resource.version}.${resource.kind}` : '*unstructured.Unstructured'
}

export async function targetsOf(session: KubectlSession, mapper: ResourceMapper, resources: readonly string[]): Promise<EditTarget[]> {
  const files = session.list('filename')
  const local = session.flag('local') === 'true'
  if (local && resources.length > 0) throw new KubectlError(localResourceMessage)
  if (files.length > 0 && resources.length > 0) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  const named: Array<Omit<EditTarget, 'local'> & {object?: KubeObject; listed?: KubeObject}> = []
  if (files.length > 0) {
    // Not validated (only the writers, create, apply and replace, validate what they read), but
    // decoded into kubectl's Go types: an object without apiVersion is refused.
    for (const entry of await readManifestEntries(files, session.flag('recursive') === 'true', () => session.io.readStdin(), false, 'typed')) {
      if (!isManifest(entry)) throw entry.error
      const {resource, namespace} = placeObject(session, mapper, entry)
      named.push({resource, namespace, name: entry.object.metadata.name ?? '', object: entry.object})
    }
  } else {
    const selector = session.flag('selector')
    refuseAllWithSelector(session.flag('all') === 'true', selector)
    refuseNamesWithSelection(resources, selector !== '')
    for (const {resource, names} of parseResourceArguments(mapper, resources)) {
      for (const name of names) named.push({resource, namespace: session.namespace(), name})
      // A kind alone with -l or --all: the objects the selection lists, as listed (no GET of each).
      if (names.length > 0 || (selector === '' && session.flag('all') !== 'true')) continue
      const listed = await requestList(session, resource, resource.namespaced ? session.namespace() : '', {query: selector === '' ? {} : {labelSelector: selector}})
      for (const item of (listed.body as {items?: KubeObject[]}).items ?? []) named.push({resource, namespace: item.metadata.namespace ?? '', name: String(item.metadata.name ?? ''), listed: item})
    }
  }
  if (local) return named.map(({resource, namespace, name, object}) => ({resource, namespace, name, ...(object ? {local: cloneJson(object)} : {})}))
  const failures: ServerError[] = []
  const targets: EditTarget[] = []
  for (const {resource, namespace, name, listed} of named) {
    try {
      const fetched = listed ?? ((await session.request('GET', objectPath(resource, namespace, name))).body as KubeObject)
      targets.push({resource, namespace, name, fetched})
    } catch (error) {
      if (!(error instanceof ServerError)) throw error
      failures.push(error)
    }
  }
  if (failures.length > 0) throw failures.length === 1 ? failures[0]! : new KubectlPlainError(errorsText(failures).trimEnd())
  return targets
}

export async function editEach(
  session: KubectlSession,
  targets: readonly EditTarget[],
  message: string,
  patchFailure: (serverMessage: string) => string,
  /** Edits the containers in place; returns what it could not do (kubectl still sends the rest). */
  edit: (containers: Containers, initContainers: Containers, object: KubeObject, resource: ApiResource) => string[] | void | Promise<string[] | void>,
  options: {
    /** set env --list: the edit prints, nothing is sent and its errors are not told. */
    readonly listOnly?: boolean
    /** set serviceaccount and selector patch (and print) an object their edit left as it was; the others skip it. */
    readonly sendUnchanged?: boolean
    /** set selector edits any kind, pod template or not (the edit gets no containers). */
    readonly anyKind?: boolean
    /**
     * set selector's builder has no Go versions to decode into, so it prints the server's answer
     * as the server's JSON (keys sorted); the other set verbs decode it into its Go type.
     */
    readonly untypedAnswer?: boolean
  } = {},
): Promise<number> {
  const {listOnly = false, sendUnchanged = false, anyKind = false, untypedAnswer = false} = options
  const dryRun = dryRunOf(session)
  const errors: string[] = []
  let yamlPrinted = 0
  for (const {resource, namespace, name, local, fetched} of targets) {
    try {
      const path = objectPath(resource, namespace, name)
      const current = local ?? fetched ?? ((await session.request('GET', path)).body as KubeObject)
      const edited = cloneJson(current)
      const podSpec = podSpecOf(resource, edited)
      // kubectl's polymorphic helper names the object's Go type (an unstructured one for other kinds).
      if (!podSpec && !anyKind) throw new KubectlError(`${resource.resource}/${name} the object is not a pod or does not have a pod template: ${goTypeOf(resource)}`)
      const containers = (Array.isArray(podSpec?.containers) ? podSpec.containers.filter(isJsonObject) : []) as Containers
      const initContainers = (Array.isArray(podSpec?.initContainers) ? podSpec.initContainers.filter(isJsonObject) : []) as Containers
      const failures = (await edit(containers, initContainers, edited, resource)) ?? []
      if (listOnly) continue
      errors.push(...failures)
      if (!sendUnchanged && jsonEqual(current, edited)) continue
      let result = edited
      if (dryRun !== 'client' && !local) {
        // kubectl sends the strategic merge patch from the object read to the edited one, so a
        // removed variable is deleted by name ($patch: delete) and the list keeps its order.
        const schema = builtinScheme().kindOf(current.apiVersion ?? '', current.kind ?? '')?.schema ?? null
        const patch: Record<string, unknown> = threeWayPatch(current, edited, current, schema)
        const cause = changeCauseOf(session.flags)
        if (cause !== null) patch.metadata = {annotations: {[changeCauseAnnotation]: cause}}
        try {
          result = (await session.request('PATCH', path, {body: patch, contentType: 'application/strategic-merge-patch+json', query: {fieldManager: session.flag('field-manager'), ...(dryRun === 'server' ? {dryRun: 'All'} : {})}})).body as KubeObject
        } catch (error) {
          if (!(error instanceof ServerError)) throw error
          errors.push(`error: ${patchFailure(error.status.message ?? '')}`)
          continue
        }
      }
      // kubectl prints the object as its Go type writes it, having decoded the file (--local) or
      // the server's answer into it.
      const typed = local !== undefined || !untypedAnswer
      if (typed) result = asTypedObject(result)
      const output = session.flag('output')
      // kubectl's YAML printer starts each object after its first with a document separator.
      if (output === 'yaml') session.io.stdout(`${yamlPrinted++ > 0 ? '---\n' : ''}${goYaml(withoutManagedFields(result))}`)
      else if (output === 'json') session.io.stdout(`${goJson(withoutManagedFields(result), !typed)}\n`)
      else if (output === 'name') session.io.stdout(`${kindName(resource)}/${name}\n`)
      else if (output || session.flag('template')) session.io.stdout(printTemplated(outputFormatOf(output, session.flag('template'), session.flag('allow-missing-template-keys')), [result], true, false))
      else session.io.stdout(`${kindName(resource)}/${name} ${message}${dryRunSuffix(dryRun)}\n`)
    } catch (error) {
      collectServerError(error, errors, false, session)
    }
  }
  for (const error of errors) session.io.stderr(`${error}\n`)
  return errors.length > 0 ? 1 : 0
}

