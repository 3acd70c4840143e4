// kube-apiserver's /metrics through `up`, read with the real kubectl 1.32 (`kubectl get --raw
// /metrics`): Prometheus' text format, the requests this API server served by verb, scope, code
// and dry run, its open watches, the objects its storage holds, and its build.
import {describe, expect, it} from 'vitest'
import {goFloat} from '../../src/core/util/prometheus-text.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

/** The samples of a scrape by series (`name{labels}`), and its families in order. */
function parse(text: string): {samples: Map<string, number>; families: string[]} {
  const samples = new Map<string, number>()
  const families: string[] = []
  for (const line of text.trimEnd().split('\n')) {
    const type = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line)
    if (type) families.push(type[1]!)
    if (line.startsWith('#')) {
      expect(line).toMatch(/^# (HELP|TYPE) [a-z_]+ \S/)
      continue
    }
    const sample = /^([a-z_]+(?:\{[a-z_]+="[^"]*"(?:,[a-z_]+="[^"]*")*\})?) (\S+)$/.exec(line)
    expect(sample, line).not.toBeNull()
    samples.set(sample![1]!, Number(sample![2]))
  }
  return {samples, families}
}

const requestTotal = (labels: Record<string, string>) =>
  `apiserver_request_total{${Object.entries({component: 'apiserver', dry_run: '', group: '', subresource: '', version: 'v1', ...labels}).sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => `${name}="${value}"`).join(',')}}`

