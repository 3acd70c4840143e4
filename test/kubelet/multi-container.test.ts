// A pod's several containers as the kubelet handles each on its own, under `kubemu up` with a
// manual clock and the real kubectl 1.32 beside kubemu's: under restartPolicy Never/OnFailure a
// container's exit shows in its status at once (kubectl's STATUS column computes NotReady, then
// Completed or Error, from the containers, read in the order of the statuses: sorted by name, as
// the kubelet reports them), and while one container waits in CrashLoopBackOff the others' exits
// restart them at their own time.
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const pod = (name: string, policy: string, containers: ReadonlyArray<[string, string]>) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: ${policy}
  containers:
${containers.map(([container, script]) => `  - name: ${container}\n    image: busybox:1.36\n    command: [sh, -c, '${script}']`).join('\n')}
`

type ContainerStatus = {name: string; restartCount: number; ready: boolean; state: {running?: unknown; waiting?: {reason: string}; terminated?: {exitCode: number; reason: string}}}

describe('several containers of one pod, each handled when it changes', {timeout: 300_000}, () => {
  let up: UpProcess | null = null
  let home = ''
  const env = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: env(), stdin})
  const ours = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: env()})
  const advance = async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: home, env: env()})).status).toBe(0)
  /** The pod's line as the real kubectl prints it, READY, STATUS and RESTARTS (the same from kubemu's kubectl). */
  const line = async (name: string) => {
    const printed = (await real(`get pod ${name} --no-headers`)).stdout.trim().split(/ +/).slice(0, 4).join(' ')
    expect((await ours(`get pod ${name} --no-headers`)).stdout.trim().split(/ +/).slice(0, 4).join(' ')).toBe(printed)
    return printed
  }
  const statuses = async (name: string) => Object.fromEntries((JSON.parse((await real(`get pod ${name} -o jsonpath='{.status.containerStatuses}'`)).stdout) as ContainerStatus[]).map((status) => [status.name, status]))

  afterAll(async () => {
    await up?.stop()
  })

  it('shows each container that ended under Never at once: NotReady while others run, then Completed or Error', async () => {
    home = temporaryFolder()
    up = new UpProcess(home, ['--seed', '42', '--manual-clock'])
    await up.until(/leader election: \S+ leads/)
    // kubectl looks from the last container to the first: the first one's reason is the STATUS unless one still runs.
    expect((await real('apply -f -', pod('pair', 'Never', [['quick', 'echo done'], ['slow', 'sleep 30; exit 3']]))).status).toBe(0)
    expect((await real('wait --for=jsonpath={.status.containerStatuses[0].state.terminated.reason}=Completed pod/pair --timeout=60s')).status).toBe(0)
    expect(await line('pair')).toBe('pair 1/2 NotReady 0')
    const during = await statuses('pair')
    expect(during.quick!.state.terminated).toMatchObject({exitCode: 0, reason: 'Completed'})
    expect(during.slow!.state.running).toBeDefined()
    expect((await real("get pod pair -o jsonpath='{.status.phase}'")).stdout).toBe('Running')
    await advance('31s')
    expect((await real('wait --for=jsonpath={.status.phase}=Failed pod/pair --timeout=60s')).status).toBe(0)
    expect(await line('pair')).toBe('pair 0/2 Completed 0')
    const after = await statuses('pair')
    // Each container keeps its own exit.
    expect(after.quick!.state.terminated).toMatchObject({exitCode: 0, reason: 'Completed'})
    expect(after.slow!.state.terminated).toMatchObject({exitCode: 3, reason: 'Error'})
    // The failing container first: Error.
    expect((await real('apply -f -', pod('failing-first', 'Never', [['broken', 'exit 2'], ['worker', 'sleep 30']]))).status).toBe(0)
    expect((await real('wait --for=jsonpath={.status.containerStatuses[0].state.terminated.reason}=Error pod/failing-first --timeout=60s')).status).toBe(0)
    expect(await line('failing-first')).toBe('failing-first 1/2 Error 0')
  })

  it("lists the containers' statuses sorted by name, as the kubelet's status manager does: STATUS and a jsonpath read them in that order", async () => {
    // zeta fails, alpha completes: kubectl reads from the last status to the first, so alpha's Completed shows.
    expect((await real('apply -f -', pod('order', 'Never', [['zeta', 'exit 2'], ['alpha', 'echo done']]))).status).toBe(0)
    expect((await real('wait --for=jsonpath={.status.phase}=Failed pod/order --timeout=60s')).status).toBe(0)
    expect((await real("get pod order -o jsonpath='{.status.containerStatuses[*].name}'")).stdout).toBe('alpha zeta')
    expect(await line('order')).toBe('order 0/2 Completed 0')
    // describe keeps the spec's order.
    const described = (await ours('describe pod order')).stdout
    expect(described.indexOf('  zeta:')).toBeGreaterThan(0)
    expect(described.indexOf('  zeta:')).toBeLessThan(described.indexOf('  alpha:'))
  })

  it('under OnFailure restarts a failed container alone and keeps a completed one terminated', async () => {
    expect((await real('apply -f -', pod('mixed', 'OnFailure', [['done', 'echo done'], ['flaky', 'sleep 5; exit 1'], ['server', 'sleep 3600']]))).status).toBe(0)
    expect((await real('wait --for=jsonpath={.status.containerStatuses[0].state.terminated.reason}=Completed pod/mixed --timeout=60s')).status).toBe(0)
    await advance('6s')
    expect((await real('wait --for=jsonpath={.status.containerStatuses[1].restartCount}=1 pod/mixed --timeout=60s')).status).toBe(0)
    const seen = await statuses('mixed')
    expect(seen.done).toMatchObject({restartCount: 0, state: {terminated: {exitCode: 0, reason: 'Completed'}}})
    expect(seen.server).toMatchObject({restartCount: 0, ready: true})
    expect(await line('mixed')).toBe('mixed 2/3 NotReady 1')
  })

  it("handles one container's exits while another waits in CrashLoopBackOff, each on its own back-off", async () => {
    // crashing exits at once every run; slow exits 15 s into each run.
    expect((await real('apply -f -', pod('two-faults', 'Always', [['crashing', 'exit 1'], ['slow', 'sleep 15; exit 1']]))).status).toBe(0)
    // crashing: restarted at once, then waits 10 s, 20 s, 40 s … (its second exit puts it in CrashLoopBackOff).
    expect((await real('wait --for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff pod/two-faults --timeout=60s')).status).toBe(0)
    // 16 s on, slow has exited once and runs again at once, while crashing still backs off (its 10 s, then 20 s).
    await advance('16s')
    expect((await real('wait --for=jsonpath={.status.containerStatuses[1].restartCount}=1 pod/two-faults --timeout=60s')).status).toBe(0)
    const both = await statuses('two-faults')
    expect(both.slow).toMatchObject({restartCount: 1, state: {running: {}}})
    const events = (await real("get events --field-selector involvedObject.name=two-faults -o jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}'")).stdout
    expect(events).toMatch(/^BackOff: Back-off restarting failed container crashing in pod two-faults_default\(/m)
    expect(events).toMatch(/^Started: Started container slow$/m)
  })
})
