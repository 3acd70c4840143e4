// Verbs that change one part of existing objects: `label` and `annotate` (key=value, key-,
// --overwrite, -l/--all), `patch` (--type strategic|merge|json, -p), and `scale` (--replicas,
// --current-replicas, through the scale subresource). Messages as kubectl prints them.
import {setOwn} from '../../api/object.js'
import {existsSync, statSync} from 'node:fs'
import {cloneJson, jsonEqual, type KubeObject} from '../../api/object.js'
import {isValidLabelValue} from '../../api/names.js'
import {GatheredErrors, KubectlError, noResourcesMessage, readFileAsGo, refuseAllWithSelector, resourcesRequiredMessage} from '../errors.js'
import {hasManifestSource, readEntriesOrKustomization, selectedByFlag} from '../kustomize/manifests.js'
import {fileVisitorCount, isManifest, readManifestEntries} from '../manifests.js'
import {readYamlDocument} from '../yaml-faults.js'
import {goJsonCompact} from '../../util/go-json.js'
import {type LocalPatchType, patchLocally} from '../local-patch.js'
import {goQuote} from '../../printers/etcdctl.js'
import type {KubectlFlag} from '../flags.js'
import {changeCauseAnnotation, changeCauseOf, recordAfter, recordFlag} from '../record.js'
import {type ApiResource, collectionPath, kindName, objectPath, ResourceMapper, requestList, requestNamed} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {ChangedObjectPrinter} from '../output.js'
import {dryRunOf, dryRunSuffix, placeObject} from './apply.js'
import {parseResourceArguments, refuseArgumentsWithPaths, refuseNamesWithSelection} from './get.js'

const commonFlags: readonly KubectlFlag[] = [
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'all', kind: 'bool'},
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'field-manager', kind: 'string'},
  {name: 'resource-version', kind: 'string'},
  {name: 'local', kind: 'bool'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'template', kind: 'string'},
  recordFlag,
]

/** The printer for -o/--template (and --show-managed-fields) as the verb's flags give them. */
const printerOf = (session: KubectlSession) => new ChangedObjectPrinter(session.flag('output'), session.flag('template'), session.flag('show-managed-fields') === 'true', session.flag('allow-missing-template-keys'))

export const labelFlags: readonly KubectlFlag[] = [...commonFlags, {name: 'overwrite', kind: 'bool'}, {name: 'list', kind: 'bool'}, {name: 'field-selector', kind: 'string'}]
/** The flags kubectl patch lacks of the other modifying verbs: it selects nothing, it names its objects. */
const notPatchFlags: ReadonlySet<string> = new Set(['selector', 'all', 'all-namespaces', 'resource-version'])
export const patchFlags: readonly KubectlFlag[] = [
  ...commonFlags.filter((flag) => !notPatchFlags.has(flag.name)),
  {name: 'patch', shorthand: 'p', kind: 'string'},
  {name: 'patch-file', kind: 'string'},
  {name: 'type', kind: 'string', defaultValue: 'strategic'},
  {name: 'subresource', kind: 'string'},
]
/** kubectl scale has no --local, and neither -A nor --field-manager (it scales in the namespace, as the kubectl's own manager). */
const notScaleFlags: ReadonlySet<string> = new Set(['local', 'all-namespaces', 'field-manager'])
export const scaleFlags: readonly KubectlFlag[] = [...commonFlags.filter((flag) => !notScaleFlags.has(flag.name)), {name: 'replicas', kind: 'int', defaultValue: '-1'}, {name: 'current-replicas', kind: 'int', defaultValue: '-1'}, {name: 'timeout', kind: 'duration', defaultValue: '0s'}]

interface Target {
  readonly resource: ApiResource
  readonly namespace: string
  readonly name: string
  /** With --local: the object as its file gives it, changed here and never sent. */
  readonly local?: KubeObject
  /**
   * From -f: the file's object, which patch and scale take as the object (kubectl's builder
   * reads nothing more for them), and the resource its kind maps to, whose client they build.
   */
  readonly fromFile?: {readonly object: KubeObject; readonly mapped: ApiResource}
}

