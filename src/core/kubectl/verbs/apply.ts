// `kubectl create -f` and `kubectl apply -f` (client-side): objects from files or stdin mapped to
// their resources, namespaced by -n or the context, then created, or (apply) patched with the
// three-way strategic merge of last-applied, new and live configuration, printing
// created / configured / unchanged as kubectl does.
import {cloneJson, isJsonObject, type KubeObject} from '../../api/object.js'
import {builtinScheme} from '../../api/resources.js'
import {goJson, goJsonCompact} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {type AppliedSet, pruneAllowlistOf, pruneKindsOf, pruneUnapplied} from './apply-prune.js'
import {ConnectionRefusedError, errorsText, KubectlError, refuseAllWithSelector, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {recordFlag, recorded} from '../record.js'
import type {Manifest} from '../manifests.js'
import {hasManifestSource, readEntriesOrKustomization} from '../kustomize/manifests.js'
import {validateListItems} from '../list-validation.js'
import {checkDecodable, isListItem, isManifest} from '../manifests.js'
import {checkTemplateParses, outputFormatOf, printObjects, printTemplated, withoutManagedFields} from '../output.js'
import {type ApiResource, collectionPath, kindName, objectPath, ResourceMapper} from '../resources.js'
import {waitForObject} from '../object-watch.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {runRaw} from './raw.js'
import type {KubectlSession} from '../session.js'
import {threeWayPatch} from '../three-way-patch.js'
import {fieldValidationOf} from '../field-validation.js'

export {fieldValidationOf}

const conflictAdvice = `Please review the fields above--they currently have other managers. Here are
the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration'

const fileFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'validate', kind: 'string', defaultValue: 'strict', noValueDefault: 'strict'},
  {name: 'field-manager', kind: 'string'},
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'template', kind: 'string'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
]

/** The formats kubectl's create and apply print written objects in (its PrintFlags without the table ones). */
const writtenFormats = ['go-template', 'go-template-file', 'json', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'name', 'template', 'templatefile', 'yaml']

/** -o (or --template alone) for create and apply: yaml, json and name, or a template. */
function writtenOutputOf(session: KubectlSession): {output: string; templated: ReturnType<typeof outputFormatOf> | null} {
  const output = session.flag('output')
  const template = session.flag('template')
  if (output === '' && template === '') return {output, templated: null}
  const kind = output.split('=')[0]!
  if (output !== '' && !writtenFormats.includes(kind)) throw new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${writtenFormats.join(',')}`)
  if (['yaml', 'json', 'name'].includes(output)) return {output, templated: null}
  const templated = outputFormatOf(output, template, session.flag('allow-missing-template-keys'))
  checkTemplateParses(templated)
  return {output: 'template', templated}
}

export const applyFlags: readonly KubectlFlag[] = [
  ...fileFlags,
  {name: 'server-side', kind: 'bool'},
  {name: 'force-conflicts', kind: 'bool'},
  {name: 'prune', kind: 'bool'},
  {name: 'prune-allowlist', kind: 'stringArray'},
  {name: 'all', kind: 'bool'},
  {name: 'overwrite', kind: 'bool', defaultValue: 'true'},
  {name: 'force', kind: 'bool'},
  {name: 'grace-period', kind: 'int', defaultValue: '-1'},
  {name: 'wait', kind: 'bool'},
  {name: 'timeout', kind: 'duration', defaultValue: '0s'},
  {name: 'show-managed-fields', kind: 'bool'},
  recordFlag,
]

export const createFileFlags: readonly KubectlFlag[] = [...fileFlags, {name: 'save-config', kind: 'bool'}, {name: 'edit', kind: 'bool'}, {name: 'windows-line-endings', kind: 'bool'}, {name: 'raw', kind: 'string'}, recordFlag]

export type DryRun = 'none' | 'client' | 'server'

/** What Go's strconv.ParseBool reads as a boolean: kubectl 1.32 still takes `--dry-run=true` and `=false` so, with a warning. */
const goBooleans: Readonly<Record<string, boolean>> = {1: true, t: true, T: true, TRUE: true, true: true, True: true, 0: false, f: false, F: false, FALSE: false, false: false, False: false}

