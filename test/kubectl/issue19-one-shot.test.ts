// Issue 19's sweep with kubemu's kubectl one-shot (no `up`), beside the real kubectl 1.32 on a
// cluster of the same objects: commands whose answer does not hang on the cluster's state (what
// is not there, a namespace that does not exist: kubectl asks for the namespace after an
// object's 404 and reports the namespace's NotFound; a kustomization that is not there; a
// malformed patch) print the same in both modes.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

describe.runIf(existsSync(realKubectl))('issue 19 sweep one-shot beside the real kubectl', {timeout: 120_000}, () => {
  let cluster: ReferenceCluster
  const home = temporaryFolder()
  const oneShot = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})

  beforeAll(async () => {
    cluster = await referenceCluster()
    const folder = join(home, 'k')
    mkdirSync(folder)
    writeFileSync(join(folder, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cmf\ndata:\n  a: "2"\n')
    writeFileSync(join(folder, 'kustomization.yaml'), 'resources:\n- cm.yaml\nnamePrefix: p-\n')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('says the same one-shot as the real kubectl says', async () => {
    for (const line of [
      'delete pods -l app=nothing',
      'delete deployments,rs,pods -l app=nothing --cascade=orphan --grace-period=0',
      'get pods -n nowhere -o name',
      'get cm nope nope2 -n nowhere',
      'describe cm nope -n nowhere',
      'label cm nope a=b -n nowhere',
      'scale deployment nope --replicas=1 -n nowhere',
      `get -k ${join(home, 'k')} -n nowhere`,
      `get -k ${join(home, 'nothere')}`,
      "patch deployment nope --type=merge -p 'a: [1'",
    ]) {
      const [theirs, ours] = [await cluster.real(line), await oneShot(line)]
      expect({line, ...ours}).toEqual({line, ...theirs})
    }
  })

  // A seeded cluster's clock stands still between one-shot commands: the second restart is
  // stamped in the same second as the first, which kubectl 1.32 refuses with these words.
  it('refuses a restart in the same second as the one before, as kubectl does', async () => {
    const seeded = temporaryFolder()
    const run = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: seeded, env: {...process.env, KUBEMU_HOME: seeded, KUBECONFIG: '', KUBEMU_SEED: '3'}})
    expect((await run('create deployment again --image=nginx')).status).toBe(0)
    expect(await run('rollout restart deploy/again')).toMatchObject({stdout: 'deployment.apps/again restarted\n', status: 0})
    expect(await run('rollout restart deploy/again')).toEqual({
      stdout: '',
      stderr: 'error: failed to create patch for again: if restart has already been triggered within the past second, please wait before attempting to trigger another\n',
      status: 1,
    })
  })
})
