// kube-apiserver's request pipeline for one request, in its filter order: size limit,
// authentication, impersonation, request info, authorization (RBAC), then discovery, the
// answered kinds (reviews, tokens, bindings) or a resource's verbs through admission and the
// registry; every request, served or refused, can go to the audit log.
import {authenticateClientCertificate} from './authentication/client-certificates.js'
import {provenClientCertificate} from '../api/client-certificate-proof.js'
import {CertificateApproval, CertificateSigning, CertificateSubjectRestriction} from './admission/certificates.js'
import {createHash, randomUUID} from 'node:crypto'
import {isKubeObject, type KubeObject} from '../api/object.js'
import {assert} from '../util/assert.js'
import {builtinResources} from '../api/resources.js'
import {type ResourceDefinition, Scheme} from '../api/scheme.js'
import type {Store} from '../store/store.js'
import type {RaftPosition} from '../etcd/api.js'
import {type Clock, systemClock} from '../util/clock.js'
import {AdmissionChain, type AdmissionPlugin} from './admission/chain.js'
import {AdmissionReader} from './admission/context.js'
import {LimitRanger} from './admission/limit-ranger.js'
import {NamespaceLifecycle} from './admission/namespace-lifecycle.js'
import {DefaultIngressClassAdmission} from './admission/default-ingress-class.js'
import {DefaultTolerationSecondsAdmission, PriorityAdmission, ServiceAccountAdmission} from './admission/pod-plugins.js'
import {DefaultStorageClassAdmission} from './admission/default-storage-class.js'
import {StorageObjectInUseProtection} from './admission/storage-object-in-use-protection.js'
import {PodSecurityAdmission} from './admission/pod-security.js'
import {ResourceQuotaAdmission} from './admission/resource-quota.js'
import {MutatingAdmissionWebhook, ValidatingAdmissionWebhook} from './admission/webhook-dispatch.js'
import {ValidatingAdmissionPolicyPlugin} from './admission/validating-admission-policy.js'
import {PersistentVolumeClaimResize} from './admission/persistent-volume-claim-resize.js'
import {type AuditSink, auditEvent} from './audit.js'
import {type AdmissionTrail, type ChangeSink, changeRecordOf} from './change-trail.js'
import {TokenAuthenticator} from './authentication/authenticator.js'
import {type ClusterCredentials, MemoryCredentials} from './authentication/credentials.js'
import {impersonate} from './authentication/impersonation.js'
import type {ApiRequest, ApiResponse, TrustedRequest, UserInfo} from '../api/wire.js'
import {NodePodGraph} from './authorization/node-graph.js'
import {NodeAuthorizer} from './authorization/node.js'
import {HealthChecks, storeReadFailure} from './health.js'
import {ComponentStatuses, type LocalComponentProbe} from './component-statuses.js'
import {NodeRestriction} from './admission/node-restriction.js'
import {type Attributes, forbiddenMessage, RbacAuthorizer, type RbacReader} from './authorization/rbac.js'
import {UnionAuthorizer} from './authorization/union.js'
import {CachingRbacReader, type RbacObjects} from './authorization/rbac-cache.js'
import type {CachedChanges} from './cached-changes.js'
import type {WrittenObjects} from './written-objects.js'
import {bodyBytes, requestBodyBytesMax} from './body.js'
import {CustomResourceServing, isCustomResourceDefinitions} from './custom-resource-serving.js'
import {ApiServices} from './api-services.js'
import {ApiAggregation} from './aggregation.js'
import {apiServerUser} from './authentication/user.js'
import {aggregatedDiscovery, aggregatedDiscoveryAsked} from './discovery.js'
import {MetricsApi, metricsTable} from './metrics.js'
import {RequestMetrics, requestLabels} from './request-metrics.js'
import {OpenApiServing} from './openapi-serving.js'
import {Eviction} from './eviction.js'
import {ResourceHandlers} from './handlers.js'
import {header} from './request-options.js'
import {listPrefix, objectKey} from './keys.js'
import type {ContainerStreams} from './pod-logs.js'
import {Registry} from './registry.js'
import {objectFromStored} from './stored-objects.js'
import {requestInfo, type RequestInfo} from './request.js'
import {ServiceAllocator} from './service-allocation.js'
import {ApiError, apiErrors, etcdFailure} from './api-errors.js'
import {printerFor} from './tables/printers.js'
import {type IncludeObject, toTable, wantsTable} from './tables/table.js'
import {VersionConversionHandlers} from './version-conversion.js'
import {VirtualResources} from './virtual-resources.js'
import {type InFlightLimits, InFlightLimiter, TooManyRequestsError} from './max-in-flight.js'