/** Each command's --dry-run, read once: its deprecation warning is logged once, as kubectl reads it once. */
const dryRunsRead = new WeakMap<KubectlSession, DryRun>()

/** The command's --dry-run as kubectl's GetDryRunStrategy reads it. */
export function dryRunOf(session: KubectlSession): DryRun {
  const known = dryRunsRead.get(session)
  if (known !== undefined) return known
  const value = session.flag('dry-run')
  let dryRun: DryRun
  if (Object.hasOwn(goBooleans, value)) {
    dryRun = goBooleans[value] ? 'client' : 'none'
    session.klogProblem('W', dryRun === 'client' ? 'helpers.go:716' : 'helpers.go:719', `--dry-run=${value} is deprecated (boolean value) and can be replaced with --dry-run=${dryRun}.`)
  } else if (value === 'unchanged') {
    throw new KubectlError(`--dry-run flag without a value was specified. A value must be set, "none", "server", or "client".`)
  } else if (value === 'none' || value === 'client' || value === 'server' || value === '') {
    dryRun = (value || 'none') as DryRun
  } else {
    throw new KubectlError(`Invalid dry-run value (${value}). Must be "none", "server", or "client".`)
  }
  dryRunsRead.set(session, dryRun)
  return dryRun
}

export const dryRunSuffix = (dryRun: DryRun) => (dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '')

/**
 * The object's resource and namespace, checked as kubectl's builder checks them. `mapped`: the
 * resource as discovery maps the kind, which verbs that build their own client from the mapping
 * (patch, scale, autoscale) reach, where `resource` is what the object's own client reaches.
 */
export function placeObject(session: KubectlSession, mapper: ResourceMapper, manifest: Manifest): {resource: ApiResource; namespace: string; mapped: ApiResource} {
  const {object, source} = manifest
  let resource = object.apiVersion ? mapper.forKind(object.apiVersion, object.kind ?? '') : null
  // No apiVersion (let through by --validate=false): kubectl maps the kind in the core group at
  // its preferred version, but the object's client has no version, and the server finds no such
  // path (its 404 is the error).
  const core = !resource && !object.apiVersion ? mapper.forKind('v1', object.kind ?? '') : null
  if (core) resource = {...core, version: ''}
  if (!resource) {
    throw new KubectlError(
      `resource mapping not found for name: "${object.metadata.name ?? ''}" namespace: "${object.metadata.namespace ?? ''}" from "${source}": no matches for kind "${object.kind}" in version "${object.apiVersion ?? ''}"\nensure CRDs are installed first`,
    )
  }
  const mapped = core ?? resource
  if (!resource.namespaced) return {resource, namespace: '', mapped}
  const own = object.metadata.namespace
  if (own && session.namespaceExplicit() && own !== session.namespace()) {
    throw new KubectlError(`the namespace from the provided object "${own}" does not match the namespace "${session.namespace()}". You must pass '--namespace=${own}' to perform this operation.`)
  }
  return {resource, namespace: own || session.namespace(), mapped}
}

/** The last-applied configuration of an object: its JSON without the annotation, sorted, compact. */
export function lastAppliedOf(object: KubeObject): string {
  const copy = cloneJson(object)
  // As GetModifiedConfiguration: missing annotations become an empty map, so `"annotations":{}`.
  const annotations = {...(copy.metadata.annotations ?? {})}
  delete annotations[lastAppliedAnnotation]
  copy.metadata.annotations = annotations
  return `${goJsonCompact(copy)}\n`
}

export function withLastApplied(object: KubeObject): KubeObject {
  const copy = cloneJson(object)
  copy.metadata.annotations = {...(copy.metadata.annotations ?? {}), [lastAppliedAnnotation]: lastAppliedOf(object)}
  return copy
}


