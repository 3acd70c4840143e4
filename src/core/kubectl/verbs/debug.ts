// `kubectl debug (POD | TYPE/NAME) [--image=…] [-- COMMAND …]`, as kubectl 1.32 runs it: an
// ephemeral container added to a running pod (pods/ephemeralcontainers), a copy of a pod with a
// debugging container or new images (--copy-to), or a pod on a node in its host namespaces with
// its root at /host (node/NAME); the profile (debug-profiles.ts) shapes each. With -i (or
// --attach) it waits for the container to run and attaches to it, or prints its log when it
// already ended. Checks, texts and exit codes are kubectl's.
import {readFileSync} from 'node:fs'
import {parse as parseYaml} from 'yaml'
import type {KubeObject} from '../../api/object.js'
import {clusterRandomness} from '../../seed.js'
import {applyDebugProfile, isDebugProfile, type KeepFlags} from '../debug-profiles.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {readManifests} from '../manifests.js'
import {waitForObject} from '../object-watch.js'
import type {TargetPod} from '../pod-target.js'
import {objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {attachToContainer} from './attach.js'
import {randomSuffix} from './create-common.js'

type Json = Record<string, any>

export const debugFlags: readonly KubectlFlag[] = [
  {name: 'arguments-only', kind: 'bool'},
  {name: 'attach', kind: 'bool'},
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'copy-to', kind: 'string'},
  {name: 'custom', kind: 'string'},
  {name: 'env', kind: 'stringSlice'},
  {name: 'filename', shorthand: 'f', kind: 'stringSlice'},
  {name: 'image', kind: 'string'},
  {name: 'image-pull-policy', kind: 'string'},
  {name: 'keep-annotations', kind: 'bool'},
  {name: 'keep-init-containers', kind: 'bool', defaultValue: 'true'},
  {name: 'keep-labels', kind: 'bool'},
  {name: 'keep-liveness', kind: 'bool'},
  {name: 'keep-readiness', kind: 'bool'},
  {name: 'keep-startup', kind: 'bool'},
  {name: 'profile', kind: 'string', defaultValue: 'legacy'},
  {name: 'quiet', shorthand: 'q', kind: 'bool'},
  {name: 'replace', kind: 'bool'},
  {name: 'same-node', kind: 'bool'},
  {name: 'set-image', kind: 'stringSlice'},
  {name: 'share-processes', kind: 'bool', defaultValue: 'true'},
  {name: 'stdin', shorthand: 'i', kind: 'bool'},
  {name: 'target', kind: 'string'},
  {name: 'tty', shorthand: 't', kind: 'bool'},
]

/** Targets one debug command takes (names and the objects of its files). */
export const debugTargetsMax = 1_000

const pullPolicies = ['Always', 'IfNotPresent', 'Never', '']

// The image reference grammar of the container runtimes (distribution's reference package).
const nameComponent = '[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*'
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const domain = `${domainComponent}(?:\\.${domainComponent})*(?::[0-9]+)?`
const imageReference = new RegExp(`^(?:${domain}/)?${nameComponent}(?:/${nameComponent})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`)

interface DebugOptions {
  readonly image: string
  readonly container: string
  readonly command: readonly string[]
  readonly argumentsOnly: boolean
  readonly env: ReadonlyArray<{name: string; value: string}>
  readonly pullPolicy: string
  readonly stdin: boolean
  readonly tty: boolean
  readonly attach: boolean
  readonly quiet: boolean
  readonly target: string
  readonly copyTo: string
  readonly replace: boolean
  readonly sameNode: boolean
  readonly shareProcesses: boolean | null
  readonly setImages: ReadonlyMap<string, string>
  readonly profile: Parameters<typeof applyDebugProfile>[0]
  readonly keep: KeepFlags
  readonly custom: Json | null
}

export async function runDebug(session: KubectlSession, args: readonly string[]): Promise<number> {
  const beforeDash = args.length - session.flags.rest.length
  const names = args.slice(0, beforeDash)
  const options = debugOptions(session, args.slice(beforeDash))
  validate(session, options, names)
  // Resolved once per command: every step below addresses pods through it.
  const mapper = await ResourceMapper.discover(session)
  const pods = mapper.resolve('pods')
  const targets = await debugTargets(session, mapper, names)
  for (const target of targets) {
    const {pod, container} = target.kind === 'Node' ? await debugNode(session, options, target) : options.copyTo ? await debugByCopy(session, pods, options, target) : await debugByEphemeralContainer(session, pods, options, target)
    if (options.attach && container) await attachWhenRunning(session, pods, options, pod, container)
  }
  return 0
}

