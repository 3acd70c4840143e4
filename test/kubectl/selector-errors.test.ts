// A label or field selector the API server refuses: kube-apiserver's 400 in its parser's words
// (`unable to parse requirement: …`, sent as a raw query), and kubectl's resource builder naming
// the list it could not make, for every verb that lists, beside the real kubectl 1.32.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

describe('selectors the API server refuses', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('get --raw with a bad labelSelector gets kube-apiserver\'s 400 text', async () => {
    const line = "get --raw '/api/v1/namespaces/default/pods?labelSelector=a+in+(b'"
    const expected = {stdout: '', stderr: "Error from server (BadRequest): unable to parse requirement: found '', expected: ',' or ')'\n", status: 1}
    expect(await cluster.real(line)).toEqual(expected)
    expect(await cluster.ours(line)).toEqual(expected)
  })

  for (const line of [
    "get --raw '/api/v1/pods?labelSelector=!'",
    "get --raw '/apis/apps/v1/deployments?labelSelector=a%3Db%3Dc'",
    "get pods -l 'a in (b'",
    "get pods,deploy -l 'a in (b' -o name",
    'get deploy --field-selector=foo=bar',
    "get pods --field-selector='a'",
    "describe pods -l 'a in (b'",
    "delete pods -l 'a in (b'",
    "label pods -l 'a in (b' x=y",
    "wait pods -l 'a in (b' --for=delete --timeout=1s",
  ]) {
    it(line, async () => {
      const answered = await cluster.real(line)
      const real = {...answered, stderr: answered.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n')}
      expect(real.status).toBe(1)
      expect({line, ...(await cluster.ours(line))}).toEqual({line, ...real})
    })
  }
})
