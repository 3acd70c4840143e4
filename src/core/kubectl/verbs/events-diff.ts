// `kubectl events` (a namespace's events, oldest first, optionally --for one object, -w) and
// `kubectl diff -f` (live objects against what a server dry run of the apply would make, shown
// by `diff -u -N` or $KUBECTL_EXTERNAL_DIFF; exit 1 when they differ).
import {spawnSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cloneJson, isJsonObject, type KubeObject} from '../../api/object.js'
import {builtinScheme} from '../../api/resources.js'
import {humanDuration} from '../../util/go-duration.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {goJson} from '../../util/go-json.js'
import {tabwrite} from '../../printers/kubectl/table.js'
import {KubectlError, KubectlPlainError} from '../errors.js'
import {goTemporaryFolder} from '../go-temporary.js'
import {sortEventsAsKubectl} from '../event-order.js'
import type {KubectlFlag} from '../flags.js'
import {hasManifestSource, readManifestsOrKustomization} from '../kustomize/manifests.js'
import {outputFormatOf, printTemplated} from '../output.js'
import {collectionPath, defaultChunkSize, objectPath, requestInChunks, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {threeWayPatch} from '../three-way-patch.js'
import {lastAppliedAnnotation, placeObject} from './apply.js'

export const eventsFlags: readonly KubectlFlag[] = [
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'for', kind: 'string'},
  {name: 'types', kind: 'stringSlice'},
  {name: 'no-headers', kind: 'bool'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'watch', shorthand: 'w', kind: 'bool'},
  {name: 'chunk-size', kind: 'int', defaultValue: '500'},
]

const text = (value: unknown) => (typeof value === 'string' ? value : '')

/** The fields of `record` named in `order`, in that order; absent ones left out, or set to `absent` when given. */
function ordered(record: Record<string, unknown>, order: readonly string[], always: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of order) {
    if (record[key] !== undefined && record[key] !== null) out[key] = record[key]
    else if (key in always) out[key] = always[key]
  }
  return out
}

const objectMetaOrder = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers']
const referenceOrder = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']

/** An Event as kubectl events prints it from its typed client: Go's struct order, zero times as null, no managedFields. */
function typedEvent(event: KubeObject): Record<string, unknown> {
  const record: Record<string, unknown> = event
  const reference = (value: unknown) => ordered(isJsonObject(value) ? value : {}, referenceOrder)
  const typed = ordered(record, ['metadata', 'involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'], {
    source: {},
    firstTimestamp: null,
    lastTimestamp: null,
    eventTime: null,
    reportingComponent: '',
    reportingInstance: '',
  })
  typed.metadata = ordered(isJsonObject(record.metadata) ? record.metadata : {}, objectMetaOrder)
  typed.involvedObject = reference(record.involvedObject)
  if (typed.related) typed.related = reference(typed.related)
  typed.source = ordered(isJsonObject(typed.source) ? typed.source : {}, ['component', 'host'])
  return {kind: 'Event', apiVersion: 'v1', ...typed}
}

