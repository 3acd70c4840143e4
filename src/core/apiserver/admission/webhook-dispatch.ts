// MutatingAdmissionWebhook and ValidatingAdmissionWebhook, as kube-apiserver's dispatchers run
// them: mutating webhooks one after the other (configurations by name), each JSON patch applied
// before the next call, IfNeeded webhooks called once more when a later one changed the object;
// validating webhooks all at once, the first refusal answering the request. A call that fails
// fails the request under failurePolicy Fail and is passed over under Ignore.
import {type JsonObject, jsonEqual, type KubeObject} from '../../api/object.js'
import {str} from '../../api/strategies/json-fields.js'
import {webhookServicePortDefault, webhookTimeoutSecondsDefault} from '../../api/strategies/admissionregistration.js'
import {ApiError, apiErrors} from '../api-errors.js'
import type {StatusReason} from '../../api/wire.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'
import {postReview, WebhookCallError} from './webhook-call.js'
import {type ConfiguredWebhook, WebhookConfigurations} from './webhook-configurations.js'
import {type GroupVersionResource, matchingResource, namespaceSelectorMatches, objectSelectorMatches} from './webhook-matching.js'
import {webhookPatched} from './webhook-patch.js'
import {webhookMatchConditionVariables} from '../../api/strategies/admissionregistration.js'
import {strategyOf} from '../registry.js'
import {authorizationSession, evaluateMatchConditions, requestBindings} from './cel-admission.js'
import {type AdmissionResult, admissionResult, admissionReviewRequest, InvalidResponseError} from './webhook-review.js'

const admissionRegistrationGroup = 'admissionregistration.k8s.io'

/** kube's ToStatusErr: a refusal with the webhook's status, never below 400. */
function denial(name: string, status: Record<string, unknown> | null): ApiError {
  const deniedBy = `admission webhook ${JSON.stringify(name)} denied the request`
  const code = typeof status?.code === 'number' && status.code >= 400 ? status.code : 403
  const message = str(status?.message)
  const reason = str(status?.reason)
  const text = message.length > 0 ? `${deniedBy}: ${message}` : reason.length > 0 ? `${deniedBy}: ${reason}` : `${deniedBy} without explanation`
  const details = status?.details !== null && typeof status?.details === 'object' ? (status.details as ApiError['details']) : undefined
  return new ApiError(code, reason as StatusReason, text, details)
}

/** What both dispatchers share: which webhooks a request goes to, and one call to one of them. */
class WebhookCaller {
  constructor(
    private readonly reader: AdmissionReader,
    readonly configurations: WebhookConfigurations,
  ) {}

  /** The webhooks this request goes to, each with the resource its rule matched. */
  async matching(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<Array<ConfiguredWebhook & {target: GroupVersionResource}>> {
    // Webhook configurations never go to webhooks: a broken webhook could not then be removed.
    if (attributes.definition.group === admissionRegistrationGroup) return []
    const matched: Array<ConfiguredWebhook & {target: GroupVersionResource}> = []
    for (const configured of await this.configurations.webhooks()) {
      const target = matchingResource(configured.hook, attributes)
      if (!target) continue
      if (!objectSelectorMatches(configured.hook, object, old)) continue
      if (!(await namespaceSelectorMatches(configured.hook, attributes, object, old, (namespace) => this.namespaceLabels(namespace)))) continue
      if (!(await this.conditionsMatch(configured.hook, attributes, target, object, old))) continue
      if (attributes.dryRun && !['None', 'NoneOnDryRun'].includes(str(configured.hook.sideEffects))) {
        throw apiErrors.badRequest(`admission webhook ${JSON.stringify(str(configured.hook.name))} does not support dry run`)
      }
      matched.push({...configured, target})
    }
    return matched
  }

  /** matchConditions: any false skips the webhook; an error fails the request (Fail) or skips it (Ignore). */
  private async conditionsMatch(hook: JsonObject, attributes: AdmissionAttributes, target: GroupVersionResource, object: KubeObject | null, old: KubeObject | null): Promise<boolean> {
    if (!Array.isArray(hook.matchConditions) || hook.matchConditions.length === 0) return true
    const bindings = requestBindings(attributes, target, object, old)
    const result = await authorizationSession(attributes, this.reader).evaluate(() =>
      evaluateMatchConditions(hook.matchConditions, webhookMatchConditionVariables, bindings, str(hook.failurePolicy) || 'Fail'))
    if (result.error !== null) throw apiErrors.forbidden(attributes.definition, attributes.name, result.error)
    return result.matches
  }

  private async namespaceLabels(namespace: string): Promise<Record<string, string> | undefined> {
    return (await this.reader.get('', 'namespaces', '', namespace))?.metadata.labels
  }

  /** One call; null when it failed under failurePolicy Ignore. */
  async call(hook: JsonObject, attributes: AdmissionAttributes, target: GroupVersionResource, object: KubeObject | null, old: KubeObject | null, mutating: boolean): Promise<AdmissionResult | null> {
    const name = str(hook.name)
    const timeoutSeconds = typeof hook.timeoutSeconds === 'number' ? hook.timeoutSeconds : webhookTimeoutSecondsDefault
    const clientConfig = (hook.clientConfig ?? {}) as JsonObject
    const service = (clientConfig.service ?? null) as JsonObject | null
    const port = typeof service?.port === 'number' ? service.port : webhookServicePortDefault
    const endpoint = service ? `https://${str(service.name)}.${str(service.namespace)}.svc:${port}${str(service.path)}` : str(clientConfig.url)
    const url = `${endpoint}?timeout=${timeoutSeconds}s`
    try {
      if (service) throw new WebhookCallError(`Post ${JSON.stringify(url)}: ${await this.serviceFailure(str(service.namespace), str(service.name), port)}`)
      const review = admissionReviewRequest(attributes, target, object, old)
      const caBundle = typeof clientConfig.caBundle === 'string' ? Buffer.from(clientConfig.caBundle, 'base64').toString('utf8') : undefined
      const text = await postReview(url, caBundle, review.body, timeoutSeconds)
      return admissionResult(text, review.uid, mutating)
    } catch (error) {
      if (!(error instanceof WebhookCallError) && !(error instanceof InvalidResponseError)) throw error
      if (str(hook.failurePolicy) === 'Ignore') return null
      const reason = error instanceof WebhookCallError ? `failed to call webhook: ${error.message}` : `received invalid webhook response: ${error.message}`
      throw apiErrors.internal(`failed calling webhook ${JSON.stringify(name)}: ${reason}`)
    }
  }

  /**
   * Why a service reference cannot be called: kubemu's pods serve nothing, so a call that kube's
   * resolver would route fails as a refused connection to the service's address.
   */
  private async serviceFailure(namespace: string, name: string, port: number): Promise<string> {
    const service = await this.reader.get('', 'services', namespace, name)
    if (!service) return `service ${JSON.stringify(name)} not found`
    const spec = (service.spec ?? {}) as JsonObject
    const clusterIP = str(spec.clusterIP)
    if (str(spec.type) === 'ExternalName') return `dial tcp: lookup ${str(spec.externalName)}: no such host`
    if (clusterIP === '' || clusterIP === 'None') return `cannot route to service with ClusterIP ${JSON.stringify(clusterIP)}`
    const ports = Array.isArray(spec.ports) ? (spec.ports as JsonObject[]) : []
    if (!ports.some((entry) => entry.port === port)) return `no service port ${port} found for service ${JSON.stringify(name)}`
    return `dial tcp ${clusterIP}:${port}: connect: connection refused`
  }
}

/** The caller of the webhooks one kind of configuration declares. */
function callerOf(reader: AdmissionReader, resource: 'mutatingwebhookconfigurations' | 'validatingwebhookconfigurations'): WebhookCaller {
  return new WebhookCaller(reader, new WebhookConfigurations(reader.registry.store, reader.scheme.resource(admissionRegistrationGroup, 'v1', resource)!))
}

export class MutatingAdmissionWebhook implements AdmissionPlugin {
  readonly name = 'MutatingAdmissionWebhook'
  private readonly caller: WebhookCaller