export {typed} from './handlers.js'

/** What serving one request learned on the way, for its audit event and change record; `release` counts it out of max-in-flight. */
interface ServeContext {
  user: UserInfo | null
  impersonator: UserInfo | null
  info: RequestInfo | null
  decision: string | null
  release: (() => void) | null
  /** The admission plugins a write goes through, gathered when changes are recorded. */
  trail: AdmissionTrail | null
}

export interface ApiServerOptions {
  readonly store: Store
  readonly clock?: Clock
  readonly random?: () => number
  readonly newUid?: () => string
  /** The audit events' IDs (random UUIDs unless the cluster is seeded). */
  readonly newAuditId?: () => string
  readonly credentials?: ClusterCredentials
  readonly audit?: AuditSink
  /** Where each successful write is recorded for `kubemu trace` (nothing is recorded without one). */
  readonly changes?: ChangeSink
  /** Changes to the objects it caches (RBAC, admission's) made past this process's API servers (the watch of `up`). */
  readonly cachedChanges?: CachedChanges
  /** What the API servers of this process last wrote of each object (see written-objects.ts); by default this one's own. */
  readonly written?: WrittenObjects
  /** The admission plugins, in order (default: kube-apiserver's chain). */
  readonly admission?: (reader: AdmissionReader) => AdmissionPlugin[]
  /** The kubelets' container runtime, for pods/log and pods/exec. */
  readonly containerStreams?: ContainerStreams
  /** kube-apiserver's --max-requests-inflight and --max-mutating-requests-inflight (its defaults when absent). */
  readonly inFlightLimits?: InFlightLimits
  /** The health of the scheduler and controller manager on this API server's master (default: they answer). */
  readonly localComponents?: LocalComponentProbe
}

/** The error a failure is answered with: its own ApiError, etcd's text, else an internal error. */
function answeredError(error: unknown): ApiError {
  return error instanceof ApiError ? error : (etcdFailure(error) ?? apiErrors.internal(error instanceof Error ? error.message : String(error)))
}

/** kube-apiserver's default admission chain (the plugins kubemu has), in its order. */
export function defaultAdmissionPlugins(reader: AdmissionReader): AdmissionPlugin[] {
  return [
    new NamespaceLifecycle(reader),
    new LimitRanger(reader),
    new ServiceAccountAdmission(reader),
    new NodeRestriction(),
    new PodSecurityAdmission(reader),
    new PriorityAdmission(reader),
    new DefaultTolerationSecondsAdmission(),
    new DefaultStorageClassAdmission(reader),
    new StorageObjectInUseProtection(),
    new DefaultIngressClassAdmission(reader),
    new PersistentVolumeClaimResize(reader),
    new CertificateApproval(reader),
    new CertificateSigning(reader),
    new CertificateSubjectRestriction(),
    new MutatingAdmissionWebhook(reader),
    new ValidatingAdmissionPolicyPlugin(reader),
    new ValidatingAdmissionWebhook(reader),
    new ResourceQuotaAdmission(reader),
  ]
}

