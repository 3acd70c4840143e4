// `rollout status --revision` as kubectl 1.32's DeploymentStatusViewer: a deployment at another
// revision is an error before any waiting, and a negative one is refused.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

describe.runIf(existsSync(realKubectl))('rollout status --revision as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create deployment rev --image=nginx')).status).toBe(0)
    // Rolled out: at revision 1.
    expect((await cluster.ours('rollout status deploy/rev --timeout=60s')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of ['rollout status deploy/rev --revision=1', 'rollout status deploy/rev --revision=2', 'rollout status deploy/rev --revision=-1', 'rollout status deploy/rev deploy/nope --revision=2 -w=false']) {
    it(`says what the real kubectl says: kubectl ${line}`, async () => {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }, 30_000)
  }
})
