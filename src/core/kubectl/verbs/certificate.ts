// `kubectl certificate approve|deny`: adds the Approved or Denied condition to
// CertificateSigningRequests through their /approval subresource, as kubectl 1.32 does (a request
// already approved is left alone unless --force; one already denied cannot be approved, and back).
import {formatTimestamp, type KubeObject} from '../../api/object.js'
import {GatheredErrors, KubectlError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {hasManifestSource, readEntriesOrKustomization} from '../kustomize/manifests.js'
import {isManifest, type ManifestEntry} from '../manifests.js'
import {ChangedObjectPrinter} from '../output.js'
import {type ApiResource, kindName, objectPath, ResourceMapper, requestNamed} from '../resources.js'
import type {KubectlSession} from '../session.js'
import type {KubectlVerb} from '../verb.js'

/** kubectl retries an approval that met a concurrent write this many times (its loop's bound). */
const conflictRetriesMax = 10

const certificateFlags: readonly KubectlFlag[] = [
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'force', kind: 'bool'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'template', kind: 'string'},
]

interface Decision {
  readonly verb: 'approve' | 'deny'
  readonly past: 'approved' | 'denied'
  readonly adds: 'Approved' | 'Denied'
  readonly refuses: 'Approved' | 'Denied'
  readonly reason: string
  readonly message: string
}

