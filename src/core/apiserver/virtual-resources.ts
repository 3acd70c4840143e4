// The create-only resources that are answered, not stored: access reviews (self, subject,
// local, rules), SelfSubjectReview, TokenReview, TokenRequest (serviceaccounts/token) and pod
// bindings (pods/binding, bindings), as kube-apiserver's REST implementations answer them.
import {randomUUID} from 'node:crypto'
import {FieldPath, fieldError} from '../api/field-errors.js'
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import type {ResourceDefinition, Scheme} from '../api/scheme.js'
import * as access from '../api/types/access.js'
import {eviction as evictionSchema} from '../api/types/apps.js'
import type {TokenAuthenticator} from './authentication/authenticator.js'
import type {ClusterCredentials} from './authentication/credentials.js'
import {
  defaultAudiences,
  issueServiceAccountToken,
  looksLikeJwt,
  tokenExpirationSecondsDefault,
  tokenExpirationSecondsMin,
  type BoundObject,
} from './authentication/service-account-tokens.js'
import type {ApiRequest, ApiResponse, UserInfo} from '../api/wire.js'
import {type Attributes} from './authorization/rbac.js'
import type {UnionAuthorizer} from './authorization/union.js'
import {bodyText, decodeBody} from './body.js'
import {fieldValidationOf, header} from './request-options.js'
import type {Eviction} from './eviction.js'
import type {Registry} from './registry.js'
import type {RequestInfo} from './request.js'
import {apiErrors} from './api-errors.js'
import {isVirtualSubresource, subresourceOf} from './subresources.js'

type Json = Record<string, unknown>

const text = (value: unknown): string => (typeof value === 'string' ? value : '')
const stringList = (value: unknown): string[] => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [])

function userInfoJson(user: UserInfo): Json {
  const info: Json = {username: user.name}
  if (user.uid) info.uid = user.uid
  if (user.groups.length > 0) info.groups = [...user.groups]
  if (user.extra && Object.keys(user.extra).length > 0) info.extra = user.extra
  return info
}

function extraOf(value: unknown): Record<string, string[]> | undefined {
  if (!isJsonObject(value)) return undefined
  return Object.fromEntries(Object.entries(value).map(([key, values]) => [key, stringList(values)]))
}

export class VirtualResources {
  constructor(
    private readonly scheme: Scheme,
    private readonly registry: Registry,
    private readonly authorizer: UnionAuthorizer,
    private readonly authenticator: TokenAuthenticator,
    private readonly credentials: ClusterCredentials,
    private readonly nowMilliseconds: () => number,
    private readonly eviction: Eviction,
  ) {}