/**
 * The objects a verb works on: TYPE NAME…, TYPE/NAME…, TYPE with -l / --all, or those -f/-k name
 * (filtered by -l where the verb has it). `unread`: where an object of -f that cannot be read or
 * mapped goes; kubectl's builder acts on the others and reports these after the verb's own errors.
 */
async function targetsOf(session: KubectlSession, verb: string, mapper: ResourceMapper, args: readonly string[], unread: GatheredErrors): Promise<Target[]> {
  const files = session.list('filename')
  const local = session.flag('local') === 'true'
  if (hasManifestSource(session)) {
    refuseArgumentsWithPaths(args)
    const targets: Target[] = []
    // Not validated: only the writers (create, apply, replace) validate what they read.
    const entries = session.flag('kustomize') !== '' ? await readEntriesOrKustomization(session, verb) : await selectedByFlag(session, await readManifestEntries(files, session.flag('recursive') === 'true', () => session.io.readStdin(), false))
    for (const entry of entries) {
      try {
        if (!isManifest(entry)) throw entry.error
        const {resource, namespace, mapped} = placeObject(session, mapper, entry)
        // The builder sets a namespaced object's namespace, as it will act on it.
        const object = resource.namespaced ? {...entry.object, metadata: {...entry.object.metadata, namespace}} : entry.object
        targets.push({resource, namespace, name: entry.object.metadata.name ?? '', fromFile: {object, mapped}, ...(local ? {local: cloneJson(entry.object)} : {})})
      } catch (error) {
        unread.add(error)
      }
    }
    return targets
  }
  // patch's builder refuses a command naming nothing (its --local with arguments failed before).
  if (verb === 'patch' && args.length === 0) throw new KubectlError(noResourcesMessage)
  if (local) throw new KubectlError('can only use local files by -f pod.yaml or --filename=pod.json when --local=true is set')
  refuseAllWithSelector(session.flag('all') === 'true', session.flag('selector'))
  const requests = parseResourceArguments(mapper, args)
  refuseNamesWithSelection(args, session.flag('selector') !== '')
  const namespace = session.namespace()
  const targets: Target[] = []
  for (const {resource, names} of requests) {
    if (names.length > 0) {
      for (const name of names) targets.push({resource, namespace, name})
      continue
    }
    if (!session.flag('selector') && session.flag('all') !== 'true') throw new KubectlError('resource(s) were provided, but no name was specified')
    const query: Record<string, string> = {}
    if (session.flag('selector')) query.labelSelector = session.flag('selector')
    const listed = await requestList(session, resource, resource.namespaced && session.flag('all-namespaces') !== 'true' ? namespace : '', {query})
    for (const item of (listed.body as {items?: KubeObject[]}).items ?? []) targets.push({resource, namespace: item.metadata.namespace ?? '', name: item.metadata.name ?? ''})
  }
  return targets
}

/** Whether kubectl's resource builder takes the arguments as one object (IntoSingleItemImplied): one path that is no folder nor stdin, or a kustomization. */
function singleItemImplied(session: KubectlSession, resources: readonly string[]): boolean {
  const files = session.list('filename')
  if (session.flag('kustomize') !== '') return files.length === 0
  if (files.length > 0) return files.length === 1 && files[0] !== '-' && existsSync(files[0]!) && statSync(files[0]!).isFile()
  if (session.flag('selector') !== '' || session.flag('all') === 'true') return false
  if (resources.length === 1) return resources[0]!.includes('/') && !resources[0]!.includes(',')
  return resources.length === 2 && !resources[0]!.includes(',') && !resources[1]!.includes('/')
}

