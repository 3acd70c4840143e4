// kubectl explain --output=plaintext-openapiv2: kubectl 1.32's older printer over the server's
// /openapi/v2 (KIND/VERSION, RESOURCE or FIELD, descriptions wrapped by paragraph at 80 columns,
// FIELDS with -required-, --recursive as the field tree), side by side with the real kubectl; the
// resource may be named with its group (deployments.apps.spec), in either printer.
import {afterAll, beforeAll, describe, it} from 'vitest'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

describe('explain with the OpenAPI v2 printer', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
  })
  afterAll(async () => {
    await cluster.close()
  })

  it('prints what the real kubectl prints', async () => {
    const targets = [
      'pods',
      'pods.spec.nodeName',
      'pods.metadata.labels',
      'pods.metadata.labels.x',
      'pods.spec.containers.ports',
      'pods.spec.containers.resources.limits',
      'services.spec.ports.targetPort',
      'pods.metadata.creationTimestamp',
      'deployments.spec.template',
      'customresourcedefinitions',
      'pods.spec.nodeName.x',
      'pods.spec.nosuch',
      'statefulsets',
      'customresourcedefinitions.apiextensions.k8s.io',
      'deployments.apps.spec.replicas',
      'deployments.v1.apps',
      'deploy.apps.spec',
    ]
    for (const target of targets) {
      await expectSameAsReal(cluster, `explain ${target} --output=plaintext-openapiv2`)
      // A resource named with its group is a prefix of the path in either printer.
      if (target.includes('apps') || target.includes('k8s.io')) await expectSameAsReal(cluster, `explain ${target}`)
    }
    for (const target of ['pods', 'services.spec', 'jobs.spec']) await expectSameAsReal(cluster, `explain ${target} --recursive --output=plaintext-openapiv2`)
    // With --api-version the first dot ends the resource: no group prefix.
    for (const output of ['', ' --output=plaintext-openapiv2']) await expectSameAsReal(cluster, `explain deployments.apps --api-version=apps/v1${output}`)
  })
})