/** kubectl's AddSourceToErr: `error when creating "file": …` (Invalid errors print their causes instead). */
export function errorWithSource(error: ServerError, action: string, source: string): ServerError {
  return new ServerError({...error.status, message: `error when ${action} "${source}": ${error.status.message ?? ''}`})
}

/** apply's flags that cannot go together, checked in kubectl's order. */
function validateApplyFlags(session: KubectlSession, dryRun: DryRun): void {
  const serverSide = session.flag('server-side') === 'true'
  const force = session.flag('force') === 'true'
  if (session.flag('force-conflicts') === 'true' && !serverSide) throw new KubectlError('--force-conflicts only works with --server-side')
  if (dryRun === 'client' && serverSide) throw new KubectlError('--dry-run=client doesn\'t work with --server-side (did you mean --dry-run=server instead?)')
  if (serverSide && force) throw new KubectlError('--force cannot be used with --server-side')
  if (dryRun === 'server' && force) throw new KubectlError('--dry-run=server cannot be used with --force')
  if (session.flag('prune') === 'true') {
    const all = session.flag('all') === 'true'
    const selector = session.flag('selector')
    refuseAllWithSelector(all, selector)
    if (!all && !selector) throw new KubectlError('all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector')
    if (force) throw new KubectlError('--force cannot be used with --prune')
    pruneAllowlistOf(session)
  }
}

/**
 * kubectl's Patcher.deleteAndCreate: deletes the object (--grace-period, background cascade), looks
 * once whether it is gone, or polls until --timeout when one is given; creates the new one, and
 * puts the old one back when that fails.
 */
async function deleteAndCreate(session: KubectlSession, resource: ApiResource, namespace: string, live: KubeObject, desired: KubeObject, query: Record<string, string>): Promise<KubeObject> {
  const name = live.metadata.name ?? ''
  const grace = Number(session.flag('grace-period'))
  const body = {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...(grace >= 0 ? {gracePeriodSeconds: grace} : {})}
  await session.request('DELETE', objectPath(resource, namespace, name), {body})
  const gone = (object: KubeObject | null) => object === null || object.metadata.uid !== live.metadata.uid
  const timeout = parseGoDuration(session.flag('timeout'), 'timeout')
  let replaced = gone((await session.request('GET', objectPath(resource, namespace, name), {allow: [404]})).status === 404 ? null : live)
  if (!replaced && timeout > 0) {
    // Graceful termination and finalizers are the control plane's to finish.
    await session.settleControlPlane()
    replaced = await waitForObject(session, resource, namespace, name, gone, session.clock.nowMilliseconds() + timeout)
  }
  if (!replaced) throw new KubectlError('context deadline exceeded')
  try {
    return (await session.request('POST', collectionPath(resource, namespace), {body: desired, query})).body as KubeObject
  } catch (error) {
    if (!(error instanceof ServerError)) throw error
    const original = cloneJson(live)
    delete original.metadata.resourceVersion
    delete original.metadata.uid
    try {
      await session.request('POST', collectionPath(resource, namespace), {body: original, query})
    } catch (restoreError) {
      if (!(restoreError instanceof ServerError)) throw restoreError
      throw new KubectlError(`an error occurred force-replacing the existing object with the newly provided one:\n\n${error.status.message ?? ''}.\n\nAdditionally, an error occurred attempting to restore the original object:\n\n${restoreError.status.message ?? ''}`)
    }
    throw error
  }
}

/** What apply says of an object it patches that was not created by apply (or create --save-config). */
const missingLastAppliedWarning = (objectName: string) =>
  `Warning: resource ${objectName} is missing the ${lastAppliedAnnotation} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n`

/** How kubectl's resource builder names an object it mapped (Info.String): its mapping, then its name and namespace. */
function infoText(resource: ApiResource, namespace: string, name: string): string {
  const group = resource.group ? `${resource.group}/${resource.version}` : `/${resource.version}`
  return `Resource: "${group}, Resource=${resource.resource}", GroupVersionKind: "${group}, Kind=${resource.kind}"\nName: "${name}", Namespace: "${namespace}"`
}

