// The authorizer's RBAC cache never answers with a stale decision: writes through any API server
// on the same store object, and writes of another process (another store on the same folder),
// take effect on the very next request.
import {describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {HttpMethod, UserInfo} from '../../src/core/api/wire.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

const jane: UserInfo = {name: 'jane', groups: ['system:authenticated']}
const admin: UserInfo = {name: 'admin', groups: ['system:masters', 'system:authenticated']}

function call(api: ApiServer, user: UserInfo, method: HttpMethod, path: string, body?: unknown) {
  return api.handle({method, path, user, headers: {'content-type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body)})
}

const binding = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'RoleBinding',
  metadata: {name: 'jane-view', namespace: 'default'},
  roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view'},
  subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane'}],
}

describe('RBAC cache', () => {
  it('sees bindings written through another API server on the same store, and of another process', async () => {
    const folder = temporaryFolder()
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 12, 0, 0))
    const store = new LazyEmbeddedStore(folder, {clock})
    const first = new ApiServer({store, clock})
    const second = new ApiServer({store, clock})
    await ensureBootstrapped(first, clock.nowMilliseconds())
    const listPods = () => call(first, jane, 'GET', '/api/v1/namespaces/default/pods')

    expect((await listPods()).status).toBe(403)
    expect((await listPods()).status).toBe(403)
    expect((await call(second, admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding)).status).toBe(201)
    expect((await listPods()).status).toBe(200)
    expect((await call(second, admin, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/jane-view')).status).toBe(200)
    expect((await listPods()).status).toBe(403)

    // Another process: this store gives the writer lock back, the other one writes the binding.
    await store.releaseWriter()
    const other = new LazyEmbeddedStore(folder, {clock})
    expect((await call(new ApiServer({store: other, clock}), admin, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', binding)).status).toBe(201)
    await other.close()
    expect((await listPods()).status).toBe(200)
    // ...and deletes it again while this one holds the lock no more.
    await store.releaseWriter()
    const third = new LazyEmbeddedStore(folder, {clock})
    expect((await call(new ApiServer({store: third, clock}), admin, 'DELETE', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/jane-view')).status).toBe(200)
    await third.close()
    expect((await listPods()).status).toBe(403)
    await store.close()
  })
})
