// label, annotate, patch and scale take their objects from -f as the real kubectl 1.32 does, and
// label, annotate and patch change a file's object in place with --local (no request). They
// ignored -f and --local and printed nothing, with exit status 0.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

describe.runIf(existsSync(realKubectl))('label, annotate, patch and scale with -f and --local, as the real kubectl', () => {
  let cluster: ReferenceCluster
  const file = (name: string) => join(cluster.folder, name)

  beforeAll(async () => {
    cluster = await referenceCluster()
    writeFileSync(file('cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: "1"}\n')
    writeFileSync(file('deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: c, image: nginx}]}\n')
    for (const namespace of ['r', 'o']) {
      expect((await cluster.real(`create namespace ${namespace}`)).status).toBe(0)
      expect((await cluster.real(`apply -n ${namespace} -f ${file('cm.yaml')} -f ${file('deploy.yaml')}`)).status).toBe(0)
    }
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** The same line in namespace r with the real kubectl and in o with kubemu's. */
  const sameAsReal = (line: string) => expectSameAsReal(cluster, line.replaceAll('DIR', cluster.folder), ['-n r', '-n o'])

  it('change the objects a file names on the server', async () => {
    expect((await sameAsReal('label -f DIR/cm.yaml x=y')).stdout).toBe('configmap/c labeled\n')
    await sameAsReal('annotate -f DIR/cm.yaml q=r')
    await sameAsReal(`patch -f DIR/cm.yaml -p '{"data":{"b":"2"}}'`)
    await sameAsReal('scale -f DIR/deploy.yaml --replicas=2')
    const changed = await sameAsReal("get -f DIR/cm.yaml -f DIR/deploy.yaml -o jsonpath='{.items[0].metadata.labels} {.items[0].metadata.annotations.q} {.items[0].data} {.items[1].spec.replicas}'")
    expect(changed.stdout).toBe('{"x":"y"} r {"a":"1","b":"2"} 2')
    await sameAsReal('patch -f DIR/cm.yaml configmap/c -p {}')
  })

  it('change a file\'s object locally with --local, and say when --local has no file', async () => {
    expect((await sameAsReal('label -f DIR/cm.yaml --local z=w -o yaml')).stdout).toContain('  labels:\n    z: w\n')
    await sameAsReal('label -f DIR/cm.yaml --local z=w --dry-run=client')
    await sameAsReal('annotate -f DIR/cm.yaml --local x=y -o name')
    expect((await sameAsReal(`patch -f DIR/cm.yaml --local -p '{"data":{"b":"3"}}' -o json`)).stdout).toContain('"b": "3"')
    expect((await sameAsReal('patch -f DIR/cm.yaml --local -p {}')).stdout).toBe('configmap/c patched (no change)\n')
    expect((await sameAsReal('label configmap c --local x=y')).status).toBe(1)
    // Nothing was sent: the server's objects are as the first test left them.
    expect((await sameAsReal("get configmap c -o jsonpath='{.metadata.labels} {.data.b}'")).stdout).toBe('{"x":"y"} 2')
  })
})