  constructor(reader: AdmissionReader) {
    this.caller = callerOf(reader, 'mutatingwebhookconfigurations')
  }

  readonly reportsChange = true

  /** Resolves to whether a webhook's patch changed the object. */
  async admit(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<boolean> {
    const matched = await this.caller.matching(attributes, object, old)
    if (matched.length === 0) return false
    // Index of the webhook that last changed the object, to know whom IfNeeded calls again.
    let lastChange = -1
    const calledBeforeChange: number[] = []
    for (const [index, entry] of matched.entries()) {
      if (await this.callOne(entry, attributes, object, old)) lastChange = index
    }
    for (const [index, entry] of matched.entries()) {
      if (str(entry.hook.reinvocationPolicy) === 'IfNeeded' && index < lastChange) calledBeforeChange.push(index)
    }
    // kube calls each IfNeeded webhook at most once more, in the same order.
    let changedAgain = false
    for (const index of calledBeforeChange) changedAgain = (await this.callOne(matched[index]!, attributes, object, old)) || changedAgain
    return lastChange >= 0 || changedAgain
  }

  /** Calls one webhook and applies its patch to `object` in place; true when it changed. */
  private async callOne(entry: ConfiguredWebhook & {target: GroupVersionResource}, attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<boolean> {
    const result = await this.caller.call(entry.hook, attributes, entry.target, object, old, true)
    if (!result) return false
    attributes.warnings?.push(...result.warnings)
    if (!result.allowed) throw denial(str(entry.hook.name), result.status)
    if (result.patch === null || object === null) return false
    const {apiVersion, kind} = object
    const patched = webhookPatched({...object, apiVersion: entry.target.group ? `${entry.target.group}/${entry.target.version}` : entry.target.version, kind: attributes.definition.kind}, result.patch)
    const before = structuredClone(object)
    for (const key of Object.keys(object)) delete object[key]
    Object.assign(object, patched)
    if (apiVersion === undefined) delete object.apiVersion
    else object.apiVersion = apiVersion
    if (kind === undefined) delete object.kind
    else object.kind = kind
    const changed = !jsonEqual(before, object)
    // The patched object is decoded again, with the kind's defaults, as kube-apiserver decodes it.
    strategyOf(attributes.definition).defaults(object)
    return changed
  }
}

export class ValidatingAdmissionWebhook implements AdmissionPlugin {
  readonly name = 'ValidatingAdmissionWebhook'
  private readonly caller: WebhookCaller

  constructor(reader: AdmissionReader) {
    this.caller = callerOf(reader, 'validatingwebhookconfigurations')
  }

  async validate(attributes: AdmissionAttributes, object: KubeObject | null, old: KubeObject | null): Promise<void> {
    const matched = await this.caller.matching(attributes, object, old)
    if (matched.length === 0) return
    // All at once; every call finishes, and the first failure to arrive answers the request.
    const failures: unknown[] = []
    await Promise.all(matched.map(async (entry) => {
      try {
        const result = await this.caller.call(entry.hook, attributes, entry.target, object, old, false)
        if (!result) return
        attributes.warnings?.push(...result.warnings)
        if (!result.allowed) failures.push(denial(str(entry.hook.name), result.status))
      } catch (error) {
        failures.push(error)
      }
    }))
    if (failures.length > 0) throw failures[0]
  }
}
