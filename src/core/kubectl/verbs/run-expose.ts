// `kubectl run` (a pod from an image) and `kubectl expose` (a service in front of a deployment,
// replica set, pod or service), building the objects as kubectl does and printing them for
// --dry-run=client or creating them.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {KubectlError, noResourcesMessage} from '../errors.js'
import {patchLocally} from '../local-patch.js'
import type {JsonPatchCaller} from '../go-traces.js'
import type {KubectlFlag} from '../flags.js'
import {recordFlag, recorded} from '../record.js'
import {type ApiResource, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {submitGenerated} from './create-common.js'
import {dryRunOf} from './apply.js'
import {outputFormatOf} from '../output.js'
import {parseResourceArguments} from './get.js'
import {podRunningTimeout, runAttached} from './run-attached.js'

const commonFlags: readonly KubectlFlag[] = [
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'labels', shorthand: 'l', kind: 'string'},
  {name: 'port', kind: 'string'},
  {name: 'overrides', kind: 'string'},
  {name: 'override-type', kind: 'string', defaultValue: 'merge'},
  {name: 'save-config', kind: 'bool'},
  {name: 'field-manager', kind: 'string'},
  recordFlag,
]

export const runFlags: readonly KubectlFlag[] = [
  ...commonFlags,
  {name: 'image', kind: 'string'},
  {name: 'env', kind: 'stringArray'},
  {name: 'restart', kind: 'string', defaultValue: 'Always'},
  {name: 'image-pull-policy', kind: 'string'},
  {name: 'command', kind: 'bool'},
  {name: 'annotations', kind: 'stringArray'},
  {name: 'expose', kind: 'bool'},
  {name: 'stdin', shorthand: 'i', kind: 'bool'},
  {name: 'tty', shorthand: 't', kind: 'bool'},
  {name: 'rm', kind: 'bool'},
  {name: 'attach', kind: 'bool'},
  {name: 'leave-stdin-open', kind: 'bool'},
  {name: 'privileged', kind: 'bool'},
  {name: 'pod-running-timeout', kind: 'duration', defaultValue: '1m0s'},
]

export const exposeFlags: readonly KubectlFlag[] = [
  ...commonFlags,
  {name: 'target-port', kind: 'string'},
  {name: 'type', kind: 'string'},
  {name: 'name', kind: 'string'},
  {name: 'protocol', kind: 'string'},
  {name: 'selector', kind: 'string'},
  {name: 'external-ip', kind: 'string'},
  {name: 'cluster-ip', kind: 'string'},
  {name: 'session-affinity', kind: 'string'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
]

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const part of text.split(',').filter((entry) => entry.length > 0)) {
    const equals = part.indexOf('=')
    if (equals <= 0) throw new KubectlError(`invalid label spec: ${part}`)
    labels[part.slice(0, equals)] = part.slice(equals + 1)
  }
  return labels
}