export async function runEvents(session: KubectlSession): Promise<number> {
  // --types: Normal or Warning in any case, checked before any request.
  const types = session.list('types').map((type) => type.toLowerCase())
  if (types.some((type) => type !== 'normal' && type !== 'warning')) throw new KubectlError('valid --types are Normal or Warning')
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = session.namespace()
  const mapper = await ResourceMapper.discover(session)
  const query: Record<string, string> = {}
  if (session.flag('for')) {
    const [kindText, name] = session.flag('for').split('/')
    if (!name) throw new KubectlError(`--for must be in resource/name form`)
    const resource = mapper.resolveBare(kindText!)
    query.fieldSelector = `involvedObject.kind=${resource.kind},involvedObject.name=${name}`
  }
  const events = mapper.resolve('events')
  // kubectl events reads in chunks of kubectl's default size, whatever --chunk-size says.
  const listed = await requestInChunks(session, collectionPath(events, allNamespaces ? '' : namespace), {query}, defaultChunkSize)
  const items = ((listed.body as {items?: KubeObject[]}).items ?? []).filter((event) => types.length === 0 || types.includes(text(event.type).toLowerCase()))
  const time = (event: KubeObject) => Date.parse(text(event.lastTimestamp) || text(event.eventTime) || text(event.firstTimestamp)) || 0
  // kubectl sorts with Go's unstable sort.Sort: events of the same second end in its order.
  sortEventsAsKubectl(items, 'last seen')
  // Watching, kubectl waits for events to come rather than say there are none.
  if (items.length === 0 && session.flag('watch') === 'true') return 0
  if (items.length === 0) {
    session.io.stderr(allNamespaces ? 'No events found.\n' : `No events found in ${namespace} namespace.\n`)
    return 0
  }
  const output = session.flag('output')
  if (output !== '') {
    // kubectl events prints a typed EventList: its fields in Go's struct order, no list metadata.
    const list = {kind: 'EventList', apiVersion: 'v1', metadata: {}, items: items.map(typedEvent)}
    if (output === 'json') session.io.stdout(`${goJson(list, false)}\n`)
    else if (output === 'yaml') session.io.stdout(goYaml(list))
    else if (output !== 'name') {
      // Templates run on the list as a whole, as kubectl's printers get it.
      const format = outputFormatOf(output)
      if (format.format === 'jsonpath' || format.format === 'go-template') {
        session.io.stdout(printTemplated(format, [list], true, false))
        return 0
      }
      throw new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`)
    }
    return 0
  }
  const now = session.clock.nowMilliseconds()
  const rows = items.map((event) => {
    const involved = (event.involvedObject ?? {}) as Record<string, unknown>
    const count = typeof event.count === 'number' ? event.count : 1
    const last = humanDuration(now - time(event))
    const first = humanDuration(now - (Date.parse(text(event.firstTimestamp) || text(event.eventTime)) || time(event)))
    const seen = count > 1 ? `${last} (x${count} over ${first})` : last
    const object = `${text(involved.kind)}/${text(involved.name)}`
    return [...(allNamespaces ? [event.metadata.namespace ?? ''] : []), seen, text(event.type), text(event.reason), object, text(event.message).trim()]
  })
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']
  session.io.stdout(tabwrite(session.flag('no-headers') === 'true' ? rows : [header, ...rows]))
  return 0
}

export const diffFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'server-side', kind: 'bool'},
  {name: 'force-conflicts', kind: 'bool'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-client-side-apply'},
  {name: 'prune', kind: 'bool'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'concurrency', kind: 'int', defaultValue: '1'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
]


/** What the diff shows of an object: no managedFields, no generation bump noise. */
function forDiff(object: KubeObject | null): string {
  if (!object) return ''
  const copy = cloneJson(object)
  delete copy.metadata.managedFields
  return goYaml(copy)
}

export async function runDiff(session: KubectlSession): Promise<number> {
  // kubectl diff exits 1 for differences found, so its errors exit 2.
  if (!hasManifestSource(session)) throw new KubectlError('must specify one of -f and -k', 2)
  const mapper = await ResourceMapper.discover(session)
  // As Go's os.MkdirTemp names kubectl's (LIVE-, MERGED- and a random number): diff's header lines name them.
  const live = goTemporaryFolder('LIVE-')
  const merged = goTemporaryFolder('MERGED-')
  if (live === null || merged === null) {
    if (live !== null) rmSync(live, {recursive: true, force: true})
    throw new KubectlError(`cannot make a temporary folder in ${tmpdir()}`, 2)
  }
  try {
    try {
      await writeDiffFiles(session, mapper, live, merged)
    } catch (error) {
      // kubectl diff exits 1 for differences found, so every error of its run exits 2 (CheckDiffErr), in the same words.
      if (error instanceof KubectlPlainError && error.exitCode === 1) throw new KubectlPlainError(error.message, 2, error.stdoutBefore)
      if (error instanceof KubectlError && error.exitCode === 1) throw new KubectlError(error.message, 2, error.stdoutBefore)
      throw error
    }
    const external = session.io.environment.KUBECTL_EXTERNAL_DIFF
    const command = external && external.length > 0 ? external : 'diff -u -N'
    const result = spawnSync('sh', ['-c', `${command} "$1" "$2"`, 'sh', live, merged], {encoding: 'utf8'})
    if (result.error) throw new KubectlError(`failed to run "${command}": ${result.error.message}`, 2)
    session.io.stdout(result.stdout ?? '')
    if (result.stderr) session.io.stderr(result.stderr)
    // 1 is the differences found; any other failure of the diff program is kubectl's error, exit 2.
    if (result.status !== 0 && result.status !== 1) throw new KubectlError(`failed to run "${command}": exit status ${result.status ?? 1}`, 2)
    return result.status ?? 0
  } finally {
    rmSync(live, {recursive: true, force: true})
    rmSync(merged, {recursive: true, force: true})
  }
}

/** The live and the would-be-applied objects of the manifests, one file each in `live` and `merged`. */
async function writeDiffFiles(session: KubectlSession, mapper: ResourceMapper, live: string, merged: string): Promise<void> {
  for (const manifest of await readManifestsOrKustomization(session, 'diff')) {
    const {resource, namespace} = placeObject(session, mapper, manifest)
    const object = cloneJson(manifest.object)
    if (resource.namespaced) object.metadata.namespace = namespace
    const name = object.metadata.name ?? ''
    const fileName = `${resource.group ? `${resource.group}.` : ''}${resource.version}.${resource.kind}.${resource.namespaced ? `${namespace}.` : ''}${name}`
    const current = await session.request('GET', objectPath(resource, namespace, name), {allow: [404]})
    // kubectl diff leaves the last-applied configuration as it is (GetModifiedConfiguration
    // without annotating): a new object is created as the file has it, a live one patched
    // towards the file's object with its annotations made a map, the annotation left out.
    const {[lastAppliedAnnotation]: _ignored, ...annotations} = object.metadata.annotations ?? {}
    const desired = {...object, metadata: {...object.metadata, annotations}}
    let after: KubeObject
    {
      if (current.status === 404) {
        after = (await session.request('POST', collectionPath(resource, namespace), {body: object, query: {dryRun: 'All', fieldValidation: 'Strict'}})).body as KubeObject
      } else {
        const liveObject = current.body as KubeObject
        const originalText = liveObject.metadata.annotations?.[lastAppliedAnnotation]
        const original = originalText ? JSON.parse(originalText) : null
        const schema = builtinScheme().kindOf(object.apiVersion ?? '', object.kind ?? '')?.schema ?? null
        const patch = threeWayPatch(original, desired, liveObject, schema)
        after = Object.keys(patch).length === 0
          ? liveObject
          : ((await session.request('PATCH', objectPath(resource, namespace, name), {body: patch, contentType: schema ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json', query: {dryRun: 'All'}})).body as KubeObject)
      }
    }
    const before = current.status === 404 ? null : (current.body as KubeObject)
    // A dry run reports a new generation even for a spec that did not change; kubectl ignores it too.
    if (before && after.metadata.generation !== undefined && JSON.stringify(before.spec) === JSON.stringify(after.spec)) after.metadata.generation = before.metadata.generation
    // An object not there yet has an empty live file, as kubectl writes it.
    writeFileSync(join(live, fileName), before ? forDiff(before) : '')
    writeFileSync(join(merged, fileName), forDiff(after))
  }
}