export class ApiServer {
  readonly scheme = new Scheme(builtinResources)
  readonly registry: Registry
  readonly credentials: ClusterCredentials
  readonly authorizer: UnionAuthorizer
  private readonly health: HealthChecks
  private readonly clock: Clock
  private readonly authenticator: TokenAuthenticator
  private readonly handlers: ResourceHandlers
  private readonly convertedVersions: VersionConversionHandlers
  private readonly virtualResources: VirtualResources
  private readonly audit: AuditSink | null
  private readonly newAuditId: () => string
  private readonly changes: ChangeSink | null
  private readonly customResources: CustomResourceServing
  /** The APIServices' registration and availability (kube-aggregator's controllers). */
  readonly apiServices: ApiServices
  /** kube-aggregator's proxy handler and discovery for the APIServices that name a Service. */
  private readonly aggregation: ApiAggregation
  private readonly openApi: OpenApiServing
  private readonly metrics: MetricsApi
  private readonly requestMetrics: RequestMetrics
  private readonly componentStatuses: ComponentStatuses
  /** Counts the requests that come with credentials (through the front door), as kube's max-in-flight filter. */
  readonly inFlight: InFlightLimiter

  constructor(options: ApiServerOptions) {
    this.clock = options.clock ?? systemClock
    this.inFlight = new InFlightLimiter(options.inFlightLimits)
    const random = options.random ?? Math.random
    this.registry = new Registry(options.store, {nowMilliseconds: () => this.clock.nowMilliseconds(), newUid: options.newUid ?? (() => randomUUID()), random}, options.written)
    this.credentials = options.credentials ?? new MemoryCredentials()
    this.health = new HealthChecks(options.store)
    const pods = this.scheme.resource('', 'v1', 'pods')!
    this.authorizer = new UnionAuthorizer(new NodeAuthorizer(new NodePodGraph(options.store, listPrefix(pods, null))), new RbacAuthorizer(new CachingRbacReader(this.rbacReader(), () => this.rbacObjects(), options.store, options.cachedChanges)))
    const reader = new AdmissionReader(this.registry, this.scheme, random, (attributes) => this.authorizer.authorize(attributes), (milliseconds) => this.clock.sleep(milliseconds), options.cachedChanges)
    // A token's ServiceAccount (and its pod, secret or node) is read as admission reads: the
    // ServiceAccounts from the cache kept current by watch, as kube-apiserver's authenticator reads
    // its informers' (a token still authenticates while etcd has no quorum).
    this.authenticator = new TokenAuthenticator(this.credentials, (resource, namespace, name) => reader.get('', resource, namespace, name), () => Math.floor(this.clock.nowMilliseconds() / 1000))
    const plugins = options.admission ? options.admission(reader) : defaultAdmissionPlugins(reader)
    this.handlers = new ResourceHandlers(this.scheme, this.registry, new AdmissionChain(plugins), new ServiceAllocator(options.store, random), this.clock, options.containerStreams ?? null)
    const now = () => this.clock.nowMilliseconds()
    this.convertedVersions = new VersionConversionHandlers(this.scheme, this.registry, this.handlers)
    const eviction = new Eviction(this.scheme, this.registry, this.handlers, now)
    this.virtualResources = new VirtualResources(this.scheme, this.registry, this.authorizer, this.authenticator, this.credentials, now, eviction)
    this.audit = options.audit ?? null
    this.newAuditId = options.newAuditId ?? (() => randomUUID())
    this.changes = options.changes ?? null
    this.customResources = new CustomResourceServing(this.scheme, this.registry, options.cachedChanges)
    const loopbackCreate = (object: {body: unknown}) =>
      this.handle({method: 'POST', path: '/apis/apiregistration.k8s.io/v1/apiservices', body: JSON.stringify(object.body), headers: {'content-type': 'application/json'}, user: apiServerUser})
    this.aggregation = new ApiAggregation(this.scheme, this.registry, options.cachedChanges)
    this.apiServices = new ApiServices(this.scheme, this.registry, loopbackCreate, now, () => this.aggregation.remote())
    this.openApi = new OpenApiServing(this.scheme)
    this.componentStatuses = new ComponentStatuses(() => storeReadFailure(options.store), options.localComponents ?? (async () => null))
    this.metrics = new MetricsApi(this.scheme, this.registry, () => this.clock.nowMilliseconds())
    this.requestMetrics = new RequestMetrics(() => this.inFlight.inFlight(), this.scheme, this.registry.store)
  }