export async function runRun(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [name, ...rest] = args
  // kubectl's Complete reads --dry-run and -o before Run checks the arguments.
  dryRunOf(session)
  if (session.flag('output')) outputFormatOf(session.flag('output'), session.flag('template'), session.flag('allow-missing-template-keys'))
  if (!name) throw new KubectlError('NAME is required for run\nSee \'kubectl run -h\' for help and examples')
  if (!(podRunningTimeout(session) > 0)) throw new KubectlError("--pod-running-timeout must be higher than zero\nSee 'kubectl run -h' for help and examples")
  const image = session.flag('image')
  if (!image) throw new KubectlError('--image is required')
  const restart = session.flag('restart')
  if (!['Always', 'OnFailure', 'Never'].includes(restart)) throw new KubectlError(`invalid restart policy: ${restart}\nSee 'kubectl run -h' for help and examples`)
  const container: Record<string, unknown> = {name, image}
  const trailing = [...rest]
  if (trailing.length > 0) container[session.flag('command') === 'true' ? 'command' : 'args'] = trailing
  const port = session.flag('port')
  // kubectl 1.32 reads the port with strconv.Atoi as it builds the pod.
  if (port && !/^[+-]?\d+$/.test(port)) throw new KubectlError(`strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`)
  if (port && BigInt.asIntN(64, BigInt(port)) !== BigInt(port)) throw new KubectlError(`strconv.Atoi: parsing ${JSON.stringify(port)}: value out of range`)
  if (port) container.ports = [{containerPort: Number(port)}]
  const env = session.list('env').map((entry) => {
    const equals = entry.indexOf('=')
    if (equals <= 0) throw new KubectlError(`invalid env: ${entry}`)
    return {name: entry.slice(0, equals), value: entry.slice(equals + 1)}
  })
  if (env.length > 0) container.env = env
  container.resources = {}
  if (session.flag('image-pull-policy')) container.imagePullPolicy = session.flag('image-pull-policy')
  if (session.flag('stdin') === 'true') container.stdin = true
  // The container's stdin closes with the first attach's, unless asked to stay open.
  if (session.flag('stdin') === 'true' && session.flag('leave-stdin-open') !== 'true') container.stdinOnce = true
  if (session.flag('tty') === 'true') container.tty = true
  const labels = session.flag('labels') ? parseLabels(session.flag('labels')) : {run: name}
  const annotations = Object.fromEntries(session.list('annotations').map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]))
  const metadata: Record<string, unknown> = {name, creationTimestamp: null, labels}
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations
  let pod: unknown = {kind: 'Pod', apiVersion: 'v1', metadata, spec: {containers: [container], restartPolicy: restart, dnsPolicy: 'ClusterFirst'}, status: {}}
  pod = overridden(session, pod, 'pods', args)
  if (session.flag('overrides')) {
    // kubectl decodes the result into the Go Pod type: a container's resources struct is never omitted.
    const spec = (pod as {spec?: {containers?: Array<Record<string, unknown>>; initContainers?: Array<Record<string, unknown>>}}).spec
    for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) container.resources ??= {}
  }
  pod = recorded(session, pod as KubeObject)
  const attach = session.flag('attach') === 'true' || session.flag('stdin') === 'true'
  if (session.flag('rm') === 'true' && !attach) throw new KubectlError('--rm should only be used for attached containers')
  if (attach && session.flag('dry-run') === 'none') return runAttached(session, pod as KubeObject)
  return submitGenerated(session, pod as KubeObject, {verb: 'created', manager: 'kubectl-run', generator: false, namesNamespace: true})
}

/**
 * The generated object with --overrides applied as kubectl's Overrider applies them (a merge,
 * strategic or JSON patch of the object's JSON), faults in the words of the Go libraries it uses.
 */
function overridden(session: KubectlSession, object: unknown, resource: 'pods' | 'services', exposedArgs: readonly string[]): unknown {
  const overrides = session.flag('overrides')
  if (!overrides) return object
  const type = session.flag('override-type')
  if (type !== 'merge' && type !== 'json' && type !== 'strategic') throw new KubectlError(`--override-type must be one of (json, merge, strategic), got ${JSON.stringify(type)}`)
  // A panic's trace shows the callers: run's, or expose's visit of the object it read (named by the arguments, or from -f).
  const overridesBytes = Buffer.byteLength(overrides)
  const commandArgs = session.commandArgs.length
  const files = session.list('filename').length
  const named = files > 0 ? undefined : exposedArgs.some((argument) => argument.includes('/')) ? {form: 'tuples' as const, count: exposedArgs.length} : {form: 'names' as const}
  const caller: JsonPatchCaller =
    resource === 'pods' ? {via: 'run-overrides', overridesBytes, positionalArgs: exposedArgs.length, commandArgs} : {via: 'expose-overrides', overridesBytes, positionalArgs: exposedArgs.length, commandArgs, fileVisitors: files, named}
  const result = patchLocally(object, overrides, type, {group: '', version: 'v1', resource, kind: resource === 'pods' ? 'Pod' : 'Service'}, caller)
  // kubectl decodes the result as an object with a kind: anything else fails there.
  if (!isJsonObject(result)) {
    if (result === null) throw new KubectlError("Object 'Kind' is missing in 'null'")
    const goType = Array.isArray(result) ? 'array' : typeof result === 'boolean' ? 'bool' : typeof result
    throw new KubectlError(`couldn't get version/kind; json parse error: json: cannot unmarshal ${goType} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`)
  }
  return result
}

