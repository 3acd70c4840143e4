// `get --raw` of a watch URI through `kubemu up` (kubemu's kubectl over HTTP, as the real one):
// a named object's path with watch=true answers the object (kube-apiserver makes it a get), and
// a collection's watch is asked by any value but 0 or false (watch=1, watch=True). Beside the
// real kubectl 1.32 on the same up.
import {describe, expect, it} from 'vitest'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

describe('kubectl get --raw of watch URIs through up', () => {
  const {ours, real} = kubectlsOnUp()

  it('prints what the real kubectl prints', async () => {
    expect((await ours('create configmap c1 --from-literal=a=1')).status).toBe(0)
    for (const uri of [
      '/api/v1/namespaces/default/configmaps/c1?watch=true',
      '/api/v1/namespaces/default/configmaps/nope?watch=true',
      '/api/v1/namespaces/default?watch=true',
      '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&labelSelector=!nothing',
      '/api/v1/namespaces/default/configmaps?watch=True&timeoutSeconds=1&fieldSelector=metadata.name=c1',
    ]) {
      const expected = await real(`get --raw '${uri}'`)
      expect(await ours(`get --raw '${uri}'`), uri).toEqual(expected)
    }
    // Not two empty answers: the named path printed the object, the watches their events.
    expect(JSON.parse((await real(`get --raw '/api/v1/namespaces/default/configmaps/c1?watch=true'`)).stdout)).toMatchObject({kind: 'ConfigMap', data: {a: '1'}})
    expect((await real(`get --raw '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1&fieldSelector=metadata.name=c1'`)).stdout).toMatch(/^\{"type":"ADDED","object":\{"kind":"ConfigMap"/)
  })
})
