// Webhooks' matchConditions (CEL) pick the requests a webhook is called for, and fail or skip the
// request by failurePolicy when they cannot be evaluated; mutating webhooks see status updates
// their rules name; what a webhook patches in is defaulted and validated as the request was.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {HttpMethod} from '../../src/core/api/wire.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'
import {configuration, standardAnswers, WebhookServer} from './webhooks-server.js'

const validatingPath = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations'
const mutatingPath = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations'
const configMap = (name: string, data: Record<string, string> = {a: '1'}) => ({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name, namespace: 'default'}, data})
const pod = (name: string) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'default'}, spec: {containers: [{name: 'app', image: 'nginx:1.27'}]}})
const patchAnswer = (patch: unknown[]) => (review: {request: Record<string, any>}) => ({
  apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
  response: {uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64')},
})

describe('webhook matchConditions, status subresources and patched objects', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
  const webhook = new WebhookServer()
  let store: LazyEmbeddedStore
  let api: ApiServer

  beforeAll(async () => {
    standardAnswers['/note-status'] = patchAnswer([{op: 'add', path: '/status/message', value: 'noted by the webhook'}, {op: 'add', path: '/spec/activeDeadlineSeconds', value: 5}])
    standardAnswers['/add-sidecar'] = patchAnswer([{op: 'add', path: '/spec/containers/-', value: {name: 'sidecar', image: 'busybox'}}])
    standardAnswers['/add-bad-sidecar'] = patchAnswer([{op: 'add', path: '/spec/containers/-', value: {name: 'Bad_Name', image: 'busybox'}}])
    await webhook.start()
    store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
  })
  afterAll(async () => {
    await webhook.close()
    await store.close()
  })

  const send = (method: HttpMethod, path: string, body?: unknown) =>
    api.handle({method, path, headers: {'content-type': 'application/json'}, user: apiServerUser, ...(body === undefined ? {} : {body: JSON.stringify(body)})})
  const message = (response: {body: unknown}) => (response.body as {message: string}).message
  const calls = (path: string) => webhook.received.filter((entry) => entry.path === path).length

  it('calls a webhook only for the requests its matchConditions accept', async () => {
    const hook = {clientConfig: {url: webhook.url('/deny'), caBundle: webhook.caBundle}, matchConditions: [
      {name: 'checked-only', expression: "object.metadata.name.startsWith('checked-')"},
      {name: 'not-a-node', expression: "!request.userInfo.username.startsWith('system:node:')"},
    ]}
    expect((await send('POST', validatingPath, configuration('ValidatingWebhookConfiguration', 'conditional', hook))).status).toBe(201)
    const before = calls('/deny')
    expect((await send('POST', '/api/v1/namespaces/default/configmaps', configMap('free'))).status).toBe(201)
    expect(calls('/deny')).toBe(before)
    const refused = await send('POST', '/api/v1/namespaces/default/configmaps', configMap('checked-one'))
    expect(refused.status).toBe(403)
    expect(message(refused)).toBe('admission webhook "conditional.example.com" denied the request: configmaps named bad are not allowed')
    expect(calls('/deny')).toBe(before + 1)
    await send('DELETE', `${validatingPath}/conditional`)
  })

  it('fails the request when a condition cannot be evaluated under Fail, and skips the webhook under Ignore', async () => {
    const condition = {name: 'broken', expression: "object.data.missing == 'x'"}
    const strict = configuration('ValidatingWebhookConfiguration', 'strict', {clientConfig: {url: webhook.url('/allow'), caBundle: webhook.caBundle}, matchConditions: [condition]})
    expect((await send('POST', validatingPath, strict)).status).toBe(201)
    const refused = await send('POST', '/api/v1/namespaces/default/configmaps', configMap('strict-one'))
    expect(refused.status).toBe(403)
    expect(message(refused)).toBe("configmaps \"strict-one\" is forbidden: expression 'object.data.missing == 'x'' resulted in error: no such key: missing")
    await send('DELETE', `${validatingPath}/strict`)
    const lenient = configuration('ValidatingWebhookConfiguration', 'lenient', {clientConfig: {url: webhook.url('/deny'), caBundle: webhook.caBundle}, failurePolicy: 'Ignore', matchConditions: [condition]})
    expect((await send('POST', validatingPath, lenient)).status).toBe(201)
    expect((await send('POST', '/api/v1/namespaces/default/configmaps', configMap('lenient-one'))).status).toBe(201)
    await send('DELETE', `${validatingPath}/lenient`)
  })

  it('refuses matchConditions that do not compile or repeat a name', async () => {
    const hook = {clientConfig: {url: webhook.url('/allow')}, matchConditions: [{name: 'a', expression: 'object.metadata.name =='}, {name: 'a', expression: 'params.x'}]}
    const refused = await send('POST', validatingPath, configuration('ValidatingWebhookConfiguration', 'bad-conditions', hook))
    expect(refused.status).toBe(422)
    const text = message(refused)
    expect(text).toContain('webhooks[0].matchConditions[0].expression: Invalid value: "object.metadata.name ==": compilation failed: ERROR: <input>:1:')
    expect(text).toContain("webhooks[0].matchConditions[1].expression: Invalid value: \"params.x\": compilation failed: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')")
    expect(text).toContain('webhooks[0].matchConditions[1].name: Duplicate value: "a"')
  })

  it('calls a mutating webhook for pods/status, keeping only what it changed in status', async () => {
    const rules = [{operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/status']}]
    expect((await send('POST', mutatingPath, configuration('MutatingWebhookConfiguration', 'status-noter', {clientConfig: {url: webhook.url('/note-status'), caBundle: webhook.caBundle}, rules}))).status).toBe(201)
    expect((await send('POST', '/api/v1/namespaces/default/pods', pod('watched'))).status).toBe(201)
    expect(calls('/note-status')).toBe(0)
    const current = (await send('GET', '/api/v1/namespaces/default/pods/watched')).body as KubeObject
    const updated = await send('PUT', '/api/v1/namespaces/default/pods/watched/status', {...current, status: {...(current.status as object), phase: 'Pending', reason: 'Waiting'}})
    expect(updated.status).toBe(200)
    expect(calls('/note-status')).toBe(1)
    const request = webhook.received.at(-1)!.review.request
    expect(request).toMatchObject({subResource: 'status', requestSubResource: 'status', operation: 'UPDATE', resource: {group: '', version: 'v1', resource: 'pods'}})
    const stored = (await send('GET', '/api/v1/namespaces/default/pods/watched')).body as {spec: Record<string, unknown>; status: Record<string, unknown>}
    expect(stored.status).toMatchObject({reason: 'Waiting', message: 'noted by the webhook'})
    // The status subresource keeps the stored spec: the webhook's spec change is dropped.
    expect(stored.spec.activeDeadlineSeconds).toBeUndefined()
    await send('DELETE', `${mutatingPath}/status-noter`)
  })

  it('defaults and validates what a mutating webhook patched in', async () => {
    const rules = [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods']}]
    expect((await send('POST', mutatingPath, configuration('MutatingWebhookConfiguration', 'sidecar', {clientConfig: {url: webhook.url('/add-sidecar'), caBundle: webhook.caBundle}, rules}))).status).toBe(201)
    const created = await send('POST', '/api/v1/namespaces/default/pods', pod('with-sidecar'))
    expect(created.status).toBe(201)
    const sidecar = ((created.body as {spec: {containers: Array<Record<string, unknown>>}}).spec.containers)[1]
    expect(sidecar).toMatchObject({name: 'sidecar', image: 'busybox', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File'})
    await send('DELETE', `${mutatingPath}/sidecar`)

    expect((await send('POST', mutatingPath, configuration('MutatingWebhookConfiguration', 'bad-sidecar', {clientConfig: {url: webhook.url('/add-bad-sidecar'), caBundle: webhook.caBundle}, rules}))).status).toBe(201)
    const refused = await send('POST', '/api/v1/namespaces/default/pods', pod('with-bad-sidecar'))
    expect(refused.status).toBe(422)
    expect(message(refused)).toContain('Pod "with-bad-sidecar" is invalid: spec.containers[1].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of')
    await send('DELETE', `${mutatingPath}/bad-sidecar`)
  })
})
