// kube-apiserver's /metrics, in Prometheus' text format, for `kubectl get --raw /metrics`: what
// this API server served since it started (apiserver_request_total, apiserver_request_duration_seconds
// by the verb, resource, scope and code kube's endpoint metrics give them), what it serves now
// (apiserver_current_inflight_requests, apiserver_longrunning_requests), what its storage holds
// (apiserver_storage_objects) and its build. Each API server keeps its own: behind the load
// balancer, a scrape shows the one that answered it.
import type {ApiRequest, ApiResponse} from '../api/wire.js'
import type {Scheme} from '../api/scheme.js'
import type {Store} from '../store/store.js'
import {kubernetesVersion} from './discovery.js'
import {listPrefix} from './keys.js'
import {type Family, goFloat, labelText, prometheusText, type Sample} from '../util/prometheus-text.js'
import type {RequestInfo} from './request.js'

/** Label sets a family keeps (kube's are bounded by its resources and verbs; past this, new sets are not counted). */
export const metricSeriesMax = 20_000

/** apiserver_request_duration_seconds' buckets, kube-apiserver 1.32's. */
const durationBucketsSeconds = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60]

/** The subresources kube's endpoint metrics report as CONNECT. */
const connectSubresources = new Set(['attach', 'exec', 'portforward', 'proxy'])

/** The health paths kube-apiserver instruments, by their path as the subresource label. */
const instrumentedPaths = /^\/(healthz|livez|readyz)(\/.*)?$/

