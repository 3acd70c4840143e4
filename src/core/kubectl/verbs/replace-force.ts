// `kubectl replace --force`: kubectl 1.32's forceReplace reads the files twice. A builder without
// validation reads them first and every object it maps is deleted (then waited for until gone);
// any error of that pass ends the command before anything is created. A second builder then
// reads them again with validation (kinds, the server's OpenAPI) and creates each object.
import {cloneJson, type KubeObject} from '../../api/object.js'
import {ConnectionRefusedError, errorsText, KubectlError, KubectlPlainError, ServerError} from '../errors.js'
import {readEntriesOrKustomization} from '../kustomize/manifests.js'
import {isManifest, type ManifestEntry} from '../manifests.js'
import {type ApiResource, collectionPath, kindName, objectPath, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {waitForObject} from '../object-watch.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {errorWithSource, fieldValidationOf, placeObject, withLastApplied} from './apply.js'

/** replace --force with --timeout 0 waits this long for the deleted objects to go (kubectl 1.32's forceReplace: 5 minutes). */
const replaceForceWaitDefaultMilliseconds = 5 * 60_000

interface Placed {
  readonly resource: ApiResource
  readonly namespace: string
  readonly object: KubeObject
  readonly source: string
}

export async function runForcedReplace(session: KubectlSession): Promise<number> {
  // The delete pass: read without validation, as kubectl's first builder reads, and run as
  // delete runs (no objects is no error of its own).
  const deleting = await readEntriesOrKustomization(session, 'delete', {validate: false})
  let mapper: ResourceMapper
  try {
    mapper = await mapperOf(session, deleting)
  } catch (error) {
    if (!(error instanceof ConnectionRefusedError)) throw error
    // Each document's mapping asked discovery in vain; each is reported as not recognized.
    const cause = error.requestError('GET', error.request?.url ?? '')
    return report(session, deleting.map((entry) => (isManifest(entry) ? new KubectlError(`unable to recognize "${entry.source}": ${cause}`) : entry.error)), [])
  }
  const deleteErrors: KubectlError[] = []
  const readErrors: KubectlError[] = []
  const deleted: Placed[] = []
  let notFound = 0
  for (const entry of deleting) {
    const placed = placedOf(session, mapper, entry, readErrors)
    if (!placed) continue
    const name = placed.object.metadata.name ?? ''
    try {
      const answer = await session.request('DELETE', objectPath(placed.resource, placed.namespace, name), {body: deleteOptions(session), allow: [404]})
      // An object not there is simply created.
      if (answer.status === 404) {
        notFound++
        continue
      }
      session.io.stdout(`${kindName(placed.resource)} "${name}" deleted\n`)
      deleted.push(placed)
    } catch (error) {
      if (!(error instanceof ServerError)) throw error
      deleteErrors.push(errorWithSource(error, 'deleting', entry.source))
    }
  }
  if (deleteErrors.length > 0 || readErrors.length > 0) {
    // kubectl drops the NotFound errors from its aggregate, leaving the reading errors' own
    // aggregate inside it: printed as several errors are, with no `error: `.
    const nested = notFound > 0 && deleteErrors.length === 0
    return report(session, deleteErrors, nested ? readErrors.map((error) => new KubectlPlainError(error.message)) : readErrors)
  }
  // kubectl's delete of no objects at all says so, and the create pass refuses to run on nothing.
  if (!deleting.some(isManifest)) session.io.stdout('No resources found\n')
  const timeout = parseGoDuration(session.flag('timeout'), 'timeout')
  const deadline = session.clock.nowMilliseconds() + (timeout > 0 ? timeout : replaceForceWaitDefaultMilliseconds)
  if (deleted.length > 0) await session.settleControlPlane()
  for (const {resource, namespace, object} of deleted) {
    // Until a get finds nothing (NotFound), as kubectl polls; its timeout is wait's own error.
    const gone = await waitForObject(session, resource, namespace, object.metadata.name ?? '', (current) => current === null, deadline)
    if (!gone) throw new KubectlError('timed out waiting for the condition')
  }
  // The create pass: read again, validated as replace validates.
  const createErrors: KubectlError[] = []
  let created = 0
  const query = {fieldManager: session.flag('field-manager'), fieldValidation: fieldValidationOf(session)}
  for (const entry of await readEntriesOrKustomization(session, 'replace')) {
    const placed = placedOf(session, mapper, entry, readErrors)
    if (!placed) continue
    const object = session.flag('save-config') === 'true' ? withLastApplied(placed.object) : cloneJson(placed.object)
    delete object.metadata.resourceVersion
    try {
      await session.request('POST', collectionPath(placed.resource, placed.namespace), {body: object, query})
    } catch (error) {
      // kubectl returns the create's error as it is (no source), and goes on with the next object.
      if (!(error instanceof ServerError)) throw error
      createErrors.push(error)
      continue
    }
    created++
    const label = `${kindName(placed.resource)}/${object.metadata.name ?? ''}`
    session.io.stdout(session.flag('output') === 'name' ? `${label}\n` : `${label} replaced\n`)
  }
  if (created === 0 && createErrors.length === 0 && readErrors.length === 0) throw new KubectlError('no objects passed to replace')
  return report(session, createErrors, readErrors)
}

/** Discovery, asked as often as kubectl's mapper asks it when the server cannot be reached: once for each object read. */
async function mapperOf(session: KubectlSession, entries: readonly ManifestEntry[]): Promise<ResourceMapper> {
  const objects = entries.filter(isManifest).length
  return ResourceMapper.discover(session, objects > 0 ? objects : 5)
}

/** The object of an entry placed as the builder places it (its namespace set), or its error kept for the end. */
function placedOf(session: KubectlSession, mapper: ResourceMapper, entry: ManifestEntry, readErrors: KubectlError[]): Placed | null {
  if (!isManifest(entry)) {
    readErrors.push(entry.error)
    return null
  }
  try {
    const {resource, namespace} = placeObject(session, mapper, entry)
    const object = cloneJson(entry.object)
    if (resource.namespaced) object.metadata.namespace = namespace
    return {resource, namespace, object, source: entry.source}
  } catch (error) {
    if (!(error instanceof KubectlError)) throw error
    readErrors.push(error)
    return null
  }
}

function deleteOptions(session: KubectlSession) {
  const gracePeriod = Number(session.flag('grace-period'))
  return {kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', ...(gracePeriod >= 0 ? {gracePeriodSeconds: gracePeriod} : {})}
}

/**
 * The verb's own errors, then the reading errors (kubectl's builder aggregates them after the
 * visit's), one aggregate (`[a, b]`) when there are several of both.
 */
export function report(session: KubectlSession, errors: KubectlError[], readErrors: readonly KubectlError[]): number {
  const all = [...errors]
  if (readErrors.length > 1 && errors.length > 0) all.push(new KubectlPlainError(`[${readErrors.map((error) => error.message).join(', ')}]`))
  else all.push(...readErrors)
  if (all.length > 0) session.io.stderr(errorsText(all))
  return all.length > 0 ? 1 : 0
}