async function metadataVerb(session: KubectlSession, args: readonly string[], field: 'labels' | 'annotations'): Promise<number> {
  const noun = field === 'labels' ? 'label' : 'annotation'
  // kubectl's GetResourcesAndPairs: the resources first, then the changes; a resource after a change is refused.
  const isChange = (argument: string) => (argument.includes('=') && !argument.startsWith('=')) || (argument.endsWith('-') && argument !== '-')
  const firstChange = args.findIndex(isChange)
  const resources = firstChange < 0 ? [...args] : args.slice(0, firstChange)
  const changes = firstChange < 0 ? [] : args.slice(firstChange)
  const misplaced = changes.find((argument) => !isChange(argument))
  if (misplaced !== undefined) throw new KubectlError(`all resources must be specified before ${noun} changes: ${misplaced}`)
  const past = field === 'labels' ? 'labeled' : 'annotated'
  if (resources.length === 0 && !hasManifestSource(session)) throw new KubectlError(resourcesRequiredMessage)
  const listing = session.flag('list') === 'true'
  if (changes.length === 0 && !listing) throw new KubectlError(`at least one ${noun} update is required`)
  const removed = new Set(changes.filter((change) => !change.includes('=')).map((change) => change.slice(0, -1)))
  const both = [...new Set(changes.filter((change) => change.includes('=')).map((change) => change.slice(0, change.indexOf('='))))].filter((key) => removed.has(key))
  if (both.length > 0) {
    throw new KubectlError(field === 'labels' ? 'can not both modify and remove a label in the same command' : `can not both modify and remove the following annotation(s) in the same command: ${both.join(', ')}`)
  }
  if (field === 'labels' && listing && session.flag('output') !== '') throw new KubectlError('--list and --output may not be specified together')
  // label checks each value (and that a spec has one `=`) before anything is read; the server checks the keys.
  if (field === 'labels') {
    for (const change of changes.filter((text) => text.includes('='))) {
      const value = change.slice(change.indexOf('=') + 1)
      if (value.includes('=')) throw new KubectlError(`invalid label spec: ${change}`)
      const invalid = isValidLabelValue(value)
      if (invalid.length > 0) throw new KubectlError(`invalid label value: ${JSON.stringify(change)}: ${invalid.join(';')}`)
    }
  }
  const resourceVersion = session.flag('resource-version')
  const dryRun = dryRunOf(session)
  const mapper = await ResourceMapper.discover(session)
  // label and annotate go on past an object that fails, and report every failure at the end.
  const errors = new GatheredErrors()
  const printer = printerOf(session)
  const unread = new GatheredErrors()
  const targets = await targetsOf(session, field === 'labels' ? 'label' : 'annotate', mapper, resources, unread)
  // The builder's single item implied: one object named, or one file (not a selection, a type, a folder).
  const one = singleItemImplied(session, resources)
  if (!one && resourceVersion) throw new KubectlError('--resource-version may only be used with a single resource')
  for (const target of targets) {
    try {
      const path = objectPath(target.resource, target.namespace, target.name)
      const current = target.local ?? ((await requestNamed(session, target.resource, target.namespace, target.name)).body as KubeObject)
      const existing: Record<string, string> = {...(current.metadata[field] ?? {})}
      if (listing) {
        // --list prints what the object would have after the changes (kubectl walks a Go map: in
        // no fixed order) and sends nothing; several objects each under a heading.
        const listed = {...existing}
        for (const change of changes) {
          const equals = change.indexOf('=')
          if (equals < 0) delete listed[change.slice(0, -1)]
          else listed[change.slice(0, equals)] = change.slice(equals + 1)
        }
        const kind = current.kind ?? target.resource.kind
        const group = (current.apiVersion ?? '').includes('/') ? current.apiVersion!.split('/')[0] : target.resource.group
        const heading = one ? '' : `Listing ${noun === 'label' ? 'labels' : 'annotations'} for ${kind}.${group}/${target.name}:\n`
        session.io.stdout(heading + Object.entries(listed).map(([key, value]) => `${one ? '' : ' '}${key}=${value}\n`).join(''))
        continue
      }
      const updated = {...existing}
      for (const change of changes) {
        if (change.endsWith('-') && !change.includes('=')) {
          const key = change.slice(0, -1)
          // Only label tells, and only when it sends the change.
          if (!Object.hasOwn(updated, key) && field === 'labels' && dryRun !== 'client') session.io.stdout(`${noun} "${key}" not found.\n`)
          delete updated[key]
          continue
        }
        const equals = change.indexOf('=')
        const key = change.slice(0, equals)
        const value = change.slice(equals + 1)
        // Own keys only: a label named `constructor` has no value before it is set.
        if (Object.hasOwn(existing, key) && existing[key] !== value && session.flag('overwrite') !== 'true') {
          if (field === 'labels') throw new KubectlError(`'${key}' already has a value (${existing[key]}), and --overwrite is false`)
          throw new KubectlError(`--overwrite is false but found the following declared annotation(s): '${key}' already has a value (${existing[key]})`)
        }
        setOwn(updated, key, value)
      }
      const label = `${kindName(target.resource)}/${target.name}`
      // label prints the object it read with its labels changed; annotate the server's answer
      // (on a client dry run the object read, changed).
      let printed: KubeObject = {...current, metadata: {...current.metadata, [field]: updated}}
      // --record's cause is on the object before kubectl compares its length with the one read.
      const cause = changeCauseOf(session.flags)
      if (field === 'labels' && cause !== null && dryRun !== 'client') printed = {...printed, metadata: {...printed.metadata, annotations: {...printed.metadata.annotations, [changeCauseAnnotation]: cause}}}
      // annotate always says annotated; label tells a removal (the object's JSON got shorter) and no change apart.
      let message = past
      if (field === 'labels' && jsonEqual(printed, current)) message = `not ${past}`
      else if (field === 'labels' && session.flag('overwrite') !== 'true' && JSON.stringify(printed).length < JSON.stringify(current).length) message = `un${past}`
      if (jsonEqual(existing, updated) && (field !== 'labels' || jsonEqual(printed, current)) && !resourceVersion) {
        session.io.stdout(printer.print(printed, label, `${message}${dryRunSuffix(dryRun)}`))
        continue
      }
      const patch: Record<string, string | null> = {}
      for (const key of Object.keys(existing)) if (!(key in updated)) patch[key] = null
      for (const [key, value] of Object.entries(updated)) if (existing[key] !== value) patch[key] = value
      if (dryRun !== 'client' && !target.local) {
        const metadata: Record<string, Record<string, string | null> | string> = {[field]: patch}
        // --resource-version rides in the patch: the server refuses it with a conflict unless it is current.
        if (resourceVersion) metadata.resourceVersion = resourceVersion
        // --record's cause rides in the same patch, as kubectl records it on the object it diffs.
        if (cause !== null) metadata.annotations = {...(metadata.annotations as Record<string, string | null> | undefined), [changeCauseAnnotation]: cause}
        // kubectl names itself the field manager of what it changes: kubectl-label, kubectl-annotate.
        const query = {...(dryRun === 'server' ? {dryRun: 'All'} : {}), fieldManager: session.flag('field-manager') || `kubectl-${noun === 'label' ? 'label' : 'annotate'}`}
        const answer = (await session.request('PATCH', path, {body: {metadata}, contentType: 'application/merge-patch+json', query})).body as KubeObject
        if (field === 'annotations') printed = answer
      }
      session.io.stdout(printer.print(printed, label, `${message}${dryRunSuffix(dryRun)}`))
    } catch (error) {
      errors.add(error)
    }
  }
  errors.addAll(unread)
  return errors.report(session.io, session)
}

