// kube-apiserver's /metrics, in Prometheus' text format, for `kubectl get --raw /metrics`: what
// this API server served since it started (apiserver_request_total, apiserver_request_duration_seconds
// by the verb, resource, scope and code kube's endpoint metrics give them), what it serves now
// (apiserver_current_inflight_requests, apiserver_longrunning_requests), what its storage holds
// (apiserver_storage_objects, counted in the background as kube's storage does, so a scrape
// answers from memory even while etcd has no quorum) and its build. Each API server keeps its own:
// behind the load balancer, a scrape shows the one that answered it.
import type {ApiRequest, ApiResponse} from '../api/wire.js'
import type {Scheme} from '../api/scheme.js'
import type {Store} from '../store/store.js'
import {aggregatedDiscoveryAsked, kubernetesVersion} from './discovery.js'
import {listPrefix} from './keys.js'
import {type Family, goFloat, prometheusText, type Sample} from '../util/prometheus-text.js'
import type {RequestInfo} from './request.js'

/** Label sets a family keeps per API server (kube's are bounded by its routes; past this, new sets are not counted). */
export const metricSeriesMax = 5_000
/** How often apiserver_storage_objects is counted again (kube's storage object count tracker's period). */
export const storageCountMillisecondsInterval = 60_000

/** apiserver_request_duration_seconds' buckets, kube-apiserver 1.32's. */
const durationBucketsSeconds = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60]

/** The subresources kube's endpoint metrics report as CONNECT. */
const connectSubresources = new Set(['attach', 'exec', 'portforward', 'proxy'])

/** The health paths kube-apiserver instruments (their roots only), by their path as the subresource label. */
const instrumentedPaths = new Set(['/healthz', '/livez', '/readyz'])