  /** POST pods/NAME/eviction. */
  private async evict(request: ApiRequest, info: RequestInfo, user: UserInfo): Promise<ApiResponse> {
    const pods = this.scheme.resource('', 'v1', 'pods')!
    const evictionKind = {kind: 'Eviction', apiVersion: 'policy/v1', schema: evictionSchema}
    const {object} = decodeBody(this.scheme, pods, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request), evictionKind)
    if (object.metadata.name && object.metadata.name !== info.name) throw apiErrors.badRequest(`name in URL does not match name in Eviction object`)
    await this.eviction.evict(info.namespace, info.name, object, user, request.query?.dryRun === 'All')
    return {status: 201, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201}, warnings: []}
  }

  /** Whether this request is one of the answered kinds. */
  handles(definition: ResourceDefinition, info: RequestInfo): boolean {
    if (info.verb !== 'create') return false
    if (definition.etcdPrefix === null) return true
    return isVirtualSubresource(subresourceOf(definition, info.subresource))
  }

  async serve(request: ApiRequest, info: RequestInfo, definition: ResourceDefinition, user: UserInfo): Promise<ApiResponse> {
    const serving = subresourceOf(definition, info.subresource)?.serving
    if (serving === 'token') return this.tokenRequest(request, info)
    if (serving === 'eviction') return this.evict(request, info, user)
    if (serving === 'binding' || definition.resource === 'bindings') return this.binding(request, info, definition)
    const {object} = decodeBody(this.scheme, definition, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request))
    const spec = isJsonObject(object.spec) ? object.spec : {}
    const metadata = {...object.metadata, creationTimestamp: null}
    if (definition.namespaced) metadata.namespace = info.namespace
    const answer = (status: Json): ApiResponse => ({
      status: 201,
      body: {kind: definition.kind, apiVersion: `${definition.group}/${definition.version}`, metadata, spec, status},
      warnings: [],
    })
    switch (definition.resource) {
      case 'selfsubjectreviews':
        return {
          status: 201,
          body: {kind: definition.kind, apiVersion: `${definition.group}/${definition.version}`, metadata, status: {userInfo: userInfoJson(user)}},
          warnings: [],
        }
      case 'tokenreviews': {
        const token = text(spec.token)
        const audiences = stringList(spec.audiences)
        const result = await this.authenticator.authenticateToken(token, audiences.length > 0 ? audiences : undefined)
        if (!result) return answer({user: {}, ...(looksLikeJwt(token) ? {error: '[invalid bearer token, token could not be validated.]'} : {})})
        return answer({authenticated: true, user: userInfoJson(result.user), audiences: audiences.length > 0 ? audiences : [...(result.audiences ?? defaultAudiences)]})
      }
      case 'selfsubjectaccessreviews':
        return answer(await this.decide(this.attributes(spec, user, definition, '')))
      case 'subjectaccessreviews':
      case 'localsubjectaccessreviews': {
        const subject: UserInfo = {name: text(spec.user), uid: text(spec.uid) || undefined, groups: stringList(spec.groups), extra: extraOf(spec.extra)}
        if (subject.name.length === 0 && subject.groups.length === 0) {
          throw apiErrors.invalid(definition, '', [fieldError.invalid(FieldPath.root('spec').child('user'), '', 'at least one of user or group must be specified')])
        }
        return answer(await this.decide(this.attributes(spec, subject, definition, definition.resource === 'localsubjectaccessreviews' ? info.namespace : '')))
      }
      case 'selfsubjectrulesreviews':
        return answer(await this.rules(user, text(spec.namespace)))
      default:
        throw apiErrors.methodNotSupported(definition, info.verb)
    }
  }

  private attributes(spec: Json, user: UserInfo, definition: ResourceDefinition, localNamespace: string): Attributes {
    const resource = isJsonObject(spec.resourceAttributes) ? spec.resourceAttributes : null
    const nonResource = isJsonObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : null
    if ((resource === null) === (nonResource === null)) {
      throw apiErrors.invalid(definition, '', [
        fieldError.invalid(FieldPath.root('spec').child('resourceAttributes'), resource ? 'resourceAttributes' : 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
      ])
    }
    if (nonResource) {
      return {user, verb: text(nonResource.verb), isResourceRequest: false, path: text(nonResource.path), apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: ''}
    }
    const namespace = text(resource!.namespace)
    if (localNamespace.length > 0 && namespace !== localNamespace) {
      throw apiErrors.invalid(definition, '', [fieldError.invalid(FieldPath.root('spec').child('resourceAttributes', 'namespace'), namespace, 'must match metadata.namespace')])
    }
    return {
      user,
      verb: text(resource!.verb),
      isResourceRequest: true,
      path: '',
      apiGroup: text(resource!.group),
      apiVersion: text(resource!.version),
      namespace,
      resource: text(resource!.resource),
      subresource: text(resource!.subresource),
      name: text(resource!.name),
    }
  }

  private async decide(attributes: Attributes): Promise<Json> {
    const decision = await this.authorizer.authorize(attributes)
    const status: Json = {allowed: decision.allowed}
    if (decision.reason.length > 0) status.reason = decision.reason
    return status
  }

  private async rules(user: UserInfo, namespace: string): Promise<Json> {
    const {rules, errors} = await this.authorizer.rulesFor(user, namespace)
    const resourceRules: Json[] = []
    const nonResourceRules: Json[] = []
    for (const rule of rules) {
      if ((rule.resources ?? []).length > 0) {
        const entry: Json = {verbs: [...rule.verbs], apiGroups: [...(rule.apiGroups ?? [])], resources: [...(rule.resources ?? [])]}
        if ((rule.resourceNames ?? []).length > 0) entry.resourceNames = [...rule.resourceNames!]
        resourceRules.push(entry)
      }
      if ((rule.nonResourceURLs ?? []).length > 0) nonResourceRules.push({verbs: [...rule.verbs], nonResourceURLs: [...rule.nonResourceURLs!]})
    }
    const status: Json = {resourceRules, nonResourceRules, incomplete: errors.length > 0}
    if (errors.length > 0) status.evaluationError = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`
    return status
  }

  /** POST serviceaccounts/NAME/token: a signed, expiring token for the account. */
  private async tokenRequest(request: ApiRequest, info: RequestInfo): Promise<ApiResponse> {
    const serviceAccounts = this.scheme.resource('', 'v1', 'serviceaccounts')!
    const tokenRequestKind = {kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', schema: access.tokenRequest}
    const {object} = decodeBody(this.scheme, serviceAccounts, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request), tokenRequestKind)
    const spec = isJsonObject(object.spec) ? {...object.spec} : {}
    const kind = {group: 'authentication.k8s.io', kind: 'TokenRequest'}
    const expirationSeconds = typeof spec.expirationSeconds === 'number' ? spec.expirationSeconds : tokenExpirationSecondsDefault
    if (expirationSeconds < tokenExpirationSecondsMin) {
      throw apiErrors.invalid(kind, info.name, [fieldError.invalid(FieldPath.root('spec').child('expirationSeconds'), expirationSeconds, 'may not specify a duration less than 10 minutes')])
    }
    if (expirationSeconds > 2 ** 32) {
      throw apiErrors.invalid(kind, info.name, [fieldError.tooLong(FieldPath.root('spec').child('expirationSeconds'), 2 ** 32)])
    }
    const account = await this.registry.get(serviceAccounts, info.namespace, info.name)
    let boundObject: BoundObject | null = null
    if (isJsonObject(spec.boundObjectRef)) {
      const reference = spec.boundObjectRef
      const boundKind = text(reference.kind)
      const resources: Record<string, string> = {Pod: 'pods', Secret: 'secrets', Node: 'nodes'}
      if (!(boundKind in resources)) {
        throw apiErrors.badRequest(`cannot bind token for serviceaccount "${info.name}" to object of kind ${JSON.stringify(boundKind)} which isn't supported`)
      }
      const definition = this.scheme.resource('', 'v1', resources[boundKind]!)!
      const bound = await this.registry.get(definition, boundKind === 'Node' ? '' : info.namespace, text(reference.name))
      const uid = text(reference.uid)
      if (uid.length > 0 && uid !== bound.metadata.uid) {
        throw apiErrors.conflict(definition, text(reference.name), `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`)
      }
      boundObject = {kind: boundKind as BoundObject['kind'], name: text(reference.name), uid: bound.metadata.uid ?? ''}
    }
    const audiences = stringList(spec.audiences)
    const nowSeconds = Math.floor(this.nowMilliseconds() / 1000)
    const token = issueServiceAccountToken(this.credentials, {
      namespace: info.namespace,
      serviceAccountName: info.name,
      serviceAccountUid: account.metadata.uid ?? '',
      audiences: audiences.length > 0 ? audiences : defaultAudiences,
      expirationSeconds,
      boundObject,
      nowSeconds,
      jti: randomUUID(),
    })
    const responseSpec: Json = {audiences: audiences.length > 0 ? audiences : [...defaultAudiences], expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null}
    return {
      status: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: {name: info.name, namespace: info.namespace, creationTimestamp: null},
        spec: responseSpec,
        status: {token, expirationTimestamp: formatTimestamp((nowSeconds + expirationSeconds) * 1000)},
      },
      warnings: [],
    }
  }

  /** POST pods/NAME/binding (or bindings): assigns a pending pod to a node, once. */
  private async binding(request: ApiRequest, info: RequestInfo, definition: ResourceDefinition): Promise<ApiResponse> {
    const bindings = this.scheme.resource('', 'v1', 'bindings')!
    const pods = this.scheme.resource('', 'v1', 'pods')!
    const {object} = decodeBody(this.scheme, bindings, bodyText(request.body), header(request, 'content-type'), fieldValidationOf(request))
    const podName = definition.resource === 'pods' ? info.name : object.metadata.name ?? ''
    if (definition.resource === 'pods' && object.metadata.name && object.metadata.name !== info.name) {
      throw apiErrors.badRequest(`name in URL does not match name in Binding object`)
    }
    const target = isJsonObject(object.target) ? object.target : {}
    const nodeName = text(target.name)
    if (nodeName.length === 0) {
      throw apiErrors.invalid({group: '', kind: 'Binding'}, podName, [fieldError.required(FieldPath.root('target').child('name'))])
    }
    if (request.query?.dryRun === 'All') return {status: 201, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201}, warnings: []}
    const nowMilliseconds = this.nowMilliseconds()
    await this.registry.guaranteedUpdate(pods, info.namespace, podName, (current: KubeObject | null) => {
      if (!current) throw apiErrors.notFound(pods, podName)
      const expectedUid = object.metadata.uid
      if (expectedUid && expectedUid !== current.metadata.uid) {
        throw apiErrors.conflict(pods, podName, `Precondition failed: UID in precondition: ${expectedUid}, UID in object meta: ${current.metadata.uid}`)
      }
      if (current.metadata.deletionTimestamp) throw apiErrors.conflict(pods, podName, `pod ${podName} is being deleted, cannot be assigned to a host`)
      const podSpec = isJsonObject(current.spec) ? current.spec : {}
      if (text(podSpec.nodeName).length > 0) {
        throw apiErrors.conflict(pods, podName, `pod ${podName} is already assigned to node ${JSON.stringify(podSpec.nodeName)}`)
      }
      podSpec.nodeName = nodeName
      current.spec = podSpec
      const annotations = object.metadata.annotations
      if (annotations) current.metadata.annotations = {...current.metadata.annotations, ...annotations}
      const status = isJsonObject(current.status) ? current.status : {}
      const conditions = Array.isArray(status.conditions) ? status.conditions.filter((condition) => !(isJsonObject(condition) && condition.type === 'PodScheduled')) : []
      conditions.push({type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTimestamp(nowMilliseconds)})
      status.conditions = conditions
      current.status = status
      return current
    })
    return {status: 201, body: {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201}, warnings: []}
  }
}