  /** The raft entry that committed a revision, where the store's members run in this process. */
  private readonly raftPositionOf = (revision: number): RaftPosition | null => this.registry.store.raftPositionOf?.(revision) ?? null

  /** The etcd key of the object a request names (null for a resource the scheme does not hold). */
  private readonly keyOf = (info: RequestInfo, name: string): string | null => {
    const definition = this.scheme.resource(info.group, info.version, info.resource)
    if (!definition) return null
    try {
      return objectKey(definition, info.namespace, name)
    } catch {
      // A resource that is never stored (SelfSubjectReview, TokenReview) has no key and no revision.
      return null
    }
  }

  /** Every RBAC object in the store, for the authorizer's copy. */
  private async rbacObjects(): Promise<RbacObjects> {
    const list = async (resource: string) => {
      const definition = this.scheme.resource('rbac.authorization.k8s.io', 'v1', resource)!
      // An object that does not decode (bytes written past the API server) grants nothing: it is left
      // out rather than failing the whole copy, which would hold every later grant and revocation back.
      return (await this.registry.store.list(listPrefix(definition, null))).objects.flatMap((stored) => {
        try {
          return [objectFromStored(stored)]
        } catch {
          return []
        }
      })
    }
    const [clusterRoleBindings, roleBindings, clusterRoles, roles] = await Promise.all([list('clusterrolebindings'), list('rolebindings'), list('clusterroles'), list('roles')])
    return {clusterRoleBindings, roleBindings, clusterRoles, roles}
  }

  private rbacReader(): RbacReader {
    const rbac = (resource: string) => this.scheme.resource('rbac.authorization.k8s.io', 'v1', resource)!
    const list = async (definition: ResourceDefinition, namespace: string | null) =>
      (await this.registry.store.list(listPrefix(definition, namespace))).objects.map((stored) => objectFromStored(stored))
    return {
      clusterRoleBindings: () => list(rbac('clusterrolebindings'), null),
      roleBindings: (namespace) => list(rbac('rolebindings'), namespace),
      clusterRoles: () => list(rbac('clusterroles'), null),
      clusterRole: async (name) => this.getOrNull(rbac('clusterroles'), '', name),
      role: async (namespace, name) => this.getOrNull(rbac('roles'), namespace, name),
    }
  }

  private async getOrNull(definition: ResourceDefinition, namespace: string, name: string) {
    try {
      return await this.registry.get(definition, namespace, name)
    } catch (error) {
      if (error instanceof ApiError && error.code === 404) return null
      throw error
    }
  }

  /** The authentication step of kube's chain: a client certificate first, then the bearer token; system:anonymous without either. */
  private async authenticate(request: TrustedRequest): Promise<{user: UserInfo} | null> {
    return this.certificateAuthentication(request) ?? (await this.authenticator.authenticateHeader(header(request, 'authorization')))
  }

  /**
   * Who the credentials a request carries are, by the authentication step alone (null: no one),
   * for a host that must know before it answers something that is not the API (up's folder
   * endpoint): nothing is served, audited, counted or logged as a request. A failure to look the
   * credentials up (etcd without a quorum) throws the ApiError a request would be answered with.
   */
  async authenticatedUser(request: TrustedRequest): Promise<UserInfo | null> {
    try {
      return (await this.authenticate(request))?.user ?? null
    } catch (error) {
      throw answeredError(error)
    }
  }

