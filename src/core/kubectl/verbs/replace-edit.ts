// `kubectl replace -f` (PUT each object; --force deletes and creates) and `kubectl edit`
// (the object in $KUBE_EDITOR / $EDITOR, then a strategic merge patch of what changed; a failed
// save reopens the file with the error on top, as kubectl does).
import {spawnSync} from 'node:child_process'
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {parse as parseYaml} from 'yaml'
import {cloneJson, isJsonObject, jsonEqual, type KubeObject} from '../../api/object.js'
import {builtinScheme} from '../../api/resources.js'
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {ConnectionRefusedError, KubectlError, noResourcesMessage, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {recordFlag, recorded} from '../record.js'
import {hasManifestSource, readEntriesOrKustomization} from '../kustomize/manifests.js'
import {isManifest, readManifestEntries} from '../manifests.js'
import {type ApiResource, collectionPath, kindName, objectPath, requestNamed, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {threeWayPatch} from '../three-way-patch.js'
import {type DryRun, dryRunOf, dryRunSuffix, errorWithSource, fieldValidationOf, placeObject, withLastApplied} from './apply.js'
import {parseResourceArguments} from './get.js'
import {runRaw} from './raw.js'
import {report, runForcedReplace} from './replace-force.js'
import {goTemporaryFile} from '../go-temporary.js'

/** kubectl edit reopens the file after a failed save at most this often. */
export const editAttemptsMax = 10

export const replaceFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'force', kind: 'bool'},
  {name: 'grace-period', kind: 'int', defaultValue: '-1'},
  {name: 'cascade', kind: 'string', defaultValue: 'background'},
  {name: 'wait', kind: 'bool'},
  {name: 'timeout', kind: 'duration', defaultValue: '0s'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'save-config', kind: 'bool'},
  {name: 'validate', kind: 'string', defaultValue: 'strict', noValueDefault: 'strict'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-replace'},
  {name: 'subresource', kind: 'string'},
  {name: 'raw', kind: 'string'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
]

export async function runReplace(session: KubectlSession, args: readonly string[] = []): Promise<number> {
  if (session.flag('raw')) {
    refuseForcedDryRun(session)
    return runRaw(session, 'PUT', args)
  }
  if (!hasManifestSource(session)) throw new KubectlError('must specify one of -f and -k')
  const dryRun = refuseForcedDryRun(session)
  if (session.flag('force') === 'true') return runForcedReplace(session)
  // Discovery when the first object is mapped, as kubectl's builder maps it (none when every file failed validation).
  let mapper: ResourceMapper | null = null
  const errors: KubectlError[] = []
  const readErrors: KubectlError[] = []
  const query: Record<string, string> = {fieldManager: session.flag('field-manager'), fieldValidation: fieldValidationOf(session), ...(dryRun === 'server' ? {dryRun: 'All'} : {})}
  // kubectl replaces each object as it reads the stream; an error it meets is told at the end.
  for (const manifest of await readEntriesOrKustomization(session, 'replace')) {
    if (!isManifest(manifest)) {
      readErrors.push(manifest.error)
      continue
    }
    let placed
    try {
      placed = placeObject(session, (mapper ??= await ResourceMapper.discover(session, 0)), manifest)
    } catch (error) {
      // Each object the builder maps meets a closed port anew: `unable to recognize` for each.
      if (error instanceof ConnectionRefusedError) {
        readErrors.push(session.unrecognizedObject(error, manifest.source))
        continue
      }
      if (!(error instanceof KubectlError)) throw error
      readErrors.push(error)
      continue
    }
    const {resource, namespace} = placed
    const object = session.flag('save-config') === 'true' ? withLastApplied(manifest.object) : cloneJson(manifest.object)
    if (resource.namespaced) object.metadata.namespace = namespace
    const name = object.metadata.name ?? ''
    try {
      if (dryRun !== 'client') await session.request('PUT', objectPath(resource, namespace, name), {body: object, query})
      session.io.stdout(session.flag('output') === 'name' ? `${kindName(resource)}/${name}\n` : `${kindName(resource)}/${name} replaced${dryRunSuffix(dryRun)}\n`)
    } catch (error) {
      if (!(error instanceof ServerError)) throw error
      errors.push(errorWithSource(error, 'replacing', manifest.source))
    }
  }
  return report(session, errors, readErrors)
}

/** kubectl's Validate: a forced replace deletes and creates for real, so no dry run of either kind. */
function refuseForcedDryRun(session: KubectlSession): DryRun {
  const dryRun = dryRunOf(session)
  if (session.flag('force') === 'true' && dryRun !== 'none') throw new KubectlError('--dry-run can not be used when --force is set')
  return dryRun
}

export const editFlags: readonly KubectlFlag[] = [
  {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'yaml'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'save-config', kind: 'bool'},
  {name: 'validate', kind: 'string', defaultValue: 'strict', noValueDefault: 'strict'},
  {name: 'windows-line-endings', kind: 'bool'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-edit'},
  {name: 'subresource', kind: 'string'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'output-patch', kind: 'bool'},
  recordFlag,
]

export const editHeader = [
  '# Please edit the object below. Lines beginning with a \'#\' will be ignored,',
  '# and an empty file will abort the edit. If an error occurs while saving this file will be',
  '# reopened with the relevant failures.',
  '#',
].join('\n')


export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
}

interface EditTarget {
  readonly resource: ApiResource
  readonly path: string
  readonly original: KubeObject
  /** What the editor shows: the object without its managed fields. */
  readonly shown: KubeObject
}

/**
 * The objects named (a type alone: all of that type in the namespace), or those of -f as they are
 * now on the server, read as kubectl edit reads them.
 */
async function editTargets(session: KubectlSession, args: readonly string[]): Promise<EditTarget[]> {
  const mapper = await ResourceMapper.discover(session)
  const files = session.list('filename')
  if (files.length > 0 && args.length > 0) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  const requests = parseResourceArguments(mapper, args)
  if (requests.length === 0 && files.length === 0) throw new KubectlError(noResourcesMessage)
  const namespace = session.namespace()
  const targets: EditTarget[] = []
  const add = (resource: ApiResource, original: KubeObject, objectNamespace = namespace) => {
    const shown = cloneJson(original)
    delete shown.metadata.managedFields
    targets.push({resource, path: objectPath(resource, objectNamespace, original.metadata.name ?? ''), original, shown})
  }
  if (files.length > 0) {
    // Not validated (only the writers validate); each object read again from the server through its own client.
    const entries = await readManifestEntries(files, session.flag('recursive') === 'true', () => session.io.readStdin(), false)
    for (const entry of entries) {
      if (!isManifest(entry)) throw entry.error
      const {resource, namespace: objectNamespace} = placeObject(session, mapper, entry)
      add(resource, (await requestNamed(session, resource, objectNamespace, entry.object.metadata.name ?? '')).body as KubeObject, objectNamespace)
    }
  }
  for (const {resource, names} of requests) {
    if (names.length === 0) {
      const list = (await session.request('GET', collectionPath(resource, resource.namespaced ? namespace : ''))).body as {apiVersion?: string; items?: KubeObject[]}
      const apiVersion = resource.group ? `${resource.group}/${resource.version}` : resource.version
      for (const item of list.items ?? []) add(resource, {...item, apiVersion: item.apiVersion ?? apiVersion, kind: item.kind ?? resource.kind})
      continue
    }
    for (const name of names) add(resource, (await session.request('GET', objectPath(resource, namespace, name))).body as KubeObject)
  }
  if (targets.length === 0) throw new KubectlError('edit cancelled, no objects found')
  return targets
}

/** The edited objects, matched to what was shown: by position for one object, by UID in a List. */
function editedPairs(targets: readonly EditTarget[], updated: unknown): Array<{target: EditTarget; edited: Record<string, unknown>}> | null {
  const items = targets.length === 1 ? [updated] : isJsonObject(updated) && Array.isArray(updated.items) ? updated.items : null
  if (items === null) return null
  const pairs: Array<{target: EditTarget; edited: Record<string, unknown>}> = []
  for (const item of items) {
    if (!isJsonObject(item)) return null
    const metadata = isJsonObject(item.metadata) ? item.metadata : {}
    const target = targets.length === 1 ? targets[0] : targets.find((candidate) => candidate.original.metadata.uid === metadata.uid)
    if (!target || item.kind !== target.original.kind || metadata.name !== target.original.metadata.name) return null
    pairs.push({target, edited: item})
  }
  return pairs
}

/** A new file in the temporary folder named as kubectl's editor names it: kubectl-edit-DIGITS.EXT. */
export function editFile(extension: string): string {
  const file = goTemporaryFile('kubectl-edit-', `.${extension}`)
  if (file === null) throw new KubectlError('could not create a temporary file for the editor')
  return file
}

/** Names tried for the editor's file before giving up (each is random). */

export async function runEdit(session: KubectlSession, args: readonly string[]): Promise<number> {
  // edit shows an object as JSON or YAML only.
  const output = session.flag('output')
  if (output !== 'json' && output !== 'yaml') throw new KubectlError(`unable to match a printer suitable for the output format ${JSON.stringify(output)}, allowed formats are: json,yaml`)
  const targets = await editTargets(session, args)
  const first = targets[0]!
  // Several objects are edited as one v1 List, as kubectl shows them.
  const shown: unknown = targets.length === 1 ? first.shown : {apiVersion: 'v1', items: targets.map((target) => target.shown), kind: 'List', metadata: {}}
  const json = session.flag('output') === 'json'
  const render = (object: unknown) => (json ? `${goJson(object)}\n` : goYaml(object))
  const file = editFile(json ? 'json' : 'yaml')
  // What kubectl says of an edit the server or the decoder refused, before it reopens the file.
  const invalid = `error: ${first.resource.resource}${first.resource.group ? `.${first.resource.group}` : ''} "${first.original.metadata.name ?? ''}" is invalid`
  const editor = session.io.environment.KUBE_EDITOR || session.io.environment.EDITOR || 'vi'
  // JSON holds no comments: kubectl shows it without the header.
  let contents = json ? render(shown) : `${editHeader}\n${render(shown)}`
  let kept = false
  let lastBody: string | null = null
  try {
    let lastError: string | null = null
    for (let attempt = 0; attempt < editAttemptsMax; attempt++) {
      writeFileSync(file, contents)
      const result = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], {stdio: 'inherit', env: session.io.environment})
      if (result.status !== 0) throw new KubectlError(`there was a problem with the editor "${editor}"`)
      const edited = readFileSync(file, 'utf8')
      const body = stripComments(edited)
      if (body.trim().length === 0) {
        session.io.stderr('Edit cancelled, no changes made.\n')
        return 0
      }
      // The same edit again (comments aside) after an error: kubectl gives up.
      if (lastError !== null && body === lastBody) {
        kept = true
        session.io.stderr(`A copy of your changes has been stored to "${file}"\n`)
        throw new KubectlError('Edit cancelled, no valid changes were saved.')
      }
      lastBody = body
      let updated: unknown
      try {
        updated = parseYaml(body)
      } catch (error) {
        lastError = `error: ${(error as Error).message.split('\n')[0]}`
        session.io.stderr(`${invalid}\n`)
        contents = `${editHeader}\n# ${lastError}\n#\n${body}`
        continue
      }
      if (jsonEqual(updated, shown)) {
        session.io.stderr('Edit cancelled, no changes made.\n')
        return 0
      }
      const pairs = editedPairs(targets, updated)
      if (pairs === null) {
        // Not reopened: kubectl keeps the file and gives up at once.
        kept = true
        session.io.stderr(`A copy of your changes has been stored to "${file}"\n`)
        throw new KubectlError('At least one of apiVersion, kind and name was changed')
      }
      let failed: string | null = null
      for (const {target, edited: object} of pairs) {
        const name = target.original.metadata.name ?? ''
        if (jsonEqual(object, target.shown)) {
          session.io.stdout(`${kindName(target.resource)}/${name} skipped\n`)
          continue
        }
        // --record and --save-config annotate the edited object itself, so the patch carries them.
        let saved = recorded(session, object as KubeObject)
        if (session.flag('save-config') === 'true') {
          // kubectl puts the managed fields it hid from the editor back before it saves the configuration, so they are in it.
          const managedFields = target.original.metadata.managedFields
          const annotated = withLastApplied(managedFields === undefined ? saved : {...saved, metadata: {...saved.metadata, managedFields}})
          saved = {...saved, metadata: {...saved.metadata, annotations: annotated.metadata.annotations}}
        }
        const schema = builtinScheme().kindOf(target.original.apiVersion ?? '', target.original.kind ?? '')?.schema ?? null
        const patch = threeWayPatch(target.shown, saved, target.shown, schema)
        try {
          await session.request('PATCH', target.path, {body: patch, contentType: schema ? 'application/strategic-merge-patch+json' : 'application/merge-patch+json', query: {fieldManager: session.flag('field-manager')}})
        } catch (error) {
          if (!(error instanceof ServerError)) throw error
          failed = error.message
          session.io.stderr(error.code === 422 ? `${invalid}\n` : `error: ${error.message}\n`)
          break
        }
        session.io.stdout(`${kindName(target.resource)}/${name} edited\n`)
      }
      if (failed === null) return 0
      lastError = failed
      contents = `${editHeader}\n# ${failed.split('\n').join('\n# ')}\n#\n${body}`
    }
    kept = true
    session.io.stderr(`A copy of your changes has been stored to "${file}"\n`)
    throw new KubectlError('Edit cancelled, no valid changes were saved.')
  } finally {
    // The file stays only when kubectl said it kept a copy of the changes.
    if (!kept) rmSync(file, {force: true})
  }
}