describe('kube-apiserver /metrics through up', () => {
  const {ours, real, home: ownHome} = kubectlsOnUp()
  const scrape = async () => {
    const result = await real('get --raw /metrics')
    expect(result.status, result.stderr).toBe(0)
    return parse(result.stdout)
  }

  it('counts the requests it served by verb, scope and code, and tells what its storage holds', async () => {
    // The seeded cluster's first API server serves every request, the scrapes included; the
    // control plane's own requests go on beside these (its kubelets read ConfigMaps for volumes),
    // so the test writes a kind nothing else touches, and counts what it added.
    const before = (await scrape()).samples
    const template = (name: string) => `apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: ${name}\ntemplate:\n  spec:\n    containers:\n    - name: c\n      image: nginx\n`
    expect((await real('create -f -', template('metered'))).status).toBe(0)
    expect((await real('create -f -', template('metered'))).status).toBe(1)
    expect((await real('create -f - --dry-run=server', template('metered-dry'))).status).toBe(0)
    expect((await real('get podtemplate metered')).status).toBe(0)
    const {samples, families} = await scrape()
    const added = (series: string) => (samples.get(series) ?? 0) - (before.get(series) ?? 0)
    expect(families).toEqual([...families].sort())
    expect(families).toEqual(expect.arrayContaining(['apiserver_request_total', 'apiserver_request_duration_seconds', 'apiserver_storage_objects', 'apiserver_current_inflight_requests', 'kubernetes_build_info']))
    expect(added(requestTotal({code: '201', resource: 'podtemplates', scope: 'resource', verb: 'POST'}))).toBe(1)
    expect(added(requestTotal({code: '409', resource: 'podtemplates', scope: 'resource', verb: 'POST'}))).toBe(1)
    expect(added(requestTotal({code: '201', dry_run: 'All', resource: 'podtemplates', scope: 'resource', verb: 'POST'}))).toBe(1)
    expect(added(requestTotal({code: '200', resource: 'podtemplates', scope: 'resource', verb: 'GET'}))).toBe(1)
    // The control plane's own informers watch the pods through it.
    expect(samples.get('apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="cluster",subresource="",verb="WATCH",version="v1"}')).toBeGreaterThanOrEqual(1)
    // A histogram per series: cumulative buckets, +Inf equal to the count.
    const series = 'component="apiserver",dry_run="",group="",resource="podtemplates",scope="resource",subresource="",verb="GET",version="v1"'
    expect(added(`apiserver_request_duration_seconds_bucket{${series},le="+Inf"}`)).toBe(1)
    expect(samples.get(`apiserver_request_duration_seconds_count{${series}}`)).toBe(samples.get(`apiserver_request_duration_seconds_bucket{${series},le="+Inf"}`))
    expect(samples.get(`apiserver_request_duration_seconds_bucket{${series},le="0.005"}`)).toBeLessThanOrEqual(samples.get(`apiserver_request_duration_seconds_bucket{${series},le="60"}`)!)
    // Counted in the background once a minute, as kube's storage does: namespaces have not changed since.
    const namespaces = (await real('get namespaces --no-headers')).stdout.trimEnd().split('\n').length
    expect(samples.get('apiserver_storage_objects{resource="namespaces"}')).toBe(namespaces)
    expect(samples.get('apiserver_storage_objects{resource="deployments.apps"}')).toBe(1)
    expect(samples.get('kubernetes_build_info{build_date="2024-12-11T17:59:15Z",compiler="gc",git_commit="70d3cc986aa8221cd1dfb1121852688902d3bf53",git_tree_state="clean",git_version="v1.32.0",go_version="go1.23.3",major="1",minor="32",platform="linux/amd64"}')).toBe(1)
    // kubemu's kubectl reads the same text.
    const own = await ours('get --raw /metrics')
    expect(own.status).toBe(0)
    expect(own.stdout).toMatch(/^# HELP apiserver_current_inflight_requests /)
  })

  it('reports server-side apply as APPLY and the health checks by their path', async () => {
    const before = (await scrape()).samples
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "1"\n'
    expect((await real('apply --server-side -f -', manifest)).status).toBe(0)
    expect((await real('get --raw /readyz')).stdout).toBe('ok')
    const {samples} = await scrape()
    const applied = requestTotal({code: '201', resource: 'configmaps', scope: 'resource', verb: 'APPLY'})
    expect((samples.get(applied) ?? 0) - (before.get(applied) ?? 0)).toBe(1)
    // healthz's path handler instruments the root of a health path, with no component; not its checks.
    expect(samples.get('apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/readyz",verb="GET",version=""}')).toBeGreaterThanOrEqual(1)
    expect([...samples.keys()].filter((series) => series.includes('subresource="/readyz/'))).toEqual([])
  })

  it('counts the aggregated discovery of /api and /apis and the OpenAPI v3 documents, as their handlers instrument them; not the legacy documents', async () => {
    const cacheDirectory = temporaryFolder()
    const before = (await scrape()).samples
    // A fresh discovery cache: kubectl asks /api and /apis for the aggregated documents.
    expect((await real(`api-resources --cache-dir=${cacheDirectory}`)).status).toBe(0)
    expect((await real('get --raw /apis')).status).toBe(0)
    expect((await real('get --raw /api/v1')).status).toBe(0)
    expect((await real(`explain configmaps --cache-dir=${cacheDirectory}`)).status).toBe(0)
    const {samples} = await scrape()
    const added = (series: string) => (samples.get(series) ?? 0) - (before.get(series) ?? 0)
    const discoverySeries = (subresource: string, component: string) => `apiserver_request_total{code="200",component="${component}",dry_run="",group="",resource="",scope="",subresource="${subresource}",verb="GET",version=""}`
    expect(added(discoverySeries('apis', 'apiserver'))).toBe(1)
    expect(added(discoverySeries('api', 'apiserver'))).toBe(1)
    expect(added(discoverySeries('openapi/v3', ''))).toBeGreaterThanOrEqual(1)
    expect(added(discoverySeries('openapi/v3/', ''))).toBeGreaterThanOrEqual(1)
    expect([...samples.keys()].filter((series) => /subresource="\/api/.test(series))).toEqual([])
  })

  it('counts a collection delete as DELETE, and not what never reached a route (a refused user, an unknown resource)', async () => {
    const before = (await scrape()).samples
    expect((await real('delete --raw /api/v1/namespaces/default/configmaps?labelSelector=none%3Dnone')).status).toBe(0)
    expect((await real('get secrets -n kube-system --as=nobody')).status).toBe(1)
    expect((await real('get --raw /api/v1/namespaces/default/nothings')).status).toBe(1)
    const {samples} = await scrape()
    const deleted = requestTotal({code: '200', resource: 'configmaps', scope: 'namespace', verb: 'DELETE'})
    expect((samples.get(deleted) ?? 0) - (before.get(deleted) ?? 0)).toBe(1)
    expect([...samples.keys()].filter((series) => series.includes('DELETECOLLECTION') || series.includes('resource="nothings"') || (series.includes('code="403"') && series.includes('resource="secrets"')))).toEqual([])
  })

  it('answers from memory while etcd has no quorum', async () => {
    const home = {cwd: ownHome(), env: {...process.env, KUBEMU_HOME: ownHome(), KUBECONFIG: ''}}
    for (const member of ['infra2', 'infra3']) expect((await runShell(`${kubemu} member stop ${member} --force`, home)).status).toBe(0)
    try {
      const {samples} = await scrape()
      expect(samples.get('apiserver_storage_objects{resource="namespaces"}')).toBeGreaterThanOrEqual(4)
    } finally {
      for (const member of ['infra2', 'infra3']) expect((await runShell(`${kubemu} member start ${member}`, home)).status).toBe(0)
    }
  }, 60_000)

  it('refuses a user without the right to read /metrics, as kube-apiserver does', async () => {
    const refused = await real('get --raw /metrics --as=someone')
    expect(refused.status).toBe(1)
    expect(refused.stderr).toBe('Error from server (Forbidden): forbidden: User "someone" cannot get path "/metrics"\n')
  })
})

describe("client_golang's numbers (Go's strconv 'g' format)", () => {
  it('switches to exponents below 1e-4 and from 1e6 on', () => {
    expect([0, 1, 60, 0.005, 1.25, 123456, 1e6, 1234567, 0.00001, 0.0001].map(goFloat)).toEqual(['0', '1', '60', '0.005', '1.25', '123456', '1e+06', '1.234567e+06', '1e-05', '0.0001'])
  })
})
