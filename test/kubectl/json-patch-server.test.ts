// A JSON patch sent to the API server, by the real kubectl 1.32 and by kubemu's, each on its own
// copy of the object: kube-apiserver's answers for a patch it cannot use (a body that is not a
// list of operations is a 400 "error decoding patch", past 10000 operations a 413, an operation
// that fails a 422 with the library's words as its cause, a patch that makes the library panic
// the 500 client-go makes of the server's text answer), and the changes a patch makes under
// evanphx/json-patch v4's rules.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

describe.runIf(existsSync(realKubectl))('JSON patches the API server refuses, as the real kubectl shows them', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const namespace of ['r', 'o']) {
      expect((await cluster.real(`create namespace ${namespace}`)).status).toBe(0)
      expect((await cluster.real(`create configmap c -n ${namespace} --from-literal=a=1 --from-literal=b=2`)).status).toBe(0)
    }
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** The patch by the real kubectl in namespace r and by kubemu's in o. */
  const patch = (operations: string, output = '') => expectSameAsReal(cluster, `patch configmap c --type=json -p '${operations}'${output}`, ['-n r', '-n o'])

  it('applies v4\'s rules on the server', async () => {
    const data = " -o jsonpath='{.data}'"
    expect((await patch('[{"op":"replace","path":"/data/c","value":"3"}]', data)).stdout).toBe('{"a":"1","b":"2","c":"3"}')
    expect((await patch('[{"op":"copy","from":"/data/none","path":"/data/d"},{"op":"test","path":"/data/d","value":null},{"op":"remove","path":"/data/d"}]', data)).stdout).toBe('{"a":"1","b":"2","c":"3"}')
    await patch('[{"op":"move","from":"/data/c","path":"/data/e"},{"op":"test","path":"/data/none","value":null}]', data)
    expect((await patch('[{"op":"add","path":"/metadata/labels","value":{"x":"y"}},{"op":"add","path":"/metadata/labels/z~1w","value":"1"}]', " -o jsonpath='{.metadata.labels}'")).stdout).toBe('{"x":"y","z/w":"1"}')
  })

  it('answers a failing operation with 422 and the library\'s words', async () => {
    expect((await patch('[{"op":"remove","path":"/data/zz"}]')).stderr).toBe("The request is invalid: : error in remove for path: '/data/zz': Unable to remove nonexistent key: zz: missing value\n")
    await patch('[{"op":"test","path":"/data/a","value":"2"}]')
    await patch('[{"op":"replace","path":"/nope/x","value":1}]')
    await patch('[{"op":"add","path":"/data/x"},{"op":"frob","path":"/data/a"}]')
    await patch('[{"op":"add","path":"/metadata/finalizers/5","value":"x"}]')
    await patch('[{"path":"/data/a"}]')
  })

  it('decodes the patched document as the kind: a kind and apiVersion it lost come back, a field of the wrong type is a 422 naming the patch', async () => {
    const data = " -o jsonpath='{.kind} {.apiVersion} {.data.a}'"
    expect((await patch('[{"op":"remove","path":"/kind"},{"op":"remove","path":"/apiVersion"},{"op":"replace","path":"/data/a","value":"5"}]', data)).stdout).toBe('ConfigMap v1 5')
    // A failing patch changes nothing, so both kubectls may send it for the same object.
    const refused = await expectSameAsReal(cluster, `patch configmap c -n r --type=json -p '[{"op":"replace","path":"/data","value":5}]'`)
    expect(refused.stderr).toMatch(/^The request is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"v1\\",\\"data\\":5,.*": json: cannot unmarshal number into Go struct field ConfigMap.data of type map\[string\]string\n$/)
  })

  it('warns of fields an operation or the patched object should not have', async () => {
    const warned = await patch('[{"op":"add","path":"/data/w","value":"1","extra":true,"Op":"x"},{"op":"add","path":"/spec","value":{}}]')
    // kubectl sends the patch as Go marshals it, keys sorted.
    expect(warned.stderr).toBe('Warning: json patch unknown field "Op"\nWarning: json patch unknown field "extra"\nWarning: unknown field "spec"\n')
  })

  it('follows ?fieldValidation: Strict refuses an operation\'s unknown field with a 422, Ignore leaves the operations to the library', async () => {
    const send = async (validation: string, operations: unknown) => {
      const response = await cluster.api.handle({method: 'PATCH', path: '/api/v1/namespaces/r/configmaps/c', query: {fieldValidation: validation}, user: apiServerUser, headers: {'content-type': 'application/json-patch+json'}, body: JSON.stringify(operations)})
      const body = response.body as {code?: number; message?: string}
      return `${response.status} ${body.message ?? ''}`
    }
    expect(await send('Strict', [{op: 'add', path: '/data/q', value: '1', extra: 1}])).toMatch(/^422 {2}"" is invalid: patch: Invalid value: ".*": strict decoding error: json patch unknown field "extra"$/)
    expect(await send('Strict', [{op: 'add', path: 5, value: '1'}])).toBe('400 error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string')
    expect(await send('Ignore', [{op: 'add', path: 5, value: '1'}])).toBe('422 the server rejected our request due to an error in our request')
    expect(await send('Ignore', {op: 'add'})).toBe('400 json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  })

  it('answers a patch that is not a list of operations with 400', async () => {
    await patch('[5]')
    await patch('[{"op":"add","path":5,"value":1}]')
    await patch('[{"op":"move","from":true,"path":"/data/q"}]')
    await patch('{"op":"add","path":"/data/q","value":1}')
    await patch('[{"op":"add","path":"/data/q","value":1}')
    expect((await patch('{bad')).stderr).toBe("Error from server (BadRequest): error decoding patch: invalid character 'b' looking for beginning of object key string\n")
  })

  it('answers past 10000 operations with 413, and a panic with 500', async () => {
    const file = join(cluster.folder, 'many.json')
    writeFileSync(file, JSON.stringify(Array.from({length: 10_001}, () => ({op: 'test', path: '/data/a', value: '1'}))))
    expect((await expectSameAsReal(cluster, `patch configmap c --type=json --patch-file=${file}`, ['-n r', '-n o'])).stderr).toBe('Error from server (RequestEntityTooLarge): Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001\n')
    expect((await patch('[{"op":"test","path":"/data/zz"}]')).stderr).toBe('Error from server (InternalError): an error on the server ("This request caused apiserver to panic. Look in the logs for details.") has prevented the request from succeeding (patch configmaps c)\n')
  })
})
