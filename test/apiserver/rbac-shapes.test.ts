// A Role or RoleBinding written past the API server (straight into the store) whose rules or
// subjects are not RBAC's shapes grants nothing: the authorizer names the bad item in its errors
// (SelfSubjectRulesReview's evaluationError) instead of reading it as something it is not.
import {describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {HttpMethod, UserInfo} from '../../src/core/api/wire.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const jane: UserInfo = {name: 'jane', groups: ['system:authenticated']}
const admin: UserInfo = {name: 'admin', groups: ['system:masters', 'system:authenticated']}
const rbacGroup = 'rbac.authorization.k8s.io'

function call(api: ApiServer, user: UserInfo, method: HttpMethod, path: string, body?: unknown) {
  return api.handle({method, path, user, headers: {'content-type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)})
}

const rulesReview = {apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: {namespace: 'default'}}
const role = (rules: unknown) => ({apiVersion: `${rbacGroup}/v1`, kind: 'Role', metadata: {name: 'reader', namespace: 'default', uid: 'r1'}, rules})
const binding = (subjects: unknown) => ({
  apiVersion: `${rbacGroup}/v1`,
  kind: 'RoleBinding',
  metadata: {name: 'jane-reader', namespace: 'default', uid: 'b1'},
  roleRef: {apiGroup: rbacGroup, kind: 'Role', name: 'reader'},
  subjects,
})

describe('RBAC objects of the wrong shape', () => {
  it('grant nothing and are named in the rules review\'s evaluationError', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(folder, {clock})
    const api = new ApiServer({store, clock})
    await ensureBootstrapped(api, clock.nowMilliseconds())
    const put = (key: string, object: unknown) => store.create(key, new TextEncoder().encode(JSON.stringify(object)))
    const review = async () => (await call(api, jane, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', rulesReview)).body as {status: {evaluationError?: string; resourceRules: unknown[]}}

    await put('/registry/roles/default/reader', role([{verbs: 'list', apiGroups: [''], resources: ['pods']}]))
    await put('/registry/rolebindings/default/jane-reader', binding([{kind: 'User', name: 'jane'}]))
    expect((await call(api, jane, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(403)
    expect((await review()).status.evaluationError).toContain('Role "reader": rules[0] is not a PolicyRule')

    expect((await call(api, admin, 'PUT', `/apis/${rbacGroup}/v1/namespaces/default/roles/reader`, role([{verbs: ['list'], apiGroups: [''], resources: ['pods']}]))).status).toBe(200)
    expect((await call(api, jane, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(200)

    await store.delete('/registry/rolebindings/default/jane-reader')
    await put('/registry/rolebindings/default/jane-reader', binding([{kind: 'User', name: 'jane'}, {kind: 'User', name: 7}]))
    expect((await call(api, jane, 'GET', '/api/v1/namespaces/default/pods')).status).toBe(403)
    expect((await review()).status.evaluationError).toContain('RoleBinding "jane-reader": subjects[1] is not a Subject')
    await store.close()
  })
})
