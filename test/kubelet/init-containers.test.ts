// A pod's init containers under `kubemu up` (manual clock) with the real kubectl 1.32 beside
// kubemu's: they run one after the other before the pod's containers, each to its exit; the pod
// is Pending and not Initialized meanwhile (Init:N/M), its containers wait in PodInitializing; a
// failing one restarts (Init:Error, Init:CrashLoopBackOff) or, under restartPolicy Never, fails
// the pod. And in one-shot mode, where the next command finds them as time left them.
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const pod = (name: string, policy: string, inits: ReadonlyArray<[string, string]>) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: ${policy}
  initContainers:
${inits.map(([container, script]) => `  - name: ${container}\n    image: busybox:1.36\n    command: [sh, -c, '${script}']`).join('\n')}
  containers:
  - name: app
    image: nginx:1.27
`

type Status = {name: string; ready: boolean; started: boolean; restartCount: number; state: {running?: unknown; waiting?: {reason: string}; terminated?: {exitCode: number; reason: string; finishedAt: string}}}
type Condition = {type: string; status: string; reason?: string; message?: string}

describe('init containers under up', {timeout: 300_000}, () => {
  const {ours, real, home} = kubectlsOnUp(['--manual-clock'])
  const advance = async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: home(), env: {...process.env, KUBEMU_HOME: home(), KUBECONFIG: ''}})).status).toBe(0)
  /** READY, STATUS and RESTARTS as the real kubectl prints them (the same from kubemu's kubectl). */
  const line = async (name: string) => {
    const printed = (await real(`get pod ${name} --no-headers`)).stdout.trim().split(/ +/).slice(1, 4).join(' ')
    expect((await ours(`get pod ${name} --no-headers`)).stdout.trim().split(/ +/).slice(1, 4).join(' ')).toBe(printed)
    return printed
  }
  const status = async (name: string) => JSON.parse((await real(`get pod ${name} -o jsonpath={.status}`)).stdout) as {phase: string; conditions: Condition[]; initContainerStatuses: Status[]; containerStatuses: Status[]}
  const waitFor = async (name: string, jsonpath: string) => expect((await real(`wait --for=jsonpath='${jsonpath}' pod/${name} --timeout=60s`)).status).toBe(0)

  it('runs them one after the other, to their exit, before the containers', async () => {
    expect((await real('apply -f -', pod('staged', 'Always', [['setup', 'echo preparing; sleep 5'], ['migrate', 'echo migrated']]))).status).toBe(0)
    await waitFor('staged', '{.status.initContainerStatuses[0].started}=true')
    expect(await line('staged')).toBe('0/1 Init:0/2 0')
    const initializing = await status('staged')
    expect(initializing.phase).toBe('Pending')
    expect(initializing.conditions.find((condition) => condition.type === 'Initialized')).toMatchObject({status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [setup migrate]'})
    expect(initializing.conditions.find((condition) => condition.type === 'Ready')).toMatchObject({status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]'})
    expect(initializing.initContainerStatuses.map((entry) => [entry.name, Object.keys(entry.state)[0], entry.started, entry.ready])).toEqual([['setup', 'running', true, false], ['migrate', 'waiting', false, false]])
    expect(initializing.containerStatuses[0]!.state.waiting?.reason).toBe('PodInitializing')
    // The pod's container has not started: both kubectls print the kubelet's refusal.
    const refusal = 'Error from server (BadRequest): container "app" in pod "staged" is waiting to start: PodInitializing'
    const [realLogs, ownLogs] = [await real('logs staged -c app'), await ours('logs staged -c app')]
    expect([realLogs.status, realLogs.stderr.trim()]).toEqual([1, refusal])
    expect([ownLogs.status, ownLogs.stderr.trim()]).toEqual([1, refusal])
    expect((await real('logs staged -c setup')).stdout).toBe('preparing\n')

    await advance('5s')
    await waitFor('staged', '{.status.phase}=Running')
    expect(await line('staged')).toBe('1/1 Running 0')
    const done = await status('staged')
    expect(done.conditions.find((condition) => condition.type === 'Initialized')).toMatchObject({status: 'True'})
    expect(done.initContainerStatuses.map((entry) => [entry.name, entry.state.terminated?.reason, entry.ready, entry.started])).toEqual([['setup', 'Completed', true, false], ['migrate', 'Completed', true, false]])
    expect((await ours('logs staged -c migrate')).stdout).toBe('migrated\n')
    // Without -c: the first container, and kubectl says which of all it picked.
    const [realDefault, ownDefault] = [await real('logs staged'), await ours('logs staged')]
    expect(realDefault.stderr).toBe('Defaulted container "app" out of: app, setup (init), migrate (init)\n')
    expect([ownDefault.status, ownDefault.stderr, ownDefault.stdout]).toEqual([0, realDefault.stderr, realDefault.stdout])
    // The kubelet's events, in order: each init container created and started, then the container.
    const started = (await real(`get events --field-selector involvedObject.name=staged --sort-by=.metadata.creationTimestamp -o jsonpath='{range .items[*]}{.reason}:{.message}{"\\n"}{end}'`)).stdout
    const starts = started.split('\n').filter((entry) => entry.startsWith('Started:'))
    expect(starts).toEqual(['Started:Started container setup', 'Started:Started container migrate', 'Started:Started container app'])
  })

  it("runs an image's own program to its end, as a migration does", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: migrated}
spec:
  initContainers:
  - {name: migrate, image: "myorg/migrator:1.0", command: [/app/migrate, --up]}
  - {name: fetch, image: "alpine/git:2.45.2", args: [clone, "https://example.com/repo.git", /work]}
  containers:
  - {name: app, image: "nginx:1.27"}
`
    expect((await real('apply -f -', manifest)).status).toBe(0)
    await waitFor('migrated', '{.status.initContainerStatuses[0].started}=true')
    expect(await line('migrated')).toBe('0/1 Init:0/2 0')
    await advance('2s')
    await waitFor('migrated', '{.status.initContainerStatuses[0].state.terminated.reason}=Completed')
    await advance('2s')
    await waitFor('migrated', '{.status.phase}=Running')
    expect(await line('migrated')).toBe('1/1 Running 0')
  })

  it("waits for a Service as the docs' example does: looked at again when it comes, done at the next try after it", async () => {
    const script = 'until nslookup waited-for.default.svc.cluster.local; do echo waiting for the service; sleep 2; done'
    expect((await real('apply -f -', pod('waiting', 'Always', [['wait-for-service', script]]))).status).toBe(0)
    await waitFor('waiting', '{.status.initContainerStatuses[0].started}=true')
    await advance('5s')
    expect(await line('waiting')).toBe('0/1 Init:0/1 0')
    expect((await real('create service clusterip waited-for --tcp=80:80')).status).toBe(0)
    await advance('2s')
    await waitFor('waiting', '{.status.initContainerStatuses[0].state.terminated.reason}=Completed')
    // The tries before the Service came failed; the one after it found it.
    const log = (await real('logs waiting -c wait-for-service')).stdout
    expect(log.match(/waiting for the service/g)?.length).toBeGreaterThanOrEqual(3)
    expect(log).toMatch(/Name:\twaited-for\.default\.svc\.cluster\.local\nAddress: 10\.\d+\.\d+\.\d+\n\n$/)
    const finished = Date.parse((await status('waiting')).initContainerStatuses[0]!.state.terminated!.finishedAt)
    const created = Date.parse((await real('get service waited-for -o jsonpath={.metadata.creationTimestamp}')).stdout)
    expect(finished).toBeGreaterThanOrEqual(created)
  })

  it('a pod deleted while an init container runs stops that container', async () => {
    expect((await real('apply -f -', pod('interrupted', 'Always', [['setup', 'sleep 300']]))).status).toBe(0)
    await waitFor('interrupted', '{.status.initContainerStatuses[0].started}=true')
    // Under the manual clock the grace period takes no time (as every simulated delay); the
    // kubelet still stops the running init container first, and only it.
    expect((await real('delete pod interrupted --timeout=60s')).status).toBe(0)
    expect((await real('get events --field-selector involvedObject.name=interrupted,reason=Killing -o jsonpath={.items[*].message}')).stdout).toBe('Stopping container setup')
  })

  it('restarts a failing one with back-off, and under Never fails the pod', async () => {
    expect((await real('apply -f -', pod('retrying', 'Always', [['check', 'exit 1']]))).status).toBe(0)
    expect((await real('apply -f -', pod('doomed', 'Never', [['check', 'exit 3']]))).status).toBe(0)
    await waitFor('doomed', '{.status.phase}=Failed')
    expect(await line('doomed')).toBe('0/1 Init:Error 0')
    const failed = await status('doomed')
    expect(failed.initContainerStatuses[0]!.state.terminated).toMatchObject({exitCode: 3, reason: 'Error'})
    expect(failed.containerStatuses[0]!.state.waiting?.reason).toBe('PodInitializing')
    // The pod is over: its sandbox gone, its readiness false for the kubelet's PodFailed reason.
    expect(Object.fromEntries(failed.conditions.map((condition) => [condition.type, [condition.status, condition.reason ?? '']]))).toMatchObject({PodReadyToStartContainers: ['False', ''], Ready: ['False', 'PodFailed'], ContainersReady: ['False', 'PodFailed']})
    // Restarted at once after its first exit, then back-off: CrashLoopBackOff with one restart.
    await waitFor('retrying', '{.status.initContainerStatuses[0].state.waiting.reason}=CrashLoopBackOff')
    expect(await line('retrying')).toBe('0/1 Init:CrashLoopBackOff 1')
    await advance('10s')
    await waitFor('retrying', '{.status.initContainerStatuses[0].restartCount}=2')
    const events = (await ours('get events --field-selector involvedObject.name=retrying,reason=BackOff -o jsonpath={.items[0].message}')).stdout
    expect(events).toMatch(/^Back-off restarting failed container check in pod retrying_default\(/)
  })
})

describe('init containers, one-shot', () => {
  it('a later command finds them where the time left them', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env, stdin})
    expect((await run('kubectl apply -f -', pod('staged', 'Always', [['setup', 'sleep 30'], ['migrate', 'true']]))).status).toBe(0)
    expect((await run('kubectl get pod staged --no-headers')).stdout).toMatch(/^staged +0\/1 +Init:0\/2 +0 /)
    const why = (await run('why pod/staged')).stdout
    expect(why).toMatch(/^pod\/staged in namespace default: Initializing\n\npod\/staged is initializing on node \S+: 0 of 2 init containers completed, init container setup runs \(for \d+s\); `kubectl logs staged -c setup` shows what it does\./)
    expect(why).toContain('  - init container setup: running, ready=false, restarts=0\n')
    expect((await run('time advance 31s')).status).toBe(0)
    expect((await run('kubectl get pod staged --no-headers')).stdout).toMatch(/^staged +1\/1 +Running +0 /)
  })
})
