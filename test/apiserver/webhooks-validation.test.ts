// Bad webhook configurations are refused with kube-apiserver's 422: its field paths and messages
// (pkg/apis/admissionregistration/validation and the webhook URL and service checks).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

describe('webhook configuration validation', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
  let store: LazyEmbeddedStore
  let api: ApiServer

  beforeAll(async () => {
    store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
  })
  afterAll(() => store.close())

  const create = async (kind: 'Validating' | 'Mutating', webhooks: unknown[]) => {
    const response = await api.handle({
      method: 'POST', path: `/apis/admissionregistration.k8s.io/v1/${kind.toLowerCase()}webhookconfigurations`, headers: {'content-type': 'application/json'}, user: apiServerUser,
      body: JSON.stringify({apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: {name: 'hooks'}, webhooks}),
    })
    return {status: response.status, message: (response.body as {message?: string}).message}
  }
  const good = {name: 'good.example.com', sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: {url: 'https://hooks.example.com/validate'}}

  it('names the missing and malformed fields of a webhook', async () => {
    expect(await create('Validating', [{name: 'bad', clientConfig: {url: 'http://hooks.example.com/x'}, timeoutSeconds: 31}])).toEqual({
      status: 422,
      message: 'ValidatingWebhookConfiguration.admissionregistration.k8s.io "hooks" is invalid: [' + [
        'webhooks[0].name: Invalid value: "bad": should be a domain with at least three segments separated by dots',
        'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
        'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
        'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
        'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
      ].join(', ') + ']',
    })
  })

  it('checks side effects, review versions, client config, rules and duplicate names', async () => {
    const result = await create('Mutating', [
      {...good, sideEffects: 'Some', admissionReviewVersions: ['v2'], reinvocationPolicy: 'Always', clientConfig: {url: 'https://user:pw@hooks.example.com/x#frag'}},
      {...good, clientConfig: {url: 'https://a.example.com', service: {name: 'svc', namespace: 'default', port: 70000}}},
      {...good, name: 'other.example.com', clientConfig: {service: {name: 'svc', namespace: 'default', port: 70000, path: 'x//y'}},
        rules: [{operations: ['*', 'CREATE'], apiGroups: [], apiVersions: ['v1'], resources: ['*/*', 'pods'], scope: 'Everywhere'}]},
    ])
    expect(result.status).toBe(422)
    expect(result.message).toBe('MutatingWebhookConfiguration.admissionregistration.k8s.io "hooks" is invalid: [' + [
      'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
      'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"',
      'webhooks[0].clientConfig.url: Invalid value: "user:pw": user information is not permitted in the URL',
      'webhooks[0].clientConfig.url: Invalid value: "frag": fragments are not permitted in the URL',
      'webhooks[0].admissionReviewVersions: Invalid value: []string{"v2"}: must include at least one of v1, v1beta1',
      'webhooks[1].clientConfig: Required value: exactly one of url or service is required',
      'webhooks[1].name: Duplicate value: "good.example.com"',
      'webhooks[2].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "CREATE"}: if \'*\' is present, must not specify other operations',
      'webhooks[2].rules[0].apiGroups: Required value',
      'webhooks[2].rules[0].resources: Invalid value: []string{"*/*", "pods"}: if \'*/*\' is present, must not specify other resources',
      'webhooks[2].rules[0].scope: Unsupported value: "Everywhere": supported values: "*", "Cluster", "Namespaced"',
      'webhooks[2].clientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
      'webhooks[2].clientConfig.service.path: Invalid value: "x//y": must start with a \'/\'',
      // kube drops the first character whatever it is, so "x//y" has two empty segments.
      'webhooks[2].clientConfig.service.path: Invalid value: "x//y": segment[0] may not be empty',
      'webhooks[2].clientConfig.service.path: Invalid value: "x//y": segment[1] may not be empty',
    ].join(', ') + ']')
  })

  it('accepts a valid configuration and lists it with its webhook count', async () => {
    expect((await create('Validating', [good, {...good, name: 'second.example.com'}])).status).toBe(201)
    const table = await api.handle({method: 'GET', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', headers: {accept: 'application/json;as=Table;v=v1;g=meta.k8s.io'}, user: apiServerUser})
    const body = table.body as {columnDefinitions: Array<{name: string}>; rows: Array<{cells: unknown[]}>}
    expect(body.columnDefinitions.map((column) => column.name)).toEqual(['Name', 'Webhooks', 'Age'])
    expect(body.rows[0]!.cells.slice(0, 2)).toEqual(['hooks', 2])
  })
})
