// `patch --dry-run=client` beside the real kubectl 1.32: kubectl applies the patch itself and
// sends nothing, so the server neither defaults what the patch adds nor refuses what it would
// refuse, and a strategic merge orders a merged list as apimachinery does (a new item first; the
// order a `$setElementOrder` directive gives, which kubectl's set verbs send).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

describe.runIf(existsSync(realKubectl))('patch --dry-run=client as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.real('create deployment a --image=nginx')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const sameAsReal = (line: string) => expectSameAsReal(cluster, line)

  it('patches the object it read, with no request and no server defaults', async () => {
    const containers = '-o jsonpath={.spec.template.spec.containers}'
    const sidecar = `'{"spec":{"template":{"spec":{"containers":[{"name":"side","image":"busybox"}]}}}}'`
    expect((await sameAsReal(`patch deployment a --dry-run=client -p ${sidecar} ${containers}`)).stdout).toMatch(/^\[\{"image":"busybox","name":"side"\},/)
    await sameAsReal(`patch deployment a --dry-run=client --type=json -p '[{"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"s","image":"b"}}]' ${containers}`)
    // The server would refuse a string for replicas; kubectl never asks it.
    expect((await sameAsReal(`patch deployment a --dry-run=client -p '{"spec":{"replicas":"x"}}'`)).stdout).toBe('deployment.apps/a patched\n')
    expect((await sameAsReal(`patch deployment a --dry-run=client -p '{"spec":{"replicas":1}}'`)).stdout).toBe('deployment.apps/a patched (no change)\n')
    await sameAsReal(`patch deployment a --dry-run=client --type=merge -p '{"metadata":{"labels":{"x":"1"}}}' -o yaml`)
    await sameAsReal(`patch deployment a --dry-run=client --type=merge -p '{bad'`)
    await sameAsReal(`patch deployment a --dry-run=client -p '{bad'`)
    // Nothing was changed.
    expect((await cluster.real('get deployment a -o jsonpath={.metadata.generation}')).stdout).toBe('1')
  }, 60_000)

  it('orders merged lists as apimachinery does, on the server too', async () => {
    // Each kubectl changes its own copy: the real one in namespace r, kubemu's in namespace o.
    for (const namespace of ['r', 'o']) {
      expect((await cluster.real(`create namespace ${namespace}`)).status).toBe(0)
      expect((await cluster.real(`create deployment a -n ${namespace} --image=nginx`)).status).toBe(0)
    }
    const names = '-o jsonpath={.spec.template.spec.containers[0].env[*].name}'
    for (const line of ['set env deployment/a A=1', 'set env deployment/a B=2 C=3', 'set env deployment/a A=9', 'set env deployment/a B-', 'set env deployment/a D=1 A=8', `get deployment a ${names}`]) {
      const [theirs, ours] = [await cluster.real(`-n r ${line}`), await cluster.ours(`-n o ${line}`)]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }
    expect((await cluster.ours(`get deployment a -n o ${names}`)).stdout).toBe('A C D')
    for (const verb of ['patch deployment a --dry-run=client', 'patch deployment a']) {
      const line = `${verb} -p '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"E","value":"1"}]}]}}}}' -o jsonpath={.spec.template.spec.containers[0].env}`
      const [theirs, ours] = [await cluster.real(`-n r ${line}`), await cluster.ours(`-n o ${line}`)]
      expect({line, ...ours}).toEqual({line, ...theirs})
      expect(ours.stdout).toMatch(/^\[\{"name":"E"/)
    }
  }, 60_000)
})
