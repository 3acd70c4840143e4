// HorizontalPodAutoscalers through the real CLI: kubectl autoscale, kubemu load driving the
// simulated CPU use, the HPA controller scaling up on `time advance` with its SuccessfulRescale
// event and down only once the 5-minute stabilization window has passed (its memory surviving
// between one-shot commands); autoscaling/v1 and v2 views of one object; kube's validation; and
// the real kubectl against `kubemu up`.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'
import {webDeploymentRequestingCpu} from '../support/autoscaling.js'

// A seeded cluster: its clock moves only with `time advance`, so a loaded machine's slow commands
// add no cluster time between the steps (the syncs and the stabilization window fall where counted).
function cluster() {
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', NO_COLOR: '1', KUBEMU_SEED: '1'}
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env, ...(stdin === undefined ? {} : {stdin})})
  return {home, run, kubectl: (line: string, stdin?: string) => run(`kubectl ${line}`, stdin)}
}

const deployment = webDeploymentRequestingCpu

const rescales = "get events --field-selector reason=SuccessfulRescale --sort-by=.lastTimestamp -o jsonpath='{range .items[*]}{.lastTimestamp} {.message}{\"\\n\"}{end}'"

describe('HorizontalPodAutoscaler', () => {
  it('scales a Deployment up under load with SuccessfulRescale, and down only after the 5-minute stabilization window', async () => {
    const {home, run, kubectl} = cluster()
    expect((await kubectl('apply -f -', deployment)).status).toBe(0)
    expect(await kubectl('autoscale deployment web --cpu-percent=50 --min=1 --max=5')).toMatchObject({status: 0, stdout: 'horizontalpodautoscaler.autoscaling/web autoscaled\n'})
    // Before its first sync (15 s after it was created) the HPA knows no metric.
    expect((await kubectl('get hpa web')).stdout).toMatch(/^NAME +REFERENCE +TARGETS +MINPODS +MAXPODS +REPLICAS +AGE\nweb +Deployment\/web +cpu: <unknown>\/50% +1 +5 +0 +\d+s\n$/)
    expect(await run('load deployment/web 400m')).toMatchObject({status: 0, stdout: 'deployment.apps/web: each pod uses 400m CPU (simulated)\n'})
    expect((await kubectl('top pods --no-headers')).stdout).toMatch(/^web-\S+ +400m +/)
    expect((await run('time advance 30s')).status).toBe(0)
    // 400m of a 200m request is 200 % against 50 %: 4 replicas wanted, as many as one step allows (max(2 × 1, 4)).
    // (Wall time between commands is cluster time too: a later sync may have gone on to 5.)
    expect(['4', '5']).toContain((await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout)
    expect((await kubectl(rescales)).stdout).toMatch(/^\S+ New size: 4; reason: cpu resource utilization \(percentage of request\) above target\n/)
    expect((await kubectl('get hpa web --no-headers')).stdout).toMatch(/^web +Deployment\/web +cpu: 200%\/50% +1 +5 +\d +/)
    expect((await run('time advance 1m')).status).toBe(0)
    expect((await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout).toBe('5')
    const limited = JSON.parse((await kubectl("get hpa web -o jsonpath='{.status.conditions[?(@.type==\"ScalingLimited\")]}'")).stdout) as {status: string; reason: string; message: string}
    expect(limited).toMatchObject({status: 'True', reason: 'TooManyReplicas', message: 'the desired replica count is more than the maximum replica count'})

    expect((await run('load deployment/web 20m')).status).toBe(0)
    const loweredAt = Date.parse(/^(\S+)/.exec((await run('time')).stdout)![1]!)
    // Each command is a new process: the controller's recent recommendations carry over.
    for (const step of ['1m', '2m']) {
      expect((await run(`time advance ${step}`)).status).toBe(0)
      expect((await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout).toBe('5')
    }
    const stabilized = JSON.parse((await kubectl("get hpa web -o jsonpath='{.status.conditions[?(@.type==\"AbleToScale\")]}'")).stdout) as {reason: string}
    expect(stabilized.reason).toBe('ScaleDownStabilized')
    expect((await run('time advance 3m')).status).toBe(0)
    expect((await kubectl("get deployment web -o jsonpath='{.spec.replicas}'")).stdout).toBe('1')
    const events = (await kubectl(rescales)).stdout.trim().split('\n')
    expect(events.map((line) => line.replace(/^\S+ /, ''))).toEqual([
      'New size: 4; reason: cpu resource utilization (percentage of request) above target',
      'New size: 5; reason: cpu resource utilization (percentage of request) above target',
      'New size: 1; reason: All metrics below target',
    ])
    const scaledDownAt = Date.parse(events[2]!.split(' ')[0]!)
    expect(scaledDownAt - loweredAt).toBeGreaterThanOrEqual(300_000)
    // Exactly the window after the first sync that saw the lower load (to the 15 s sync, events to the second).
    // The controller's memory is kept beside the cluster, by the HPA's uid; the HPA carries no annotation of kubemu's.
    expect((await kubectl("get hpa web -o jsonpath='{.metadata.annotations}'")).stdout).not.toContain('kubemu')
    const uid = (await kubectl("get hpa web -o jsonpath='{.metadata.uid}'")).stdout
    const memory = JSON.parse(readFileSync(join(home, 'default', 'hpa-recommendations.json'), 'utf8')) as Record<string, string>
    const history = JSON.parse(memory[uid]!) as {recommendations: Array<[number, string]>}
    const [lowest, since] = history.recommendations.at(-1)!
    expect(lowest).toBe(1)
    expect(scaledDownAt - Date.parse(since)).toBeGreaterThan(299_000)
    expect(scaledDownAt - Date.parse(since)).toBeLessThanOrEqual(315_000)

    const described = (await kubectl('describe hpa web')).stdout
    expect(described).toMatch(/\nReference: +Deployment\/web\n/)
    expect(described).toMatch(/\nMetrics: +\( current \/ target \)\n  resource cpu on pods  \(as a percentage of request\): +10% \(20m\) \/ 50%\n/)
    expect(described).toMatch(/\nDeployment pods: +1 current \/ 1 desired\n/)
    expect(described).toMatch(/\n  AbleToScale +True +\w+ /)
    expect(described).toMatch(/\n  Normal +SuccessfulRescale +\S+ +horizontal-pod-autoscaler +New size: 1; reason: All metrics below target\n/)

    // The same object as autoscaling/v1: the CPU target in its field, the rest in kube's annotations.
    const v1 = JSON.parse((await kubectl('get hpa.v1.autoscaling web -o json')).stdout) as {apiVersion: string; spec: Record<string, unknown>; status: Record<string, unknown>; metadata: {annotations: Record<string, string>}}
    expect(v1.apiVersion).toBe('autoscaling/v1')
    expect(v1.spec).toMatchObject({minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 50})
    expect(v1.status).toMatchObject({currentReplicas: 1, desiredReplicas: 1, currentCPUUtilizationPercentage: 10})
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/current-metrics']!)).toEqual([{type: 'Resource', resource: {name: 'cpu', currentAverageUtilization: 10, currentAverageValue: '20m'}}])
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/conditions']!).map((condition: {type: string}) => condition.type)).toEqual(['AbleToScale', 'ScalingActive', 'ScalingLimited'])
    // A v1 patch of the target lands in the stored v2 metric.
    expect((await kubectl('patch hpa.v1.autoscaling web --type=merge -p \'{"spec":{"targetCPUUtilizationPercentage":70}}\'')).status).toBe(0)
    expect((await kubectl("get hpa web -o jsonpath='{.spec.metrics[0].resource.target.averageUtilization}'")).stdout).toBe('70')
  }, 600_000)

  it('reports what it cannot do: pods without requests, a missing target, bad input', async () => {
    const {run, kubectl} = cluster()
    expect((await kubectl('create deployment bare --image=nginx')).status).toBe(0)
    expect((await kubectl('autoscale deployment bare --max=3')).status).toBe(0)
    expect((await kubectl('autoscale deployment/bare --name=ghost --max=3 --dry-run=client -o yaml')).stdout).toBe(
      'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n  creationTimestamp: null\n  name: ghost\nspec:\n  maxReplicas: 3\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: bare\nstatus:\n  currentReplicas: 0\n  desiredReplicas: 0\n',
    )
    // The syncs keep their 15 s rhythm from the HPA's creation across one-shot commands.
    // Three 10 s steps reach the syncs at 15 s and 30 s, the second a metrics window past the pods' start.
    for (const step of ['10s', '10s', '10s']) expect((await run(`time advance ${step}`)).status).toBe(0)
    const active = JSON.parse((await kubectl("get hpa bare -o jsonpath='{.status.conditions[?(@.type==\"ScalingActive\")]}'")).stdout) as {status: string; reason: string; message: string}
    expect(active).toMatchObject({status: 'False', reason: 'FailedGetResourceMetric'})
    expect(active.message).toMatch(/^the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container nginx of Pod bare-\S+$/)
    // (A first sync within a metrics window of the pod turning Ready may find it unready instead.)
    expect((await kubectl("get events --field-selector reason=FailedComputeMetricsReplicas -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}'")).stdout).toMatch(/^invalid metrics \(1 invalid out of 1\), first error is: failed to get cpu utilization: missing request for cpu in container nginx of Pod bare-\S+$/m)
    // The target deleted: the scale subresource is not found.
    expect((await kubectl('delete deployment bare')).status).toBe(0)
    expect((await run('time advance 20s')).status).toBe(0)
    const able = JSON.parse((await kubectl("get hpa bare -o jsonpath='{.status.conditions[?(@.type==\"AbleToScale\")]}'")).stdout) as {status: string; reason: string; message: string}
    expect(able).toMatchObject({status: 'False', reason: 'FailedGetScale', message: 'the HPA controller was unable to get the target\'s current scale: deployments.apps "bare" not found'})

    expect(await kubectl('autoscale deployment web --max=2 --min=3')).toMatchObject({status: 1, stderr: 'error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n'})
    expect(await kubectl('autoscale deployment web')).toMatchObject({status: 1, stderr: 'error: required flag(s) "max" not set\n'})
    expect(await kubectl('autoscale serviceaccount default --max=2')).toMatchObject({status: 1, stderr: 'error: cannot autoscale a ServiceAccount: could not find scale subresource for /v1, Resource=serviceaccounts in discovery information\n'})
    const invalid = 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: bad}\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 0\n  maxReplicas: 0\n  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 0}}\n'
    expect(await kubectl('apply -f -', invalid)).toMatchObject({
      status: 1,
      stderr: 'The HorizontalPodAutoscaler "bad" is invalid: \n* spec.minReplicas: Invalid value: 0: must be greater than or equal to 1\n* spec.maxReplicas: Invalid value: 0: must be greater than 0\n* spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0\n',
    })
    expect(await run('load deployment/web lots')).toMatchObject({status: 1, stderr: 'Error: invalid CPU "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'\n'})
    expect(await run('load deployment/web')).toMatchObject({status: 1, stderr: 'Error: give either a CPU quantity or --reset\n'})
    expect(await run('load web 1')).toMatchObject({status: 1, stderr: 'Error: give the target as TYPE/NAME (deployment/web, statefulset/db, pod/web-1), not "web"\n'})
    expect(await run('load deployment/nope 1')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n'})
  }, 300_000)
})

describe('HorizontalPodAutoscaler under kubemu up', () => {
  const processes: UpProcess[] = []
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })

  it('is created by the real kubectl autoscale, scales on time advance, and prints in real kubectl get hpa as in kubemu\'s', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    // A clock that moves only with `time advance`: on a running clock a sync may fall between
    // two commands that must print the same status.
    const up = new UpProcess(home, ['--seed', '1', '--manual-clock'])
    processes.push(up)
    await up.until(/leader election: \S+ leads kube-controller-manager/)
    const kubeconfig = join(home, 'default', 'kubeconfig')
    const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: process.env, ...(stdin === undefined ? {} : {stdin})})
    const ours = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env})
    expect((await real('apply -f -', deployment)).status).toBe(0)
    expect(await real('autoscale deployment web --cpu-percent=50 --min=1 --max=5')).toMatchObject({status: 0, stdout: 'horizontalpodautoscaler.autoscaling/web autoscaled\n'})
    expect(await ours('load deployment/web 400m')).toMatchObject({status: 0})
    expect((await ours('time advance 40s')).status).toBe(0)
    expect((await real("get deployment web -o jsonpath='{.spec.replicas}'")).stdout).toBe('4')
    const printed = await real('get hpa')
    // REPLICAS is status.currentReplicas: what the last sync saw, 1 if it was the one that rescaled.
    expect(printed.stdout).toMatch(/^NAME +REFERENCE +TARGETS +MINPODS +MAXPODS +REPLICAS +AGE\nweb +Deployment\/web +cpu: 200%\/50% +1 +5 +[14] +\d+s\n$/)
    expect((await ours('kubectl get hpa')).stdout.replace(/\d+s\n$/, '')).toBe(printed.stdout.replace(/\d+s\n$/, ''))
    expect((await real('describe hpa web')).stdout).toMatch(/\n  Normal +SuccessfulRescale +\S+ +horizontal-pod-autoscaler +New size: 4; reason: cpu resource utilization \(percentage of request\) above target\n/)
  }, 300_000)
})
