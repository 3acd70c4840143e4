// Sidecar containers (init containers with restartPolicy Always) as the kubelet runs them, under
// `kubemu up` (manual clock) with the real kubectl 1.32 beside kubemu's, and one-shot: restarted
// whenever they exit, whatever the pod's restartPolicy; their startup probe holds the next
// container back and their readiness counts in the pod's Ready; stopped after the pod's
// containers have ended, so a Job with a sidecar completes. The kubelet's container events name
// their container (involvedObject.fieldPath), so two containers' identical events stay two.
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const logShipperJob = `apiVersion: batch/v1
kind: Job
metadata: {name: myjob}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: logshipper
        image: alpine:3.20
        restartPolicy: Always
        command: [sh, -c, 'tail -F /opt/logs.txt']
        volumeMounts: [{name: data, mountPath: /opt}]
      containers:
      - name: main
        image: alpine:3.20
        command: [sh, -c, 'echo "logging" > /opt/logs.txt']
        volumeMounts: [{name: data, mountPath: /opt}]
      volumes: [{name: data, emptyDir: {}}]
`

type Status = {name: string; ready: boolean; started: boolean; restartCount: number; state: {running?: unknown; waiting?: {reason: string}; terminated?: {exitCode: number; reason: string}}}
type Condition = {type: string; status: string; reason?: string; message?: string}
type PodStatus = {phase: string; conditions: Condition[]; initContainerStatuses: Status[]; containerStatuses: Status[]}

type Kubectl = (line: string, stdin?: string) => Promise<{stdout: string; stderr: string; status: number | null}>

/** The cluster clock moved forward, a pod's status, and a wait on one of its fields (the real kubectl's). */
function podOnUp(real: Kubectl, home: () => string) {
  return {
    advance: async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: home(), env: {...process.env, KUBEMU_HOME: home(), KUBECONFIG: ''}})).status).toBe(0),
    status: async (name: string) => JSON.parse((await real(`get pod ${name} -o jsonpath={.status}`)).stdout) as PodStatus,
    waitFor: async (name: string, jsonpath: string) => expect((await real(`wait --for=jsonpath='${jsonpath}' pod/${name} --timeout=60s`)).status).toBe(0),
  }
}

