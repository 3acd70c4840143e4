// What a kube-apiserver writes to its log as it serves, for `kubectl logs -n kube-system
// kube-apiserver-<node>`: the first write of a namespaced resource since it started adds the
// ResourceQuota admission plugin's object-count evaluator ("quota admission added evaluator for:
// deployments.apps"), and a Service's create allocates its cluster IPs ("allocated clusterIPs").
// Seen from outside the API server, by the host that runs it (each master's, under `up`): a
// request that reached admission (answered, or refused by the storage) counts, as it does there.
import type {ApiResponse, TrustedRequest, UserInfo} from '../api/wire.js'
import type {Clock} from '../util/clock.js'
import {klogLine} from '../util/klog.js'
import type {HttpExchangeTrace} from '../client/http-handler.js'
import type {AuthenticatingHandler} from './cluster-host.js'
import type {ComponentLogFile} from './component-logs.js'

/**
 * The resources whose quota evaluator kube-apiserver registers as it starts (pods, services and
 * claims with their own; configmaps, secrets, resourcequotas and replicationcontrollers counted
 * under their legacy names) and those it ignores (core events): no line for these.
 */
const evaluatedFromStart = new Set(['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'resourcequotas', 'replicationcontrollers', 'events'])

/** Distinct resources one API server remembers having added an evaluator for (more than kube has is a broken invariant; past it no line is written). */
const evaluatorsMax = 10_000

/** `/api/v1/namespaces/NS/RESOURCE[/NAME]` or `/apis/GROUP/VERSION/namespaces/NS/RESOURCE[/NAME]`: the group, namespace and resource of a write to a namespaced object (null: a subresource, a cluster-scoped object, anything else). */
function namespacedTarget(path: string): {group: string; namespace: string; resource: string; named: boolean} | null {
  const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)\/namespaces\/([^/]+)\/([^/]+)(\/[^/]+)?$/.exec(path.split('?')[0]!)
  if (!match) return null
  return {group: match[1] ?? '', namespace: match[2]!, resource: match[3]!, named: match[4] !== undefined}
}

export class ApiServerLog implements AuthenticatingHandler {
  /** The group-resources whose evaluator this API server's run has added. */
  private readonly evaluators = new Set<string>()

  constructor(
    private readonly node: string,
    private readonly server: AuthenticatingHandler,
    private readonly file: ComponentLogFile,
    private readonly clock: Clock,
  ) {}

  /** The API server started again (its master did): its admission plugins start with no evaluator added. */
  restarted(): void {
    this.evaluators.clear()
  }

  /** Authentication alone serves nothing: no line. */
  authenticatedUser(request: TrustedRequest): Promise<UserInfo | null> {
    return this.server.authenticatedUser(request)
  }

  async handle(request: TrustedRequest, trace?: HttpExchangeTrace): Promise<ApiResponse> {
    const response = await this.server.handle(request, trace)
    if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') this.observe(request, response)
    return response
  }

  private observe(request: TrustedRequest, response: ApiResponse): void {
    // Admission ran for an answered write, and for a create the storage refused (it already exists).
    if (response.status >= 300 && !(response.status === 409 && request.method === 'POST')) return
    const target = namespacedTarget(request.path)
    if (!target || target.named !== (request.method !== 'POST')) return
    // Reviews (localsubjectaccessreviews) are answered, never stored: no quota admission.
    if (target.resource.endsWith('reviews')) return
    const lines: string[] = []
    const now = this.clock.nowMilliseconds()
    const groupResource = target.group === '' ? target.resource : `${target.resource}.${target.group}`
    if (!evaluatedFromStart.has(groupResource) && !this.evaluators.has(groupResource) && this.evaluators.size < evaluatorsMax) {
      this.evaluators.add(groupResource)
      lines.push(klogLine('I', 'controller.go:615', `quota admission added evaluator for: ${groupResource}`, now, 1, true).slice(0, -1))
    }
    const dryRun = request.query?.dryRun !== undefined && request.query.dryRun !== ''
    if (groupResource === 'services' && request.method === 'POST' && response.status < 300 && !dryRun) {
      const service = response.body as {metadata?: {name?: string}; spec?: {clusterIPs?: string[]}}
      const addresses = (service.spec?.clusterIPs ?? []).filter((address) => address !== 'None')
      if (addresses.length > 0) {
        const families = Object.fromEntries(addresses.map((address) => [address.includes(':') ? 'IPv6' : 'IPv4', address]))
        lines.push(klogLine('I', 'alloc.go:330', `"allocated clusterIPs" service="${target.namespace}/${service.metadata?.name ?? ''}" clusterIPs=${JSON.stringify(families)}`, now, 1, true).slice(0, -1))
      }
    }
    if (lines.length > 0) this.file.append(`kube-apiserver/${this.node}`, lines.map((text) => ({atMilliseconds: now, text})))
  }
}