/**
 * What expose exposes: the object named (read from the server), or each object of -f or -k as its
 * file or kustomization gives it (kubectl's builder decodes them into its Go types and reads nothing more).
 */
async function exposedObjects(session: KubectlSession, mapper: ResourceMapper, args: readonly string[]): Promise<Array<{resource: ApiResource; object: KubeObject}>> {
  const files = session.list('filename')
  const kustomization = session.flag('kustomize')
  if (files.length > 0 || kustomization !== '') {
    if (args.length > 0) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
    const {readManifests} = await import('../manifests.js')
    const {readManifestsOrKustomization} = await import('../kustomize/manifests.js')
    const {placeObject} = await import('./apply.js')
    const manifests = kustomization !== '' ? await readManifestsOrKustomization(session, 'expose') : await readManifests(files, session.flag('recursive') === 'true', () => session.io.readStdin(), 'expose', false, 'typed')
    return manifests.map((manifest) => ({resource: placeObject(session, mapper, manifest).resource, object: manifest.object}))
  }
  const requests = parseResourceArguments(mapper, args)
  const target = requests[0]
  if (!target) throw new KubectlError(noResourcesMessage)
  if (target.names.length === 0) throw new KubectlError('resource(s) were provided, but no name was specified')
  if (target.names.length !== 1) throw new KubectlError('You must provide the resource to expose, e.g. kubectl expose deployment NAME')
  // kubectl reads the object before it asks whether its kind can be exposed.
  const object = (await session.request('GET', objectPath(target.resource, session.namespace(), target.names[0]!))).body as KubeObject
  return [{resource: target.resource, object}]
}

/** Why kubectl cannot take a selector from the object, or null when it can. */
function selectorlessReason(resource: ApiResource, object: KubeObject, spec: Record<string, unknown>): string | null {
  if (resource.resource === 'pods') return Object.keys(object.metadata.labels ?? {}).length === 0 ? 'the pod has no labels and cannot be exposed' : null
  if (resource.resource === 'services') return spec.selector === undefined || spec.selector === null ? 'the service has no pod selector set' : null
  if (resource.resource === 'deployments' || resource.resource === 'replicasets') {
    return spec.selector === undefined || spec.selector === null ? `invalid ${resource.kind.toLowerCase()}: no selectors, therefore cannot be exposed` : null
  }
  return null
}

export async function runExpose(session: KubectlSession, args: readonly string[]): Promise<number> {
  const mapper = await ResourceMapper.discover(session)
  let status = 0
  for (const {resource, object} of await exposedObjects(session, mapper, args)) status = Math.max(status, await exposeOne(session, resource, object, args))
  return status
}