describe('sidecars under up', {timeout: 300_000}, () => {
  const {ours, real, home} = kubectlsOnUp(['--manual-clock'])
  const {advance, status, waitFor} = podOnUp(real, home)
  /** READY, STATUS and RESTARTS as the real kubectl prints them (the same from kubemu's kubectl). */
  const line = async (selector: string) => {
    const printed = (await real(`get ${selector} --no-headers`)).stdout.trim().split(/ +/).slice(1, 4).join(' ')
    expect((await ours(`get ${selector} --no-headers`)).stdout.trim().split(/ +/).slice(1, 4).join(' ')).toBe(printed)
    return printed
  }
  /** The pod's events as REASON FIELDPATH COUNT lines, oldest first. */
  const events = async (name: string) =>
    (await real(`get events --field-selector involvedObject.name=${name} --sort-by=.metadata.creationTimestamp -o jsonpath='{range .items[*]}{.reason} {.involvedObject.fieldPath} {.count}{"\\n"}{end}'`)).stdout.trim().split('\n')

  it('completes a Job whose pod has a log shipper: the sidecar is stopped once the main container has ended', async () => {
    expect((await real('apply -f -', logShipperJob)).status).toBe(0)
    expect((await real('wait --for=condition=complete job/myjob --timeout=60s')).status).toBe(0)
    const name = (await real('get pods -l job-name=myjob -o name')).stdout.trim().replace('pod/', '')
    expect(await line(`pod ${name}`)).toBe('0/2 Completed 0')
    const ended = await status(name)
    expect(ended.phase).toBe('Succeeded')
    expect(ended.containerStatuses[0]!.state.terminated).toMatchObject({exitCode: 0, reason: 'Completed'})
    // tail as PID 1 ignores SIGTERM: the kubelet kills it when the grace period ends.
    expect(ended.initContainerStatuses[0]).toMatchObject({name: 'logshipper', ready: false, started: false, state: {terminated: {exitCode: 137, reason: 'Error'}}})
    expect(ended.conditions.find((condition) => condition.type === 'Ready')).toMatchObject({status: 'False', reason: 'PodCompleted'})
    const told = await events(name)
    expect(told).toContain('Killing spec.initContainers{logshipper} 1')
    expect(told.indexOf('Killing spec.initContainers{logshipper} 1')).toBeGreaterThan(told.indexOf('Started spec.containers{main} 1'))
  })

  it("restarts a sidecar that exits whatever the pod's restartPolicy, then backs off, while the pod runs on", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: crashing}
spec:
  restartPolicy: Never
  initContainers:
  - {name: agent, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, 'echo up; sleep 5; exit 1']}
  containers:
  - {name: app, image: "nginx:1.27"}
`
    expect((await real('apply -f -', manifest)).status).toBe(0)
    await waitFor('crashing', '{.status.phase}=Running')
    expect(await line('pod crashing')).toBe('2/2 Running 0')
    await advance('5s')
    await waitFor('crashing', '{.status.initContainerStatuses[0].restartCount}=1')
    const restarted = await status('crashing')
    expect(restarted.initContainerStatuses[0]).toMatchObject({ready: true, started: true, state: {running: {}}})
    expect(restarted.initContainerStatuses[0]).toHaveProperty('lastState.terminated.exitCode', 1)
    await advance('5s')
    await waitFor('crashing', '{.status.initContainerStatuses[0].state.waiting.reason}=CrashLoopBackOff')
    const backingOff = await status('crashing')
    expect(backingOff.phase).toBe('Running')
    expect(backingOff.conditions.find((condition) => condition.type === 'Ready')).toMatchObject({status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [agent]'})
    // A sidecar not started (backing off) is what kubectl's printer names in STATUS, the pod Running.
    expect(await line('pod crashing')).toBe('1/2 Init:CrashLoopBackOff 1')
    expect(await events('crashing')).toContain('BackOff spec.initContainers{agent} 1')
    // Its back-off over, it runs again (restart 2) and the pod is ready again.
    await advance('10s')
    await waitFor('crashing', '{.status.initContainerStatuses[0].restartCount}=2')
    await waitFor('crashing', '{.status.conditions[?(@.type=="Ready")].status}=True')
  })

  it("holds the next container back until a sidecar's startup probe passes, and counts its readiness in the pod's", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  initContainers:
  - name: warmup
    image: busybox:1.36
    restartPolicy: Always
    command: [sh, -c, 'sleep 3; touch /tmp/started; sleep 3600']
    startupProbe: {exec: {command: [test, -f, /tmp/started]}, periodSeconds: 1, failureThreshold: 30}
  - name: proxy
    image: busybox:1.36
    restartPolicy: Always
    command: [sh, -c, 'sleep 3600']
    readinessProbe: {httpGet: {port: 8080, path: /}, periodSeconds: 5}
  containers:
  - {name: app, image: "nginx:1.27"}
`
    expect((await real('apply -f -', manifest)).status).toBe(0)
    await waitFor('gated', '{.status.initContainerStatuses[0].state.running.startedAt}')
    expect(await line('pod gated')).toBe('0/3 Init:0/2 0')
    const warming = await status('gated')
    expect(warming.initContainerStatuses.map((entry) => [entry.name, Object.keys(entry.state)[0], entry.started])).toEqual([['warmup', 'running', false], ['proxy', 'waiting', false]])
    await advance('4s')
    await waitFor('gated', '{.status.phase}=Running')
    expect(await line('pod gated')).toBe('2/3 Running 0')
    const running = await status('gated')
    expect(running.initContainerStatuses.map((entry) => [entry.name, entry.started, entry.ready])).toEqual([['warmup', true, true], ['proxy', true, false]])
    expect(running.conditions.find((condition) => condition.type === 'Ready')).toMatchObject({status: 'False', message: 'containers with unready status: [proxy]'})
    await advance('10s')
    const told = await events('gated')
    expect(told.some((entry) => entry.startsWith('Unhealthy spec.initContainers{proxy} '))).toBe(true)
    expect(told).toContain('Started spec.initContainers{warmup} 1')
  })
})

describe('sidecars at the end of a pod, under up', {timeout: 300_000}, () => {
  const {real, home} = kubectlsOnUp(['--manual-clock'])
  const {advance, status, waitFor} = podOnUp(real, home)

  it("starts the containers while a sidecar backs off, and stops each sidecar in turn, the last first, once they have ended", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: several}
spec:
  restartPolicy: Never
  initContainers:
  - {name: web, image: "nginx:1.27", restartPolicy: Always}
  - {name: shipper, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, 'tail -F /tmp/log']}
  - {name: agent, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, 'sleep 2; exit 1']}
  - {name: setup, image: "busybox:1.36", command: [sh, -c, 'sleep 8']}
  containers:
  - {name: main, image: "busybox:1.36", command: [sh, -c, 'sleep 2']}