function flagOn(session: KubectlSession, name: string): boolean {
  return session.flag(name) === 'true'
}

/** kubectl's Complete: the flags read, the profile known, the custom profile file read. */
function debugOptions(session: KubectlSession, command: readonly string[]): DebugOptions {
  const stdin = flagOn(session, 'stdin')
  const profile = session.flag('profile')
  if (!isDebugProfile(profile)) throw new KubectlError(`unknown profile: ${profile}`)
  const setImages = new Map<string, string>()
  for (const pair of session.list('set-image')) {
    const equals = pair.indexOf('=')
    if (equals < 0) throw new KubectlError(`invalid argument "${pair}" for "--set-image" flag: ${pair} must be formatted as key=value`)
    setImages.set(pair.slice(0, equals), pair.slice(equals + 1))
  }
  const env = session.list('env').map((pair) => {
    const equals = pair.indexOf('=')
    if (equals < 0) throw new KubectlError(`invalid argument "${pair}" for "--env" flag: ${pair} must be formatted as key=value`)
    return {name: pair.slice(0, equals), value: pair.slice(equals + 1)}
  })
  return {
    image: session.flag('image'),
    container: session.flag('container'),
    command,
    argumentsOnly: flagOn(session, 'arguments-only'),
    env,
    pullPolicy: session.flag('image-pull-policy'),
    stdin,
    tty: flagOn(session, 'tty'),
    attach: session.flags.changed.has('attach') ? flagOn(session, 'attach') : stdin,
    quiet: flagOn(session, 'quiet'),
    target: session.flag('target'),
    copyTo: session.flag('copy-to'),
    replace: flagOn(session, 'replace'),
    sameNode: flagOn(session, 'same-node'),
    shareProcesses: session.flags.changed.has('share-processes') ? flagOn(session, 'share-processes') : null,
    setImages,
    profile,
    keep: {
      labels: flagOn(session, 'keep-labels'),
      annotations: flagOn(session, 'keep-annotations'),
      liveness: flagOn(session, 'keep-liveness'),
      readiness: flagOn(session, 'keep-readiness'),
      startup: flagOn(session, 'keep-startup'),
      initContainers: flagOn(session, 'keep-init-containers'),
    },
    custom: customProfile(session.flag('custom')),
  }
}

