// kubectl's generic describer, for every kind without a describer of its own (Leases, custom
// resources and their definitions, …): each field under its
// smart label, nested maps indented, list items one level in. kubemu's kubectl and the real
// kubectl 1.32 describe the same objects of one `kubemu up`.
import {describe, expect, it} from 'vitest'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const definition = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              ratio: {type: number}
              tags: {type: array, items: {type: string}}
              parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
              enabled: {type: boolean}
              matrix: {type: array, items: {type: array, items: {type: integer}}}
`

const widget = `apiVersion: example.com/v1
kind: Widget
metadata: {name: w1, labels: {a: b, c: d}, annotations: {note: hi}}
spec: {size: 3, ratio: 0.00001, tags: [x, z], parts: [{name: p1}, {name: p2}], enabled: true, matrix: [[1, 2], [3]]}
`

describe('kubectl describe with the generic describer', () => {
  const {ours, real} = kubectlsOnUp()

  it('prints Leases, custom resources and their definitions as kubectl does', async () => {
    expect((await real('apply -f -', definition)).status).toBe(0)
    expect((await real('wait --for=condition=Established crd/widgets.example.com')).status).toBe(0)
    expect((await real('apply -f -', widget)).status).toBe(0)
    const targets = ['lease worker-1 -n kube-node-lease', 'crd widgets.example.com', 'widget w1', 'wd']
    for (const target of targets) {
      const described = await real(`describe ${target}`)
      expect(described.status, described.stderr).toBe(0)
      expect(await ours(`describe ${target}`), target).toEqual(described)
    }
    // The shape itself, so that both cannot agree on something else.
    const lease = (await real('describe lease worker-1 -n kube-node-lease')).stdout
    expect(lease).toMatch(/\nMetadata:\n {2}Creation Timestamp: +\S+\n {2}Owner References:\n {4}API Version: +v1\n {4}Kind: +Node\n/)
    expect(lease).toMatch(/\nSpec:\n {2}Holder Identity: +worker-1\n {2}Lease Duration Seconds: +40\n {2}Renew Time: +\S+\nEvents: +<none>\n$/)
    expect((await real('describe widget w1')).stdout).toMatch(/\nSpec:\n {2}Enabled: +true\n {2}Matrix:\n {4}\[1 2\]\n {4}\[3\]\n {2}Parts:\n {4}Name: +p1\n {4}Name: +p2\n {2}Ratio: +1e-05\n {2}Size: +3\n {2}Tags:\n {4}x\n {4}z\n/)
  })
})
