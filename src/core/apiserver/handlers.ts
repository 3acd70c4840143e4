// The verbs of a resource once a request is authenticated and authorized: get, list, watch,
// create, update, patch, delete and deletecollection, and the status and scale subresources,
// each through admission and the registry (kube-apiserver's endpoints/handlers).
import {bytesToText} from '../util/byte-text.js'
import {type ContainerStreams, containerOfRequest, followPodLogs, podLogs, runningRun, streamRefusal, type StreamObjectReader, upgradeCheckQuery} from './pod-logs.js'
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import {groupVersion, type ResourceDefinition, type Scheme} from '../api/scheme.js'
import {validateEphemeralContainersUpdate} from '../api/strategies/pod.js'
import type {AdmissionChain} from './admission/chain.js'
import type {ApiRequest, ApiResponse, ExecAnswer, ExecSessionAnswer, TrustedRequest, UserInfo} from '../api/wire.js'
import {bodyText, decodeBody, type FieldValidation, parseBody} from './body.js'
import {goJsonCompact} from '../util/go-json.js'
import {listObjects, watchObjects} from './list-watch.js'
import {type DeleteOptions, type DeleteResult, type Registry, strategyOf, type WriteOptions} from './registry.js'
import {objectFromStored} from './stored-objects.js'
import type {AdmissionTrail} from './change-trail.js'
import {listPrefix} from './keys.js'
import type {RequestInfo} from './request.js'
import {scaleOf, scaleSchema, withReplicas} from './scale.js'
import type {ServiceAllocator} from './service-allocation.js'
import {ApiError, apiErrors} from './api-errors.js'
import {serverSideApply} from './server-side-apply.js'
import {subresourceOf} from './subresources.js'
import type {Clock} from '../util/clock.js'
import {portForwardExchange} from './port-forward-exchange.js'
import {logDialError, streamDialError} from './kubelet-dial.js'
import {deleteOptionsOf, fieldValidationOf, header, listQueryOf, patchedDocument, watchTimeoutSecondsOf} from './request-options.js'

