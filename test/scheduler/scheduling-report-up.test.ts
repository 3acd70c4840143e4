// The scheduler's last attempt is kubemu's own report, kept in the cluster folder rather than on
// the pod: a pod's YAML has no kubemu annotation (through kubemu's kubectl one-shot, and through
// the real kubectl against `kubemu up`), describe is kubectl's, `kubemu why` shows the attempt,
// and a deleted pod's report goes with it.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readSchedulingReport} from '../../src/core/scheduler/reports.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, type UpProcess} from '../support/up-process.js'
import {startUpWithKubectls, withoutAges} from '../support/up-kubectls.js'

const pods = `apiVersion: v1
kind: Pod
metadata: {name: placed}
spec:
  containers: [{name: main, image: nginx:1.27}]
---
apiVersion: v1
kind: Pod
metadata: {name: too-big}
spec:
  containers: [{name: main, image: nginx:1.27, resources: {requests: {cpu: "64"}}}]
`

const attempt = /\n {2}- scheduler's last attempt at .* \(profile default-scheduler\): Scheduled to worker-\d, 6 nodes evaluated, 3 feasible\n {4}score weights: TaintToleration=3 /
const unschedulable = /\n {2}- scheduler's last attempt at .* \(profile default-scheduler\): Unschedulable, 6 nodes evaluated, 0 feasible\n/

describe('the scheduling report one-shot', () => {
  let home: string
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin})
  const why = (target: string) => runShell(`${kubemu} why ${target}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
  beforeAll(() => {
    home = temporaryFolder()
  })

  it('leaves the pod without a kubemu annotation, why shows the attempt, deletion forgets it', async () => {
    expect((await kubectl('create -f -', pods)).status).toBe(0)
    for (const name of ['placed', 'too-big']) expect((await kubectl(`get pod ${name} -o yaml`)).stdout).not.toMatch(/kubemu|annotations:/)
    expect((await why('pod/placed')).stdout).toMatch(attempt)
    const explained = (await why('pod/too-big')).stdout
    expect(explained).toMatch(unschedulable)
    expect(explained).toContain('\n    node worker-1: NodeResourcesFit: Insufficient cpu\n')
    const described = (await kubectl('describe pod too-big')).stdout
    expect(described).toMatch(/\nAnnotations: +<none>\n/)
    expect(described).not.toMatch(/kubemu|Scheduling Attempt/)
    const uid = (await kubectl("get pod placed -o jsonpath='{.metadata.uid}'")).stdout
    expect(readSchedulingReport(join(home, 'default'), uid)?.outcome).toMatch(/^Scheduled to worker-\d$/)
    expect((await kubectl('delete pod placed --grace-period=0 --force')).status).toBe(0)
    expect(readSchedulingReport(join(home, 'default'), uid)).toBeNull()
  })
})

describe('the scheduling report under kubemu up', () => {
  let up: UpProcess | null = null
  afterAll(async () => {
    await up?.stop()
  })

  it('the real kubectl sees pods as a real cluster has them; kubemu why reads the report up wrote', async () => {
    const started = await startUpWithKubectls()
    up = started.up
    const {real, ours, kubemu: command} = started
    expect((await real('create -f -', pods)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/placed --timeout=60s')).status).toBe(0)
    expect((await real("wait --for=jsonpath={.status.conditions[0].reason}=Unschedulable pod/too-big --timeout=60s")).status).toBe(0)
    for (const name of ['placed', 'too-big']) {
      const [theirs, mine] = [await real(`get pod ${name} -o yaml`), await ours(`get pod ${name} -o yaml`)]
      expect(theirs.stdout).not.toMatch(/kubemu|annotations:/)
      expect(mine.stdout).toBe(theirs.stdout)
    }
    expect((await command('why pod/placed')).stdout).toMatch(attempt)
    expect((await command('why pod/too-big')).stdout).toMatch(unschedulable)
    expect((await real('describe pod placed')).stdout).not.toMatch(/kubemu/)
    expect(withoutAges((await ours('describe pod placed')).stdout)).toBe(withoutAges((await real('describe pod placed')).stdout))
  })
})
