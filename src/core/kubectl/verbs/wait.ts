// `kubectl wait --for=delete|create|condition=NAME[=VALUE]|jsonpath='{…}'[=VALUE]` on named
// objects or a selection (-l, --all), with --timeout (30 s by default); prints
// `pod/web condition met` per object, or kubectl's timeout error.
import type {KubeObject} from '../../api/object.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {relaxedTemplate} from '../../printers/kubectl/custom-columns.js'
import {parseTemplate, runJsonPath} from '../../printers/kubectl/jsonpath.js'
import {KubectlError, noResourcesMessage} from '../errors.js'
import {hasManifestSource} from '../kustomize/manifests.js'
import type {KubectlFlag} from '../flags.js'
import {waitForObject} from '../object-watch.js'
import {type ApiResource, collectionPath, kindName, objectPath, ResourceMapper, requestList} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {parseResourceArguments} from './get.js'

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

function holds(condition: Condition, object: KubeObject | null): boolean {
  switch (condition.kind) {
    case 'delete':
      return object === null
    case 'create':
      return object !== null
    case 'condition': {
      if (!object) return false
      const conditions = ((object as {status?: {conditions?: Array<{type?: string; status?: string}>}}).status?.conditions ?? [])
      return conditions.some((entry) => (entry.type ?? '').toLowerCase() === condition.name.toLowerCase() && (entry.status ?? '').toLowerCase() === condition.value.toLowerCase())
    }
    case 'jsonpath': {
      if (!object) return false
      try {
        const found = runJsonPath(condition.path, object)
        return condition.value === null ? found !== '' : found === condition.value
      } catch {
        return false
      }
    }
  }
}

export async function runWait(session: KubectlSession, args: readonly string[]): Promise<number> {
  const forText = session.flag('for')
  const condition = parseCondition(forText)
  const timeout = parseGoDuration(session.flag('timeout'), 'timeout')
  const clock = session.clock
  const deadline = clock.nowMilliseconds() + Math.max(0, timeout)
  const mapper = await ResourceMapper.discover(session)
  if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError(noResourcesMessage)
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = session.namespace()
  const targets: Array<{resource: ApiResource; namespace: string; name: string}> = []
  for (const request of parseResourceArguments(mapper, args)) {
    const scope = request.resource.namespaced ? namespace : ''
    if (request.names.length > 0) {
      for (const name of request.names) targets.push({resource: request.resource, namespace: scope, name})
      continue
    }
    const selector = session.flag('selector')
    if (!selector && session.flag('all') !== 'true' && !session.flag('field-selector')) throw new KubectlError('resource(s) were provided, but no name was specified')
    const query: Record<string, string> = {}
    if (selector) query.labelSelector = selector
    if (session.flag('field-selector')) query.fieldSelector = session.flag('field-selector')
    const listed = (await requestList(session, request.resource, request.resource.namespaced && !allNamespaces ? namespace : '', {query})).body as {items: KubeObject[]}
    for (const item of listed.items) targets.push({resource: request.resource, namespace: item.metadata.namespace ?? '', name: String(item.metadata.name)})
  }
  if (targets.length === 0) throw new KubectlError('no matching resources found')
  for (const target of targets) {
    if (condition.kind === 'condition' || condition.kind === 'jsonpath') {
      // A named object that does not exist is an error at once, as kubectl's first GET says.
      await session.request('GET', objectPath(target.resource, target.namespace, target.name))
    }
    let seen = false
    const met = await waitForObject(session, target.resource, target.namespace, target.name, (object) => {
      if (object) seen = true
      return holds(condition, object)
    }, deadline)
    // --for=create names no object in its timeout: kubectl waits for it by a watch of the collection.
    if (!met) throw new KubectlError(condition.kind === 'create' ? 'timed out waiting for the condition' : `timed out waiting for the condition on ${target.resource.resource}/${target.name}`)
    if (condition.kind === 'delete' && !seen) continue
    session.io.stdout(`${kindName(target.resource)}/${target.name} condition met\n`)
  }
  return 0
}