/** The verbs and subresources of every resource, each through admission and the registry. */
export class ResourceHandlers {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    private readonly admission: AdmissionChain,
    private readonly services: ServiceAllocator,
    private readonly clock: Clock,
    /** The kubelets' container runtime (logs and exec); null where none runs (an API server alone). */
    private readonly streams: ContainerStreams | null = null,
  ) {}

  /** ConfigMaps and Secrets as the kubelet reads them for a container's environment and volumes. */
  private readonly streamReader: StreamObjectReader = {
    get: async (resource, namespace, name) => {
      try {
        return await this.registry.get(this.scheme.resource('', 'v1', resource)!, namespace, name)
      } catch (error) {
        if (error instanceof ApiError && error.code === 404) return null
        throw error
      }
    },
    services: async (namespace) => (await this.registry.store.list(listPrefix(this.scheme.resource('', 'v1', 'services')!, namespace))).objects.map((stored) => objectFromStored(stored)),
  }

  private allocatorFor(definition: ResourceDefinition, dryRun: boolean): WriteOptions['allocate'] {
    if (definition.group !== '' || definition.resource !== 'services') return undefined
    return (object, old) => (old ? this.services.allocateForUpdate(object, old, dryRun) : this.services.allocateForCreate(object, dryRun))
  }

  /** The field manager of a write: ?fieldManager=, else the user agent's program name. */
  private managerOf(request: ApiRequest): {manager: string; operation: 'Update'} {
    const agent = header(request, 'user-agent')
    return {manager: request.query?.fieldManager || (agent.length > 0 ? agent.split('/')[0]! : 'unknown'), operation: 'Update'}
  }

  private updateOptions(definition: ResourceDefinition, namespace: string, name: string, user: UserInfo, dryRun: boolean, warnings: string[], request: ApiRequest, trail: AdmissionTrail | null): WriteOptions {
    return {
      dryRun,
      fieldManager: this.managerOf(request),
      admission: this.admission.hooks({operation: 'UPDATE', definition, subresource: '', namespace, name, user, dryRun, warnings, trail}),
      allocate: this.allocatorFor(definition, dryRun),
    }
  }

  /** PATCH application/apply-patch+yaml: server-side apply, creating the object when it is missing. */
  private async apply(request: ApiRequest, info: RequestInfo, definition: ResourceDefinition, namespace: string, user: UserInfo, dryRun: boolean, trail: AdmissionTrail | null): Promise<ApiResponse> {
    const manager = request.query?.fieldManager ?? ''
    if (manager.length === 0) throw apiErrors.badRequest('PATCH, fieldManager is required for apply requests')
    const force = request.query?.force === 'true'
    const {object: applied, warnings} = decodeBody(this.scheme, definition, bodyText(request.body), 'application/yaml', fieldValidationOf(request))
    if ((applied.metadata.name ?? '') !== info.name) throw apiErrors.badRequest(`the name of the object (${applied.metadata.name ?? ''}) does not match the name on the URL (${info.name})`)
    this.checkNamespace(definition, applied, namespace)
    const apiVersion = groupVersion(definition)
    const schema = definition.custom ? null : definition.schema
    const time = formatTimestamp(this.clock.nowMilliseconds())
    // The configuration as sent (no decoding defaults), for kubectl's last-applied annotation.
    const sent = parseBody(bodyText(request.body), 'application/yaml') as KubeObject
    const options: WriteOptions = {
      dryRun,
      user,
      admission: this.admission.hooks({operation: 'UPDATE', definition, subresource: '', namespace, name: info.name, user, dryRun, warnings, trail}),
      allocate: this.allocatorFor(definition, dryRun),
      fieldManager: {manager, operation: 'Apply'},
    }
    try {
      await this.registry.get(definition, namespace, info.name)
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 404)) throw error
      const object = serverSideApply(null, applied, schema, {manager, force, apiVersion, time, sent})
      const created = await this.registry.create(definition, namespace, object, {...options, admission: this.admission.hooks({operation: 'CREATE', definition, subresource: '', namespace, user, dryRun, warnings, trail})})
      return {status: 201, body: typed(created, definition), warnings}
    }
    const result = await this.registry.update(definition, namespace, info.name, (current) => {
      if (!current) throw apiErrors.notFound(definition, info.name)
      const merged = serverSideApply(current, applied, schema, {manager, force, apiVersion, time, sent})
      delete merged.metadata.resourceVersion
      return merged
    }, options)
    return {status: 200, body: typed(result.object, definition), warnings}
  }

  /** A DELETE through admission, giving back what a deleted Service held. */
  async deleteOne(definition: ResourceDefinition, namespace: string, name: string, options: DeleteOptions, user: UserInfo): Promise<DeleteResult> {
    const dryRun = options.dryRun ?? false
    const admit = (current: KubeObject) => this.admission.admitDelete({operation: 'DELETE', definition, subresource: '', namespace, name, user, dryRun}, current)
    const result = await this.registry.delete(definition, namespace, name, {...options, admit})
    if (result.deleted && !dryRun && definition.group === '' && definition.resource === 'services') await this.services.release(result.object)
    return result
  }

  /** `trail` gathers the admission plugins a write goes through, when changes are recorded (a trace shows them). */
  async serve(request: TrustedRequest, info: RequestInfo, definition: ResourceDefinition, user: UserInfo, trail: AdmissionTrail | null = null): Promise<ApiResponse> {
    const namespace = definition.namespaced ? info.namespace : ''
    if (definition.namespaced && namespace.length === 0 && !['list', 'watch'].includes(info.verb)) throw apiErrors.pathNotFound()
    const subresource = info.subresource
    if (subresource.length > 0) return this.serveSubresource(request, info, definition, namespace, user, trail)
    if (!definition.verbs.includes(info.verb)) throw apiErrors.unsupportedVerb(definition, info.verb)
    const dryRun = request.query?.dryRun === 'All'
    switch (info.verb) {
      case 'get':
        return ok(await this.registry.get(definition, namespace, info.name), definition)
      case 'list':
        return {status: 200, body: await listObjects(this.registry, definition, listQueryOf(request, definition, info)), warnings: []}
      case 'watch':
        return {status: 200, body: null, warnings: [], watch: await watchObjects(this.registry, definition, {
          ...listQueryOf(request, definition, info),
          allowWatchBookmarks: request.query?.allowWatchBookmarks === 'true',
          sendInitialEvents: request.query?.sendInitialEvents === 'true',
          timeoutSeconds: watchTimeoutSecondsOf(request),
          sharedParts: request.readOnlyWatch === true,
        }, this.clock)}
      case 'create': {
        const {object, warnings} = this.decode(request, definition)
        const bodyNamespace = object.metadata.namespace
        if (definition.namespaced && bodyNamespace && bodyNamespace !== namespace) {
          throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
        }
        const admission = this.admission.hooks({operation: 'CREATE', definition, subresource: '', namespace, user, dryRun, warnings, trail})
        const created = await this.registry.create(definition, namespace, object, {dryRun, user, admission, allocate: this.allocatorFor(definition, dryRun), fieldManager: this.managerOf(request)})
        return {status: 201, body: typed(created, definition), warnings}
      }
      case 'update': {
        const {object, warnings} = this.decode(request, definition)
        this.checkNamespace(definition, object, namespace)
        const result = await this.registry.update(definition, namespace, info.name, () => object, this.updateOptions(definition, namespace, info.name, user, dryRun, warnings, request, trail))
        return {status: result.created ? 201 : 200, body: typed(result.object, definition), warnings}
      }
      case 'patch': {
        const warnings: string[] = []
        if (header(request, 'content-type').split(';')[0]!.trim() === 'application/apply-patch+yaml') return this.apply(request, info, definition, namespace, user, dryRun, trail)
        const result = await this.registry.update(
          definition,
          namespace,
          info.name,
          (current) => this.patched(request, definition, current, info.name, warnings),
          this.updateOptions(definition, namespace, info.name, user, dryRun, warnings, request, trail),
        )
        return {status: 200, body: typed(result.object, definition), warnings}
      }
      case 'delete': {
        const result = await this.deleteOne(definition, namespace, info.name, deleteOptionsOf(request), user)
        const body = result.deleted && !strategyOf(definition).returnDeletedObject
          ? {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: {name: info.name, ...(definition.group ? {group: definition.group} : {}), kind: definition.resource, uid: result.object.metadata.uid}}
          : typed(result.object, definition)
        return {status: result.deleted ? 200 : 202, body, warnings: []}
      }
      case 'deletecollection': {
        const listed = await listObjects(this.registry, definition, {...listQueryOf(request, definition, info), limit: 0})
        const options = deleteOptionsOf(request)
        const items: KubeObject[] = []
        for (const item of listed.items) {
          try {
            items.push((await this.deleteOne(definition, item.metadata.namespace ?? '', item.metadata.name ?? '', options, user)).object)
          } catch (error) {
            if (!(error instanceof ApiError && error.code === 404)) throw error
          }
        }
        return {status: 200, body: {...listed, items}, warnings: []}
      }
      default:
        throw apiErrors.methodNotSupported(definition, info.verb)
    }
  }

  private async serveSubresource(request: ApiRequest, info: RequestInfo, definition: ResourceDefinition, namespace: string, user: UserInfo, trail: AdmissionTrail | null): Promise<ApiResponse> {
    const dryRun = request.query?.dryRun === 'All'
    const verb = info.verb
    const serving = subresourceOf(definition, info.subresource)?.serving
    if (serving === 'status' || serving === 'approval') {
      if (verb === 'get') return ok(await this.registry.get(definition, namespace, info.name), definition)
      const options: WriteOptions = {dryRun, subresource: serving, user, admission: this.admission.hooks({operation: 'UPDATE', definition, subresource: serving, namespace, user, dryRun, trail}), fieldManager: this.managerOf(request)}
      if (verb === 'update') {
        const {object, warnings} = this.decode(request, definition)
        const result = await this.registry.update(definition, namespace, info.name, () => object, options)
        return {status: 200, body: typed(result.object, definition), warnings}
      }
      if (verb === 'patch') {
        const result = await this.registry.update(definition, namespace, info.name, (current) => this.patched(request, definition, current, info.name), options)
        return {status: 200, body: typed(result.object, definition), warnings: []}
      }
    }
    if (serving === 'scale') {
      if (verb === 'get') return {status: 200, body: scaleOf(definition, await this.registry.get(definition, namespace, info.name)), warnings: []}
      if (verb === 'update' || verb === 'patch') {
        const result = await this.registry.update(definition, namespace, info.name, (current) => {
          if (!current) throw apiErrors.notFound(definition, info.name)
          const scale = scaleOf(definition, current)
          let wanted: KubeObject
          // The resourceVersion the request itself names (a patch's result carries the current one otherwise).
          let named: string | undefined
          if (verb === 'update') {
            wanted = decodeBody(this.scheme, definition, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request), {kind: 'Scale', apiVersion: 'autoscaling/v1', schema: scaleSchema}).object
            named = wanted.metadata?.resourceVersion
          } else {
            const patched = patchedDocument(request, scale, scaleSchema, {definition, name: info.name})
            wanted = patched.result as KubeObject
            named = patched.pinsVersion ? wanted.metadata?.resourceVersion : undefined
          }
          const version = named
          if (version && version !== current.metadata.resourceVersion) throw apiErrors.modified(definition, info.name)
          const replicas = isJsonObject(wanted.spec) ? wanted.spec.replicas : undefined
          return pinnedTo(withReplicas(current, typeof replicas === 'number' ? replicas : 0), version)
        }, {dryRun, admission: this.admission.hooks({operation: 'UPDATE', definition, subresource: 'scale', namespace, user, dryRun, trail}), fieldManager: this.managerOf(request)})
        return {status: 200, body: scaleOf(definition, result.object), warnings: []}
      }
    }
    if (serving === 'ephemeralcontainers') {
      if (verb === 'get') return ok(await this.registry.get(definition, namespace, info.name), definition)
      if (verb !== 'update' && verb !== 'patch') throw apiErrors.unsupportedVerb({...definition, verbs: ['get', 'update', 'patch']}, verb)
      // Only spec.ephemeralContainers is taken from the request; the rest stays the pod's.
      const options: WriteOptions = {
        dryRun, subresource: 'ephemeralcontainers', validateSubresourceUpdate: validateEphemeralContainersUpdate, fieldManager: this.managerOf(request),
        admission: this.admission.hooks({operation: 'UPDATE', definition, subresource: 'ephemeralcontainers', namespace, user, dryRun, trail}),
      }
      const result = await this.registry.update(definition, namespace, info.name, (current) => {
        if (!current) throw apiErrors.notFound(definition, info.name)
        const wanted = verb === 'update' ? this.decode(request, definition).object : this.patched(request, definition, current, info.name)
        const wantedSpec = isJsonObject(wanted.spec) ? wanted.spec : {}
        return pinnedTo({...current, spec: {...(isJsonObject(current.spec) ? current.spec : {}), ephemeralContainers: wantedSpec.ephemeralContainers ?? []}}, wanted.metadata?.resourceVersion)
      }, options)
      return {status: 200, body: typed(result.object, definition), warnings: []}
    }
    if (serving === 'finalize' && verb === 'update') return this.finalizeNamespace(request, info, definition, dryRun)
    if (serving === 'log' && verb === 'get') {
      const pod = await this.registry.get(definition, namespace, info.name)
      const container = containerOfRequest(pod, request.query?.container).name
      await this.dialKubelet(pod, (node, listens) => logDialError(node, listens, pod, container, request.query ?? {}))
      if (request.query?.follow === 'true') {
        const current = () => this.registry.get(definition, namespace, info.name).catch((error: unknown) => {
          if (error instanceof ApiError && error.code === 404) return null
          throw error
        })
        const {text, follow} = await followPodLogs(pod, request.query, this.clock, this.streams, this.streamReader, current)
        return {status: 200, body: text, contentType: 'text/plain', warnings: [], textFollow: follow}
      }
      return {status: 200, body: await podLogs(pod, request.query ?? {}, this.clock.nowMilliseconds(), this.streams, this.streamReader), contentType: 'text/plain', warnings: []}
    }
    const upgradeCheck = request.query?.[upgradeCheckQuery]
    if ((serving === 'exec' || serving === 'stream') && upgradeCheck !== undefined) {
      const pod = await this.registry.get(definition, namespace, info.name)
      const container = info.subresource === 'portforward' ? null : containerOfRequest(pod, request.query?.container).name
      if (!(pod.spec as {nodeName?: string} | undefined)?.nodeName) throw apiErrors.badRequest(`pod ${info.name} does not have a host assigned`)
      await this.dialKubelet(pod, streamDialError)
      // `dial`: the kubelet answers; the caller goes on with its stream.
      if (upgradeCheck === 'dial') return {status: 200, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200}, warnings: []}
      throw (container === null ? null : streamRefusal(pod, container)) ?? apiErrors.badRequest('Upgrade request required')
    }
    if (serving === 'exec' && this.streams && (verb === 'create' || verb === 'get')) {
      return {status: 200, body: await this.exec(request, definition, namespace, info.name), warnings: []}
    }
    if (serving === 'stream' && info.subresource === 'attach' && this.streams && verb === 'create' && request.query?.stdin === 'true') {
      // One piece of an attach's stdin (the body; `close=true` with its end), for the container's command to read.
      const pod = await this.registry.get(definition, namespace, info.name)
      const container = containerOfRequest(pod, request.query.container).name
      await this.dialKubelet(pod, streamDialError)
      const run = runningRun(pod, container)
      if (!run) throw apiErrors.badRequest(`container ${container} is not running in pod ${info.name}`)
      await this.streams.sendStdin(pod, container, run, bodyText(request.body), request.query.close === 'true', this.clock.nowMilliseconds())
      return {status: 200, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200}, warnings: []}
    }
    if (serving === 'stream' && info.subresource === 'portforward' && this.streams && request.query?.ports) {
      // One forwarded connection's bytes so far, answered by what listens on the pod's port.
      const pod = await this.registry.get(definition, namespace, info.name)
      await this.dialKubelet(pod, streamDialError)
      const answer = await portForwardExchange(this.streams, pod, request.query.ports, bodyText(request.body), this.clock.nowMilliseconds(), this.streamReader)
      return {status: 200, body: answer, warnings: []}
    }
    if (serving === 'stream' || serving === 'exec') {
      // kube-apiserver would open a stream to the kubelet; kubemu's kubelets run no processes.
      const pod = await this.registry.get(definition, namespace, info.name)
      // An API server without the containers' runtime answers an exec or attach as kube-apiserver
      // answers a request that is not an upgrade, once the pod and container could take one.
      if (info.subresource !== 'portforward' && !this.streams) {
        throw streamRefusal(pod, containerOfRequest(pod, request.query?.container).name) ?? apiErrors.badRequest('Upgrade request required')
      }
      throw apiErrors.badRequest(`kubemu simulates containers: pod "${pod.metadata.name}" has no processes to ${info.subresource === 'portforward' ? 'forward ports to' : info.subresource}`)
    }
    throw apiErrors.pathNotFound()
  }

  /**
   * Reaches the kubelet of the pod's node as kube-apiserver dials it: `dialError` says what a
   * refused connection answers. Nothing to dial for a pod on no node (the caller says so) or
   * without a runtime (an API server alone).
   */
  private async dialKubelet(pod: KubeObject, dialError: (node: KubeObject, listens: (node: KubeObject) => boolean) => ApiError | null): Promise<void> {
    const nodeName = (pod.spec as {nodeName?: string} | undefined)?.nodeName
    const streams = this.streams
    if (!nodeName || !streams) return
    const node = await this.registry.get(this.scheme.resource('', 'v1', 'nodes')!, '', nodeName)
    const error = dialError(node, (reached) => streams.kubeletListens(reached))
    if (error) throw error
  }

  /**
   * pods/NAME/exec: runs the command (`command` query values, NUL-separated when there are
   * several) in the running container. The streams' upgrade (WebSocket) carries the answer to
   * real clients; this is the exchange behind it, answered as {stdout, stderr, exitCode}.
   */
  async exec(request: ApiRequest, definition: ResourceDefinition, namespace: string, name: string): Promise<ExecAnswer | ExecSessionAnswer> {
    const pod = await this.registry.get(definition, namespace, name)
    const container = containerOfRequest(pod, request.query?.container).name
    await this.dialKubelet(pod, streamDialError)
    const refusal = streamRefusal(pod, container)
    if (refusal) throw refusal
    const run = runningRun(pod, container)!
    if (!this.streams) throw apiErrors.badRequest('Upgrade request required')
    const session = request.query?.session
    if (session && session !== 'open') {
      // One piece of a running exec session's stdin (the body; `close=true` with its end).
      const piece = typeof request.body === 'string' ? request.body : bytesToText(request.body ?? new Uint8Array())
      const answer = await this.streams.execInput(pod, container, session, piece, request.query?.close === 'true', this.clock.nowMilliseconds())
      if (!answer) throw apiErrors.badRequest(`exec session ${session} is not running in container ${container} of pod ${name}`)
      return answer
    }
    const argv = (request.query?.command ?? '').split('\0').filter((word, index, all) => all.length > 1 || word.length > 0)
    if (argv.length === 0) throw apiErrors.badRequest('you must specify at least one command for the container')
    const phase = (pod.status as {phase?: string} | undefined)?.phase
    if (phase === 'Succeeded' || phase === 'Failed') throw apiErrors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`)
    if (request.query?.stdin === 'true' && request.query.session === 'open') {
      // An exec run as its stdin comes (the streams' front door and kubectl exec -i): each piece follows with session=ID.
      return this.streams.execSession(pod, container, run, argv, this.clock.nowMilliseconds(), this.streamReader, request.query.tty === 'true')
    }
    // With stdin=true the request's body is what the client sent on stdin, to its end.
    const stdin = request.query?.stdin === 'true' ? (typeof request.body === 'string' ? request.body : bytesToText(request.body ?? new Uint8Array())) : ''
    return this.streams.exec(pod, container, run, argv, this.clock.nowMilliseconds(), this.streamReader, stdin)
  }

  /**
   * PUT namespaces/NAME/finalize: sets spec.finalizers (the namespace controller removes
   * "kubernetes" once the namespace is empty); a Terminating namespace left with none is deleted.
   */
  private async finalizeNamespace(request: ApiRequest, info: RequestInfo, definition: ResourceDefinition, dryRun: boolean): Promise<ApiResponse> {
    const {object} = this.decode(request, definition)
    const wanted = isJsonObject(object.spec) && Array.isArray(object.spec.finalizers) ? object.spec.finalizers.map(String) : []
    if (dryRun) return ok(await this.registry.get(definition, '', info.name), definition)
    const updated = await this.registry.guaranteedUpdate(definition, '', info.name, (current: KubeObject | null) => {
      if (!current) throw apiErrors.notFound(definition, info.name)
      current.spec = {...(isJsonObject(current.spec) ? current.spec : {}), finalizers: wanted}
      if (wanted.length === 0) delete (current.spec as Record<string, unknown>).finalizers
      return current
    })
    if (updated.metadata.deletionTimestamp && wanted.length === 0 && (updated.metadata.finalizers ?? []).length === 0) {
      await this.registry.delete(definition, '', info.name, {gracePeriodSeconds: 0})
    }
    return ok(updated, definition)
  }

  private decode(request: ApiRequest, definition: ResourceDefinition): {object: KubeObject; warnings: string[]} {
    return decodeBody(this.scheme, definition, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request))
  }

  private checkNamespace(definition: ResourceDefinition, object: KubeObject, namespace: string): void {
    const bodyNamespace = object.metadata.namespace
    if (definition.namespaced && bodyNamespace && bodyNamespace !== namespace) {
      throw apiErrors.badRequest('the namespace of the provided object does not match the namespace sent on the request')
    }
  }

  /** The object a patch makes of `current`; the patch's and the decoding's warnings go to `warnings`. */
  private patched(request: ApiRequest, definition: ResourceDefinition, current: KubeObject | null, name: string, warnings: string[] = []): KubeObject {
    if (!current) throw apiErrors.notFound(definition, name)
    const original = typed(current, definition)
    const {result, pinsVersion, strictErrors} = patchedDocument(request, original, definition.schema, {definition, name})
    const decoded = patchedObject(this.scheme, definition, result, fieldValidationOf(request), strictErrors, warnings)
    // A patch that does not name a resourceVersion applies to whatever is stored now.
    if (!pinsVersion) delete decoded.metadata.resourceVersion
    return decoded
  }

}

/**
 * A patched document decoded as the kind, as kube-apiserver decodes it into the kind's type: the
 * type supplies a kind and apiVersion the patch removed, and a document the type cannot hold is a
 * 422 naming the patch (`patch: Invalid value: "<the patched JSON>": <why>`).
 */
function patchedObject(scheme: Scheme, definition: ResourceDefinition, result: unknown, fieldValidation: FieldValidation, strictErrors: readonly string[], warnings: string[]): KubeObject {
  const given = (value: unknown) => (value === undefined || value === null || value === '' ? undefined : value)
  const document = isJsonObject(result) ? {...result, kind: given(result.kind) ?? definition.kind, apiVersion: given(result.apiVersion) ?? groupVersion(definition)} : result
  const invalid = (detail: string) => apiErrors.invalid({group: '', kind: ''}, '', [{type: 'FieldValueInvalid', field: 'patch', value: goJsonCompact(result), detail}])
  let decoded
  try {
    decoded = decodeBody(scheme, definition, JSON.stringify(document ?? null), 'application/json', fieldValidation)
  } catch (error) {
    const cause = error instanceof ApiError && error.code === 400 ? / cannot be handled as a [^:]+: (.*)$/s.exec(error.message) : null
    if (!cause) throw error
    // The patch's own strict errors come first, as kube-apiserver joins them.
    const strict = /^strict decoding error: (.*)$/s.exec(cause[1]!)
    throw invalid(strict ? `strict decoding error: ${[...strictErrors, strict[1]!].join(', ')}` : cause[1]!)
  }
  if (strictErrors.length > 0 && fieldValidation === 'Strict') throw invalid(`strict decoding error: ${strictErrors.join(', ')}`)
  if (fieldValidation === 'Warn') warnings.push(...strictErrors, ...decoded.warnings)
  return decoded.object
}

/** An object as the API returns it: kind and apiVersion first. */
export function typed(object: KubeObject, definition: ResourceDefinition): KubeObject {
  const {kind: _kind, apiVersion: _apiVersion, ...rest} = object
  return {kind: definition.kind, apiVersion: groupVersion(definition), ...rest} as KubeObject
}

function ok(object: KubeObject, definition: ResourceDefinition): ApiResponse {
  return {status: 200, body: typed(object, definition), warnings: []}
}

/**
 * A subresource's write built on the current object carries the resourceVersion the request
 * named, or none: without one it applies to whatever is stored, retried on a concurrent write
 * (kube's GuaranteedUpdate), where the current object's version made it a spurious 409.
 */
function pinnedTo(object: KubeObject, resourceVersion: string | undefined): KubeObject {
  const metadata = {...object.metadata}
  if (resourceVersion) metadata.resourceVersion = resourceVersion
  else delete metadata.resourceVersion
  return {...object, metadata}
}
