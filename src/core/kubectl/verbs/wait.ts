// `kubectl wait --for=delete|create|condition=NAME[=VALUE]|jsonpath='{…}'[=VALUE]` on named
// objects or a selection (-l, --all), with --timeout (30 s by default); prints
// `pod/web condition met` per object, or kubectl's timeout error.
import type {KubeObject} from '../../api/object.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {relaxedTemplate} from '../../printers/kubectl/custom-columns.js'
import {parseTemplate, runJsonPath} from '../../printers/kubectl/jsonpath.js'
import {GatheredErrors, KubectlError, noResourcesMessage} from '../errors.js'
import {hasManifestSource} from '../kustomize/manifests.js'
import type {KubectlFlag} from '../flags.js'
import {whileClusterRuns} from '../object-watch.js'
import {notFoundError, untilWithSync} from '../until-with-sync.js'
import {type ApiResource, kindName, objectPath, ResourceMapper, requestList} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {parseResourceArguments, refuseNamesWithSelection, requestsFromFiles} from './get.js'

export const waitFlags: readonly KubectlFlag[] = [
  {name: 'for', kind: 'string'},
  {name: 'timeout', kind: 'duration', defaultValue: '30s'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'field-selector', kind: 'string'},
  {name: 'all', kind: 'bool'},
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'local', kind: 'bool'},
  {name: 'output', shorthand: 'o', kind: 'string'},
]

type Condition = {kind: 'delete'} | {kind: 'create'} | {kind: 'condition'; name: string; value: string} | {kind: 'jsonpath'; path: string; value: string | null}

function parseCondition(text: string): Condition {
  if (text === 'delete') return {kind: 'delete'}
  if (text === 'create') return {kind: 'create'}
  if (text.toLowerCase().startsWith('condition=')) {
    const rest = text.slice('condition='.length)
    const equals = rest.indexOf('=')
    return equals < 0 ? {kind: 'condition', name: rest, value: 'true'} : {kind: 'condition', name: rest.slice(0, equals), value: rest.slice(equals + 1)}
  }
  if (text.startsWith('jsonpath=')) return jsonPathCondition(text.slice('jsonpath='.length))
  throw new KubectlError(`unrecognized condition: ${JSON.stringify(text)}`)
}

const jsonPathWaitFormat = "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'"

