// What kubectl's error handler logs before a server's error (-v=4 and up), beside the real
// kubectl 1.32: each Status a verb gathered, in order, before the errors' lines; without kind and
// apiVersion for the verbs that decode into Go types (rollout, set, expose, taint, cordon,
// uncordon, drain, port-forward, attach, debug). And the
// label and annotate arguments: resources first, then the changes.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {comparableKlog as comparable, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

describe('kubectl logs the Status of each server error as the real kubectl', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    'rollout history deploy/nope -v=6',
    'rollout pause deploy nope nope2 -v=6',
    'rollout status deploy/nope -v=6',
    'set image deploy/nope nginx=x -v=6',
    'expose deploy/nope --port=80 -v=6',
    "patch deploy nope nope2 -p '{}' -v=6",
    'label deploy nope nope2 a=b -v=6',
    'wait cm/nope cm/nope2 --for=condition=Ready -v=6',
    'label a=b deploy/nope',
    'annotate deploy nope a=b c',
    'taint node nope a=b:NoSchedule -v=4',
    'cordon nope -v=4',
    'drain nope -v=4',
    'attach nope -v=4',
    'port-forward pod/nope 1234:80 -v=4',
    'debug nope --image=busybox -v=4',
    'certificate approve nope -v=4',
  ]) {
    it(line, async () => {
      const real = await cluster.real(line)
      expect(real.status).toBe(1)
      const view = (result: typeof real) => ({line, stdout: result.stdout, stderr: comparable(result.stderr), status: result.status})
      expect(view(await cluster.ours(line))).toEqual(view(real))
    })
  }
})