/** --custom: a partial container spec in JSON or YAML. */
function customProfile(path: string): Json | null {
  if (!path) return null
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new KubectlError(`must pass a container spec json file for custom profile: open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String((error as Error).message)}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    try {
      parsed = parseYaml(text)
    } catch (error) {
      throw new KubectlError(`${path} does not contain a valid container spec: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`)
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new KubectlError(`${path} does not contain a valid container spec: the file holds no object`)
  return parsed as Json
}

/** kubectl's Validate, in its order; the --target note and the legacy profile's notice on the way. */
function validate(session: KubectlSession, options: DebugOptions, names: readonly string[]): void {
  if (options.attach && session.flags.changed.has('attach') && !options.image && !options.container) throw new KubectlError('you must specify --container or create a new container using --image in order to attach.')
  if (options.copyTo) {
    if (!options.image && options.setImages.size === 0 && options.command.length === 0) throw new KubectlError('you must specify --image, --set-image or command arguments.')
    if (options.command.length > 0 && !options.container && !options.image) throw new KubectlError('you must specify an existing container or a new image when specifying args.')
  } else {
    if (options.replace) throw new KubectlError('--replace may only be used with --copy-to.')
    if (options.sameNode) throw new KubectlError('--same-node may only be used with --copy-to.')
    if (options.setImages.size > 0) throw new KubectlError('--set-image may only be used with --copy-to.')
    if (!options.image) throw new KubectlError('you must specify --image when not using --copy-to.')
  }
  if (options.image && !imageReference.test(options.image)) throw new KubectlError(`invalid image name "${options.image}": invalid reference format`)
  if (names.length === 0 && session.list('filename').length === 0) throw new KubectlError('NAME or filename is required for debug')
  if (!pullPolicies.includes(options.pullPolicy)) throw new KubectlError(`invalid image pull policy: ${options.pullPolicy}`)
  for (const [name, image] of options.setImages) {
    if (!imageReference.test(image)) throw new KubectlError(`invalid image name "${image}" for container "${name}": invalid reference format`)
  }
  if (options.target) {
    if (options.copyTo) throw new KubectlError('--target is incompatible with --copy-to. Use --share-processes instead.')
    if (!options.quiet) session.io.stdout(`Targeting container "${options.target}". If you don't see processes from this container it may be because the container runtime doesn't support this feature.\n`)
  }
  if (options.tty && !options.stdin) throw new KubectlError('-i/--stdin is required for containers with -t/--tty=true')
  const custom = options.custom
  if (custom && (custom.name || (Array.isArray(custom.command) && custom.command.length > 0) || custom.image || custom.lifecycle || (Array.isArray(custom.volumeDevices) && custom.volumeDevices.length > 0))) {
    throw new KubectlError('name, command, image, lifecycle and volume devices are not modifiable via custom profile')
  }
  if (options.profile === 'legacy') session.io.stderr('--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".\n')
}

type DebugTarget = KubeObject & {kind: 'Pod' | 'Node'}

/** The objects to debug: NAME as a pod, TYPE/NAME as its kind (pods and nodes only), then those of -f files, each read from the server. */
async function debugTargets(session: KubectlSession, mapper: ResourceMapper, names: readonly string[]): Promise<DebugTarget[]> {
  const namespace = session.namespace()
  const wanted: Array<{resource: ReturnType<ResourceMapper['resolve']>; namespace: string; name: string}> = []
  for (const name of names) {
    const slash = name.indexOf('/')
    wanted.push(slash < 0 ? {resource: mapper.resolve('pods'), namespace, name} : {resource: mapper.resolve(name.slice(0, slash)), namespace, name: name.slice(slash + 1)})
  }
  const files = session.list('filename')
  for (const manifest of files.length === 0 ? [] : await readManifests(files, false, () => session.io.readStdin(), 'debug', false, 'typed')) {
    const object = manifest.object
    wanted.push({resource: mapper.resolve(String(object.kind ?? '').toLowerCase()), namespace: String(object.metadata?.namespace ?? namespace), name: String(object.metadata?.name ?? '')})
  }
  if (wanted.length > debugTargetsMax) throw new KubectlError(`debug takes at most ${debugTargetsMax} objects at once`)
  const targets: DebugTarget[] = []
  for (const {resource, namespace: where, name} of wanted) {
    const object = (await session.request('GET', objectPath(resource, where, name))).body as KubeObject
    if (resource.resource !== 'pods' && resource.resource !== 'nodes') {
      // Go's GroupVersionKind as a string: "/v1, Kind=Service" for the core group.
      throw new KubectlError(`"${resource.group}/${resource.version}, Kind=${resource.kind}" not supported by debug`)
    }
    targets.push({...object, kind: resource.resource === 'pods' ? 'Pod' : 'Node'} as DebugTarget)
  }
  return targets
}

/** kubectl's random five characters: the cluster's seed decides them when it has one. */
function suffix(session: KubectlSession): string {
  const random = clusterRandomness(session.clusterFolder()).numbers('kubectl')
  return randomSuffix(() => random())
}

/** The debugging container's name: -c, else `debugger-xxxxx` not taken in the pod (said unless -q). */
function debugContainerName(session: KubectlSession, options: DebugOptions, pod: Json): string {
  if (options.container) return options.container
  const spec = (pod.spec ?? {}) as Json
  const taken = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].map((entry: Json) => entry.name))
  let name = ''
  for (let attempt = 0; attempt < 100 && (name === '' || taken.has(name)); attempt++) name = `debugger-${suffix(session)}`
  if (!options.quiet) session.io.stdout(`Defaulting debug container name to ${name}.\n`)
  return name
}

/** The fields of a debugging container the flags set, in the API's field order. */
function debugContainer(options: DebugOptions, name: string): Json {
  return {
    name,
    ...(options.image ? {image: options.image} : {}),
    ...(options.command.length > 0 ? {[options.argumentsOnly ? 'args' : 'command']: [...options.command]} : {}),
    ...(options.env.length > 0 ? {env: options.env.map((entry) => ({...entry}))} : {}),
    resources: {},
    terminationMessagePolicy: 'File',
    ...(options.pullPolicy ? {imagePullPolicy: options.pullPolicy} : {}),
    ...(options.stdin ? {stdin: true} : {}),
    ...(options.tty ? {tty: true} : {}),
  }
}

/** --custom: the partial container spec merged over the profile's container (maps merged, the rest replaced). */
function applyCustom(options: DebugOptions, container: Json): void {
  if (!options.custom) return
  const merge = (into: Json, from: Json) => {
    for (const [key, value] of Object.entries(from)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value) && into[key] !== null && typeof into[key] === 'object' && !Array.isArray(into[key])) merge(into[key] as Json, value as Json)
      else if (value === null) delete into[key]
      else into[key] = value
    }
  }
  merge(container, options.custom)
}

async function debugByEphemeralContainer(session: KubectlSession, pods: PodsResource, options: DebugOptions, pod: DebugTarget): Promise<{pod: TargetPod; container: string}> {
  const name = debugContainerName(session, options, pod)
  const container = {...debugContainer(options, name), ...(options.target ? {targetContainerName: options.target} : {})}
  const copy = structuredClone(pod) as Json
  copy.spec.ephemeralContainers = [...((copy.spec.ephemeralContainers as Json[] | undefined) ?? []), container]
  applyDebugProfile(options.profile, 'ephemeral', copy, name, options.keep)
  const added = copy.spec.ephemeralContainers.at(-1) as Json
  applyCustom(options, added)
  // The strategic merge patch kubectl computes: the list's order by name, then the new container.
  const existing = ((pod.spec as Json | undefined)?.ephemeralContainers as Json[] | undefined) ?? []
  // A name already there (-c): kubectl's two-way patch sets what the old container had and the new
  // one lacks to null, so the server sees the change it refuses (ephemeral containers are immutable).
  const same = existing.find((entry) => entry.name === name)
  const entry = same ? {...Object.fromEntries(Object.keys(same).filter((key) => !(key in added)).map((key) => [key, null])), ...added} : added
  const patch = {spec: {'$setElementOrder/ephemeralContainers': [...existing, added].map((item) => ({name: item.name})), ephemeralContainers: [entry]}}
  const path = `${objectPath(pods, String(pod.metadata.namespace), String(pod.metadata.name))}/ephemeralcontainers`
  const answer = await session.request('PATCH', path, {body: patch, contentType: 'application/strategic-merge-patch+json', allow: [404]})
  if (answer.status === 404) {
    const details = (answer.body as {details?: {name?: string}; message?: string} | undefined)
    // A 404 without a name: the cluster serves no ephemeralcontainers subresource.
    if (!details?.details?.name) throw new KubectlError(`ephemeral containers are disabled for this cluster (error from server: "${details?.message ?? 'the server could not find the requested resource'}")`)
    throw new KubectlError(`Error from server (NotFound): ${details.message ?? ''}`)
  }
  await session.settleControlPlane()
  return {pod: answer.body as TargetPod, container: name}
}

async function debugByCopy(session: KubectlSession, pods: PodsResource, options: DebugOptions, pod: DebugTarget): Promise<{pod: TargetPod; container: string}> {
  const source = structuredClone(pod) as Json
  const copy: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: options.copyTo, namespace: source.metadata.namespace, ...(source.metadata.annotations ? {annotations: source.metadata.annotations} : {}), ...(source.metadata.labels ? {labels: source.metadata.labels} : {})},
    spec: source.spec,
  }
  delete copy.spec.ephemeralContainers
  if (options.shareProcesses !== null) copy.spec.shareProcessNamespace = options.shareProcesses
  if (!options.sameNode) delete copy.spec.nodeName
  const containers = (copy.spec.containers ?? []) as Json[]
  for (const container of containers) {
    const image = options.setImages.get(container.name) ?? options.setImages.get('*')
    if (image) container.image = image
  }
  let name = options.container
  let container = [...containers, ...((copy.spec.initContainers as Json[] | undefined) ?? [])].find((entry) => entry.name === name)
  if (!container) {
    if (!options.image) {
      // Only new images (--set-image): the copy runs as it is, nothing to attach to.
      if (options.setImages.size > 0) return create(session, pods, options, pod, copy, '')
      throw new KubectlError('you must specify image when creating new container')
    }
    name ||= debugContainerName(session, options, copy)
    container = {name, terminationMessagePolicy: 'File'}
    containers.push(container)
  }
  if (options.command.length > 0) {
    if (options.argumentsOnly) container.args = [...options.command]
    else {
      container.command = [...options.command]
      delete container.args
    }
  }
  if (options.env.length > 0) container.env = options.env.map((entry) => ({...entry}))
  if (options.image) container.image = options.image
  if (options.pullPolicy) container.imagePullPolicy = options.pullPolicy
  if (options.stdin) container.stdin = true
  else delete container.stdin
  if (options.tty) container.tty = true
  else delete container.tty
  applyDebugProfile(options.profile, 'copy', copy, String(container.name), options.keep)
  applyCustom(options, container)
  return create(session, pods, options, pod, copy, name)
}

/** Creates the copy, and deletes the original at once with --replace. */
async function create(session: KubectlSession, pods: PodsResource, options: DebugOptions, original: DebugTarget, copy: Json, container: string): Promise<{pod: TargetPod; container: string}> {
  const namespace = String(copy.metadata.namespace)
  const created = (await session.request('POST', `/api/v1/namespaces/${namespace}/pods`, {body: copy})).body as TargetPod
  if (options.replace) await session.request('DELETE', objectPath(pods, String(original.metadata.namespace), String(original.metadata.name)), {body: {kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0}})
  await session.settleControlPlane()
  return {pod: created, container}
}

async function debugNode(session: KubectlSession, options: DebugOptions, node: DebugTarget): Promise<{pod: TargetPod; container: string}> {
  const container = options.container || 'debugger'
  const nodeName = String(node.metadata.name)
  const name = `node-debugger-${nodeName}-${suffix(session)}`
  if (!options.quiet) session.io.stdout(`Creating debugging pod ${name} with container ${container} on node ${nodeName}.\n`)
  const pod: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    // No labels: kubectl 1.32 gives the node's debugging pod none.
    metadata: {name, namespace: session.namespace()},
    spec: {containers: [debugContainer(options, container)], nodeName, restartPolicy: 'Never', tolerations: [{operator: 'Exists'}]},
  }
  applyDebugProfile(options.profile, 'node', pod, container, options.keep)
  applyCustom(options, pod.spec.containers[0] as Json)
  const created = (await session.request('POST', `/api/v1/namespaces/${session.namespace()}/pods`, {body: pod})).body as TargetPod
  await session.settleControlPlane()
  return {pod: created, container}
}

type PodsResource = ReturnType<ResourceMapper['resolve']>

/**
 * --attach (-i): waits, without a deadline, for the container to run or end (a waiting reason
 * with a message said as a warning), then attaches, or prints its log when it already ended.
 */
async function attachWhenRunning(session: KubectlSession, pods: PodsResource, options: DebugOptions, pod: TargetPod, container: string): Promise<void> {
  const namespace = String(pod.metadata.namespace)
  const name = String(pod.metadata.name)
  let current: TargetPod | null = null
  let said = ''
  let gone = false
  await waitForObject(session, pods, namespace, name, (object) => {
    if (!object) {
      gone = true
      return true
    }
    current = object as TargetPod
    const state = containerState(current, container)
    if (!state) return false
    if (state.running || state.terminated) return true
    const message = state.waiting?.message ?? ''
    if (!options.quiet && message && message !== said) {
      said = message
      session.io.stderr(`Warning: container ${container}: ${message}\n`)
    }
    return false
  }, Number.POSITIVE_INFINITY)
  // kubectl's wait makes this NotFound itself, without the pod's name: `pods "" not found`.
  if (gone || !current) throw new KubectlError('Error from server (NotFound): pods "" not found')
  const attached: TargetPod = current
  if (containerState(attached, container)?.terminated) {
    const log = await session.request('GET', `${objectPath(pods, namespace, name)}/log`, {query: {container}})
    session.io.stdout(String(log.body ?? ''))
    return
  }
  await attachToContainer(session, attached, container, {stdin: options.stdin, tty: options.tty, quiet: options.quiet})
}

type ContainerState = {running?: unknown; terminated?: unknown; waiting?: {message?: string}}

function containerState(pod: TargetPod, container: string): ContainerState | undefined {
  const status = (pod.status ?? {}) as {initContainerStatuses?: Json[]; containerStatuses?: Json[]; ephemeralContainerStatuses?: Json[]}
  for (const list of [status.initContainerStatuses, status.containerStatuses, status.ephemeralContainerStatuses]) {
    const found = (list ?? []).find((entry) => entry.name === container)
    if (found) return (found.state ?? {}) as ContainerState
  }
  return undefined
}