/** kubectl's words for an apply that failed after its patch: the patch, the object and the file, then the cause. */
function applyingPatchError(error: KubectlError, modified: KubeObject, resource: ApiResource, namespace: string, source: string): KubectlError {
  const context = `error when applying patch:\n${goJsonCompact(modified)}\n\nto:\n${infoText(resource, namespace, modified.metadata.name ?? '')}\nfor: "${source}":`
  if (error instanceof ServerError) return error.reason === 'Invalid' ? error : new ServerError({...error.status, message: `${context} ${error.status.message ?? ''}`})
  return new KubectlError(`${context} ${error.message}`)
}

async function writeObjects(session: KubectlSession, verb: 'create' | 'apply'): Promise<number> {
  if (!hasManifestSource(session)) throw new KubectlError('must specify one of -f and -k')
  const dryRun = dryRunOf(session)
  if (verb === 'apply') validateApplyFlags(session, dryRun)
  const fieldValidation = fieldValidationOf(session)
  const {output, templated} = writtenOutputOf(session)
  const entries = await readEntriesOrKustomization(session, verb)
  const manifests = entries.filter(isManifest)
  if (fieldValidation === 'Strict') await validateListItems(session, manifests, isListItem)
  for (const {object, source} of manifests) if (isListItem(object)) checkDecodable(object, source)
  const pruning = verb === 'apply' && session.flag('prune') === 'true'
  // kubectl maps each object as it reads it: with none read (each file failed validation), nothing asks for discovery.
  let mapper: ResourceMapper
  try {
    mapper = manifests.length > 0 ? await ResourceMapper.discover(session, 0) : pruning ? await ResourceMapper.discover(session) : ResourceMapper.none()
  } catch (error) {
    if (!(error instanceof ConnectionRefusedError) || manifests.length === 0) throw error
    // kubectl's builder maps each object as it reads it: each meets the closed port, its error told with the others'.
    session.io.stderr(errorsText(entries.map((entry) => (isManifest(entry) ? session.unrecognizedObject(error, entry.source) : entry.error))))
    return 1
  }
  // The kinds --prune-allowlist names are mapped before anything is applied (kubectl's ParseResources).
  const pruneKinds = pruning ? pruneKindsOf(mapper, pruneAllowlistOf(session)) : null
  const errors: KubectlError[] = []
  const printed: KubeObject[] = []
  const query: Record<string, string> = {fieldManager: verb === 'apply' ? 'kubectl-client-side-apply' : 'kubectl-create', fieldValidation}
  if (dryRun === 'server') query.dryRun = 'All'
  const steps: Array<KubectlError | {manifest: Manifest; resource: ApiResource; namespace: string}> = []
  const applied: AppliedSet = {namespaces: new Set(), uids: new Set()}
  for (const entry of entries) {
    if (!isManifest(entry)) {
      steps.push(entry.error)
      continue
    }
    try {
      steps.push({manifest: entry, ...placeObject(session, mapper, entry)})
    } catch (error) {
      if (!(error instanceof KubectlError)) throw error
      steps.push(error)
    }
  }
  // create acts on each object as it reads the stream; apply reads every object first, so the
  // errors of reading come before those of writing.
  const ordered = verb === 'apply' ? [...steps.filter((step) => step instanceof KubectlError), ...steps.filter((step) => !(step instanceof KubectlError))] : steps
  for (const step of ordered) {
    if (step instanceof KubectlError) {
      errors.push(step)
      continue
    }
    const {manifest, resource, namespace} = step
    if (resource.namespaced) applied.namespaces.add(namespace)
    // --record's cause is part of the object, so apply's last-applied configuration holds it too.
    const object = recorded(session, cloneJson(manifest.object))
    if (resource.namespaced) object.metadata.namespace = namespace
    const name = object.metadata.name ?? ''
    const label = `${kindName(resource)}/${name}`
    let action = 'creating'
    try {
      if (verb === 'apply' && session.flag('server-side') === 'true') {
        const manager = session.flags.changed.has('field-manager') ? session.flag('field-manager') : 'kubectl'
        const applyQuery: Record<string, string> = {fieldManager: manager, fieldValidation, ...(session.flag('force-conflicts') === 'true' ? {force: 'true'} : {}), ...(dryRun === 'server' ? {dryRun: 'All'} : {})}
        try {
          const result = await session.request('PATCH', objectPath(resource, namespace, name), {body: object, contentType: 'application/apply-patch+yaml', query: applyQuery})
          report(session, output, resource, result.body as KubeObject, `${label} serverside-applied${dryRunSuffix(dryRun)}`, printed, applied)
        } catch (error) {
          if (error instanceof ServerError && error.code === 409 && error.status.message?.startsWith('Apply failed')) {
            errors.push(new KubectlError(`${error.status.message ?? ''}\n${conflictAdvice}`))
            continue
          }
          // kubectl reports a server-side apply's error without naming the file.
          if (error instanceof ServerError) {
            errors.push(error)
            continue
          }
          throw error
        }
        continue
      }
      if (verb === 'create') {
        const body = session.flag('save-config') === 'true' ? withLastApplied(object) : object
        const result = dryRun === 'client' ? body : (await session.request('POST', collectionPath(resource, namespace), {body, query})).body as KubeObject
        report(session, output, resource, result, `${label} created${dryRunSuffix(dryRun)}`, printed, applied)
        continue
      }
      // A failure to read the live object (other than its absence) names the object as the builder mapped it.
      action = `retrieving current configuration of:\n${infoText(resource, namespace, name)}\nfrom server for:`
      const current = await session.request('GET', objectPath(resource, namespace, name), {allow: [404]})
      action = 'creating'
      const desired = withLastApplied(object)
      if (current.status === 404) {
        // kubectl sends the object without the null entries a manifest may hold (its annotation keeps them).
        const created = withoutNullEntries(desired) as KubeObject
        const result = dryRun === 'client' ? created : (await session.request('POST', collectionPath(resource, namespace), {body: created, query})).body as KubeObject
        report(session, output, resource, result, `${label} created${dryRunSuffix(dryRun)}`, printed, applied)
        continue
      }
      const live = current.body as KubeObject
      const originalText = live.metadata.annotations?.[lastAppliedAnnotation]
      if (originalText === undefined && dryRun !== 'client') session.io.stderr(missingLastAppliedWarning(`${resource.resource}/${name}`))
      let original: unknown = null
      if (originalText) {
        try {
          original = JSON.parse(originalText)
        } catch {
          original = null
        }
      }
      const schema = builtinScheme().kindOf(object.apiVersion ?? '', object.kind ?? '')?.schema ?? null
      const patch = threeWayPatch(original, desired, live, schema)
      // A client dry run computes no patch, so kubectl says configured even of an object it would leave.
      if (dryRun === 'client') {
        report(session, output, resource, live, `${label} configured${dryRunSuffix(dryRun)}`, printed, applied)
        continue
      }
      if (Object.keys(patch).length === 0) {
        report(session, output, resource, live, `${label} unchanged${dryRunSuffix(dryRun)}`, printed, applied)
        continue
      }
      const contentType = schema ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json'
      action = 'patching'
      let result: KubeObject
      try {
        result = (await session.request('PATCH', objectPath(resource, namespace, name), {body: patch, contentType, query})).body as KubeObject
      } catch (error) {
        // --force: a patch the server refuses as invalid (an immutable field) or conflicting replaces the object.
        if (!(error instanceof ServerError && (error.code === 409 || error.reason === 'Invalid') && session.flag('force') === 'true')) throw error
        try {
          result = await deleteAndCreate(session, resource, namespace, live, desired, query)
        } catch (forceError) {
          if (!(forceError instanceof KubectlError)) throw forceError
          const wrapped = applyingPatchError(forceError, desired, resource, namespace, manifest.source)
          errors.push(wrapped)
          continue
        }
      }
      report(session, output, resource, result, `${label} configured${dryRunSuffix(dryRun)}`, printed, applied)
    } catch (error) {
      if (error instanceof ServerError) {
        errors.push(errorWithSource(error, action, manifest.source))
        continue
      }
      throw error
    }
  }
  if (output === 'yaml' || output === 'json') session.io.stdout(printWritten(output, verb, printed, manifests.length === 1, session.flag('show-managed-fields') === 'true'))
  // A template: create prints each object; apply given -o the one object, or a List of them (given --template alone, each).
  if (templated && printed.length > 0) {
    const listed = verb === 'apply' && session.flag('output') !== ''
    const shown = !listed ? printed.map((object) => [object]) : [printed.length === 1 && manifests.length === 1 ? printed : [{apiVersion: 'v1', items: printed, kind: 'List', metadata: {}}]]
    for (const objects of shown) {
      try {
        session.io.stdout(printTemplated(templated, objects, true, false))
      } catch (error) {
        // A template that fails on one object (--allow-missing-template-keys=false) is that object's error: the others still print.
        if (!(error instanceof KubectlError)) throw error
        session.io.stdout(error.stdoutBefore)
        errors.push(error)
      }
    }
  }
  if (verb === 'apply' && session.flag('prune') === 'true' && errors.length === 0) await pruneUnapplied(session, applied, pruneKinds!, {dryRun, dryRunSuffix: dryRunSuffix(dryRun), output, lastAppliedAnnotation})
  if (errors.length > 0) session.io.stderr(errorsText(errors))
  return errors.length > 0 ? 1 : 0
}

