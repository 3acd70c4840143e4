// The control plane's client (client-go's role) meets an error answer that is no Status (an
// aggregated API's plain-text `service unavailable`) as client-go does: the reason and message
// client-go's NewGenericServerResponse makes, naming the request's verb and resource, which the
// controllers then write in their events and conditions.
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient, ApiClientError, type ResourceRef} from '../../src/core/client/client.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {temporaryFolder} from '../support/temp.js'

const foos: ResourceRef = {group: 'example.com', version: 'v1beta1', resource: 'foos', namespaced: true}

describe('a plain-text error answer through the control plane client', () => {
  let store: LazyEmbeddedStore
  let client: ApiClient

  beforeEach(async () => {
    store = new LazyEmbeddedStore(temporaryFolder())
    const api = new ApiServer({store})
    await ensureBootstrapped(api, Date.now())
    client = new ApiClient(api, apiServerUser)
    // An APIService whose Service nobody serves: kube-aggregator answers its group version 503 in plain text.
    await client.create({group: 'apiregistration.k8s.io', version: 'v1', resource: 'apiservices', namespaced: false}, {apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: {name: 'v1beta1.example.com'}, spec: {group: 'example.com', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, service: {namespace: 'default', name: 'example-api'}}} as unknown as KubeObject)
  })
  afterEach(async () => {
    await store.close()
  })

  const failure = async (work: () => Promise<unknown>) => {
    const error = await work().then(() => null, (thrown: unknown) => thrown)
    expect(error).toBeInstanceOf(ApiClientError)
    const {code, reason, message} = error as ApiClientError
    return {code, reason, message}
  }

  it("words a 503 in client-go's text with the verb and the resource it named", async () => {
    expect(await failure(() => client.list(foos, 'default'))).toEqual({code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request (get foos.example.com)'})
    expect(await failure(() => client.get(foos, 'default', 'x'))).toEqual({code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request (get foos.example.com x)'})
    expect(await failure(() => client.create(foos, {apiVersion: 'example.com/v1beta1', kind: 'Foo', metadata: {name: 'y', namespace: 'default'}} as unknown as KubeObject))).toEqual({code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request (post foos.example.com)'})
    // Discovery of the group version names no resource.
    expect(await failure(() => client.request('GET', '/apis/example.com/v1beta1'))).toEqual({code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request'})
  })

  it('keeps the Status of an answer that has one', async () => {
    expect(await failure(() => client.get({group: '', version: 'v1', resource: 'configmaps', namespaced: true}, 'default', 'none'))).toEqual({code: 404, reason: 'NotFound', message: 'configmaps "none" not found'})
  })
})
