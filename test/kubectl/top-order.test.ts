// kubectl top's order beside the real kubectl 1.32: Go's unstable sort of the metrics API's list,
// by name (namespace first with -A) or by usage with --sort-by, so pods of the same usage come out
// as kubectl's pdqsort leaves them, and with --containers each pod's containers sorted alike.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

describe.runIf(existsSync(realKubectl))('kubectl top order as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    // Pods that all use 10m of CPU (a load set by annotation): ties for --sort-by=cpu, in two namespaces.
    const pod = (name: string, namespace: string) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  annotations: {kubemu.io/cpu-usage: 10m}\nspec:\n  containers:\n  - {name: zeta, image: nginx}\n  - {name: alpha, image: busybox}\n  - {name: mid, image: busybox}\n`
    const pods = [...Array.from({length: 18}, (_, index) => pod(`p${(index * 7) % 18}`, 'top-a')), ...Array.from({length: 6}, (_, index) => pod(`q${index}`, 'top-a-b'))]
    for (const namespace of ['top-a', 'top-a-b']) expect((await cluster.ours(`create ns ${namespace}`)).status).toBe(0)
    expect((await cluster.ours('create -f -', pods.join('---\n'))).status).toBe(0)
    // No kubelet runs here: the pods are marked running, so that the metrics API counts their use.
    for (const [namespace, count, prefix] of [['top-a', 18, 'p'], ['top-a-b', 6, 'q']] as const) {
      for (let index = 0; index < count; index++) {
        expect((await cluster.ours(`patch pod ${prefix}${index} -n ${namespace} --subresource=status --type=merge -p '{"status":{"phase":"Running"}}'`)).status).toBe(0)
      }
    }
  }, 120_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of ['top pods -n top-a --sort-by=cpu', 'top pods -n top-a --sort-by=memory', 'top pods -n top-a', 'top pods -n top-a --containers', 'top pods -n top-a --containers --sort-by=cpu', 'top pods -A --sort-by=cpu', 'top pods -A --field-selector=metadata.namespace!=kube-system', 'top pods -n top-a --sort-by=nope', 'top nodes --sort-by=memory']) {
    it(`prints in kubectl's order: kubectl ${line}`, async () => {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }, 30_000)
  }
})