/**
 * What -o json|yaml prints of the objects written: create prints each as it goes (YAML documents
 * apart by `---`), apply gathers several into one List whose metadata is empty.
 */
function printWritten(output: 'yaml' | 'json', verb: 'create' | 'apply', printed: readonly KubeObject[], single: boolean, showManagedFields: boolean): string {
  if (verb === 'create') return printed.map((object) => printObjects(output, [object], true, showManagedFields)).join(output === 'yaml' ? '---\n' : '')
  if (single && printed.length === 1) return printObjects(output, printed, true, showManagedFields)
  const items = showManagedFields ? printed : printed.map(withoutManagedFields)
  if (output === 'yaml') return goYaml({apiVersion: 'v1', items, kind: 'List', metadata: {}})
  // A typed metav1.List in JSON: its keys in the struct's order, the items' keys sorted.
  return `{\n    "kind": "List",\n    "apiVersion": "v1",\n    "metadata": {},\n    "items": ${goJson(items, true, '    ', 1)}\n}\n`
}

function report(session: KubectlSession, output: string, resource: ApiResource, object: KubeObject, message: string, printed: KubeObject[], applied: AppliedSet): void {
  if (object.metadata?.uid) applied.uids.add(object.metadata.uid)
  if (output === 'yaml' || output === 'json' || output === 'template') {
    printed.push(isJsonObject(object) ? object : {metadata: {}})
    return
  }
  if (output === 'name') {
    session.io.stdout(`${kindName(resource)}/${object.metadata.name ?? ''}\n`)
    return
  }
  session.io.stdout(`${message}\n`)
}

/** apply and create from files take no arguments: kubectl names the ones it got. */
function refuseArguments(verb: 'apply' | 'create', args: readonly string[]): void {
  if (args.length > 0) throw new KubectlError(`Unexpected args: [${args.join(' ')}]\nSee 'kubectl ${verb} -h' for help and examples`)
}

export const runApply = (session: KubectlSession, args: readonly string[] = []) => {
  refuseArguments('apply', args)
  return writeObjects(session, 'apply')
}
export const runCreateFromFiles = (session: KubectlSession, args: readonly string[]) => {
  if (session.flag('raw')) return runRaw(session, 'POST', args)
  refuseArguments('create', args)
  return writeObjects(session, 'create')
}

/** `value` without map entries whose value is null, at every depth (a map they emptied stays, empty). */
function withoutNullEntries(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNullEntries)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== null).map(([key, entry]) => [key, withoutNullEntries(entry)]))
}