  /** x509 authentication, before the tokens as in kube's chain: the user of a client certificate from the cluster CA. */
  private certificateAuthentication(request: TrustedRequest): {user: UserInfo} | null {
    // A proof's time is checked against the machine's wall clock, which made it, not the cluster clock (`kubemu time advance` moves that).
    const certificate = request.clientCertificate ?? provenClientCertificate(request, Date.now())
    if (!certificate) return null
    const authority = this.credentials.clientCertificateAuthority?.(this.clock.nowMilliseconds())
    if (!authority) return null
    const user = authenticateClientCertificate(certificate, authority, this.clock.nowMilliseconds())
    return user ? {user} : null
  }

  /** A restart of this API server's process (its master started again): its metrics count from nothing. */
  restarted(): void {
    this.requestMetrics.restarted()
  }

  /** Serves one request; failures come back as a Status body with their code, never as a throw. */
  async handle(request: TrustedRequest): Promise<ApiResponse> {
    const receivedMilliseconds = this.clock.nowMilliseconds()
    const receivedAt = performance.now()
    const trail: AdmissionTrail | null = this.changes ? {mutatedBy: [], validatedBy: []} : null
    const context: ServeContext = {user: null, impersonator: null, info: null, decision: null, release: null, trail}
    let response: ApiResponse
    try {
      response = await this.serve(request, context).finally(() => context.release?.())
    } catch (error) {
      // A broken invariant is a bug and crashes; every other failure is answered.
      if (error instanceof Error && error.name === 'InvariantError') throw error
      if (error instanceof TooManyRequestsError) {
        response = {status: 429, body: error.body, contentType: error.contentType, headers: error.headers, warnings: []}
      } else {
        const apiError = answeredError(error)
        const warnings = [...apiError.warnings]
        response = apiError.plainText ? {status: apiError.code, body: apiError.message, contentType: 'text/plain', warnings} : {status: apiError.code, body: apiError.toStatus(), warnings}
      }
    }
    // kube's endpoint metrics: what reached a route (authorized, admitted past max-in-flight, a
    // resource the API server has or a health path it instruments).
    const labels = context.info && context.decision === 'allow' && response.status !== 429 ? requestLabels(context.info, request) : null
    if (labels && (!context.info!.isResourceRequest || this.scheme.resource(context.info!.group, context.info!.version, context.info!.resource))) response = this.requestMetrics.observe(labels, response, receivedAt)
    this.audit?.(auditEvent({auditId: this.newAuditId(), request, response, ...context, receivedMilliseconds, completedMilliseconds: this.clock.nowMilliseconds()}))
    if (this.changes) {
      const change = changeRecordOf({info: context.info, user: context.user, status: response.status, body: response.body, userAgent: request.headers?.['user-agent'], trail, key: this.keyOf, raftPosition: this.raftPositionOf, now: this.clock.nowMilliseconds()})
      if (change) this.changes.record(change)
    }
    return response
  }