`
    expect((await real('apply -f -', manifest)).status).toBe(0)
    await waitFor('several', '{.status.initContainerStatuses[3].started}=true')
    await advance('2s')
    await advance('2s')
    await waitFor('several', '{.status.initContainerStatuses[2].state.waiting.reason}=CrashLoopBackOff')
    // setup ends at 8 s: main starts then, though agent's back-off lasts until 14 s.
    await advance('4s')
    await waitFor('several', '{.status.containerStatuses[0].started}=true')
    expect((await status('several')).initContainerStatuses[2]!.state.waiting?.reason).toBe('CrashLoopBackOff')
    await advance('2s')
    await waitFor('several', '{.status.phase}=Succeeded')
    const ended = await status('several')
    const byName = Object.fromEntries(ended.initContainerStatuses.map((entry) => [entry.name, entry.state.terminated]))
    // tail ignores SIGTERM (killed, 137); nginx, told after it, exits on it (0); agent, backing off, is not found.
    expect(byName.shipper).toMatchObject({exitCode: 137, reason: 'Error'})
    expect(byName.web).toMatchObject({exitCode: 0, reason: 'Completed'})
    expect(byName.agent).toMatchObject({exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated'})
    expect(byName.setup).toMatchObject({exitCode: 0, reason: 'Completed'})
    const killing = (await real(`get events --field-selector involvedObject.name=several,reason=Killing -o jsonpath='{range .items[*]}{.involvedObject.fieldPath}{"\\n"}{end}'`)).stdout.trim().split('\n').sort()
    expect(killing).toEqual(['spec.initContainers{shipper}', 'spec.initContainers{web}'])
  })
})

describe('sidecars one-shot', {timeout: 120_000}, () => {
  it('ends a Job with a sidecar in one command, each container telling its own events', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    expect((await runShell(`${kubemu} kubectl apply -f -`, {cwd: home, env, stdin: logShipperJob})).status).toBe(0)
    const pods = await runShell(`${kubemu} kubectl get pods -l job-name=myjob --no-headers`, {cwd: home, env})
    expect(pods.stdout.trim().split(/ +/).slice(1, 4).join(' ')).toBe('0/2 Completed 0')
    const sidecar = JSON.parse((await runShell(`${kubemu} kubectl get pods -l job-name=myjob -o jsonpath={.items[0].status.initContainerStatuses[0]}`, {cwd: home, env})).stdout)
    expect(sidecar.state.terminated.exitCode).toBe(137)
    // Both containers pull alpine:3.20 (IfNotPresent: the second finds it present): one event each, not one counted twice.
    const pulled = (await runShell(`${kubemu} kubectl get events -o jsonpath='{range .items[?(@.reason=="Pulled")]}{.involvedObject.fieldPath} {.count}{"\\n"}{end}'`, {cwd: home, env})).stdout.trim().split('\n').sort()
    expect(pulled).toEqual(['spec.containers{main} 1', 'spec.initContainers{logshipper} 1'])
  })

  it('keeps the next init container and the containers waiting while a sidecar has never started', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: unstarted}
spec:
  initContainers:
  - {name: side, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, 'sleep 3600'], startupProbe: {exec: {command: ["false"]}, failureThreshold: 2}}
  - {name: init2, image: "busybox:1.36", command: [sh, -c, 'sleep 1']}
  containers:
  - {name: app, image: "nginx:1.27"}
`
    expect((await runShell(`${kubemu} kubectl apply -f -`, {cwd: home, env, stdin: manifest})).status).toBe(0)
    expect((await runShell(`${kubemu} time advance 30s`, {cwd: home, env})).status).toBe(0)
    const status = JSON.parse((await runShell(`${kubemu} kubectl get pod unstarted -o jsonpath={.status}`, {cwd: home, env})).stdout) as PodStatus
    expect(status.initContainerStatuses[0]!.started).toBe(false)
    expect(status.initContainerStatuses[0]!.restartCount).toBeGreaterThan(0)
    expect(status.initContainerStatuses[1]!.state.waiting?.reason).toBe('PodInitializing')
    expect(status.containerStatuses[0]!.state.waiting?.reason).toBe('PodInitializing')
  })
})