/** kubectl 1.32's jsonpath condition: split at single `=` (`==` stays), the path relaxed, the value unquoted. */
function jsonPathCondition(input: string): Condition {
  const parts: string[] = []
  let current = ''
  for (let index = 0; index < input.length; index++) {
    if (input[index] === '=' && input[index + 1] === '=') {
      current += '=='
      index++
    } else if (input[index] === '=') {
      parts.push(current)
      current = ''
    } else current += input[index]
  }
  parts.push(current)
  if (parts.length > 2) throw new KubectlError(jsonPathWaitFormat)
  let path: string
  try {
    path = relaxedTemplate(parts[0]!)
  } catch (error) {
    throw new KubectlError((error as Error).message)
  }
  if (path === '') throw new KubectlError('jsonpath expression cannot be empty')
  try {
    parseTemplate(path)
  } catch (error) {
    throw new KubectlError((error as Error).message)
  }
  if (parts.length === 1) return {kind: 'jsonpath', path, value: null}
  const value = parts[1]!.replace(/^['"]+|['"]+$/g, '')
  if (value === '') throw new KubectlError("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
  return {kind: 'jsonpath', path, value}
}

/** client-go's observed generation of a condition: its own, else the status's. */
function observedGeneration(object: KubeObject, condition: {observedGeneration?: unknown}): number | null {
  if (typeof condition.observedGeneration === 'number') return condition.observedGeneration
  const status = (object as {status?: {observedGeneration?: unknown}}).status
  return typeof status?.observedGeneration === 'number' ? status.observedGeneration : null
}

/** Whether the object meets a condition or jsonpath wait; a condition observed for an older generation does not count. */
function holds(condition: Condition, object: KubeObject): boolean {
  switch (condition.kind) {
    case 'condition': {
      const conditions = ((object as {status?: {conditions?: Array<{type?: string; status?: string; observedGeneration?: unknown}>}}).status?.conditions ?? [])
      const found = conditions.find((entry) => typeof entry.type === 'string' && entry.type.toLowerCase() === condition.name.toLowerCase() && typeof entry.status === 'string')
      if (!found) return false
      const generation = object.metadata.generation
      const observed = observedGeneration(object, found)
      if (typeof generation === 'number' && observed !== null && observed < generation) return false
      return found.status!.toLowerCase() === condition.value.toLowerCase()
    }
    case 'jsonpath': {
      try {
        const found = runJsonPath(condition.path, object)
        return condition.value === null ? found !== '' : found === condition.value
      } catch {
        return false
      }
    }
    default:
      return true
  }
}

/** What the arguments name: objects by name, or a selection listed when visited. */
type Source = {resource: ApiResource; namespace: string; name: string} | {resource: ApiResource; namespace: string; query: Record<string, string>}

interface Target {
  readonly resource: ApiResource
  readonly namespace: string
  readonly name: string
}

/** kubectl polls for --for=create every half second. */
const createPollIntervalMilliseconds = 500

/** A negative --timeout waits a week. */
const negativeTimeoutMilliseconds = 168 * 3600_000

/**
 * kubectl's resource builder visiting the sources lazily, as wait's does: a named object is read
 * (a GET) when its turn comes, a selection listed. --for=delete passes over a name not found.
 */
async function* visit(session: KubectlSession, sources: readonly Source[], condition: Condition, errors: GatheredErrors): AsyncGenerator<Target> {
  for (const source of sources) {
    try {
      if ('name' in source) {
        const answer = await session.request('GET', objectPath(source.resource, source.namespace, source.name), condition.kind === 'delete' ? {allow: [404]} : {})
        if (answer.status !== 404) yield source
        continue
      }
      const listed = (await requestList(session, source.resource, source.namespace, {query: source.query})).body as {items: KubeObject[]}
      for (const item of listed.items) yield {resource: source.resource, namespace: item.metadata.namespace ?? '', name: String(item.metadata.name)}
    } catch (error) {
      errors.add(error)
    }
  }
}

/** --for=create: the sources read every half second until none is missing; false when time ran out first. */
async function untilCreated(session: KubectlSession, sources: readonly Source[], deadline: number): Promise<boolean> {
  return whileClusterRuns(session, async () => {
    for (;;) {
      let missing = false
      for (const source of sources) {
        if ('name' in source) missing = (await session.request('GET', objectPath(source.resource, source.namespace, source.name), {allow: [404]})).status === 404 || missing
        else await requestList(session, source.resource, source.namespace, {query: source.query})
      }
      if (!missing) return true
      const now = session.clock.nowMilliseconds()
      if (now + createPollIntervalMilliseconds > deadline) return false
      await session.clock.sleep(createPollIntervalMilliseconds)
    }
  })
}

/** One object's wait, as kubectl's condition functions go: true when met; an error says why not. */
async function waitFor(session: KubectlSession, target: Target, condition: Condition, timeout: number, deadline: number): Promise<boolean> {
  const {resource, namespace, name} = target
  const notMet = new KubectlError(`condition not met for ${resource.resource}/${name}`)
  const timedOut = new KubectlError(`timed out waiting for the condition on ${resource.resource}/${name}`)
  if (condition.kind === 'create') return true
  if (condition.kind === 'delete') {
    if ((await session.request('GET', objectPath(resource, namespace, name), {allow: [404]})).status === 404) return true
    if (timeout === 0) throw notMet
    // Gone from the list already, or deleted while watched.
    if (!(await untilWithSync(session, resource, namespace, name, {precondition: (object) => object === null, condition: (event) => event.type === 'DELETED', deadline}))) throw timedOut
    return true
  }
  if (timeout === 0) {
    const object = (await session.request('GET', objectPath(resource, namespace, name))).body as KubeObject
    if (!holds(condition, object)) throw notMet
    return true
  }
  const precondition = (object: KubeObject | null) => {
    if (object === null) throw notFoundError(resource, name)
    return false
  }
  // A DELETED event waits on (the object may come back).
  if (!(await untilWithSync(session, resource, namespace, name, {precondition, condition: (event) => event.type !== 'DELETED' && holds(condition, event.object), deadline}))) throw timedOut
  return true
}

export async function runWait(session: KubectlSession, args: readonly string[]): Promise<number> {
  const forText = session.flag('for')
  const condition = parseCondition(forText)
  const given = parseGoDuration(session.flag('timeout'), 'timeout')
  const timeout = given < 0 ? negativeTimeoutMilliseconds : given
  const deadline = timeout === 0 ? Number.POSITIVE_INFINITY : session.clock.nowMilliseconds() + timeout
  const mapper = await ResourceMapper.discover(session)
  if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = session.namespace()
  const sources: Source[] = []
  refuseNamesWithSelection(args, session.flag('selector') !== '' || session.flag('field-selector') !== '')
  const files = session.list('filename')
  if (files.length > 0 && args.length > 0) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  // -f: each object the files name, in its own namespace.
  const requests = files.length > 0 ? await requestsFromFiles(session, mapper, files, 'wait') : parseResourceArguments(mapper, args)
  for (const request of requests) {
    const scope = request.resource.namespaced ? (request.namespace ?? namespace) : ''
    if (request.names.length > 0) {
      for (const name of request.names) sources.push({resource: request.resource, namespace: scope, name})
      continue
    }
    const selector = session.flag('selector')
    if (!selector && session.flag('all') !== 'true' && !session.flag('field-selector')) throw new KubectlError('resource(s) were provided, but no name was specified')
    const query: Record<string, string> = {}
    if (selector) query.labelSelector = selector
    if (session.flag('field-selector')) query.fieldSelector = session.flag('field-selector')
    sources.push({resource: request.resource, namespace: request.resource.namespaced && !allNamespaces ? namespace : '', query})
  }
  // (Objects named in files are read once: one not there yet is its NotFound, as kubectl's file builder says.)
  if (condition.kind === 'create' && files.length === 0 && !(await untilCreated(session, sources, deadline))) throw new KubectlError('timed out waiting for the condition')
  // kubectl goes on with the next object after one failed, and reports them all at the end.
  const errors = new GatheredErrors()
  let visited = 0
  for await (const target of visit(session, sources, condition, errors)) {
    visited++
    try {
      if (await waitFor(session, target, condition, timeout, deadline)) session.io.stdout(`${kindName(target.resource)}/${target.name} condition met\n`)
    } catch (error) {
      errors.add(error)
    }
  }
  if (errors.report(session.io, session) !== 0) return 1
  if (visited === 0 && condition.kind !== 'delete') throw new KubectlError('no matching resources found')
  return 0
}