  private async serve(request: TrustedRequest, context: ServeContext): Promise<ApiResponse> {
    if (bodyBytes(request.body) > requestBodyBytesMax) throw apiErrors.requestEntityTooLarge(requestBodyBytesMax)
    const authenticated = request.user ? {user: request.user} : await this.authenticate(request)
    if (!authenticated) throw apiErrors.unauthorized()
    context.user = authenticated.user
    const user = await impersonate(request, authenticated.user, (attributes) => this.authorizer.authorize(attributes))
    if (user !== authenticated.user) {
      context.impersonator = authenticated.user
      context.user = user
    }
    const info = requestInfo(request)
    context.info = info
    // After impersonation, before authorization, as kube's handler chain orders them.
    if (!request.user) context.release = this.inFlight.admit(info, user)
    const attributes: Attributes = {
      user,
      verb: info.verb,
      isResourceRequest: info.isResourceRequest,
      path: info.path,
      apiGroup: info.group,
      apiVersion: info.version,
      namespace: info.namespace,
      resource: info.resource,
      subresource: info.subresource,
      name: info.name,
    }
    const decision = await this.authorizer.authorize(attributes)
    context.decision = decision.allowed ? 'allow' : 'forbid'
    if (!decision.allowed) {
      const message = forbiddenMessage(attributes) + (decision.reason.length > 0 ? `: ${decision.reason}` : '')
      throw apiErrors.forbidden(info.isResourceRequest ? {group: info.group, resource: info.resource} : null, info.name, message)
    }
    // kube-aggregator's proxy handler comes first: a group version an APIService sends to a Service is not served here.
    const proxied = await this.aggregation.proxied(request.path).catch((error: unknown) => {
      if (etcdFailure(error)) return null
      throw error
    })
    if (proxied) return proxied
    const isDiscovery = !info.isResourceRequest || info.resource.length === 0
    if (this.customResources.needsSync(info.group, isDiscovery, request.path)) {
      // Discovery is answered from what the API server knows, as kube-apiserver answers it from its
      // informers' caches: with etcd unreachable it serves the CRDs it last saw.
      await this.customResources.sync().catch((error: unknown) => {
        if (!isDiscovery || !etcdFailure(error)) throw error
      })
    }
    if (isDiscovery && request.path === '/metrics') {
      return {status: 200, body: await this.requestMetrics.text(), contentType: 'text/plain; version=0.0.4; charset=utf-8', warnings: []}
    }
    if (isDiscovery && HealthChecks.handles(request.path)) {
      const answer = await this.health.answer(request.path, request.query ?? {})
      if (!answer) throw apiErrors.pathNotFound()
      return {status: answer.status, body: answer.text, contentType: 'text/plain', warnings: []}
    }
    if (isDiscovery) {
      if (request.path.replace(/\/+$/, '') === '/openapi/v2') {
        const answer = this.openApi.serveV2(header(request, 'accept') ?? '')
        return {status: 200, body: answer.body, ...(answer.contentType ? {contentType: answer.contentType} : {}), warnings: []}
      }
      const aggregatedVersion = aggregatedDiscoveryAsked(header(request, 'accept') ?? '')
      const aggregated = aggregatedVersion ? aggregatedDiscovery(this.scheme, request.path, aggregatedVersion) : null
      if (aggregated) {
        const body = await this.aggregation.withStaleVersions(request.path, aggregated.body)
        // As kube-apiserver serves it: an ETag of the document (a client that has it gets 304), Vary: Accept, public.
        const text = JSON.stringify(body)
        const etag = `"${createHash('sha512').update(text).digest('hex').toUpperCase()}"`
        const headers = {etag, vary: 'Accept', 'cache-control': 'public'}
        if (header(request, 'if-none-match') === etag) return {status: 304, body: '', contentType: aggregated.contentType, headers, warnings: []}
        return {status: 200, body: text, contentType: aggregated.contentType, headers, warnings: []}
      }
      const body = OpenApiServing.handles(request.path) ? this.openApi.serve(request.path) : await this.aggregation.legacyDiscovery(request.path)
      if (body === null) throw apiErrors.pathNotFound()
      return {status: 200, body, warnings: []}
    }
    const definition = this.scheme.resource(info.group, info.version, info.resource)
    if (!definition) throw apiErrors.pathNotFound()
    if (ComponentStatuses.handles(definition)) return this.asTable(request, info, definition, await this.componentStatuses.serve(request, definition, info))
    if (this.virtualResources.handles(definition, info)) return this.virtualResources.serve(request, info, definition, user)
    if (MetricsApi.handles(definition, info)) {
      const body = await this.metrics.serve(definition, info, request.query ?? {})
      return {status: 200, body: wantsTable(header(request, 'accept') ?? '') ? metricsTable(body, this.includeObjectOf(request)) : body, warnings: []}
    }
    if (definition.etcdPrefix === null) throw apiErrors.unsupportedVerb(definition, info.verb)
    if (definition.conversion) return this.asTable(request, info, definition, await this.convertedVersions.serve(request, info, definition, user, context.trail))
    const dryRun = request.query?.dryRun === 'All'
    if (ApiServices.concerns(definition)) {
      const response = await this.handlers.serve(request, info, definition, user, context.trail)
      // The write is done: an availability check that fails (a conflict, etcd without a quorum)
      // must not answer it as failed; the next resync checks again.
      await this.apiServices.afterWrite(definition, info, response, dryRun).catch(() => undefined)
      return this.asTable(request, info, definition, response)
    }
    if (!isCustomResourceDefinitions(definition)) return this.asTable(request, info, definition, await this.handlers.serve(request, info, definition, user, context.trail))
    let deletedGroup: unknown
    if (info.verb === 'delete' && info.subresource === '' && !dryRun) {
      const crd = await this.registry.get(definition, '', info.name)
      deletedGroup = (crd.spec as {group?: unknown} | undefined)?.group
      await this.customResources.deleteObjects(crd)
    }
    const response = await this.asTable(request, info, definition, await this.handlers.serve(request, info, definition, user, context.trail))
    if (info.verb === 'create' && response.status === 201 && !dryRun) {
      await this.customResources.establish(String((response.body as {metadata: {name: string}}).metadata.name), this.clock.nowMilliseconds())
    }
    const group = deletedGroup ?? (response.body as {spec?: {group?: unknown}} | null)?.spec?.group
    if (response.status < 300 && !dryRun && info.subresource === '' && typeof group === 'string') await this.apiServices.syncCustomResourceGroup(group)
    return response
  }

