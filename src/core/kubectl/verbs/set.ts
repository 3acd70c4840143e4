// `kubectl set image|env|resources`: edits the containers of a pod template (or a pod) and
// sends the change as a strategic merge patch; --dry-run=client prints the edited object.
import {cloneJson, isJsonObject, jsonEqual, type KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {collectServerError, errorsText, KubectlError, KubectlPlainError, noResourcesMessage, resourcesRequiredMessage, ServerError} from '../errors.js'
import {isManifest, readManifestEntries} from '../manifests.js'
import {hasManifestSource} from '../kustomize/manifests.js'
import {withoutManagedFields} from '../output.js'
import type {KubectlFlag} from '../flags.js'
import {changeCauseAnnotation, changeCauseOf, recordFlag} from '../record.js'
import type {KubectlVerb} from '../verb.js'
import {type ApiResource, kindName, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {dryRunOf, dryRunSuffix, placeObject} from './apply.js'
import {parseResourceArguments} from './get.js'

const commonFlags: readonly KubectlFlag[] = [
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'all', kind: 'bool'},
  {name: 'local', kind: 'bool'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-set'},
  {name: 'containers', shorthand: 'c', kind: 'string', defaultValue: '*'},
]

type Containers = Record<string, unknown>[]

/** The containers (and init containers) an object's pod spec holds, by reference. */
function podSpecOf(resource: ApiResource, object: KubeObject): Record<string, unknown> | null {
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
interface EditTarget {
  readonly resource: ApiResource
  readonly namespace: string
  readonly name: string
  /** With --local: the file's object, edited and printed, never sent. */
  readonly local?: KubeObject
}

/** kubectl's LocalResourceError: --local reads objects only from files. */
const localResourceMessage = "you must specify resources by --filename when --local is set.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'"

/** Several errors as kubectl's CheckErr prints an aggregate (one per line, no `error: `), one as it is. */
function aggregated(messages: readonly string[]): KubectlError {
  return messages.length === 1 ? new KubectlError(messages[0]!) : new KubectlPlainError(messages.join('\n'))
}

/**
 * The objects to edit, as set's resource builder finds them before the verb checks its own
 * arguments: the named ones (or those of -f) read from the server, every read error told
 * together; with --local the files' objects as they are.
 */
async function targetsOf(session: KubectlSession, mapper: ResourceMapper, resources: readonly string[]): Promise<EditTarget[]> {
  const files = session.list('filename')
  const local = session.flag('local') === 'true'
  if (local && resources.length > 0) throw new KubectlError(localResourceMessage)
  if (files.length > 0 && resources.length > 0) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  const named: Array<Omit<EditTarget, 'local'> & {object?: KubeObject}> = []
  if (files.length > 0) {
    for (const entry of await readManifestEntries(files, session.flag('recursive') === 'true', () => session.io.readStdin())) {
      if (!isManifest(entry)) throw entry.error
      const {resource, namespace} = placeObject(session, mapper, entry)
      named.push({resource, namespace, name: entry.object.metadata.name ?? '', object: entry.object})
    }
  } else {
    for (const {resource, names} of parseResourceArguments(mapper, resources)) for (const name of names) named.push({resource, namespace: session.namespace(), name})
  }
  if (local) return named.map(({resource, namespace, name, object}) => ({resource, namespace, name, ...(object ? {local: cloneJson(object)} : {})}))
  const failures: ServerError[] = []
  for (const target of named) {
    try {
      await session.request('GET', objectPath(target.resource, target.namespace, target.name))
    } catch (error) {
      if (!(error instanceof ServerError)) throw error
      failures.push(error)
    }
  }
  if (failures.length > 0) throw failures.length === 1 ? failures[0]! : new KubectlPlainError(errorsText(failures).trimEnd())
  return named.map(({resource, namespace, name}) => ({resource, namespace, name}))
}

async function editEach(
  session: KubectlSession,
  targets: readonly EditTarget[],
  message: string,
  patchFailure: (serverMessage: string) => string,
  /** Edits the containers in place; returns what it could not do (kubectl still sends the rest). */
  edit: (containers: Containers, initContainers: Containers) => string[] | void,
): Promise<number> {
  const dryRun = dryRunOf(session.flag('dry-run'))
  const errors: string[] = []
  for (const {resource, namespace, name, local} of targets) {
    try {
      const path = objectPath(resource, namespace, name)
      const current = local ?? ((await session.request('GET', path)).body as KubeObject)
      const edited = cloneJson(current)
      const podSpec = podSpecOf(resource, edited)
      if (!podSpec) throw new KubectlError(`${kindName(resource)}/${name} has no pod template`)
      const containers = (Array.isArray(podSpec.containers) ? podSpec.containers.filter(isJsonObject) : []) as Containers
      const initContainers = (Array.isArray(podSpec.initContainers) ? podSpec.initContainers.filter(isJsonObject) : []) as Containers
      errors.push(...(edit(containers, initContainers) ?? []))
      if (jsonEqual(current, edited)) continue
      let result = edited
      if (dryRun !== 'client' && !local) {
        const patchSpec: Record<string, unknown> = {containers: containers.map((container) => ({...container}))}
        if (initContainers.length > 0) patchSpec.initContainers = initContainers
        const patch: Record<string, unknown> = resource.resource === 'pods' ? {spec: patchSpec} : resource.resource === 'cronjobs' ? {spec: {jobTemplate: {spec: {template: {spec: patchSpec}}}}} : {spec: {template: {spec: patchSpec}}}
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
      const output = session.flag('output')
      if (output === 'yaml') session.io.stdout(goYaml(withoutManagedFields(result)))
      else if (output === 'json') session.io.stdout(`${goJson(withoutManagedFields(result))}\n`)
      else if (output === 'name') session.io.stdout(`${kindName(resource)}/${name}\n`)
      else session.io.stdout(`${kindName(resource)}/${name} ${message}${dryRunSuffix(dryRun)}\n`)
    } catch (error) {
      collectServerError(error, errors, false)
    }
  }
  for (const error of errors) session.io.stderr(`${error}\n`)
  return errors.length > 0 ? 1 : 0
}

/**
 * kubectl's GetResourcesAndPairs: the resources, then the KEY=VALUE (or KEY-) pairs; a resource
 * after a pair is an error. A word that starts with `=` is a resource.
 */
function resourcesAndPairs(args: readonly string[], pairType: string): {resources: string[]; pairs: string[]} {
  const resources: string[] = []
  const pairs: string[] = []
  for (const argument of args) {
    const pair = (argument.includes('=') && !argument.startsWith('=')) || (argument.endsWith('-') && argument !== '-')
    if (pair) pairs.push(argument)
    else if (pairs.length > 0) throw new KubectlError(`all resources must be specified before ${pairType} changes: ${argument}`)
    else resources.push(argument)
  }
  return {resources, pairs}
}

function splitResourcesAndPairs(args: readonly string[]): {resources: string[]; pairs: string[]} {
  const pairs = args.filter((argument) => argument.includes('=') || /^[^/]+-$/.test(argument))
  return {resources: args.filter((argument) => !pairs.includes(argument)), pairs}
}

/** kubectl's ParsePairs without removals: NAME=VALUE each, the others named together as invalid. */
function namedValues(pairs: readonly string[], pairType: string): Map<string, string> {
  const values = new Map<string, string>()
  const invalid: string[] = []
  for (const pair of pairs) {
    const equals = pair.indexOf('=')
    if (equals > 0) values.set(pair.slice(0, equals), pair.slice(equals + 1))
    else invalid.push(pair)
  }
  if (invalid.length > 0) throw new KubectlError(`invalid ${pairType} format: ${invalid.join(', ')}`)
  return values
}

const setImage: KubectlVerb = {
  name: 'image',
  flags: [...commonFlags, {name: 'recursive', shorthand: 'R', kind: 'bool'}, recordFlag],
  run: async (session, args) => {
    const {resources, pairs} = resourcesAndPairs(args, 'image')
    const images = namedValues(pairs, 'image')
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    const targets = await targetsOf(session, await ResourceMapper.discover(session), resources)
    const invalid: string[] = []
    if (images.size === 0) invalid.push('at least one image update is required')
    if (images.has('*') && images.size > 1) invalid.push('all containers are already specified by *, but saw more than one container_name=container_image pairs')
    if (invalid.length > 0) throw aggregated(invalid)
    return editEach(session, targets, 'image updated', (serverMessage) => `failed to patch image update to pod template: ${serverMessage}`, (containers, initContainers) => {
      const missing: string[] = []
      for (const [name, image] of images) {
        const matches = [...containers, ...initContainers].filter((container) => name === '*' || container.name === name)
        if (matches.length === 0) missing.push(`error: unable to find container named "${name}"`)
        for (const container of matches) container.image = image
      }
      return missing
    })
  },
}

const setEnv: KubectlVerb = {
  name: 'env',
  flags: [...commonFlags, {name: 'list', kind: 'bool'}, {name: 'overwrite', kind: 'bool', defaultValue: 'true'}, {name: 'from', kind: 'string'}, {name: 'prefix', kind: 'string'}, {name: 'keys', kind: 'stringSlice'}, {name: 'resolve', kind: 'bool'}],
  run: async (session, args) => {
    const {resources, pairs} = splitResourcesAndPairs(args)
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(resourcesRequiredMessage)
    const wanted = session.flag('containers')
    const mapper = await ResourceMapper.discover(session)
    if (parseResourceArguments(mapper, resources).length === 0 && session.list('filename').length === 0) throw new KubectlError(resourcesRequiredMessage)
    return editEach(session, await targetsOf(session, mapper, resources), 'env updated', (serverMessage) => `failed to patch env update to pod template: ${serverMessage}`, (containers) => {
      for (const container of containers.filter((candidate) => wanted === '*' || candidate.name === wanted)) {
        let env = Array.isArray(container.env) ? container.env.filter(isJsonObject) : []
        for (const pair of pairs) {
          if (pair.endsWith('-') && !pair.includes('=')) {
            env = env.filter((variable) => variable.name !== pair.slice(0, -1))
            continue
          }
          const name = pair.slice(0, pair.indexOf('='))
          const value = pair.slice(pair.indexOf('=') + 1)
          const existing = env.find((variable) => variable.name === name)
          if (existing) {
            existing.value = value
            delete existing.valueFrom
          } else env.push({name, value})
        }
        if (env.length > 0) container.env = env
        else delete container.env
      }
    })
  },
}

function resourceList(text: string): Record<string, string> {
  const list: Record<string, string> = {}
  for (const part of text.split(',').filter((entry) => entry.length > 0)) {
    const equals = part.indexOf('=')
    if (equals <= 0) throw new KubectlError(`invalid resource spec: ${part}`)
    list[part.slice(0, equals)] = canonicalQuantity(part.slice(equals + 1))
  }
  return list
}

const setResources: KubectlVerb = {
  name: 'resources',
  flags: [...commonFlags, {name: 'limits', kind: 'string'}, {name: 'requests', kind: 'string'}, recordFlag],
  run: async (session, args) => {
    const limits = resourceList(session.flag('limits'))
    const requests = resourceList(session.flag('requests'))
    if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) throw new KubectlError('you must specify an update to requests or limits (in the form of --requests/--limits)')
    const wanted = session.flag('containers')
    const mapper = await ResourceMapper.discover(session)
    if (parseResourceArguments(mapper, args).length === 0 && session.list('filename').length === 0) throw new KubectlError(resourcesRequiredMessage)
    return editEach(session, await targetsOf(session, mapper, args), 'resource requirements updated', (serverMessage) => `failed to patch resources update to pod template ${serverMessage}`, (containers, initContainers) => {
      for (const container of [...containers, ...initContainers].filter((candidate) => wanted === '*' || candidate.name === wanted)) {
        const resources = isJsonObject(container.resources) ? container.resources : {}
        if (Object.keys(limits).length > 0) resources.limits = {...(isJsonObject(resources.limits) ? resources.limits : {}), ...limits}
        if (Object.keys(requests).length > 0) resources.requests = {...(isJsonObject(resources.requests) ? resources.requests : {}), ...requests}
        container.resources = resources
      }
    })
  },
}

export const setVerb: KubectlVerb = {name: 'set', flags: [], subverbs: [setImage, setEnv, setResources]}
