// The API conformance suite: the same requests against kube-apiserver's pipeline on any store
// backend (the embedded cluster, a real etcd 3.4), with kube-apiserver's answers.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {ApiRequest, ApiResponse, HttpMethod} from '../../src/core/api/wire.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import type {Store} from '../../src/core/store/store.js'
import {ManualClock, SteppedClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'

export interface SuiteBackend {
  open(): Promise<Store>
  /** Compacts the backing etcd at `revision`. */
  compact(revision: number): Promise<void>
  cleanup(): Promise<void>
}

type Body = Record<string, any>

export function apiServerSuite(name: string, backend: SuiteBackend) {
  describe(`API server on ${name}`, () => {
    let store: Store
    let api: ApiServer
    const ns = 'conformance'
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0))

    const call = async (method: HttpMethod, path: string, body?: unknown, options: Partial<ApiRequest> = {}): Promise<ApiResponse & {body: Body}> => {
      const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
      const headers = {'content-type': 'application/json', authorization: `Bearer ${api.credentials.adminToken()}`, ...options.headers}
      return (await api.handle({method, path, body: text, ...options, headers})) as ApiResponse & {body: Body}
    }
    const revision = async () => (await store.get('/registry/no-such-key')).revision
    const configMap = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, ...(labels ? {labels} : {})}, data})
    const deployment = (name: string, replicas = 2) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name},
      spec: {
        replicas,
        selector: {matchLabels: {app: name}},
        template: {metadata: {labels: {app: name}}, spec: {containers: [{name: 'web', image: 'nginx:1.27'}, {name: 'sidecar', image: 'busybox'}]}},
      },
    })

    beforeAll(async () => {
      store = await backend.open()
      const random = new SeededRandom(7)
      let uid = 0
      api = new ApiServer({store, clock, random: () => random.next(), newUid: () => `00000000-0000-4000-8000-${String(++uid).padStart(12, '0')}`})
      await ensureBootstrapped(api, clock.nowMilliseconds())
      const created = await call('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: ns}})
      expect(created.status).toBe(201)
      // What the serviceaccount controller does for a new namespace.
      expect((await call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default'}})).status).toBe(201)
    }, 60_000)
    afterAll(async () => {
      await store.close()
      await backend.cleanup()
    })

    it('stores objects as JSON under the real key layout, resourceVersion = mod revision', async () => {
      const created = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('settings', {color: 'blue'}))
      expect(created.status).toBe(201)
      const {object} = await store.get(`/registry/configmaps/${ns}/settings`)
      expect(created.body.metadata.resourceVersion).toBe(String(object!.modRevision))
      const stored = JSON.parse(new TextDecoder().decode(object!.value))
      expect(Object.keys(stored).slice(0, 3)).toEqual(['kind', 'apiVersion', 'metadata'])
      expect(stored.metadata.resourceVersion).toBeUndefined()
      expect(stored.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(stored.metadata.creationTimestamp).toBe('2026-11-23T12:00:00Z')
      expect(stored.data).toEqual({color: 'blue'})
      const namespaceKey = await store.get(`/registry/namespaces/${ns}`)
      expect(JSON.parse(new TextDecoder().decode(namespaceKey.object!.value)).status).toEqual({phase: 'Active'})
    })

    it('answers get, create twice and missing objects with kube-apiserver Status', async () => {
      const again = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('settings'))
      expect(again.status).toBe(409)
      expect(again.body).toMatchObject({kind: 'Status', reason: 'AlreadyExists', message: 'configmaps "settings" already exists', details: {name: 'settings', kind: 'configmaps'}})
      const missing = await call('GET', `/apis/apps/v1/namespaces/${ns}/deployments/nope`)
      expect(missing.status).toBe(404)
      expect(missing.body).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'deployments.apps "nope" not found', reason: 'NotFound', details: {name: 'nope', group: 'apps', kind: 'deployments'}, code: 404})
      const unknownResource = await call('GET', `/api/v1/namespaces/${ns}/foos`)
      expect(unknownResource.status).toBe(404)
      expect(unknownResource.body.message).toBe('the server could not find the requested resource')
    })

    it('refuses an update from a stale resourceVersion with 409', async () => {
      const current = (await call('GET', `/api/v1/namespaces/${ns}/configmaps/settings`)).body
      const first = await call('PUT', `/api/v1/namespaces/${ns}/configmaps/settings`, {...current, data: {color: 'red'}})
      expect(first.status).toBe(200)
      expect(Number(first.body.metadata.resourceVersion)).toBeGreaterThan(Number(current.metadata.resourceVersion))
      const stale = await call('PUT', `/api/v1/namespaces/${ns}/configmaps/settings`, {...current, data: {color: 'green'}})
      expect(stale.status).toBe(409)
      expect(stale.body.message).toBe('Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again')
      expect(stale.body.reason).toBe('Conflict')
    })

    it('lets exactly one of N concurrent updates from one resourceVersion succeed', async () => {
      const current = (await call('GET', `/api/v1/namespaces/${ns}/configmaps/settings`)).body
      const results = await Promise.all(
        Array.from({length: 8}, (_, index) => call('PUT', `/api/v1/namespaces/${ns}/configmaps/settings`, {...current, data: {writer: String(index)}})),
      )
      expect(results.filter((result) => result.status === 200)).toHaveLength(1)
      expect(results.filter((result) => result.status === 409)).toHaveLength(7)
    })

    it('defaults a Deployment as kube-apiserver does and counts generations on spec changes', async () => {
      const created = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('web'))
      expect(created.status).toBe(201)
      const spec = created.body.spec
      expect(spec.strategy).toEqual({type: 'RollingUpdate', rollingUpdate: {maxUnavailable: '25%', maxSurge: '25%'}})
      expect(spec.revisionHistoryLimit).toBe(10)
      expect(spec.progressDeadlineSeconds).toBe(600)
      const pod = spec.template.spec
      expect(pod).toMatchObject({restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', securityContext: {}, schedulerName: 'default-scheduler'})
      expect(pod.containers[0]).toMatchObject({imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: {}})
      expect(pod.containers[1].imagePullPolicy).toBe('Always')
      expect(created.body.metadata.generation).toBe(1)
      expect(created.body.status).toEqual({})
      const relabeled = await call('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web`, {metadata: {labels: {tier: 'front'}}}, {headers: {'content-type': 'application/merge-patch+json'}})
      expect(relabeled.body.metadata.generation).toBe(1)
      const scaled = await call('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web`, {spec: {replicas: 3}}, {headers: {'content-type': 'application/merge-patch+json'}})
      expect(scaled.body.metadata.generation).toBe(2)
    })

    it('rejects invalid objects with 422, field causes and an unchanged store', async () => {
      const before = await revision()
      const invalid = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('bad', -1))
      expect(invalid.status).toBe(422)
      expect(invalid.body.message).toBe('Deployment.apps "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0')
      expect(invalid.body.details).toEqual({name: 'bad', group: 'apps', kind: 'Deployment', causes: [{reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas'}]})
      const badName = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('Bad_Name'))
      expect(badName.status).toBe(422)
      expect(badName.body.message).toBe(
        `ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      )
      const noImage = await call('POST', `/api/v1/namespaces/${ns}/pods`, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'p'}, spec: {containers: [{name: 'c'}], restartPolicy: 'Sometimes'}})
      expect(noImage.body.message).toBe('Pod "p" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"]')
      const mismatch = deployment('mismatch')
      mismatch.spec.template.metadata.labels = {app: 'other'}
      const selectorError = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, mismatch)
      expect(selectorError.body.message).toBe('Deployment.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: `selector` does not match template `labels`')
      const service = await call('POST', `/api/v1/namespaces/${ns}/services`, {apiVersion: 'v1', kind: 'Service', metadata: {name: '1svc'}, spec: {ports: [{port: 80}]}})
      expect(service.body.message).toContain(`Service "1svc" is invalid: metadata.name: Invalid value: "1svc": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character`)
      expect(await revision()).toBe(before)
    })

    it('refuses bad input with the right code and message, changing nothing', async () => {
      const before = await revision()
      const path = `/api/v1/namespaces/${ns}/configmaps`
      const malformed = await call('POST', path, '{"apiVersion": "v1", "kind": ')
      expect(malformed.status).toBe(400)
      // kube-apiserver's words, with encoding/json's error and the body's start (never JSON.parse's text).
      expect(malformed.body.message).toBe(`the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: unexpected end of JSON input ({"apiVersion": "v1", "kind": )`)
      const unknownKind = await call('POST', path, {apiVersion: 'v1', kind: 'Gizmo', metadata: {name: 'g'}})
      expect(unknownKind.status).toBe(400)
      expect(unknownKind.body.message).toBe('no kind "Gizmo" is registered for version "v1" in scheme "pkg/api/legacyscheme/scheme.go:30"')
      const wrongVersion = await call('POST', path, {apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: {name: 'g'}})
      expect(wrongVersion.body.message).toBe('the API version in the data (apps/v1) does not match the expected API version (v1)')
      const strict = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {...deployment('strict'), spec: {...deployment('strict').spec, replica: 3}}, {query: {fieldValidation: 'Strict'}})
      expect(strict.status).toBe(400)
      expect(strict.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"')
      const wrongType = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {...deployment('typed'), spec: {...deployment('typed').spec, replicas: 'three'}})
      expect(wrongType.body.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32')
      const huge = await call('POST', path, configMap('huge', {blob: 'x'.repeat(3 * 1024 * 1024)}))
      expect(huge.status).toBe(413)
      expect(huge.body.message).toBe('Request entity too large: limit is 3145728')
      const bigPod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'big'}, spec: {containers: [{name: 'c', image: 'busybox', env: [{name: 'BLOB', value: 'x'.repeat(1024 * 1024 + 600 * 1024)}]}]}}
      const overEtcd = await call('POST', `/api/v1/namespaces/${ns}/pods`, bigPod)
      expect(overEtcd.status).toBe(500)
      expect(overEtcd.body.message).toBe('etcdserver: request is too large')
      expect(await revision()).toBe(before)
    })

    it('lists with label and field selectors and pages with limit/continue at one revision', async () => {
      for (const [index, tier] of ['a', 'b', 'c', 'd', 'e'].entries()) {
        await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(`item-${index}`, {}, {tier, group: index % 2 === 0 ? 'even' : 'odd'}))
      }
      const even = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {labelSelector: 'group=even'}})
      expect(even.body.kind).toBe('ConfigMapList')
      expect(even.body.items.map((item: Body) => item.metadata.name)).toEqual(['item-0', 'item-2', 'item-4'])
      const set = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {labelSelector: 'tier in (a,b),group!=odd'}})
      expect(set.body.items.map((item: Body) => item.metadata.name)).toEqual(['item-0'])
      const byName = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {fieldSelector: 'metadata.name=item-3'}})
      expect(byName.body.items.map((item: Body) => item.metadata.name)).toEqual(['item-3'])
      const badField = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {fieldSelector: 'spec.nodeName=x'}})
      expect(badField.status).toBe(400)
      // ConfigMaps have no field-label conversion of their own: apimachinery's default names the two fields it knows.
      expect(badField.body.message).toBe('"spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace"')
      const first = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {labelSelector: 'tier', limit: '2'}})
      expect(first.body.items.map((item: Body) => item.metadata.name)).toEqual(['item-0', 'item-1'])
      // kube-apiserver's token: base64 of the list revision and the last key, relative to the listed prefix.
      expect(JSON.parse(Buffer.from(first.body.metadata.continue, 'base64').toString())).toEqual({v: 'meta.k8s.io/v1', rv: Number(first.body.metadata.resourceVersion), start: `item-1\u0000`})
      expect(first.body.metadata.remainingItemCount).toBeUndefined()
      await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('item-5', {}, {tier: 'f'}))
      const second = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {labelSelector: 'tier', limit: '10', continue: first.body.metadata.continue}})
      expect(second.body.items.map((item: Body) => item.metadata.name)).toEqual(['item-2', 'item-3', 'item-4'])
      expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion)
    })

    it('applies strategic merge, JSON merge and JSON patches', async () => {
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`
      const strategic = await call('PATCH', path, {spec: {template: {spec: {containers: [{name: 'web', image: 'nginx:1.28'}]}}}}, {headers: {'content-type': 'application/strategic-merge-patch+json'}})
      expect(strategic.status).toBe(200)
      expect(strategic.body.spec.template.spec.containers.map((container: Body) => `${container.name}=${container.image}`)).toEqual(['web=nginx:1.28', 'sidecar=busybox'])
      const removeSidecar = await call('PATCH', path, {spec: {template: {spec: {containers: [{name: 'sidecar', $patch: 'delete'}]}}}}, {headers: {'content-type': 'application/strategic-merge-patch+json'}})
      expect(removeSidecar.body.spec.template.spec.containers.map((container: Body) => container.name)).toEqual(['web'])
      const merge = await call('PATCH', path, {metadata: {labels: {tier: null}}}, {headers: {'content-type': 'application/merge-patch+json'}})
      expect(merge.body.metadata.labels).toBeUndefined()
      const json = await call('PATCH', path, [{op: 'replace', path: '/spec/replicas', value: 4}], {headers: {'content-type': 'application/json-patch+json'}})
      expect(json.body.spec.replicas).toBe(4)
      const failing = await call('PATCH', path, [{op: 'remove', path: '/spec/nothing'}], {headers: {'content-type': 'application/json-patch+json'}})
      expect(failing.status).toBe(422)
      const unsupported = await call('PATCH', path, {}, {headers: {'content-type': 'text/plain'}})
      expect(unsupported.status).toBe(415)
    })

    it('keeps status and spec apart through the status and scale subresources', async () => {
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`
      const current = (await call('GET', path)).body
      const status = await call('PUT', `${path}/status`, {...current, spec: {...current.spec, replicas: 9}, status: {replicas: 4, readyReplicas: 2}})
      expect(status.body.status).toEqual({replicas: 4, readyReplicas: 2})
      expect(status.body.spec.replicas).toBe(4)
      const main = await call('PUT', path, {...status.body, status: {replicas: 0}})
      expect(main.body.status).toEqual({replicas: 4, readyReplicas: 2})
      const scale = await call('GET', `${path}/scale`)
      expect(scale.body).toMatchObject({kind: 'Scale', apiVersion: 'autoscaling/v1', spec: {replicas: 4}, status: {replicas: 4, selector: 'app=web'}})
      const rescaled = await call('PUT', `${path}/scale`, {...scale.body, spec: {replicas: 6}})
      expect(rescaled.body.spec.replicas).toBe(6)
      expect((await call('GET', path)).body.spec.replicas).toBe(6)
    })

    it('deletes at once, or marks deletion while finalizers or a namespace spec hold it', async () => {
      const gone = await call('DELETE', `/api/v1/namespaces/${ns}/configmaps/item-5`)
      expect(gone.status).toBe(200)
      expect(gone.body).toMatchObject({kind: 'Status', status: 'Success', details: {name: 'item-5', kind: 'configmaps'}})
      const held = {...configMap('held'), metadata: {name: 'held', finalizers: ['example.com/hold']}}
      await call('POST', `/api/v1/namespaces/${ns}/configmaps`, held)
      const marked = await call('DELETE', `/api/v1/namespaces/${ns}/configmaps/held`)
      expect(marked.status).toBe(202)
      expect(marked.body.metadata.deletionTimestamp).toBe('2026-11-23T12:00:00Z')
      const released = await call('PATCH', `/api/v1/namespaces/${ns}/configmaps/held`, {metadata: {finalizers: null}}, {headers: {'content-type': 'application/merge-patch+json'}})
      expect(released.status).toBe(200)
      expect((await call('GET', `/api/v1/namespaces/${ns}/configmaps/held`)).status).toBe(404)
      const system = await call('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'doomed'}})
      expect(system.status).toBe(201)
      const terminating = await call('DELETE', '/api/v1/namespaces/doomed')
      expect(terminating.status).toBe(202)
      expect(terminating.body.status.phase).toBe('Terminating')
    })

    it('admits by namespace lifecycle: missing and terminating namespaces, system namespaces', async () => {
      const before = await revision()
      const missing = await call('POST', '/api/v1/namespaces/nowhere/configmaps', configMap('x'))
      expect(missing.status).toBe(404)
      expect(missing.body.message).toBe('namespaces "nowhere" not found')
      const terminating = await call('POST', '/api/v1/namespaces/doomed/configmaps', configMap('late'))
      expect(terminating.status).toBe(403)
      expect(terminating.body.message).toBe('configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated')
      expect(terminating.body.details.causes).toEqual([{reason: 'NamespaceTerminating', message: 'unable to create new content in namespace doomed because it is being terminated', field: 'metadata.namespace'}])
      const system = await call('DELETE', '/api/v1/namespaces/kube-system')
      expect(system.status).toBe(403)
      expect(system.body.message).toBe('namespaces "kube-system" is forbidden: this namespace may not be deleted')
      expect(await revision()).toBe(before)
    })

    it('watches from a resourceVersion, follows selectors, and answers 410 after compaction', async () => {
      const start = await revision()
      await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('watched', {}, {watch: 'yes'}))
      const created = (await call('GET', `/api/v1/namespaces/${ns}/configmaps/watched`)).body
      await call('PUT', `/api/v1/namespaces/${ns}/configmaps/watched`, {...created, data: {n: '1'}})
      const relabeled = (await call('GET', `/api/v1/namespaces/${ns}/configmaps/watched`)).body
      await call('PUT', `/api/v1/namespaces/${ns}/configmaps/watched`, {...relabeled, metadata: {...relabeled.metadata, labels: {watch: 'no'}}})
      const response = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {watch: 'true', resourceVersion: String(start), labelSelector: 'watch=yes'}})
      const seen: string[] = []
      while (seen.length < 3) {
        const events = await response.watch!.next()
        if (!events) break
        for (const event of events) seen.push(`${event.type} ${(event.object as Body).metadata.name} ${JSON.stringify((event.object as Body).data ?? {})}`)
      }
      response.watch!.cancel()
      expect(seen).toEqual(['ADDED watched {}', 'MODIFIED watched {"n":"1"}', 'DELETED watched {"n":"1"}'])
      const now = await revision()
      await call('DELETE', `/api/v1/namespaces/${ns}/configmaps/watched`)
      await backend.compact(now + 1)
      const old = await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, {query: {watch: 'true', resourceVersion: String(start)}})
      const events = await old.watch!.next()
      old.watch!.cancel()
      expect(events![0]!.type).toBe('ERROR')
      expect(events![0]!.object).toMatchObject({kind: 'Status', reason: 'Expired', code: 410})
      expect(String((events![0]!.object as Body).message)).toMatch(/^too old resource version: /)
    })

    it('authenticates bearer tokens, issues ServiceAccount tokens and authorizes with RBAC', async () => {
      const anonymous = {headers: {'content-type': 'application/json', authorization: ''}}
      const denied = await call('GET', '/api/v1/namespaces', undefined, anonymous)
      expect(denied.status).toBe(403)
      expect(denied.body.message).toBe('namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope')
      expect((await call('GET', '/version', undefined, anonymous)).status).toBe(200)
      expect((await call('GET', '/api', undefined, anonymous)).body.message).toBe('forbidden: User "system:anonymous" cannot get path "/api"')
      const wrong = await call('GET', '/api/v1/namespaces', undefined, {headers: {authorization: 'Bearer not-a-token'}})
      expect(wrong.status).toBe(401)
      expect(wrong.body).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401})

      expect((await call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'reader'}})).status).toBe(201)
      const short = await call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`, {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {expirationSeconds: 60}})
      expect(short.status).toBe(422)
      expect(short.body.message).toBe('TokenRequest.authentication.k8s.io "reader" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes')
      const missing = await call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/nobody/token`, {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {}})
      expect(missing.body.message).toBe('serviceaccounts "nobody" not found')
      const issued = await call('POST', `/api/v1/namespaces/${ns}/serviceaccounts/reader/token`, {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {}})
      expect(issued.status).toBe(201)
      expect(issued.body.spec).toEqual({audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: null})
      const token: string = issued.body.status.token
      const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())
      expect(claims.sub).toBe(`system:serviceaccount:${ns}:reader`)
      expect(claims.exp - claims.iat).toBe(3600)
      const asReader = (extra: Record<string, string> = {}) => ({headers: {'content-type': 'application/json', authorization: `Bearer ${token}`, ...extra}})

      const who = await call('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}, asReader())
      expect(who.body.status.userInfo).toMatchObject({username: `system:serviceaccount:${ns}:reader`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated']})
      const forbidden = await call('GET', `/api/v1/namespaces/${ns}/pods`, undefined, asReader())
      expect(forbidden.status).toBe(403)
      expect(forbidden.body.message).toBe(`pods is forbidden: User "system:serviceaccount:${ns}:reader" cannot list resource "pods" in API group "" in the namespace "${ns}"`)
      expect(forbidden.body.details).toEqual({kind: 'pods'})

      const binding = {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {name: 'reader-view'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view'},
        subjects: [{kind: 'ServiceAccount', name: 'reader', namespace: ns}],
      }
      expect((await call('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, binding)).status).toBe(201)
      expect((await call('GET', `/api/v1/namespaces/${ns}/pods`, undefined, asReader())).status).toBe(200)
      const write = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, configMap('from-reader'), asReader())
      expect(write.body.message).toBe(`configmaps is forbidden: User "system:serviceaccount:${ns}:reader" cannot create resource "configmaps" in API group "" in the namespace "${ns}"`)
      const secrets = await call('GET', `/api/v1/namespaces/${ns}/secrets/x`, undefined, asReader())
      expect(secrets.body.message).toBe(`secrets "x" is forbidden: User "system:serviceaccount:${ns}:reader" cannot get resource "secrets" in API group "" in the namespace "${ns}"`)
      const review = (verb: string, resource: string) => ({apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {resourceAttributes: {namespace: ns, verb, resource}}})
      const allowed = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', review('get', 'deployments'), asReader())
      expect(allowed.status).toBe(201)
      expect(allowed.body.status).toEqual({allowed: false})
      const appsReview = {...review('get', 'deployments'), spec: {resourceAttributes: {namespace: ns, verb: 'get', group: 'apps', resource: 'deployments'}}}
      expect((await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', appsReview, asReader())).body.status).toEqual({
        allowed: true,
        reason: `RBAC: allowed by RoleBinding "reader-view/${ns}" of ClusterRole "view" to ServiceAccount "reader/${ns}"`,
      })
      const subjectReview = await call('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {user: 'jane', groups: ['system:authenticated'], resourceAttributes: {namespace: ns, verb: 'list', resource: 'pods'}},
      })
      expect(subjectReview.body.status).toEqual({allowed: false})
      const rules = await call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {namespace: ns}}, asReader())
      expect(rules.body.status.resourceRules).toContainEqual({verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['namespaces']})
      expect(rules.body.status.nonResourceRules).toContainEqual({verbs: ['get'], nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/']})
      const tokenReview = await call('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {token}})
      expect(tokenReview.body.status).toMatchObject({authenticated: true, user: {username: `system:serviceaccount:${ns}:reader`}, audiences: ['https://kubernetes.default.svc.cluster.local']})

      // Impersonation is checked by RBAC, for the admin and for anyone else.
      const asJane = await call('GET', `/api/v1/namespaces/${ns}/pods`, undefined, {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'impersonate-user': 'jane'}})
      expect(asJane.body.message).toBe(`pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "${ns}"`)
      const asMasters = await call('GET', `/api/v1/namespaces/${ns}/pods`, undefined, {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'impersonate-user': 'jane', 'impersonate-group': 'system:masters'}})
      expect(asMasters.status).toBe(200)
      const readerImpersonates = await call('GET', `/api/v1/namespaces/${ns}/pods`, undefined, asReader({'impersonate-user': 'jane'}))
      expect(readerImpersonates.status).toBe(403)
      expect(readerImpersonates.body.message).toBe(`users "jane" is forbidden: User "system:serviceaccount:${ns}:reader" cannot impersonate resource "users" in API group "" at the cluster scope`)

      // A token dies with its ServiceAccount, and when it expires.
      expect((await call('DELETE', `/api/v1/namespaces/${ns}/serviceaccounts/reader`)).status).toBe(200)
      expect((await call('GET', '/api/v1/namespaces', undefined, asReader())).status).toBe(401)
    })

    it('runs pods through LimitRanger, ServiceAccount, PodSecurity, Priority, DefaultTolerationSeconds and ResourceQuota', async () => {
      const namespace = async (name: string, labels: Record<string, string> = {}) => {
        expect((await call('POST', '/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name, labels}})).status).toBe(201)
        expect((await call('POST', `/api/v1/namespaces/${name}/serviceaccounts`, {apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default'}})).status).toBe(201)
      }
      const pod = (name: string, container: Body = {}, spec: Body = {}) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name}, spec: {containers: [{name: 'web', image: 'nginx:1.27', ...container}], ...spec}})
      await namespace('limited')
      const limitRange = {apiVersion: 'v1', kind: 'LimitRange', metadata: {name: 'defaults'}, spec: {limits: [{type: 'Container', default: {cpu: '500m', memory: '256Mi'}, defaultRequest: {cpu: '100m'}, max: {cpu: '1'}}]}}
      expect((await call('POST', '/api/v1/namespaces/limited/limitranges', limitRange)).status).toBe(201)
      const plain = await call('POST', '/api/v1/namespaces/limited/pods', pod('plain'))
      expect(plain.status).toBe(201)
      expect(plain.body.metadata.annotations).toEqual({'kubernetes.io/limit-ranger': 'LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web'})
      const container = plain.body.spec.containers[0]
      expect(container.resources).toEqual({limits: {cpu: '500m', memory: '256Mi'}, requests: {cpu: '100m', memory: '256Mi'}})
      expect(plain.body.spec.serviceAccountName).toBe('default')
      expect(plain.body.spec.serviceAccount).toBe('default')
      const volume = plain.body.spec.volumes[0]
      expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      expect(volume.projected.sources[0]).toEqual({serviceAccountToken: {expirationSeconds: 3607, path: 'token'}})
      expect(container.volumeMounts).toEqual([{name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount'}])
      expect(plain.body.spec.tolerations).toEqual([
        {key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
        {key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300},
      ])
      expect(plain.body.spec.priority).toBe(0)
      expect(plain.body.spec.preemptionPolicy).toBe('PreemptLowerPriority')
      expect(plain.body.status.qosClass).toBe('Burstable')
      const greedy = await call('POST', '/api/v1/namespaces/limited/pods', pod('greedy', {resources: {limits: {cpu: '2'}}}))
      expect(greedy.status).toBe(403)
      expect(greedy.body.message).toBe('pods "greedy" is forbidden: maximum cpu usage per Container is 1, but limit is 2')
      const noClass = await call('POST', '/api/v1/namespaces/limited/pods', pod('classless', {}, {priorityClassName: 'nope'}))
      expect(noClass.body.message).toBe('pods "classless" is forbidden: no PriorityClass with name nope was found')
      const critical = await call('POST', '/api/v1/namespaces/limited/pods', pod('critical', {}, {priorityClassName: 'system-node-critical'}))
      expect(critical.body.spec.priority).toBe(2000001000)
      const noAccount = await call('POST', '/api/v1/namespaces/limited/pods', pod('lost', {}, {serviceAccountName: 'ghost'}))
      expect(noAccount.body.message).toBe('pods "lost" is forbidden: error looking up service account limited/ghost: serviceaccount "ghost" not found')

      await namespace('quoted')
      const quota = {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'compute'}, spec: {hard: {pods: '1', 'requests.cpu': '1'}}}
      expect((await call('POST', '/api/v1/namespaces/quoted/resourcequotas', quota)).status).toBe(201)
      const unrequested = await call('POST', '/api/v1/namespaces/quoted/pods', pod('bare'))
      expect(unrequested.body.message).toBe('pods "bare" is forbidden: failed quota: compute: must specify requests.cpu for: web')
      expect((await call('POST', '/api/v1/namespaces/quoted/pods', pod('first', {resources: {requests: {cpu: '600m'}}}))).status).toBe(201)
      const charged = await call('GET', '/api/v1/namespaces/quoted/resourcequotas/compute')
      expect(charged.body.status).toEqual({hard: {pods: '1', 'requests.cpu': '1'}, used: {pods: '1', 'requests.cpu': '600m'}})
      const second = await call('POST', '/api/v1/namespaces/quoted/pods', pod('second', {resources: {requests: {cpu: '600m'}}}))
      expect(second.status).toBe(403)
      expect(second.body.message).toBe('pods "second" is forbidden: exceeded quota: compute, requested: pods=1,requests.cpu=600m, used: pods=1,requests.cpu=600m, limited: pods=1,requests.cpu=1')

      await namespace('locked', {'pod-security.kubernetes.io/enforce': 'restricted'})
      const unsafe = await call('POST', '/api/v1/namespaces/locked/pods', pod('unsafe'))
      expect(unsafe.status).toBe(403)
      const violations = 'allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")'
      expect(unsafe.body.message).toBe(`pods "unsafe" is forbidden: violates PodSecurity "restricted:latest": ${violations}`)
      const hardened = pod('hardened', {securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ['ALL']}}}, {securityContext: {runAsNonRoot: true, seccompProfile: {type: 'RuntimeDefault'}}})
      expect((await call('POST', '/api/v1/namespaces/locked/pods', hardened)).status).toBe(201)
      const workload = await call('POST', '/apis/apps/v1/namespaces/locked/deployments', deployment('templated'))
      expect(workload.status).toBe(201)
      expect(workload.warnings[0]).toMatch(/^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(containers "web", "sidecar" must set/)
    })

    it('serves custom resources from a CustomResourceDefinition, validated by its schema', async () => {
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: {name: 'crontabs.stable.example.com'},
        spec: {
          group: 'stable.example.com',
          scope: 'Namespaced',
          names: {plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct']},
          versions: [{
            name: 'v1',
            served: true,
            storage: true,
            subresources: {status: {}},
            schema: {openAPIV3Schema: {type: 'object', properties: {
              spec: {type: 'object', required: ['cronSpec'], properties: {
                cronSpec: {type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'},
                image: {type: 'string'},
                replicas: {type: 'integer', minimum: 1, maximum: 10},
              }},
              status: {type: 'object', 'x-kubernetes-preserve-unknown-fields': true},
            }}},
          }],
        },
      }
      const created = await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)
      expect(created.status).toBe(201)
      const established = await call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')
      expect(established.body.status.conditions.map((condition: Body) => `${condition.type}=${condition.status}`)).toEqual(['NamesAccepted=True', 'Established=True'])
      const groups = (await call('GET', '/apis')).body.groups.map((group: Body) => group.name)
      expect(groups).toContain('stable.example.com')
      const resources = (await call('GET', '/apis/stable.example.com/v1')).body.resources
      expect(resources.find((resource: Body) => resource.name === 'crontabs')).toMatchObject({name: 'crontabs', singularName: 'crontab', namespaced: true, kind: 'CronTab', shortNames: ['ct']})

      const path = `/apis/stable.example.com/v1/namespaces/${ns}/crontabs`
      const cron = (name: string, spec: Body) => ({apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: {name}, spec})
      const made = await call('POST', path, cron('nightly', {cronSpec: '0 3 * * *', image: 'backup:1', extra: true}))
      expect(made.status).toBe(201)
      expect(made.warnings).toEqual(['unknown field "spec.extra"'])
      expect(made.body.spec).toEqual({cronSpec: '0 3 * * *', image: 'backup:1'})
      expect(made.body.metadata.generation).toBe(1)
      const stored = await store.get(`/registry/stable.example.com/crontabs/${ns}/nightly`)
      expect(JSON.parse(new TextDecoder().decode(stored.object!.value))).toMatchObject({apiVersion: 'stable.example.com/v1', kind: 'CronTab', spec: {cronSpec: '0 3 * * *'}})
      const before = await revision()
      const invalid = await call('POST', path, cron('bad', {cronSpec: 'often', replicas: 15}))
      expect(invalid.status).toBe(422)
      expect(invalid.body.message).toBe(
        'CronTab.stable.example.com "bad" is invalid: [spec.cronSpec: Invalid value: "often": spec.cronSpec in body should match \'^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$\', spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10]',
      )
      const typed = await call('POST', path, cron('typed', {cronSpec: '* * * * *', replicas: 'three'}))
      expect(typed.body.message).toBe('CronTab.stable.example.com "typed" is invalid: spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"')
      const missing = await call('POST', path, cron('empty', {}))
      expect(missing.body.message).toBe('CronTab.stable.example.com "empty" is invalid: spec.cronSpec: Required value')
      expect(await revision()).toBe(before)
      expect((await call('GET', path)).body.items.map((item: Body) => item.metadata.name)).toEqual(['nightly'])

      expect((await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com')).status).toBe(200)
      expect((await store.get(`/registry/stable.example.com/crontabs/${ns}/nightly`)).object).toBeNull()
      expect((await call('GET', path)).status).toBe(404)
    })

    it('answers with server-side tables: the columns and cells kubectl get prints', async () => {
      const table = {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'}}
      const nodes = await call('GET', '/api/v1/nodes', undefined, table)
      expect(nodes.body.kind).toBe('Table')
      expect(nodes.body.columnDefinitions.map((definition: Body) => `${definition.name}${definition.priority ? '*' : ''}`)).toEqual(['Name', 'Status', 'Roles', 'Age', 'Version', 'Internal-IP*', 'External-IP*', 'OS-Image*', 'Kernel-Version*', 'Container-Runtime*'])
      expect(nodes.body.rows[0].cells).toEqual(['control-plane', 'Ready', 'control-plane', '0s', 'v1.32.0', '172.18.0.2', '<none>', 'kubemu simulated node', '6.1.0-kubemu', 'kubemu://1.0.0'])
      expect(nodes.body.rows.map((row: Body) => row.cells.slice(0, 3).join(' '))).toEqual([
        'control-plane Ready control-plane', 'control-plane2 Ready control-plane', 'control-plane3 Ready control-plane', 'worker-1 Ready <none>', 'worker-2 Ready <none>', 'worker-3 Ready <none>',
      ])
      expect(nodes.body.rows[0].object).toMatchObject({kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: {name: 'control-plane'}})
      expect(nodes.body.metadata.resourceVersion).toMatch(/^\d+$/)
      await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('tabled', 3))
      clock.advance(125_000)
      const deployments = await call('GET', `/apis/apps/v1/namespaces/${ns}/deployments/tabled`, undefined, table)
      expect(deployments.body.columnDefinitions.map((definition: Body) => definition.name)).toEqual(['Name', 'Ready', 'Up-to-date', 'Available', 'Age', 'Containers', 'Images', 'Selector'])
      expect(deployments.body.rows[0].cells).toEqual(['tabled', '0/3', 0, 0, '2m5s', 'web,sidecar', 'nginx:1.27,busybox', 'app=tabled'])
      const services = await call('GET', '/api/v1/namespaces/default/services', undefined, {headers: {...table.headers}, query: {includeObject: 'None'}})
      expect(services.body.rows[0].cells).toEqual(['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', '2m5s', '<none>'])
      expect(services.body.rows[0].object).toBeUndefined()
      const pods = await call('GET', '/api/v1/namespaces/limited/pods/plain', undefined, table)
      expect(pods.body.rows[0].cells).toEqual(['plain', '0/1', 'Pending', '0', '2m5s', '<none>', '<none>', '<none>', '<none>'])
      const roles = await call('GET', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin', undefined, table)
      expect(roles.body.rows[0].cells).toEqual(['cluster-admin', 'ClusterRole/cluster-admin', '2m5s', '', 'system:masters', ''])
    })

    it('serves discovery from the scheme', async () => {
      const core = (await call('GET', '/api/v1')).body
      const pods = core.resources.find((resource: Body) => resource.name === 'pods')
      expect(pods).toEqual({name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['po'], categories: ['all']})
      const apps = (await call('GET', '/apis/apps/v1')).body
      expect(apps.resources.find((resource: Body) => resource.name === 'deployments/scale')).toMatchObject({group: 'autoscaling', version: 'v1', kind: 'Scale'})
      // kube-apiserver 1.32's entries, which kubectl reads: drain evicts only if pods/eviction names policy/v1.
      const subresource = (name: string) => core.resources.find((resource: Body) => resource.name === name)
      expect(subresource('pods/eviction')).toEqual({name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create']})
      expect(subresource('pods/log')).toEqual({name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get']})
      expect(subresource('serviceaccounts/token')).toMatchObject({group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create']})
      expect(subresource('pods/status')).toMatchObject({kind: 'Pod', verbs: ['get', 'patch', 'update']})
      const groups = (await call('GET', '/apis')).body.groups.map((group: Body) => group.name)
      expect(groups).toEqual(expect.arrayContaining(['apps', 'batch', 'rbac.authorization.k8s.io', 'apiextensions.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'policy']))
    })

    it('sends a bookmark about once a minute to a watch that allows them', async () => {
      const quietClock = new SteppedClock(Date.UTC(2026, 10, 23, 12, 0, 0))
      const quiet = new ApiServer({store, clock: quietClock})
      const headers = {authorization: `Bearer ${quiet.credentials.adminToken()}`}
      const start = await revision()
      const response = await quiet.handle({method: 'GET', path: `/api/v1/namespaces/${ns}/secrets`, query: {watch: 'true', resourceVersion: String(start), allowWatchBookmarks: 'true'}, headers})
      const first = response.watch!.next()
      quietClock.advance(60_000)
      expect(await first).toEqual([{type: 'BOOKMARK', object: {kind: 'Secret', apiVersion: 'v1', metadata: {resourceVersion: String(start)}}}])
      await call('POST', `/api/v1/namespaces/${ns}/secrets`, {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'marked'}, stringData: {a: 'b'}})
      const events = await response.watch!.next()
      response.watch!.cancel()
      expect(events).toMatchObject([{type: 'ADDED', object: {kind: 'Secret', metadata: {name: 'marked'}}}])
    })

    it('ends a watch after its timeoutSeconds, as kube-apiserver does (not after `timeout`)', async () => {
      const quietClock = new SteppedClock(Date.UTC(2026, 10, 23, 12, 0, 0))
      const quiet = new ApiServer({store, clock: quietClock})
      const headers = {authorization: `Bearer ${quiet.credentials.adminToken()}`}
      const start = String(await revision())
      const watching = (query: Record<string, string>) => quiet.handle({method: 'GET', path: `/api/v1/namespaces/${ns}/secrets`, query: {watch: 'true', resourceVersion: start, ...query}, headers})
      const timed = await watching({timeoutSeconds: '90', allowWatchBookmarks: 'true'})
      const untimed = await watching({timeout: '2s'})
      const first = timed.watch!.next()
      quietClock.advance(60_000)
      expect(await first).toMatchObject([{type: 'BOOKMARK'}])
      const second = timed.watch!.next()
      let ended: unknown = 'pending'
      void second.then((events) => (ended = events))
      quietClock.advance(29_000)
      await Promise.resolve()
      expect(ended).toBe('pending')
      quietClock.advance(1_000)
      expect(await second).toBeNull()
      // `timeout` is for other requests: the watch goes on and sees the next change.
      await call('POST', `/api/v1/namespaces/${ns}/secrets`, {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'after-timeout'}, stringData: {a: 'b'}})
      expect(await untimed.watch!.next()).toMatchObject([{type: 'ADDED', object: {metadata: {name: 'after-timeout'}}}])
      untimed.watch!.cancel()
      expect(quietClock.pendingSleeps).toBe(0)
    }, 30_000)

    it('evicts pods through the eviction subresource, within their PodDisruptionBudget', async () => {
      const merge = {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': 'application/merge-patch+json'}}
      for (const name of ['guarded-1', 'guarded-2']) {
        const made = await call('POST', `/api/v1/namespaces/${ns}/pods`, {apiVersion: 'v1', kind: 'Pod', metadata: {name, labels: {app: 'guarded'}}, spec: {containers: [{name: 'web', image: 'nginx:1.27'}]}})
        expect(made.status).toBe(201)
        const running = await call('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, {status: {phase: 'Running', conditions: [{type: 'Ready', status: 'True'}]}}, merge)
        expect(running.status).toBe(200)
      }
      const budget = {apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {name: 'guard'}, spec: {minAvailable: 2, selector: {matchLabels: {app: 'guarded'}}}}
      expect((await call('POST', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, budget)).status).toBe(201)
      const eviction = (name: string) => ({apiVersion: 'policy/v1', kind: 'Eviction', metadata: {name, namespace: ns}})
      const budgetPath = `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/guard`
      // Until the disruption controller has counted a budget's generation, evictions wait (Retry-After 10 s).
      const unobserved = await call('POST', `/api/v1/namespaces/${ns}/pods/guarded-1/eviction`, eviction('guarded-1'))
      expect(unobserved.status).toBe(429)
      expect(unobserved.body.details).toEqual({causes: [{reason: 'DisruptionBudget', message: 'The disruption budget guard is still being processed by the server.'}], retryAfterSeconds: 10})
      /** What the disruption controller writes for the budget's current generation (no controller runs in this suite). */
      const observe = async (counts: Body) => {
        const generation = (await call('GET', budgetPath)).body.metadata.generation
        expect((await call('PATCH', `${budgetPath}/status`, {status: {observedGeneration: generation, expectedPods: 2, currentHealthy: 2, ...counts}}, merge)).status).toBe(200)
      }
      await observe({desiredHealthy: 2, disruptionsAllowed: 0})
      const refused = await call('POST', `/api/v1/namespaces/${ns}/pods/guarded-1/eviction`, eviction('guarded-1'))
      expect(refused.status).toBe(429)
      expect(refused.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        reason: 'TooManyRequests',
        details: {causes: [{reason: 'DisruptionBudget', message: 'The disruption budget guard needs 2 healthy pods and has 2 currently'}]},
        code: 429,
      })
      expect((await call('PATCH', budgetPath, {spec: {minAvailable: 1}}, merge)).status).toBe(200)
      await observe({desiredHealthy: 1, disruptionsAllowed: 1})
      const evicted = await call('POST', `/api/v1/namespaces/${ns}/pods/guarded-1/eviction`, eviction('guarded-1'))
      expect(evicted.status).toBe(201)
      expect(evicted.body).toEqual({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201})
      expect((await call('GET', `/api/v1/namespaces/${ns}/pods/guarded-1`)).status).toBe(404)
      const charged = await call('GET', budgetPath)
      expect(charged.body.status).toMatchObject({disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2, conditions: [{type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: ''}]})
      expect(Object.keys(charged.body.status.disruptedPods)).toEqual(['guarded-1'])
      const missing = await call('POST', `/api/v1/namespaces/${ns}/pods/nobody/eviction`, eviction('nobody'))
      expect(missing.body.message).toBe('pods "nobody" not found')
    })

    it('applies server-side: managed fields, conflicts with other managers, force', async () => {
      const path = `/api/v1/namespaces/${ns}/configmaps/applied`
      const apply = (data: Record<string, string>, query: Record<string, string> = {fieldManager: 'tool'}) =>
        call('PATCH', path, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'applied'}, data}, {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': 'application/apply-patch+yaml'}, query})
      expect((await apply({a: '1'}, {})).body.message).toBe('PATCH, fieldManager is required for apply requests')
      const created = await apply({a: '1', b: '2'})
      expect(created.status).toBe(201)
      expect(created.body.metadata.managedFields).toEqual([{manager: 'tool', operation: 'Apply', apiVersion: 'v1', time: expect.any(String), fieldsType: 'FieldsV1', fieldsV1: {'f:data': {'.': {}, 'f:a': {}, 'f:b': {}}}}])
      const merge = await call('PATCH', path, {data: {a: 'changed'}}, {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': 'application/merge-patch+json'}, query: {fieldManager: 'editor'}})
      expect(merge.body.metadata.managedFields.map((entry: Body) => `${entry.manager}/${entry.operation}`)).toEqual(['tool/Apply', 'editor/Update'])
      const conflict = await apply({a: '1', b: '2'})
      expect(conflict.status).toBe(409)
      expect(conflict.body.message).toBe('Apply failed with 1 conflict: conflict with "editor" using v1: .data.a')
      expect(conflict.body.details.causes).toEqual([{reason: 'FieldManagerConflict', message: 'conflict with "editor" using v1', field: '.data.a'}])
      const forced = await apply({a: '1', b: '2'}, {fieldManager: 'tool', force: 'true'})
      expect(forced.status).toBe(200)
      expect(forced.body.data).toEqual({a: '1', b: '2'})
      const dropped = await apply({a: '1'})
      expect(dropped.body.data).toEqual({a: '1'})
    })

    it('answers kube-apiserver\'s health endpoints: ok, each check with ?verbose, one check by path', async () => {
      for (const path of ['/livez', '/readyz', '/healthz']) expect(await call('GET', path)).toMatchObject({status: 200, body: 'ok', contentType: 'text/plain'})
      const verbose = await call('GET', '/readyz', undefined, {query: {verbose: '', exclude: 'informer-sync'}})
      expect(verbose.body.split('\n').slice(0, 5)).toEqual(['[+]ping ok', '[+]log ok', '[+]etcd ok', '[+]etcd-readiness ok', '[+]informer-sync excluded: ok'])
      expect(verbose.body.endsWith('readyz check passed\n')).toBe(true)
      expect(await call('GET', '/livez/etcd')).toMatchObject({status: 200, body: 'ok'})
      expect((await call('GET', '/livez/nope')).status).toBe(404)
    })

    it('adds ephemeral containers through pods/ephemeralcontainers only, never removing or changing one', async () => {
      const podPath = `/api/v1/namespaces/${ns}/pods/debugged`
      expect((await call('POST', `/api/v1/namespaces/${ns}/pods`, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'debugged'}, spec: {containers: [{name: 'app', image: 'nginx'}]}})).status).toBe(201)
      const strategic = {headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': 'application/strategic-merge-patch+json'}}
      const debugger1 = {name: 'debugger-1', image: 'busybox', targetContainerName: 'app', stdin: true, tty: true}
      // Through the pod itself, as kube-apiserver: not a field a pod update may change.
      expect((await call('PATCH', podPath, {spec: {ephemeralContainers: [debugger1]}}, strategic)).status).toBe(422)
      const added = await call('PATCH', `${podPath}/ephemeralcontainers`, {spec: {ephemeralContainers: [debugger1], containers: [{name: 'app', image: 'changed'}]}}, strategic)
      expect(added.status).toBe(200)
      expect(added.body.spec.ephemeralContainers).toEqual([{...debugger1, imagePullPolicy: 'Always', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File'}])
      expect(added.body.spec.containers[0].image).toBe('nginx') // only ephemeralContainers is taken from the request
      const removed = await call('PUT', `${podPath}/ephemeralcontainers`, {...added.body, spec: {...added.body.spec, ephemeralContainers: []}})
      expect(removed.status).toBe(422)
      expect(removed.body.message).toBe('Pod "debugged" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "debugger-1" may not be removed\n')
      const clash = await call('PATCH', `${podPath}/ephemeralcontainers`, {spec: {ephemeralContainers: [{name: 'app', image: 'busybox'}]}}, strategic)
      expect(clash.body.message).toBe('Pod "debugged" is invalid: spec.ephemeralContainers[0].name: Duplicate value: "app"')
    })

    it('authorizes kubelets by the Node authorizer and NodeRestriction: their own node, lease and pods, and what those pods use', async () => {
      const asNode = (node: string) => ({headers: {authorization: `Bearer ${api.credentials.adminToken()}`, 'impersonate-user': `system:node:${node}`, 'impersonate-group': 'system:nodes'}})
      const pod = (name: string, node: string, secret?: string) => ({
        apiVersion: 'v1', kind: 'Pod', metadata: {name},
        spec: {nodeName: node, containers: [{name: 'main', image: 'busybox', ...(secret ? {env: [{name: 'PASSWORD', valueFrom: {secretKeyRef: {name: secret, key: 'password'}}}]} : {})}]},
      })
      expect((await call('POST', `/api/v1/namespaces/${ns}/secrets`, {apiVersion: 'v1', kind: 'Secret', metadata: {name: 'db-password'}, stringData: {password: 'x'}})).status).toBe(201)
      const secretPath = `/api/v1/namespaces/${ns}/secrets/db-password`
      const unrelated = await call('GET', secretPath, undefined, asNode('worker-1'))
      expect(unrelated.status).toBe(403)
      expect(unrelated.body.message).toBe(`secrets "db-password" is forbidden: User "system:node:worker-1" cannot get resource "secrets" in API group "" in the namespace "${ns}": no relationship found between node 'worker-1' and this object`)
      // A pod bound to the node that uses the secret relates them; a pod on another node does not.
      expect((await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('uses-secret', 'worker-1', 'db-password'))).status).toBe(201)
      expect((await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('elsewhere', 'worker-2'))).status).toBe(201)
      expect((await call('GET', secretPath, undefined, asNode('worker-1'))).status).toBe(200)
      expect((await call('GET', secretPath, undefined, asNode('worker-2'))).status).toBe(403)
      // Pod status: only for pods bound to the node (NodeRestriction), and no other pod writes but deletes of its own.
      const status = (name: string) => call('PATCH', `/api/v1/namespaces/${ns}/pods/${name}/status`, {status: {phase: 'Running'}}, {...asNode('worker-1'), headers: {...asNode('worker-1').headers, 'content-type': 'application/merge-patch+json'}})
      expect((await status('uses-secret')).status).toBe(200)
      const foreign = await status('elsewhere')
      expect(foreign.status).toBe(403)
      expect(foreign.body.message).toBe('pods "elsewhere" is forbidden: node "worker-1" can only update pod status for pods with spec.nodeName set to itself')
      const created = await call('POST', `/api/v1/namespaces/${ns}/pods`, pod('from-node', 'worker-1'), asNode('worker-1'))
      expect(created.body.message).toBe('pods "from-node" is forbidden: pod does not have "kubernetes.io/config.mirror" annotation, node "worker-1" can only create mirror pods')
      expect((await call('DELETE', `/api/v1/namespaces/${ns}/pods/elsewhere`, undefined, asNode('worker-1'))).body.message).toBe('pods "elsewhere" is forbidden: node "worker-1" can only delete pods with spec.nodeName set to itself')
      const relabel = await call('PATCH', '/api/v1/nodes/worker-2/status', {status: {phase: 'Running'}}, {headers: {...asNode('worker-1').headers, 'content-type': 'application/merge-patch+json'}})
      expect(relabel.body.message).toBe('nodes "worker-2" is forbidden: node "worker-1" is not allowed to modify node "worker-2"')
      // Leases: its own in kube-node-lease only.
      const lease = await call('GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/worker-2', undefined, asNode('worker-1'))
      expect(lease.body.message).toBe('leases.coordination.k8s.io "worker-2" is forbidden: User "system:node:worker-1" cannot get resource "leases" in API group "coordination.k8s.io" in the namespace "kube-node-lease": can only access node lease with the same name as the requesting node')
      // What the system:node rules allow: reading nodes and services.
      expect((await call('GET', '/api/v1/nodes', undefined, asNode('worker-1'))).status).toBe(200)
      expect((await call('GET', `/api/v1/namespaces/${ns}/configmaps`, undefined, asNode('worker-1'))).body.message).toBe(`configmaps is forbidden: User "system:node:worker-1" cannot list resource "configmaps" in API group "" in the namespace "${ns}": No Object name found`)
    })

    it('lets `kubectl apply --server-side` take over from client-side apply without conflicts on what it set', async () => {
      const headers = (contentType: string) => ({authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': contentType})
      const lastApplied = '{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"annotations":{},"name":"migrated","namespace":"' + ns + '"}}\n'
      // What client-side `kubectl apply` creates: the object with its last-applied annotation, as an Update.
      const created = await call('POST', `/api/v1/namespaces/${ns}/configmaps`, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'migrated', annotations: {'kubectl.kubernetes.io/last-applied-configuration': lastApplied}}, data: {a: '1', b: '2'}}, {headers: headers('application/json'), query: {fieldManager: 'kubectl-client-side-apply'}})
      expect(created.status).toBe(201)
      const path = `/api/v1/namespaces/${ns}/configmaps/migrated`
      // Someone else changes b afterwards: that one still conflicts.
      expect((await call('PATCH', path, {data: {b: 'edited'}}, {headers: headers('application/merge-patch+json'), query: {fieldManager: 'editor'}})).status).toBe(200)
      const apply = (manager: string, data: Record<string, string>) => call('PATCH', path, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'migrated'}, data}, {headers: headers('application/apply-patch+yaml'), query: {fieldManager: manager}})
      const conflicted = await apply('kubectl', {a: '10', b: '20'})
      expect(conflicted.status).toBe(409)
      expect(conflicted.body.message).toBe('Apply failed with 1 conflict: conflict with "editor" using v1: .data.b')
      // Only kubectl's own manager migrates; another tool conflicts on a as well.
      expect((await apply('tool', {a: '10'})).body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.a')
      const migrated = await apply('kubectl', {a: '10'})
      expect(migrated.status).toBe(200)
      expect(migrated.body.data).toEqual({a: '10', b: 'edited'})
      const owners = (field: string) => migrated.body.metadata.managedFields.filter((entry: Body) => entry.fieldsV1['f:data']?.[field]).map((entry: Body) => `${entry.manager}/${entry.operation}`)
      expect([owners('f:a'), owners('f:b')]).toEqual([['kubectl/Apply'], ['editor/Update']])
      // The annotation follows the server-side apply, for a client-side apply later.
      expect(migrated.body.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe('{"apiVersion":"v1","data":{"a":"10"},"kind":"ConfigMap","metadata":{"name":"migrated"}}\n')
    })
  })
}