async function exposeOne(session: KubectlSession, resource: ApiResource, object: KubeObject, args: readonly string[]): Promise<number> {
  const supported = ['/pods', '/services', '/replicationcontrollers', 'apps/deployments', 'apps/replicasets']
  if (!supported.includes(`${resource.group}/${resource.resource}`)) throw new KubectlError(`cannot expose a ${resource.kind}`)
  const affinity = session.flag('session-affinity')
  if (affinity !== '' && affinity !== 'None' && affinity !== 'ClientIP') throw new KubectlError(`unknown session affinity: ${affinity}`)
  const spec = isJsonObject(object.spec) ? object.spec : {}
  let selector: Record<string, string>
  let containerPorts: Array<Record<string, unknown>> = []
  // Without --selector, kubectl takes it from the object, which must have one (MapBasedSelectorForObject).
  const noSelector = session.flag('selector') === '' ? selectorlessReason(resource, object, spec) : null
  if (noSelector !== null) throw new KubectlError(`couldn't retrieve selectors via --selector flag or introspection: ${noSelector}`)
  if (resource.resource === 'pods') {
    selector = {...(object.metadata.labels ?? {})}
    containerPorts = (Array.isArray(spec.containers) ? spec.containers : []).flatMap((container) => (isJsonObject(container) && Array.isArray(container.ports) ? container.ports.filter(isJsonObject) : []))
  } else if (resource.resource === 'services') {
    selector = {...((spec.selector as Record<string, string>) ?? {})}
    containerPorts = (Array.isArray(spec.ports) ? spec.ports.filter(isJsonObject) : []).map((port) => ({containerPort: port.port, protocol: port.protocol, name: port.name}))
  } else {
    const labelSelector = isJsonObject(spec.selector) ? spec.selector : {}
    // A ReplicationController's selector is the label map itself.
    if (resource.resource === 'replicationcontrollers') selector = {...(labelSelector as Record<string, string>)}
    else if (Array.isArray(labelSelector.matchExpressions) && labelSelector.matchExpressions.length > 0) throw new KubectlError(`couldn't convert expressions - "${JSON.stringify(labelSelector.matchExpressions)}" to map: invalid`)
    else selector = {...((labelSelector.matchLabels as Record<string, string>) ?? {})}
    const template = isJsonObject(spec.template) && isJsonObject(spec.template.spec) ? spec.template.spec : {}
    containerPorts = (Array.isArray(template.containers) ? template.containers : []).flatMap((container) => (isJsonObject(container) && Array.isArray(container.ports) ? container.ports.filter(isJsonObject) : []))
  }
  if (session.flag('selector')) selector = parseLabels(session.flag('selector'))
  const protocol = session.flag('protocol')
  let ports: Array<Record<string, unknown>>
  if (session.flag('port')) {
    const port: Record<string, unknown> = {protocol: protocol || 'TCP', port: Number(session.flag('port'))}
    const targetPort = session.flag('target-port')
    port.targetPort = targetPort ? (/^\d+$/.test(targetPort) ? Number(targetPort) : targetPort) : Number(session.flag('port'))
    ports = [port]
  } else {
    if (containerPorts.length === 0) throw new KubectlError(`couldn't find port via --port flag or introspection\nSee 'kubectl expose -h' for help and examples`)
    ports = containerPorts.map((containerPort, index) => {
      const port: Record<string, unknown> = {}
      if (containerPorts.length > 1) port.name = `port-${index + 1}`
      port.protocol = protocol || String(containerPort.protocol ?? 'TCP')
      port.port = containerPort.containerPort
      const targetPort = session.flag('target-port')
      port.targetPort = targetPort ? (/^\d+$/.test(targetPort) ? Number(targetPort) : targetPort) : containerPort.containerPort
      return port
    })
  }
  const serviceSpec: Record<string, unknown> = {ports, selector}
  if (session.flag('cluster-ip')) serviceSpec.clusterIP = session.flag('cluster-ip')
  if (session.flag('type')) serviceSpec.type = session.flag('type')
  if (session.flag('external-ip')) serviceSpec.externalIPs = [session.flag('external-ip')]
  if (session.flag('session-affinity')) serviceSpec.sessionAffinity = session.flag('session-affinity')
  const labels = session.flag('labels') ? parseLabels(session.flag('labels')) : {...(object.metadata.labels ?? {})}
  const metadata: Record<string, unknown> = {name: session.flag('name') || object.metadata.name, creationTimestamp: null}
  if (Object.keys(labels).length > 0) metadata.labels = labels
  const service = overridden(session, {kind: 'Service', apiVersion: 'v1', metadata, spec: serviceSpec, status: {loadBalancer: {}}}, 'services', args) as KubeObject
  return submitGenerated(session, recorded(session, service), {verb: 'exposed', manager: 'kubectl-expose', generator: false, namesNamespace: true})
}
