// `kubectl cordon`, `uncordon` and `taint` on nodes, with kubectl 1.32's messages.
import type {KubeObject} from '../../api/object.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {kindName, objectPath, ResourceMapper, type ApiResource} from '../resources.js'
import type {KubectlSession} from '../session.js'

type Taint = {key: string; value?: string; effect: string; timeAdded?: string}
type Node = KubeObject & {spec?: {unschedulable?: boolean; taints?: Taint[]}}

const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute']

export const cordonFlags: readonly KubectlFlag[] = [{name: 'selector', shorthand: 'l', kind: 'string'}, {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'}]
export const taintFlags: readonly KubectlFlag[] = [...cordonFlags, {name: 'overwrite', kind: 'bool'}, {name: 'all', kind: 'bool'}, {name: 'output', shorthand: 'o', kind: 'string'}]

async function nodesNamed(session: KubectlSession, names: readonly string[]): Promise<{resource: ApiResource; nodes: Node[]}> {
  const mapper = await ResourceMapper.discover(session)
  const resource = mapper.resolve('nodes')
  const selector = session.flag('selector')
  if (names.length === 0 && !selector && session.flag('all') !== 'true') throw new KubectlError('resource(s) were provided, but no name was specified')
  if (names.length === 0) {
    const listed = (await session.request('GET', '/api/v1/nodes', {query: selector ? {labelSelector: selector} : {}})).body as {items: Node[]}
    return {resource, nodes: listed.items}
  }
  const nodes: Node[] = []
  for (const name of names) nodes.push((await session.request('GET', objectPath(resource, '', name))).body as Node)
  return {resource, nodes}
}

function cordonVerb(unschedulable: boolean) {
  return async (session: KubectlSession, args: readonly string[]): Promise<number> => {
    const {resource, nodes} = await nodesNamed(session, args)
    const dryRun = session.flag('dry-run') !== 'none'
    const word = unschedulable ? 'cordoned' : 'uncordoned'
    for (const node of nodes) {
      const name = `${kindName(resource)}/${node.metadata.name}`
      if ((node.spec?.unschedulable ?? false) === unschedulable) {
        session.io.stdout(`${name} already ${word}\n`)
        continue
      }
      if (!dryRun) await session.request('PATCH', objectPath(resource, '', String(node.metadata.name)), {body: {spec: {unschedulable: unschedulable ? true : null}}, contentType: 'application/strategic-merge-patch+json'})
      session.io.stdout(`${name} ${word}${dryRun ? ' (dry run)' : ''}\n`)
    }
    return 0
  }
}

export const runCordon = cordonVerb(true)
export const runUncordon = cordonVerb(false)

/** `key=value:Effect`, `key:Effect` to add; `key:Effect-`, `key-` to remove. */
function parseTaints(specs: readonly string[]): {add: Taint[]; remove: Array<{key: string; effect?: string}>} {
  const add: Taint[] = []
  const remove: Array<{key: string; effect?: string}> = []
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const [key, effect] = spec.slice(0, -1).split(':')
      if (effect !== undefined && !taintEffects.includes(effect)) throw new KubectlError(`invalid taint effect: ${effect}, unsupported taint effect`)
      remove.push({key: key!, ...(effect ? {effect} : {})})
      continue
    }
    const match = /^([^=:]+)(?:=([^:]*))?:(.*)$/.exec(spec)
    if (!match) throw new KubectlError(`invalid taint spec: ${spec}, unknown taint spec: ${spec}`)
    if (!taintEffects.includes(match[3]!)) throw new KubectlError(`invalid taint spec: ${spec}, invalid taint effect: ${match[3]}, unsupported taint effect`)
    add.push({key: match[1]!, ...(match[2] !== undefined && match[2] !== '' ? {value: match[2]} : {}), effect: match[3]!})
  }
  return {add, remove}
}

export async function runTaint(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [type, ...rest] = args
  if (!type) throw new KubectlError('at least one taint update is required')
  const slash = type.indexOf('/')
  const typeName = slash >= 0 ? type.slice(0, slash) : type
  if (!['node', 'nodes', 'no'].includes(typeName)) throw new KubectlError(`invalid resource type ${typeName}, only node types are supported`)
  const names = slash >= 0 ? [type.slice(slash + 1)] : rest.filter((argument) => !/[=:]|-$/.test(argument))
  const specs = slash >= 0 ? rest : rest.filter((argument) => /[=:]|-$/.test(argument))
  if (specs.length === 0) throw new KubectlError('at least one taint update is required')
  const {add, remove} = parseTaints(specs)
  const {resource, nodes} = await nodesNamed(session, names)
  for (const node of nodes) {
    let taints = [...(node.spec?.taints ?? [])]
    for (const taint of add) {
      const same = taints.filter((existing) => existing.key === taint.key && existing.effect === taint.effect)
      if (same.length > 0 && session.flag('overwrite') !== 'true') throw new KubectlError(`node ${node.metadata.name} already has ${taint.key} taint(s) with same effect(s) and --overwrite is false`)
      taints = [...taints.filter((existing) => !(existing.key === taint.key && existing.effect === taint.effect)), taint]
    }
    for (const removal of remove) {
      const kept = taints.filter((existing) => !(existing.key === removal.key && (removal.effect === undefined || existing.effect === removal.effect)))
      if (kept.length === taints.length) throw new KubectlError(`taint ${JSON.stringify(removal.effect ? `${removal.key}:${removal.effect}` : removal.key)} not found`)
      taints = kept
    }
    await session.request('PATCH', objectPath(resource, '', String(node.metadata.name)), {body: {spec: {taints: taints.length > 0 ? taints : null}}, contentType: 'application/merge-patch+json'})
    session.io.stdout(`${kindName(resource)}/${node.metadata.name} ${add.length > 0 && remove.length === 0 ? 'tainted' : remove.length > 0 && add.length === 0 ? 'untainted' : 'modified'}\n`)
  }
  return 0
}
