// `kubectl diff -f` (live objects against what a server dry run of the apply would make, shown
// by `diff -u -N` or $KUBECTL_EXTERNAL_DIFF; exit 1 when they differ). With --prune, the objects
// `apply --prune` would delete are live files with no merged one.
import {spawnSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {cloneJson, type KubeObject} from '../../api/object.js'
import {builtinScheme} from '../../api/resources.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {KubectlError, KubectlPlainError} from '../errors.js'
import {goTemporaryFolder} from '../go-temporary.js'
import {lookPath} from '../look-path.js'
import type {KubectlFlag} from '../flags.js'
import {hasManifestSource, readEntriesOrKustomization} from '../kustomize/manifests.js'
import {isManifest, type Manifest} from '../manifests.js'
import {collectionPath, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {threeWayPatch} from '../three-way-patch.js'
import {lastAppliedAnnotation, placeObject} from './apply.js'
import {klogLine} from '../request-log.js'
import {type AppliedSet, prunableObjects, pruneAllowlistOf, pruneKindsOf, type PruneKinds, PruneListError, warnOfDefaultedPrune} from './apply-prune.js'

export const diffFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'server-side', kind: 'bool'},
  {name: 'force-conflicts', kind: 'bool'},
  {name: 'field-manager', kind: 'string', defaultValue: 'kubectl-client-side-apply'},
  {name: 'prune', kind: 'bool'},
  {name: 'prune-allowlist', kind: 'stringArray'},
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
  // As kubectl's Complete: --prune-allowlist is read and mapped before any file is (its errors exit 2 too).
  const pruneKinds = session.flag('prune') === 'true' ? asDiffError(() => pruneKindsOf(mapper, pruneAllowlistOf(session))) : null
  // As Go's os.MkdirTemp names kubectl's (LIVE-, MERGED- and a random number): diff's header lines name them.
  const live = goTemporaryFolder('LIVE-')
  const merged = goTemporaryFolder('MERGED-')
  if (live === null || merged === null) {
    if (live !== null) rmSync(live, {recursive: true, force: true})
    throw new KubectlError(`cannot make a temporary folder in ${tmpdir()}`, 2)
  }
  try {
    await asDiffError(() => writeDiffFiles(session, mapper, live, merged, pruneKinds))
    const {program, argv} = diffCommand(session.io.environment.KUBECTL_EXTERNAL_DIFF ?? '', live, merged)
    const path = lookPath(program, session.io.environment.PATH ?? '')
    if (path === null) throw new KubectlError(`failed to run "${program}": executable file not found in $PATH`, 2)
    const result = spawnSync(path, argv, {encoding: 'utf8'})
    if (result.error) throw new KubectlError(`failed to run "${program}": ${result.error.message}`, 2)
    session.io.stdout(result.stdout ?? '')
    if (result.stderr) session.io.stderr(result.stderr)
    // 1 is the differences found; any other failure of the diff program is kubectl's error, exit 2.
    if (result.status !== 0 && result.status !== 1) throw new KubectlError(`failed to run "${program}": ${result.status === null ? `signal: ${result.signal ?? 'killed'}` : `exit status ${result.status}`}`, 2)
    return result.status ?? 0
  } finally {
    rmSync(live, {recursive: true, force: true})
    rmSync(merged, {recursive: true, force: true})
  }
}

/** kubectl diff exits 1 for differences found, so every error of its run exits 2 (CheckDiffErr), in the same words. */
function asDiffError<T>(run: () => T): T {
  const rethrown = (error: unknown): never => {
    if (error instanceof KubectlPlainError && error.exitCode === 1) throw new KubectlPlainError(error.message, 2, error.stdoutBefore)
    if (error instanceof KubectlError && error.exitCode === 1) throw new KubectlError(error.message, 2, error.stdoutBefore)
    throw error
  }
  try {
    const result = run()
    return (result instanceof Promise ? result.catch(rethrown) : result) as T
  } catch (error) {
    return rethrown(error)
  }
}

/** Arguments KUBECTL_EXTERNAL_DIFF may add: kubectl passes only these characters, no shell is involved. */
const externalDiffArgument = /^[a-zA-Z0-9-=]+$/