const installerVerbs: Readonly<Record<string, string>> = {get: 'GET', list: 'LIST', watch: 'WATCH', create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE', deletecollection: 'DELETECOLLECTION'}

type Labels = Readonly<Record<string, string>>

/** The labels sorted by name, as client_golang writes them. */
function sortedLabels(labels: Labels): Labels {
  return Object.fromEntries(Object.keys(labels).sort().map((name) => [name, labels[name]!]))
}

/** A series' key: its labels in order. */
const seriesKey = (labels: Labels): string => labelText(sortedLabels(labels))

/** The labels kube's endpoint metrics give a request, or null for one they do not instrument. */
export function requestLabels(info: RequestInfo, request: ApiRequest): Labels | null {
  const dryRun = request.query?.dryRun ? 'All' : ''
  if (!info.isResourceRequest) {
    const path = request.path.split('?')[0]!
    if (!instrumentedPaths.test(path)) return null
    return {component: 'apiserver', dry_run: dryRun, group: '', resource: '', scope: '', subresource: path, verb: request.method, version: ''}
  }
  let verb = installerVerbs[info.verb] ?? 'other'
  const contentType = String(request.headers?.['content-type'] ?? '')
  if (verb === 'PATCH' && contentType.startsWith('application/apply-patch')) verb = 'APPLY'
  if (connectSubresources.has(info.subresource)) verb = 'CONNECT'
  const scope = info.name !== '' || info.verb === 'create' ? 'resource' : info.namespace !== '' ? 'namespace' : 'cluster'
  return {component: 'apiserver', dry_run: dryRun, group: info.group, resource: info.resource, scope, subresource: info.subresource, verb, version: info.version}
}

interface DurationSeries {
  readonly labels: Labels
  readonly buckets: number[]
  sum: number
  count: number
}

export class RequestMetrics {
  private readonly requests = new Map<string, {labels: Labels; count: number}>()
  private readonly durations = new Map<string, DurationSeries>()
  private readonly longRunning = new Map<string, {labels: Labels; count: number}>()

  constructor(
    /** The API server's start (process_start_time_seconds). */
    private readonly startedAtSeconds: number,
    private readonly inFlight: () => {readOnly: number; mutating: number},
  ) {}

  /** One request served: counted under its code, its time observed unless it is long-running (a watch, a connect). */
  private record(labels: Labels, response: ApiResponse, seconds: number): void {
    const counted = sortedLabels({...labels, code: String(response.status)})
    const key = labelText(counted)
    const request = this.requests.get(key)
    if (request) request.count++
    else if (this.requests.size < metricSeriesMax) this.requests.set(key, {labels: counted, count: 1})
    if (labels.verb === 'WATCH' || labels.verb === 'CONNECT') return
    const durationKey = seriesKey(labels)
    let series = this.durations.get(durationKey)
    if (!series) {
      if (this.durations.size >= metricSeriesMax) return
      series = {labels: sortedLabels(labels), buckets: durationBucketsSeconds.map(() => 0), sum: 0, count: 0}
      this.durations.set(durationKey, series)
    }
    for (const [index, bound] of durationBucketsSeconds.entries()) if (seconds <= bound) series.buckets[index]!++
    series.sum += seconds
    series.count++
  }

  /**
   * One answered request: a watch is counted once it ends (its events follow the answer) and, while
   * open, among the long-running requests; every other request at once.
   */
  observe(labels: Labels, response: ApiResponse, seconds: number): ApiResponse {
    const watch = response.watch
    if (!watch) {
      this.record(labels, response, seconds)
      return response
    }
    const {dry_run: _dryRun, ...rest} = labels
    const tracked = sortedLabels(rest)
    const key = labelText(tracked)
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
      this.record(labels, response, 0)
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

  /** The scrape: every family, its series sorted as client_golang sorts them. */
  async text(scheme: Scheme, store: Store): Promise<string> {
    const sorted = <T extends {labels: Labels}>(series: Iterable<T>) => [...series].sort((left, right) => compareLabels(left.labels, right.labels))
    const inFlight = this.inFlight()
    const durations: Sample[] = sorted(this.durations.values()).flatMap((series) => [
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
        samples: sorted(this.longRunning.values()).map((series) => ({labels: series.labels, value: series.count}))},
      {name: 'apiserver_request_duration_seconds', type: 'histogram', help: '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', samples: durations},
      {name: 'apiserver_request_total', type: 'counter', help: '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
        samples: sorted(this.requests.values()).map((series) => ({labels: series.labels, value: series.count}))},
      {name: 'apiserver_storage_objects', type: 'gauge', help: '[STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.', samples: await storageObjectSamples(scheme, store)},
      {name: 'kubernetes_build_info', type: 'gauge', help: "[ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.", samples: [{labels: build, value: 1}]},
      {name: 'process_resident_memory_bytes', type: 'gauge', help: 'Resident memory size in bytes.', samples: [{value: process.memoryUsage().rss}]},
      {name: 'process_start_time_seconds', type: 'gauge', help: 'Start time of the process since unix epoch in seconds.', samples: [{value: this.startedAtSeconds}]},
    ]
    return prometheusText(families)
  }
}

/** client_golang's order of a family's series: by their label values, name by name. */
function compareLabels(left: Labels, right: Labels): number {
  for (const name of Object.keys(left).sort()) {
    const [a, b] = [left[name] ?? '', right[name] ?? '']
    if (a !== b) return a < b ? -1 : 1
  }
  return 0
}

/** apiserver_storage_objects: the objects stored under each resource's prefix (`deployments.apps`), -1 where the count failed. */
async function storageObjectSamples(scheme: Scheme, store: Store): Promise<Sample[]> {
  const counted = new Map<string, number>()
  for (const definition of scheme.all()) {
    if (definition.etcdPrefix === null || definition.conversion !== undefined) continue
    const name = definition.group === '' ? definition.resource : `${definition.resource}.${definition.group}`
    if (counted.has(name)) continue
    try {
      const page = await store.list(listPrefix(definition, null), {limit: 1})
      counted.set(name, page.objects.length + page.remaining)
    } catch {
      counted.set(name, -1)
    }
  }
  return [...counted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, count]) => ({labels: {resource: name}, value: count}))
}
