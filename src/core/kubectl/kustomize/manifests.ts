// -k DIR on the verbs that read manifests (apply, create, delete, diff, replace): the built
// kustomization stands where -f's files would, and -f with -k is kubectl's error.
import {isKubeObject, type JsonObject, type KubeObject} from '../../api/object.js'
import {matchesLabels, parseLabelSelector, SelectorError} from '../../api/selectors.js'
import {KubectlError} from '../errors.js'
import {goJsonKind, isManifest, type Manifest, type ManifestEntry, readManifestEntries, validationError} from '../manifests.js'
import {fieldValidationOf, openApiUnreadable} from '../field-validation.js'
import {ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'

/** Whether the verb was given something to read with -f or -k. */
export function hasManifestSource(session: KubectlSession): boolean {
  return session.list('filename').length > 0 || session.flag('kustomize') !== ''
}

/** kubectl diff exits 1 for "differences found", so its errors exit 2 (CheckDiffErr). */
const diffErrorExitCode = 2

/** The verbs whose resource builder checks the objects against the schema first (kubectl's --validate): the writers. */
const validatingVerbs: ReadonlySet<string> = new Set(['apply', 'create', 'replace'])

/** The verbs whose -l filters the objects read from files (get -f and replace ignore it, as kubectl does). */
const selectingVerbs: ReadonlySet<string> = new Set(['apply', 'create', 'delete', 'diff', 'label', 'annotate', 'scale'])

/** The verbs that run on no objects at all (the others' "no objects passed to VERB"). */
const quietOnNothing: ReadonlySet<string> = new Set(['delete', 'diff', 'label', 'annotate'])

export async function readManifestsOrKustomization(session: KubectlSession, verb: string): Promise<Manifest[]> {
  const manifests: Manifest[] = []
  for (const entry of await readEntriesOrKustomization(session, verb)) {
    if (!isManifest(entry)) throw verb === 'diff' ? new KubectlError(entry.error.message, diffErrorExitCode) : entry.error
    manifests.push(entry)
  }
  return manifests
}

/**
 * The objects of -f or -k, with the errors met while reading them in their place (kubectl acts on
 * the objects before an error, then reports it), filtered by -l for the verbs that filter.
 */
export async function readEntriesOrKustomization(session: KubectlSession, verb: string, options: {validate?: boolean} = {}): Promise<ManifestEntry[]> {
  try {
    const entries = await entriesOf(session, options.validate ?? validatingVerbs.has(verb))
    // delete of nothing says "No resources found" itself, as from a selection that matched nothing;
    // diff has no such check: it diffs two empty folders.
    if (entries.length === 0 && !quietOnNothing.has(verb)) throw new KubectlError(`no objects passed to ${verb}`)
    const selected = selectingVerbs.has(verb) ? await selectedByFlag(session, entries) : entries
    // delete says "No resources found" itself; the writers refuse to run on nothing.
    if (selected.length === 0 && !quietOnNothing.has(verb)) throw new KubectlError(`no objects passed to ${verb}`)
    return selected
  } catch (error) {
    if (verb === 'diff' && error instanceof KubectlError) throw new KubectlError(error.message, diffErrorExitCode)
    throw error
  }
}

/** The entries of files the verb's -l selects (all of them without one). */
export async function selectedByFlag(session: KubectlSession, entries: ManifestEntry[]): Promise<ManifestEntry[]> {
  const text = session.flags.values.get('selector') ?? ''
  return text === '' ? entries : selectedEntries(session, entries, selectorOf(text))
}

/**
 * The entries -l selects. kubectl's builder maps each object's kind before its filter reads the
 * labels, so an object of a kind the server lacks stays, for the verb to fail on it in its place.
 */
async function selectedEntries(session: KubectlSession, entries: ManifestEntry[], selector: ReturnType<typeof selectorOf>): Promise<ManifestEntry[]> {
  let mapper: ResourceMapper | null = null
  const selected: ManifestEntry[] = []
  for (const entry of entries) {
    if (!isManifest(entry) || matchesLabels(selector, entry.object.metadata.labels)) {
      selected.push(entry)
      continue
    }
    mapper ??= await ResourceMapper.discover(session)
    const {apiVersion, kind} = entry.object
    // Without apiVersion, kubectl maps the kind in the core group (placeObject).
    if (mapper.forKind(apiVersion || 'v1', kind ?? '') === null) selected.push(entry)
  }
  return selected
}

async function entriesOf(session: KubectlSession, validating: boolean): Promise<ManifestEntry[]> {
  const folder = session.flag('kustomize')
  const files = session.list('filename')
  const validate = validating && fieldValidationOf(session) !== 'Ignore'
  // --validate=warn cannot ask the server to warn about a List's fields: kubectl logs that it skips them.
  const skipped = fieldValidationOf(session) === 'Warn' ? () => session.klogProblem('W', 'schema.go:145', 'cannot perform warn validation if server-side field validation is unsupported, skipping validation') : undefined
  if (folder === '') return readManifestEntries(files, session.flag('recursive') === 'true', () => session.readStdinOnce(), validate, 'unstructured', () => openApiUnreadable(session), skipped)
  if (files.length > 0) throw new KubectlError('only one of -f or -k can be specified')
  // kustomize loads only for -k (a start-up cost the other commands skip).
  const {buildKustomization} = await import('./build.js')
  const build = buildKustomization(folder, {warn: (warning) => session.io.stderr(warning), rootOnly: true})
  // The built stream is validated as a file's: a server that cannot be asked fails its first document, so all of it.
  const unverifiable = validate && build.resources.length > 0 ? await openApiUnreadable(session) : null
  if (unverifiable !== null) return [{error: validationError(folder, [unverifiable]), source: folder}]
  return build.resources.map((resource) => ({object: kubeObjectOf(resource.object, folder), source: folder}))
}

/** A built resource as the object -f would read: a missing metadata is an empty one, as there. */
function kubeObjectOf(object: JsonObject, folder: string): KubeObject {
  if (isKubeObject(object)) return object
  if (object.metadata === undefined || object.metadata === null) return {...object, metadata: {}}
  throw new KubectlError(`unable to decode "${folder}": json: cannot unmarshal ${goJsonKind(object.metadata)} into Go struct field metadataOnlyObject.metadata of type v1.ObjectMeta`)
}

function selectorOf(text: string) {
  try {
    return parseLabelSelector(text)
  } catch (error) {
    if (error instanceof SelectorError) throw new KubectlError(`the provided selector "${text}" is not valid: ${error.message}`)
    throw error
  }
}