/**
 * The diff program and its arguments as kubectl runs them: `diff -u -N LIVE MERGED`, or
 * KUBECTL_EXTERNAL_DIFF split on spaces, its program given the two folders and then those of its
 * words kubectl accepts (`colordiff -N -u`: `colordiff LIVE MERGED -N -u`; `a;b` is dropped).
 */
export function diffCommand(external: string, live: string, merged: string): {program: string; argv: string[]} {
  if (external === '') return {program: 'diff', argv: ['-u', '-N', live, merged]}
  const [program, ...words] = external.split(' ')
  return {program: program!, argv: [live, merged, ...words.filter((word) => externalDiffArgument.test(word))]}
}

/** kubectl's name of an object's files: group (if any), version, kind, namespace (empty for a cluster-scoped one) and name. */
function diffFileName(group: string, version: string, kind: string, namespace: string, name: string): string {
  return `${group ? `${group}.` : ''}${version}.${kind}.${namespace}.${name}`
}

/**
 * The live and the would-be-applied objects of the manifests, one file each in `live` and `merged`;
 * with --prune, then (even after a failed object, as kubectl) a live file for each object apply
 * --prune would delete.
 */
async function writeDiffFiles(session: KubectlSession, mapper: ResourceMapper, live: string, merged: string, pruneKinds: PruneKinds | null): Promise<void> {
  // An object that does not decode is an error in its place, as kubectl's visitor meets it.
  const entries = await readEntriesOrKustomization(session, 'diff')
  const visited: AppliedSet = {namespaces: new Set(), uids: new Set()}
  try {
    for (const entry of entries) {
      if (!isManifest(entry)) throw entry.error
      await writeObjectDiff(session, mapper, entry, live, merged, visited)
    }
  } finally {
    if (pruneKinds) {
      warnOfDefaultedPrune(session, pruneKinds)
      // As kubectl's diff Printer: the listed object as it is, managedFields included.
      // A list the server refuses ends the pruning with a warning; the diff goes on (kubectl's diff.go).
      const prunable = await prunableObjects(session, visited, pruneKinds, lastAppliedAnnotation).catch((error: unknown) => {
        if (!(error instanceof PruneListError)) throw error
        session.io.stderr(klogLine('W', 'diff.go:760', `pruning failed and could not be evaluated err: ${error.message}`))
        return []
      })
      for (const {resource, object} of prunable) {
        writeFileSync(join(live, diffFileName(resource.group, resource.version, resource.kind, object.metadata.namespace ?? '', object.metadata.name ?? '')), goYaml(object))
      }
    }
  }
}

async function writeObjectDiff(session: KubectlSession, mapper: ResourceMapper, manifest: Manifest, live: string, merged: string, visited: AppliedSet): Promise<void> {
  const {resource, namespace} = placeObject(session, mapper, manifest)
  const object = cloneJson(manifest.object)
  if (resource.namespaced) object.metadata.namespace = namespace
  const name = object.metadata.name ?? ''
  const fileName = diffFileName(resource.group, resource.version, resource.kind, resource.namespaced ? namespace : '', name)
  const current = await session.request('GET', objectPath(resource, namespace, name), {allow: [404]})
  // kubectl's tracker marks the namespace of every namespaced object and the uid of every live one.
  if (resource.namespaced) visited.namespaces.add(namespace)
  if (current.status !== 404) visited.uids.add((current.body as KubeObject).metadata.uid ?? '')
  // kubectl diff leaves the last-applied configuration as it is (GetModifiedConfiguration
  // without annotating): a new object is created as the file has it, a live one patched
  // towards the file's object with its annotations made a map, the annotation left out.
  const {[lastAppliedAnnotation]: _ignored, ...annotations} = object.metadata.annotations ?? {}
  const desired = {...object, metadata: {...object.metadata, annotations}}
  let after: KubeObject
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
  const before = current.status === 404 ? null : (current.body as KubeObject)
  // A dry run reports a new generation even for a spec that did not change; kubectl ignores it too.
  if (before && after.metadata.generation !== undefined && JSON.stringify(before.spec) === JSON.stringify(after.spec)) after.metadata.generation = before.metadata.generation
  // An object not there yet has an empty live file, as kubectl writes it.
  writeFileSync(join(live, fileName), before ? forDiff(before) : '')
  writeFileSync(join(merged, fileName), forDiff(after))
}
