// Admission webhooks through the API server: a mutating webhook's patch is stored, a validating
// one's refusal is answered as kube-apiserver words it, failurePolicy decides what a dead or slow
// webhook does, selectors pick the requests, and bad configurations are refused with kube's 422.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {ChangeRecord} from '../../src/core/apiserver/change-trail.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import type {LazyEmbeddedStore as Store} from '../../src/core/store/lazy-embedded-store.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'
import {configuration, WebhookServer} from './webhooks-server.js'

const validatingPath = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations'
const mutatingPath = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations'
const configMap = (name: string, labels: Record<string, string> = {}, namespace = 'default') => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace, labels}, data: {a: '1'}})

describe('admission webhooks', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
  const webhook = new WebhookServer()
  let store: Store
  let api: ApiServer
  let admin: ApiClient
  /** The writes as `kubemu trace` records them. */
  const changes: ChangeRecord[] = []

  beforeAll(async () => {
    await webhook.start()
    store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    api = new ApiServer({store, clock, changes: {record: (change) => changes.push(change)}})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    admin = new ApiClient(api, apiServerUser)
  })
  afterAll(async () => {
    await webhook.close()
    await store.close()
  })

  const post = (path: string, body: unknown, query?: Record<string, string>) => api.handle({method: 'POST', path, query, headers: {'content-type': 'application/json'}, user: apiServerUser, body: JSON.stringify(body)})
  const remove = (path: string) => api.handle({method: 'DELETE', path, headers: {}, user: apiServerUser})
  const message = (response: {body: unknown}) => (response.body as {message: string}).message

  it('stores what a mutating webhook patched in, with its warning and a complete AdmissionReview', async () => {
    const created = await post(mutatingPath, configuration('MutatingWebhookConfiguration', 'labeler', {clientConfig: {url: webhook.url('/add-label'), caBundle: webhook.caBundle}}))
    expect(created.status).toBe(201)
    const hook = (created.body as {webhooks: Array<Record<string, unknown>>}).webhooks[0]!
    // v1's defaults.
    expect(hook).toMatchObject({failurePolicy: 'Fail', matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10, reinvocationPolicy: 'Never'})
    expect((hook.rules as Array<Record<string, unknown>>)[0]!.scope).toBe('*')

    const response = await post('/api/v1/namespaces/default/configmaps', configMap('settings', {app: 'web'}))
    expect(response.status).toBe(201)
    expect(response.warnings).toEqual(['label added by the webhook'])
    const stored = await admin.request('GET', '/api/v1/namespaces/default/configmaps/settings')
    expect((stored.body as KubeObject).metadata.labels).toEqual({app: 'web', mutated: 'yes'})
    // The trace names the webhook among what changed the object (the webhooks report their patches).
    expect(changes.find((change) => change.resource === 'configmaps' && change.name === 'settings')?.mutatedBy).toEqual(['MutatingAdmissionWebhook'])

    const received = webhook.received.at(-1)!
    expect(received.query).toBe('?timeout=10s')
    const request = received.review.request
    expect(request).toMatchObject({
      kind: {group: '', version: 'v1', kind: 'ConfigMap'},
      resource: {group: '', version: 'v1', resource: 'configmaps'},
      requestKind: {group: '', version: 'v1', kind: 'ConfigMap'},
      requestResource: {group: '', version: 'v1', resource: 'configmaps'},
      name: 'settings', namespace: 'default', operation: 'CREATE', dryRun: false,
      userInfo: {username: 'system:apiserver'},
      options: {kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1'},
      oldObject: null,
    })
    expect(request.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(request.object).toMatchObject({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings'}})
    expect(message(await remove(`${mutatingPath}/labeler`))).toBeUndefined()
  })

  it('answers a validating webhook\'s refusal as kube-apiserver does, and never sends it webhook configurations', async () => {
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'deny', {clientConfig: {url: webhook.url('/deny'), caBundle: webhook.caBundle}}))).status).toBe(201)
    const before = webhook.received.length
    const refused = await post('/api/v1/namespaces/default/configmaps', configMap('bad'))
    expect(refused.status).toBe(403)
    expect(message(refused)).toBe('admission webhook "deny.example.com" denied the request: configmaps named bad are not allowed')
    expect(webhook.received.length).toBe(before + 1)
    // A second configuration is created, and a configuration is deleted, without a call.
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'silent', {clientConfig: {url: webhook.url('/deny-silently'), caBundle: webhook.caBundle}, objectSelector: {matchLabels: {silent: 'yes'}}}))).status).toBe(201)
    expect(webhook.received.length).toBe(before + 1)
    expect((await remove(`${validatingPath}/deny`)).status).toBe(200)
    const silent = await post('/api/v1/namespaces/default/configmaps', configMap('quiet', {silent: 'yes'}))
    expect(message(silent)).toBe('admission webhook "silent.example.com" denied the request without explanation')
    // objectSelector: a config map without the label is not sent.
    const count = webhook.received.length
    expect((await post('/api/v1/namespaces/default/configmaps', configMap('loud'))).status).toBe(201)
    expect(webhook.received.length).toBe(count)
    await remove(`${validatingPath}/silent`)
  })

  it('fails the request under failurePolicy Fail and lets it through under Ignore when the webhook is dead, slow or broken', async () => {
    const dead = `https://127.0.0.1:1/validate`
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'dead', {clientConfig: {url: dead}}))).status).toBe(201)
    const refused = await post('/api/v1/namespaces/default/configmaps', configMap('one'))
    expect(refused.status).toBe(500)
    expect(message(refused)).toBe(`Internal error occurred: failed calling webhook "dead.example.com": failed to call webhook: Post "${dead}?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused`)
    expect((await api.handle({method: 'PATCH', path: `${validatingPath}/dead`, headers: {'content-type': 'application/json-patch+json'}, user: apiServerUser, body: JSON.stringify([{op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore'}])})).status).toBe(200)
    expect((await post('/api/v1/namespaces/default/configmaps', configMap('one'))).status).toBe(201)
    await remove(`${validatingPath}/dead`)

    // The webhook holds the request past timeoutSeconds.
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'slow', {clientConfig: {url: webhook.url('/hold'), caBundle: webhook.caBundle}, timeoutSeconds: 1}))).status).toBe(201)
    const slow = await post('/api/v1/namespaces/default/configmaps', configMap('two'))
    expect(message(slow)).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${webhook.url('/hold')}?timeout=1s": context deadline exceeded`)
    await remove(`${validatingPath}/slow`)

    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'garbage', {clientConfig: {url: webhook.url('/garbage'), caBundle: webhook.caBundle}}))).status).toBe(201)
    expect(message(await post('/api/v1/namespaces/default/configmaps', configMap('three')))).toBe(
      `Internal error occurred: failed calling webhook "garbage.example.com": failed to call webhook: couldn't get version/kind; json parse error: invalid character 'h' looking for beginning of value`)
    await remove(`${validatingPath}/garbage`)

    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'uid', {clientConfig: {url: webhook.url('/wrong-uid'), caBundle: webhook.caBundle}}))).status).toBe(201)
    expect(message(await post('/api/v1/namespaces/default/configmaps', configMap('four')))).toMatch(
      /^Internal error occurred: failed calling webhook "uid.example.com": received invalid webhook response: expected response.uid="[0-9a-f-]{36}", got "not-the-uid"$/)
    await remove(`${validatingPath}/uid`)

    // Without the caBundle the server's certificate is not trusted.
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'untrusted', {clientConfig: {url: webhook.url('/allow')}}))).status).toBe(201)
    expect(message(await post('/api/v1/namespaces/default/configmaps', configMap('five')))).toBe(
      `Internal error occurred: failed calling webhook "untrusted.example.com": failed to call webhook: Post "${webhook.url('/allow')}?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`)
    await remove(`${validatingPath}/untrusted`)

    // A service reference: kubemu's pods serve nothing.
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'svc', {clientConfig: {service: {name: 'hooks', namespace: 'default', path: '/validate'}}}))).status).toBe(201)
    expect(message(await post('/api/v1/namespaces/default/configmaps', configMap('six')))).toBe(
      'Internal error occurred: failed calling webhook "svc.example.com": failed to call webhook: Post "https://hooks.default.svc:443/validate?timeout=10s": service "hooks" not found')
    await remove(`${validatingPath}/svc`)
  })

  it('sends only the requests of namespaces the namespaceSelector picks', async () => {
    expect((await post('/api/v1/namespaces', {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'guarded', labels: {guard: 'on'}}})).status).toBe(201)
    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'guard', {
      clientConfig: {url: webhook.url('/deny'), caBundle: webhook.caBundle}, namespaceSelector: {matchExpressions: [{key: 'guard', operator: 'In', values: ['on']}]},
    }))).status).toBe(201)
    expect((await post('/api/v1/namespaces/default/configmaps', configMap('free'))).status).toBe(201)
    expect((await post('/api/v1/namespaces/guarded/configmaps', configMap('held', {}, 'guarded'))).status).toBe(403)
    // A dry run goes to webhooks without side effects, and is refused as the real one.
    const dryRun = await post('/api/v1/namespaces/guarded/configmaps', configMap('held', {}, 'guarded'), {dryRun: 'All'})
    expect(message(dryRun)).toBe('admission webhook "guard.example.com" denied the request: configmaps named bad are not allowed')
    expect(webhook.received.at(-1)!.review.request).toMatchObject({dryRun: true, options: {dryRun: ['All']}})
    await remove(`${validatingPath}/guard`)
  })

  it('calls an IfNeeded webhook again when a later one changed the object, and sends deletes with the old object', async () => {
    // "a-first" runs first (configurations by name) and records whether the label is there yet.
    expect((await post(mutatingPath, configuration('MutatingWebhookConfiguration', 'a-first', {clientConfig: {url: webhook.url('/add-first'), caBundle: webhook.caBundle}, reinvocationPolicy: 'IfNeeded'}))).status).toBe(201)
    expect((await post(mutatingPath, configuration('MutatingWebhookConfiguration', 'b-label', {clientConfig: {url: webhook.url('/add-label'), caBundle: webhook.caBundle}}))).status).toBe(201)
    const before = webhook.received.length
    expect((await post('/api/v1/namespaces/default/configmaps', configMap('again'))).status).toBe(201)
    expect(webhook.received.slice(before).map((entry) => entry.path)).toEqual(['/add-first', '/add-label', '/add-first'])
    const stored = (await admin.request('GET', '/api/v1/namespaces/default/configmaps/again')).body as KubeObject
    expect(stored.metadata.annotations).toEqual({first: 'yes'})
    await remove(`${mutatingPath}/a-first`)
    await remove(`${mutatingPath}/b-label`)

    expect((await post(validatingPath, configuration('ValidatingWebhookConfiguration', 'deletes', {
      clientConfig: {url: webhook.url('/allow'), caBundle: webhook.caBundle},
      // A rule for another group's version still matches the same kind under Equivalent.
      rules: [{operations: ['DELETE'], apiGroups: ['extensions'], apiVersions: ['v1beta1'], resources: ['deployments']}, {operations: ['DELETE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps']}],
    }))).status).toBe(201)
    expect((await remove('/api/v1/namespaces/default/configmaps/again')).status).toBe(200)
    expect(webhook.received.at(-1)!.review.request).toMatchObject({
      operation: 'DELETE', name: 'again', object: null, oldObject: {metadata: {name: 'again'}}, options: {kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1'},
    })
    const deployment = {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web'}, spec: {selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx'}]}}}}
    expect((await post('/apis/apps/v1/namespaces/default/deployments', deployment)).status).toBe(201)
    expect((await remove('/apis/apps/v1/namespaces/default/deployments/web')).status).toBe(200)
    expect(webhook.received.at(-1)!.review.request).toMatchObject({
      kind: {group: 'extensions', version: 'v1beta1', kind: 'Deployment'},
      resource: {group: 'extensions', version: 'v1beta1', resource: 'deployments'},
      requestKind: {group: 'apps', version: 'v1', kind: 'Deployment'},
      requestResource: {group: 'apps', version: 'v1', resource: 'deployments'},
    })
    await remove(`${validatingPath}/deletes`)
  })
})
