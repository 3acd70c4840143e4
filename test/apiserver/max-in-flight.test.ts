// kube-apiserver's max-in-flight limit: beyond its limit a request through the front door is
// refused at once with 429, Retry-After: 1 and Go's http.Error text, never queued; system:masters
// and long-running requests are not refused, and reads and writes have their own budgets.
import {describe, expect, it} from 'vitest'
import {ApiServer, defaultAdmissionPlugins} from '../../src/core/apiserver/apiserver.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {InFlightLimiter, TooManyRequestsError} from '../../src/core/apiserver/max-in-flight.js'
import {requestInfo} from '../../src/core/apiserver/request.js'
import {startHttpApi} from '../../src/core/server/http-api.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const jane = {name: 'jane', groups: ['system:authenticated']}
const master = {name: 'admin', groups: ['system:masters', 'system:authenticated']}

describe('max-in-flight', () => {
  it('counts reads and writes apart, never refuses system:masters, and does not count long-running requests', () => {
    const limiter = new InFlightLimiter({requestsInFlightMax: 1, mutatingRequestsInFlightMax: 1})
    const info = (method: 'GET' | 'POST', path: string, query: Record<string, string> = {}) => requestInfo({method, path, query})
    const read = limiter.admit(info('GET', '/api/v1/namespaces/default/configmaps'), jane)
    expect(() => limiter.admit(info('GET', '/api/v1/namespaces/default/configmaps/a'), jane)).toThrow(TooManyRequestsError)
    expect(limiter.admit(info('GET', '/api/v1/namespaces/default/configmaps/a'), master)).toBeNull()
    // Watches and logs are long-running: never counted.
    expect(limiter.admit(info('GET', '/api/v1/namespaces/default/configmaps', {watch: 'true'}), jane)).toBeNull()
    expect(limiter.admit(info('GET', '/api/v1/namespaces/default/pods/web/log'), jane)).toBeNull()
    const write = limiter.admit(info('POST', '/api/v1/namespaces/default/configmaps'), jane)
    expect(limiter.inFlight()).toEqual({readOnly: 1, mutating: 1})
    read!()
    read!()
    expect(limiter.inFlight()).toEqual({readOnly: 0, mutating: 1})
    expect(limiter.admit(info('GET', '/api/v1/namespaces/default/configmaps/a'), jane)).not.toBeNull()
    write!()
    expect(limiter.inFlight().mutating).toBe(0)
  })

  it('answers a write beyond the limit with 429, Retry-After and kube-apiserver text through HTTP, and serves it again once a slot frees', {timeout: 30_000}, async () => {
    const clock = new ManualClock()
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let holding: () => void = () => {}
    const holdingStarted = new Promise<void>((resolve) => (holding = resolve))
    // A slow admission step holds one write in flight.
    const api = new ApiServer({
      store: new LazyEmbeddedStore(temporaryFolder(), {clock}),
      clock,
      inFlightLimits: {requestsInFlightMax: 400, mutatingRequestsInFlightMax: 1},
      admission: (reader) => [
        {name: 'Hold', validate: async (_attributes, object) => {
          if (object?.metadata.name !== 'held') return
          holding()
          await held
        }},
        ...defaultAdmissionPlugins(reader),
      ],
    })
    await ensureBootstrapped(api, clock.nowMilliseconds())
    const http = await startHttpApi(api)
    const admin = {authorization: `Bearer ${api.credentials.adminToken()}`, 'content-type': 'application/json'}
    const asJane = {...admin, 'impersonate-user': 'jane'}
    const configMap = (name: string) => JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name}})
    const post = (headers: Record<string, string>, name: string) => fetch(`${http.url}/api/v1/namespaces/default/configmaps`, {method: 'POST', headers, body: configMap(name)})
    try {
      const binding = {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: {name: 'jane-edit'}, roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit'}, subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane'}]}
      expect((await fetch(`${http.url}/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings`, {method: 'POST', headers: admin, body: JSON.stringify(binding)})).status).toBe(201)
      const first = post(asJane, 'held')
      await holdingStarted
      const refused = await post(asJane, 'second')
      expect(refused.status).toBe(429)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(refused.headers.get('content-type')).toBe('text/plain; charset=utf-8')
      expect(await refused.text()).toBe('Too many requests, please try again later.\n')
      // Reads have their own budget; a system:master always gets an answer.
      expect((await fetch(`${http.url}/api/v1/namespaces/default/configmaps`, {headers: admin})).status).toBe(200)
      expect((await post(admin, 'by-admin')).status).toBe(201)
      release()
      expect((await first).status).toBe(201)
      expect((await post(asJane, 'third')).status).toBe(201)
      expect(api.inFlight.inFlight()).toEqual({readOnly: 0, mutating: 0})
    } finally {
      release()
      await http.close()
    }
  })
})