  /** What a Table's rows carry of their objects (the includeObject parameter). */
  private includeObjectOf(request: ApiRequest): IncludeObject {
    const includeObject = (request.query?.includeObject ?? 'Metadata') as IncludeObject
    if (!['None', 'Metadata', 'Object'].includes(includeObject)) throw apiErrors.badRequest(`includeObject must be one of "None", "Metadata", "Object", got "${includeObject}"`)
    return includeObject
  }

  /** A get or list answer as a Table, when the Accept header asks for one. */
  private async asTable(request: ApiRequest, info: RequestInfo, definition: ResourceDefinition, response: ApiResponse): Promise<ApiResponse> {
    if (response.status !== 200 || !['get', 'list', 'watch'].includes(info.verb) || info.subresource.length > 0) return response
    if (!wantsTable(header(request, 'accept'))) return response
    const includeObject = this.includeObjectOf(request)
    if (response.watch) {
      // Each watch event carries a one-row Table; the first one also carries the columns.
      const watch = response.watch
      const printer = printerFor(definition)
      let first = true
      return {
        ...response,
        watch: {
          cancel: () => watch.cancel(),
          next: async () => {
            const events = await watch.next()
            if (!events) return null
            return events.map((event) => {
              if (event.type === 'ERROR' || event.type === 'BOOKMARK') return event
              const object = event.object
              assert(isKubeObject(object), `a ${event.type} watch event of ${definition.resource} carries no object with metadata`)
              const table = toTable(printer, definition, [object], {resourceVersion: object.metadata.resourceVersion}, includeObject, this.clock.nowMilliseconds())
              if (!first) table.columnDefinitions = []
              first = false
              return {type: event.type, object: table}
            })
          },
        },
      }
    }
    const body = response.body as {items?: KubeObject[]; metadata?: Record<string, unknown>} & KubeObject
    const now = this.clock.nowMilliseconds()
    const printer = printerFor(definition)
    const table = info.verb === 'list'
      ? toTable(printer, definition, body.items ?? [], body.metadata ?? {}, includeObject, now)
      : toTable(printer, definition, [body], {resourceVersion: body.metadata.resourceVersion}, includeObject, now)
    return {...response, body: table}
  }
}
