// `kubectl set image|env|resources`: edits the containers of a pod template (or a pod) and
// sends the change as a strategic merge patch; --dry-run=client prints the edited object.
import {cloneJson, isJsonObject, jsonEqual, type KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {collectServerError, KubectlError, noResourcesMessage, resourcesRequiredMessage} from '../errors.js'
import {hasManifestSource} from '../kustomize/manifests.js'
import {withoutManagedFields} from '../output.js'
import type {KubectlFlag} from '../flags.js'
import {changeCauseAnnotation, changeCauseOf, recordFlag} from '../record.js'
import type {KubectlVerb} from '../verb.js'
import {type ApiResource, kindName, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {dryRunOf, dryRunSuffix} from './apply.js'
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

async function editEach(
  session: KubectlSession,
  args: readonly string[],
  message: string,
  edit: (containers: Containers, initContainers: Containers) => void,
): Promise<number> {
  const dryRun = dryRunOf(session.flag('dry-run'))
  const mapper = await ResourceMapper.discover(session)
  const errors: string[] = []
  const requests = parseResourceArguments(mapper, args)
  if (requests.length === 0) throw new KubectlError('one or more resources must be specified as <resource> <name> or <resource>/<name>')
  for (const {resource, names} of requests) {
    for (const name of names) {
      try {
        const path = objectPath(resource, session.namespace(), name)
        const current = (await session.request('GET', path)).body as KubeObject
        const edited = cloneJson(current)
        const podSpec = podSpecOf(resource, edited)
        if (!podSpec) throw new KubectlError(`${kindName(resource)}/${name} has no pod template`)
        const containers = (Array.isArray(podSpec.containers) ? podSpec.containers.filter(isJsonObject) : []) as Containers
        const initContainers = (Array.isArray(podSpec.initContainers) ? podSpec.initContainers.filter(isJsonObject) : []) as Containers
        edit(containers, initContainers)
        if (jsonEqual(current, edited)) continue
        let result = edited
        if (dryRun !== 'client') {
          const patchSpec: Record<string, unknown> = {containers: containers.map((container) => ({...container}))}
          if (initContainers.length > 0) patchSpec.initContainers = initContainers
          const patch: Record<string, unknown> = resource.resource === 'pods' ? {spec: patchSpec} : resource.resource === 'cronjobs' ? {spec: {jobTemplate: {spec: {template: {spec: patchSpec}}}}} : {spec: {template: {spec: patchSpec}}}
          const cause = changeCauseOf(session.flags)
          if (cause !== null) patch.metadata = {annotations: {[changeCauseAnnotation]: cause}}
          result = (await session.request('PATCH', path, {body: patch, contentType: 'application/strategic-merge-patch+json', query: {fieldManager: session.flag('field-manager'), ...(dryRun === 'server' ? {dryRun: 'All'} : {})}})).body as KubeObject
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
  }
  for (const error of errors) session.io.stderr(`${error}\n`)
  return errors.length > 0 ? 1 : 0
}

function splitResourcesAndPairs(args: readonly string[]): {resources: string[]; pairs: string[]} {
  const pairs = args.filter((argument) => argument.includes('=') || /^[^/]+-$/.test(argument))
  return {resources: args.filter((argument) => !pairs.includes(argument)), pairs}
}

/** Reads each named object, as kubectl's resource builder does before a verb checks its arguments; the first error is thrown. */
async function fetchEach(session: KubectlSession, args: readonly string[]): Promise<void> {
  const mapper = await ResourceMapper.discover(session)
  for (const {resource, names} of parseResourceArguments(mapper, args)) {
    for (const name of names) await session.request('GET', objectPath(resource, session.namespace(), name))
  }
}

const setImage: KubectlVerb = {
  name: 'image',
  flags: [...commonFlags, recordFlag],
  run: async (session, args) => {
    const {resources, pairs} = splitResourcesAndPairs(args)
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    if (pairs.length === 0) {
      // kubectl reads the objects before it checks the arguments: a missing one is the error.
      await fetchEach(session, resources)
      throw new KubectlError('at least one image update is required')
    }
    const images = pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)] as const)
    return editEach(session, resources, 'image updated', (containers, initContainers) => {
      for (const [name, image] of images) {
        const matches = [...containers, ...initContainers].filter((container) => name === '*' || container.name === name)
        if (matches.length === 0) throw new KubectlError(`unable to find container named "${name}"`)
        for (const container of matches) container.image = image
      }
    })
  },
}

const setEnv: KubectlVerb = {
  name: 'env',
  flags: [...commonFlags, {name: 'list', kind: 'bool'}, {name: 'overwrite', kind: 'bool', defaultValue: 'true'}, {name: 'from', kind: 'string'}, {name: 'prefix', kind: 'string'}, {name: 'keys', kind: 'stringSlice'}, {name: 'resolve', kind: 'bool'}],
  run: (session, args) => {
    const {resources, pairs} = splitResourcesAndPairs(args)
    if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(resourcesRequiredMessage)
    const wanted = session.flag('containers')
    return editEach(session, resources, 'env updated', (containers) => {
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
  run: (session, args) => {
    const limits = resourceList(session.flag('limits'))
    const requests = resourceList(session.flag('requests'))
    if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
    if (Object.keys(limits).length === 0 && Object.keys(requests).length === 0) throw new KubectlError('you must specify an update to requests or limits (in the form of --requests/--limits)')
    const wanted = session.flag('containers')
    return editEach(session, args, 'resource requirements updated', (containers) => {
      for (const container of containers.filter((candidate) => wanted === '*' || candidate.name === wanted)) {
        const resources = isJsonObject(container.resources) ? container.resources : {}
        if (Object.keys(limits).length > 0) resources.limits = {...(isJsonObject(resources.limits) ? resources.limits : {}), ...limits}
        if (Object.keys(requests).length > 0) resources.requests = {...(isJsonObject(resources.requests) ? resources.requests : {}), ...requests}
        container.resources = resources
      }
    })
  },
}

export const setVerb: KubectlVerb = {name: 'set', flags: [], subverbs: [setImage, setEnv, setResources]}