/** The HTTP verbs kube's route instrumentation reports (a delete of a collection is a DELETE too). */
const installerVerbs: Readonly<Record<string, string>> = {get: 'GET', list: 'LIST', watch: 'WATCH', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETE'}

/** A request's labels, in the order client_golang writes them (sorted by name); `code` comes with the answer. */
export type RequestLabels = {
  readonly component: string
  readonly dry_run: string
  readonly group: string
  readonly resource: string
  readonly scope: string
  readonly subresource: string
  readonly verb: string
  readonly version: string
}

type Labels = Readonly<Record<string, string>>

/** A series' key: the label values in their fixed order (cheap on every request; escaped only in a scrape). */
const keyOf = (labels: RequestLabels, code = ''): string =>
  `${labels.component}\u0000${labels.dry_run}\u0000${labels.group}\u0000${labels.resource}\u0000${labels.scope}\u0000${labels.subresource}\u0000${labels.verb}\u0000${labels.version}\u0000${code}`

/** kube's cleanDryRun: the dryRun values joined, `invalid` for anything but All. */
function dryRunLabel(value: string | undefined): string {
  if (value === undefined || value === '') return ''
  return value === 'All' ? 'All' : 'invalid'
}

/** The labels kube's endpoint metrics give a request, or null for one they do not instrument. */
export function requestLabels(info: RequestInfo, request: ApiRequest): RequestLabels | null {
  const dryRun = dryRunLabel(request.query?.dryRun)
  if (!info.isResourceRequest) {
    const path = request.path.split('?')[0]!.replace(/(.)\/+$/, '$1')
    const labels = (subresource: string, component = '') => ({component, dry_run: dryRun, group: '', resource: '', scope: '', subresource, verb: 'GET', version: ''})
    // The aggregated discovery handlers (ResourceManager "apis" and "api") instrument what they
    // serve, as the apiserver's; the legacy documents they hand on to are not instrumented.
    if ((path === '/apis' || path === '/api') && aggregatedDiscoveryAsked(String(request.headers?.accept ?? ''))) return labels(path.slice(1), 'apiserver')
    // The OpenAPI v3 proxier instruments its discovery and each group version's document.
    if (path === '/openapi/v3') return labels('openapi/v3')
    if (path.startsWith('/openapi/v3/')) return labels('openapi/v3/')
    // healthz.InstallPathHandler instruments the root of each health path, with no component.
    if (!instrumentedPaths.has(path)) return null
    return {...labels(path), verb: request.method}
  }
  let verb = installerVerbs[info.verb] ?? 'other'
  const contentType = String(request.headers?.['content-type'] ?? '')
  if (verb === 'PATCH' && contentType.startsWith('application/apply-patch')) verb = 'APPLY'
  if (connectSubresources.has(info.subresource)) verb = 'CONNECT'
  const scope = info.name !== '' || info.verb === 'create' ? 'resource' : info.namespace !== '' ? 'namespace' : 'cluster'
  return {component: 'apiserver', dry_run: dryRun, group: info.group, resource: info.resource, scope, subresource: info.subresource, verb, version: info.version}
}

interface DurationSeries {
  readonly labels: RequestLabels
  readonly buckets: number[]
  sum: number
  count: number
}

export class RequestMetrics {
  private readonly requests = new Map<string, {labels: Labels; count: number}>()
  private readonly durations = new Map<string, DurationSeries>()
  private readonly longRunning = new Map<string, {labels: Labels; count: number}>()
  /** apiserver_storage_objects as last counted, by resource (-1: the count failed). */
  private storageObjects = new Map<string, number>()
  private storageCountedAt = Number.NEGATIVE_INFINITY
  private storageCounting: Promise<void> | null = null
  /** The API server's start on the machine's clock (process_start_time_seconds). */
  private startedAtSeconds = Date.now() / 1000

  constructor(
    private readonly inFlight: () => {readOnly: number; mutating: number},
    private readonly scheme: Scheme,
    private readonly store: Store,
  ) {}

  /** The API server started again (its master did): a new process counts from nothing. */
  restarted(): void {
    this.requests.clear()
    this.durations.clear()
    this.longRunning.clear()
    this.startedAtSeconds = Date.now() / 1000
  }

  /** One request served: counted under its code, its time observed. */
  private record(labels: RequestLabels, status: number, seconds: number): void {
    const key = keyOf(labels, String(status))
    const request = this.requests.get(key)
    if (request) request.count++
    else if (this.requests.size < metricSeriesMax) this.requests.set(key, {labels: {code: String(status), ...labels}, count: 1})
    const durationKey = keyOf(labels)
    let series = this.durations.get(durationKey)
    if (!series) {
      if (this.durations.size >= metricSeriesMax) return
      series = {labels, buckets: new Array<number>(durationBucketsSeconds.length).fill(0), sum: 0, count: 0}
      this.durations.set(durationKey, series)
    }
    for (let index = durationBucketsSeconds.length - 1; index >= 0 && seconds <= durationBucketsSeconds[index]!; index--) series.buckets[index]!++
    series.sum += seconds
    series.count++
  }

  /**
   * One answered request: a watch is counted once it ends (its events follow the answer; its
   * latency is its lifetime) and, while open, among the long-running requests; every other
   * request at once.
   */
  observe(labels: RequestLabels, response: ApiResponse, receivedAt: number): ApiResponse {
    const watch = response.watch
    if (!watch) {
      this.record(labels, response.status, (performance.now() - receivedAt) / 1000)
      return response
    }
    const key = keyOf({...labels, dry_run: ''})
    const {dry_run: _dryRun, ...tracked} = labels
    const series = this.longRunning.get(key) ?? (this.longRunning.size < metricSeriesMax ? {labels: tracked, count: 0} : null)
    if (series) {
      this.longRunning.set(key, series)
      series.count++
    }
    let open = true
    const ended = () => {
      if (!open) return
      open = false
      if (series) series.count--
      this.record(labels, response.status, (performance.now() - receivedAt) / 1000)
    }
    return {
      ...response,
      watch: {
        next: async () => {
          const events = await watch.next()
          if (events === null) ended()
          return events
        },
        cancel: () => {
          ended()
          watch.cancel()
        },
      },
    }
  }

  /** Counts the stored objects again when the last count is older than its period, in the background (a scrape never waits for the store). */
  private refreshStorageObjects(now: number): void {
    if (this.storageCounting || now - this.storageCountedAt < storageCountMillisecondsInterval) return
    this.storageCounting = storageObjectCounts(this.scheme, this.store).then((counts) => {
      this.storageObjects = counts
      this.storageCountedAt = Date.now()
    }).finally(() => {
      this.storageCounting = null
    })
  }

  /** The scrape: every family, its series sorted as client_golang sorts them. */
  async text(): Promise<string> {
    this.refreshStorageObjects(Date.now())
    // The first scrape waits for the first count (bounded: each list fails at the store's timeout).
    if (this.storageCountedAt === Number.NEGATIVE_INFINITY && this.storageCounting) await this.storageCounting
    const inFlight = this.inFlight()
    const durations: Sample[] = sortedByLabels(this.durations.values()).flatMap((series) => [
      ...durationBucketsSeconds.map((bound, index) => ({suffix: '_bucket', labels: {...series.labels, le: goFloat(bound)}, value: series.buckets[index]!})),
      {suffix: '_bucket', labels: {...series.labels, le: '+Inf'}, value: series.count},
      {suffix: '_sum', labels: series.labels, value: series.sum},
      {suffix: '_count', labels: series.labels, value: series.count},
    ])
    const build = {build_date: kubernetesVersion.buildDate, compiler: kubernetesVersion.compiler, git_commit: kubernetesVersion.gitCommit, git_tree_state: kubernetesVersion.gitTreeState, git_version: kubernetesVersion.gitVersion, go_version: kubernetesVersion.goVersion, major: kubernetesVersion.major, minor: kubernetesVersion.minor, platform: kubernetesVersion.platform}
    const families: Family[] = [
      {name: 'apiserver_current_inflight_requests', type: 'gauge', help: '[STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in last second.', samples: [
        {labels: {request_kind: 'mutating'}, value: inFlight.mutating},
        {labels: {request_kind: 'readOnly'}, value: inFlight.readOnly},
      ]},
      {name: 'apiserver_longrunning_requests', type: 'gauge', help: '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
        samples: sortedByLabels(this.longRunning.values()).map((series) => ({labels: series.labels, value: series.count}))},
      {name: 'apiserver_request_duration_seconds', type: 'histogram', help: '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', samples: durations},
      {name: 'apiserver_request_total', type: 'counter', help: '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
        samples: sortedByLabels(this.requests.values()).map((series) => ({labels: series.labels, value: series.count}))},
      {name: 'apiserver_storage_objects', type: 'gauge', help: '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.', samples: [...this.storageObjects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([resource, value]) => ({labels: {resource}, value}))},
      {name: 'kubernetes_build_info', type: 'gauge', help: "[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.", samples: [{labels: build, value: 1}]},
      {name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', samples: [{value: process.memoryUsage().rss}]},
      {name: 'process_start_time_seconds', type: 'gauge', help: 'Start time of the process since unix epoch in seconds.', samples: [{value: this.startedAtSeconds}]},
    ]
    return prometheusText(families)
  }
}

/** client_golang's order of a family's series: by their label values, name by name (a family's series share their label names). */
function sortedByLabels<T extends {labels: Labels | RequestLabels}>(series: Iterable<T>): T[] {
  const all = [...series]
  if (all.length === 0) return all
  const names = Object.keys(all[0]!.labels).sort()
  return all.sort((left, right) => {
    const a: Labels = left.labels
    const b: Labels = right.labels
    for (const name of names) {
      const [x, y] = [a[name] ?? '', b[name] ?? '']
      if (x !== y) return x < y ? -1 : 1
    }
    return 0
  })
}

/** apiserver_storage_objects: the objects stored under each resource's prefix (`deployments.apps`), -1 where the count failed. */
async function storageObjectCounts(scheme: Scheme, store: Store): Promise<Map<string, number>> {
  const names = new Map<string, string>()
  for (const definition of scheme.all()) {
    if (definition.etcdPrefix === null || definition.conversion !== undefined) continue
    const name = definition.group === '' ? definition.resource : `${definition.resource}.${definition.group}`
    if (!names.has(name)) names.set(name, listPrefix(definition, null))
  }
  const counted = await Promise.all([...names].map(async ([name, prefix]) => {
    try {
      const page = await store.list(prefix, {limit: 1})
      return [name, page.objects.length + page.remaining] as const
    } catch {
      return [name, -1] as const
    }
  }))
  return new Map(counted)
}
