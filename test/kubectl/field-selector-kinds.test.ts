// A field selector on a field the kind cannot be selected by, as kube-apiserver refuses it: kinds
// with field-label conversions of their own (pods, nodes, services, secrets, events, namespaces,
// replication controllers, jobs, CSRs …) in those functions' words (`field label not supported:
// foo`; a Job's names its kind), every other kind through apimachinery's default conversion, which names the two fields
// it knows (`"foo" is not a known field selector: only "metadata.name", "metadata.namespace"`).
// The real kubectl 1.32 asks, so these are the server's words as a script sees them.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

const defaultConversion = (kind: string, group: string) =>
  `Error from server (BadRequest): Unable to find "${group}, Resource=${kind}" that match label selector "", field selector "foo=bar": "foo" is not a known field selector: only "metadata.name", "metadata.namespace"\n`
const ownConversion = (kind: string, group: string) => `Error from server (BadRequest): Unable to find "${group}, Resource=${kind}" that match label selector "", field selector "foo=bar": field label not supported: foo\n`
/** batch/v1's Job conversion names its kind (pkg/apis/batch/v1/conversion.go). */
const jobConversion = (kind: string, group: string) => `Error from server (BadRequest): Unable to find "${group}, Resource=${kind}" that match label selector "", field selector "foo=bar": field label "foo" not supported for batchv1.Job\n`

describe('field selectors by kind', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
  })
  afterAll(async () => {
    await cluster.close()
  })

  it('refuse an unknown field in the words of the kind\'s conversion', async () => {
    const cases: Array<[string, string, typeof defaultConversion]> = [
      ['configmaps', '/v1', defaultConversion],
      ['deployments', 'apps/v1', defaultConversion],
      ['serviceaccounts', '/v1', defaultConversion],
      ['clusterroles', 'rbac.authorization.k8s.io/v1', defaultConversion],
      ['pods', '/v1', ownConversion],
      ['nodes', '/v1', ownConversion],
      ['services', '/v1', ownConversion],
      ['secrets', '/v1', ownConversion],
      ['jobs', 'batch/v1', jobConversion],
    ]
    for (const [kind, group, words] of cases) {
      const result = await cluster.real(`get ${kind} -A --field-selector foo=bar`)
      expect({kind, stderr: result.stderr, status: result.status}).toEqual({kind, stderr: words(kind, group), status: 1})
    }
    expect(await cluster.real('get configmaps -A --field-selector metadata.name=kube-root-ca.crt -o name')).toMatchObject({status: 0})
  })
})