const approve: Decision = {verb: 'approve', past: 'approved', adds: 'Approved', refuses: 'Denied', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.'}
const deny: Decision = {verb: 'deny', past: 'denied', adds: 'Denied', refuses: 'Approved', reason: 'KubectlDeny', message: 'This CSR was denied by kubectl certificate deny.'}

type Request = KubeObject & {status?: {conditions?: Array<{type?: string}>}}

/** The request with the decision's condition added; null when it has it already. */
function decided(request: Request, decision: Decision, now: number): Request | null {
  const conditions = request.status?.conditions ?? []
  for (const condition of conditions) {
    if (condition.type === decision.refuses) throw new KubectlError(`certificate signing request ${JSON.stringify(request.metadata.name ?? '')} is already ${condition.type}`)
  }
  if (conditions.some((condition) => condition.type === decision.adds)) return null
  const added = {type: decision.adds, status: 'True', reason: decision.reason, message: decision.message, lastUpdateTime: formatTimestamp(now)}
  return {...request, status: {...request.status, conditions: [...conditions, added]}}
}

/**
 * The request a file's object names. kubectl reads each object from the server first (its builder
 * has no namespace to give): a namespaced object without one is its error, and what it reads must
 * be a CertificateSigningRequest.
 */
async function requestNameOf(session: KubectlSession, mapper: ResourceMapper, entry: ManifestEntry): Promise<string | null> {
  if (!isManifest(entry)) throw entry.error
  const object = entry.object
  const name = object.metadata.name ?? ''
  // Without apiVersion a core kind maps at its preferred version, read through a client of no version (placeObject).
  const mapped = mapper.forKind(object.apiVersion || 'v1', object.kind ?? '')
  if (!mapped || (!object.apiVersion && mapped.group !== '')) throw new KubectlError(`resource mapping not found for name: ${JSON.stringify(name)} namespace: ${JSON.stringify(object.metadata.namespace ?? '')} from ${JSON.stringify(entry.source)}: no matches for kind ${JSON.stringify(object.kind ?? '')} in version ${JSON.stringify(object.apiVersion ?? '')}\nensure CRDs are installed first`)
  const resource = object.apiVersion ? mapped : {...mapped, version: ''}
  const namespace = object.metadata.namespace ?? ''
  if (mapped.namespaced && namespace === '') throw new KubectlError(`no namespace set on resource ${mapped.group}/${mapped.version}, Resource=${mapped.resource} ${JSON.stringify(name)}`)
  await requestNamed(session, resource, namespace, name)
  if (resource.group !== 'certificates.k8s.io' || object.kind !== 'CertificateSigningRequest') {
    throw new KubectlError(`can only handle CertificateSigningRequest.certificates.k8s.io objects, got ${object.kind ?? ''}${resource.group ? `.${resource.group}` : ''}`)
  }
  return name
}

/**
 * The requests the arguments name, as kubectl's builder reads them: NAME is a CertificateSigningRequest,
 * TYPE/NAME any cluster-scoped type (a request that is not a CertificateSigningRequest fails when
 * read); the arguments and -f exclude each other. Every argument is checked before anything is read.
 */
function namedRequests(session: KubectlSession, mapper: ResourceMapper, args: readonly string[]): Array<{resource: ApiResource; name: string}> {
  const tuples = args.map((arg) => {
    if (!arg.includes('/')) return {type: 'certificatesigningrequests', name: arg}
    const parts = arg.split('/')
    if (parts.length > 2) throw new KubectlError('arguments in resource/name form may not have more than one slash')
    if (parts[0] === '' || parts[1] === '') throw new KubectlError('arguments in resource/name form must have a single resource and name')
    return {type: parts[0]!, name: parts[1]!}
  })
  if (tuples.length > 0 && hasManifestSource(session)) throw new KubectlError('resource/name arguments cannot be provided when a path is specified')
  return tuples.map(({type, name}) => {
    const resource = mapper.resolve(type)
    // kubectl certificate gives its builder no namespace.
    if (resource.namespaced) throw new KubectlError('namespace may not be empty when retrieving a resource by name')
    return {resource, name}
  })
}

function decisionVerb(decision: Decision) {
  return async (session: KubectlSession, args: readonly string[]): Promise<number> => {
    if (args.length === 0 && !hasManifestSource(session)) throw new KubectlError('one or more CSRs must be specified as <name> or -f <filename>')
    const mapper = await ResourceMapper.discover(session)
    const resource = mapper.resolve('certificatesigningrequests.v1.certificates.k8s.io')
    const named = namedRequests(session, mapper, args)
    const names: string[] = []
    const errors = new GatheredErrors()
    if (hasManifestSource(session)) {
      for (const entry of await readEntriesOrKustomization(session, `certificate ${decision.verb}`)) {
        try {
          const name = await requestNameOf(session, mapper, entry)
          if (name !== null) names.push(name)
        } catch (error) {
          errors.add(error)
        }
      }
    }
    for (const {resource: type, name} of named) {
      try {
        if (type.group !== 'certificates.k8s.io' || type.kind !== 'CertificateSigningRequest') {
          await requestNamed(session, type, '', name)
          throw new KubectlError(`can only handle CertificateSigningRequest.certificates.k8s.io objects, got ${type.kind}${type.group ? `.${type.group}` : ''}`)
        }
        names.push(name)
      } catch (error) {
        errors.add(error)
      }
    }
    const force = session.flag('force') === 'true'
    const printer = new ChangedObjectPrinter(session.flag('output'), session.flag('template'), session.flag('show-managed-fields') === 'true', session.flag('allow-missing-template-keys'))
    let found = 0
    for (const name of names) {
      try {
        let current = (await requestNamed(session, resource, '', name)).body as Request
        for (let attempt = 0; ; attempt++) {
          const changed = decided(current, decision, session.clock.nowMilliseconds())
          if (changed === null && !force) break
          try {
            await session.request('PUT', `${objectPath(resource, '', name)}/approval`, {body: changed ?? current})
            break
          } catch (error) {
            if (!(error instanceof ServerError && error.code === 409) || attempt >= conflictRetriesMax) throw error
            current = (await requestNamed(session, resource, '', name)).body as Request
          }
        }
        found++
        session.io.stdout(printer.print(current, `${kindName(resource)}/${name}`, decision.past, true))
      } catch (error) {
        errors.add(error)
      }
    }
    if (found === 0 && errors.message() === '') session.io.stdout('No resources found\n')
    return errors.report(session.io, session)
  }
}

export const certificateVerb: KubectlVerb = {
  name: 'certificate',
  flags: [],
  subverbs: [
    {name: 'approve', flags: certificateFlags, run: decisionVerb(approve)},
    {name: 'deny', flags: certificateFlags, run: decisionVerb(deny)},
  ],
}