export const runLabel = (session: KubectlSession, args: readonly string[]) => metadataVerb(session, args, 'labels')
export const runAnnotate = (session: KubectlSession, args: readonly string[]) => metadataVerb(session, args, 'annotations')

const patchTypes: Record<string, string> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
}

export async function runPatch(session: KubectlSession, args: readonly string[]): Promise<number> {
  // The dry-run strategy is read first (Complete), then kubectl's Validate in its order; the patch file is read after it.
  const dryRun = dryRunOf(session)
  const patchFile = session.flag('patch-file')
  if (session.flag('patch') !== '' && patchFile !== '') throw new KubectlError('cannot specify --patch and --patch-file together')
  if (session.flag('patch') === '' && patchFile === '') throw new KubectlError('must specify --patch or --patch-file containing the contents of the patch')
  const local = session.flag('local') === 'true'
  if (local && args.length > 0) throw new KubectlError('cannot specify --local and server resources')
  if (local && dryRun === 'server') throw new KubectlError('cannot specify --local and --dry-run=server - did you mean --dry-run=client?')
  // The type is matched in lower case, and named as given when it is none of them.
  const type = session.flag('type').toLowerCase()
  const contentType = patchTypes[type]
  if (!contentType) throw new KubectlError(`--type must be one of [json merge strategic], not "${session.flag('type')}"`)
  let text = session.flag('patch')
  if (patchFile !== '') {
    try {
      text = readFileAsGo(patchFile)
    } catch (error) {
      throw error instanceof KubectlError ? new KubectlError(`unable to read patch file: ${error.message}`) : error
    }
  }
  // kubectl sends a patch that starts with `{` as it is (the server judges its JSON); any other
  // text is YAML, sent as Go marshals it (keys sorted).
  let patch: unknown = text
  if (!text.trimStart().startsWith('{')) {
    const read = readYamlDocument(text)
    // kubectl names the --patch text, which is empty when the patch came from --patch-file.
    if ('fault' in read) throw new KubectlError(`unable to parse ${goQuote(new TextEncoder().encode(session.flag('patch')))}: yaml: ${read.fault}`)
    patch = goJsonCompact(read.value)
  }
  const mapper = await ResourceMapper.discover(session)
  const errors = new GatheredErrors()
  const subresource = session.flag('subresource')
  const printer = printerOf(session)
  const unread = new GatheredErrors()
  const targets = await targetsOf(session, 'patch', mapper, args, unread)
  // Files of no objects: nothing was visited (kubectl's visit errors come before this check).
  if (targets.length === 0 && unread.message() === '') throw new KubectlError('no objects passed to patch')
  for (const target of targets) {
    try {
      // patch sends through a client of the kind's mapping, and takes a file's object as the object it patches.
      const path = objectPath(target.fromFile?.mapped ?? target.resource, target.namespace, target.name) + (subresource ? `/${subresource}` : '')
      const read = async () => ((subresource ? await session.request('GET', path) : await requestNamed(session, target.resource, target.namespace, target.name)).body as KubeObject)
      const before = target.local ?? target.fromFile?.object ?? (await read())
      let after: KubeObject
      if (dryRun === 'client' || target.local) {
        // kubectl applies a client dry run's patch itself: no request, so no server defaults on what it adds.
        // A panic's trace names kubectl's callers: those of a patch of files (--local or a client dry run), and of a client dry run of objects named by the arguments, are known.
        const byName = !target.local && !target.fromFile && !hasManifestSource(session)
        const named = !byName ? undefined : args.some((arg) => arg.includes('/')) ? {form: 'tuples' as const, count: args.length} : {form: 'names' as const}
        const command = target.local || target.fromFile || named ? {fileVisitors: fileVisitorCount(session.list('filename'), session.flag('recursive') === 'true'), kustomize: session.flag('kustomize') !== '', commandArgs: session.commandArgs.length, named} : undefined
        after = patchLocally(before, typeof patch === 'string' ? patch : JSON.stringify(patch), type as LocalPatchType, target.resource, command) as KubeObject
      } else {
        const dryRunQuery = dryRun === 'server' ? {dryRun: 'All'} : undefined
        const query = {...dryRunQuery, fieldManager: session.flag('field-manager') || 'kubectl-patch'}
        after = (await session.request('PATCH', path, {body: patch, contentType, query})).body as KubeObject
        await recordAfter(session, objectPath(target.fromFile?.mapped ?? target.resource, target.namespace, target.name), dryRunQuery)
      }
      const label = `${kindName(target.resource)}/${target.name}`
      const unchanged = before.metadata?.resourceVersion === after.metadata?.resourceVersion && jsonEqual(before, after)
      // kubectl names the operation after its dry-run words were added, so patch never says dry run.
      session.io.stdout(printer.print(after, label, `patched${unchanged ? ' (no change)' : ''}`))
    } catch (error) {
      errors.add(error)
    }
  }
  errors.addAll(unread)
  return errors.report(session.io, session)
}

export async function runScale(session: KubectlSession, args: readonly string[]): Promise<number> {
  const replicas = Number(session.flag('replicas'))
  if (!session.flags.changed.has('replicas') || replicas < 0) throw new KubectlError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0')
  const dryRun = dryRunOf(session)
  // The builder refuses a command naming nothing, before scale looks for objects.
  if (args.length === 0 && session.list('filename').length === 0 && session.flag('kustomize') === '') throw new KubectlError(noResourcesMessage)
  const mapper = await ResourceMapper.discover(session)
  // kubectl reads every object first and keeps what it could not read for the end; a failure
  // while scaling stops it at once.
  const unread = new GatheredErrors()
  const objects: Array<{target: Target; object: KubeObject}> = []
  for (const target of await targetsOf(session, 'scale', mapper, args, unread)) {
    // A file's object is the object scale works on: it reads nothing more.
    if (target.fromFile) {
      objects.push({target, object: target.fromFile.object})
      continue
    }
    try {
      objects.push({target, object: (await requestNamed(session, target.resource, target.namespace, target.name)).body as KubeObject})
    } catch (error) {
      unread.add(error)
    }
  }
  if (objects.length === 0) {
    const cause = unread.message()
    throw new KubectlError(cause === '' ? 'no objects passed to scale' : `no objects passed to scale ${cause}`)
  }
  const printer = printerOf(session)
  for (const {target, object} of objects) {
    // kubectl prints the object as it read it, before scaling.
    const label = `${kindName(target.resource)}/${target.name}`
    if (dryRun === 'client') {
      session.io.stdout(printer.print(object, label, `scaled${dryRunSuffix(dryRun)}`))
      continue
    }
    // The scale client of the kind's mapping.
    const path = `${objectPath(target.fromFile?.mapped ?? target.resource, target.namespace, target.name)}/scale`
    const expected = Number(session.flag('current-replicas'))
    if (expected >= 0) {
      const scale = (await session.request('GET', path)).body as KubeObject & {spec?: {replicas?: number}}
      if ((scale.spec?.replicas ?? 0) !== expected) throw new KubectlError(`Expected replicas to be ${expected}, was ${scale.spec?.replicas ?? 0}`)
    }
    const resourceVersion = session.flag('resource-version')
    if (resourceVersion) {
      const scale = (await session.request('GET', path)).body as KubeObject
      if (scale.metadata.resourceVersion !== resourceVersion) throw new KubectlError(`Expected resource version to be ${resourceVersion}, was ${scale.metadata.resourceVersion}`)
    }
    const query = dryRun === 'server' ? {dryRun: 'All'} : undefined
    await session.request('PATCH', path, {body: {spec: {replicas}}, contentType: 'application/merge-patch+json', query})
    await recordAfter(session, objectPath(target.fromFile?.mapped ?? target.resource, target.namespace, target.name), query)
    session.io.stdout(printer.print(object, label, `scaled${dryRunSuffix(dryRun)}`))
  }
  return unread.report(session.io, session)
}
