// Containers that follow their command, through the CLI in one-shot mode: exits drive restarts
// and completion, logs hold what was echoed, exec runs in the running container (its changes
// stay), and the docs' exec liveness probe restarts the container at its cluster time.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

const livenessPod = `apiVersion: v1
kind: Pod
metadata: {name: liveness-exec, labels: {test: liveness}}
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox
    args: [/bin/sh, -c, touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600]
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      initialDelaySeconds: 5
      periodSeconds: 5
`

// A slow start the startup probe waits for (its file comes at 12 s), then a liveness probe that
// fails twice (35 s, 40 s) and passes again before its failureThreshold (3).
const flakyPod = `apiVersion: v1
kind: Pod
metadata: {name: flaky}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'sleep 12; touch /tmp/started /tmp/healthy; sleep 20; rm /tmp/healthy; sleep 12; touch /tmp/healthy; sleep 600']
    startupProbe:
      exec: {command: [cat, /tmp/started]}
      initialDelaySeconds: 5
      periodSeconds: 5
      failureThreshold: 10
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      initialDelaySeconds: 5
      periodSeconds: 5
`

const neverReadyPod = `apiVersion: v1
kind: Pod
metadata: {name: never-ready}
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: [sh, -c, 'sleep 3600']
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
      initialDelaySeconds: 5
      periodSeconds: 5
`

const threeContainerPod = `apiVersion: v1
kind: Pod
metadata: {name: trio}
spec:
  containers:
  - name: web
    image: nginx:1.27
  - name: worker
    image: busybox:1.36
    command: [sh, -c, 'echo working; sleep 5; exit 1']
  - name: probed
    image: busybox:1.36
    command: [sh, -c, 'sleep 3600']
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      initialDelaySeconds: 5
      periodSeconds: 5
`

const envPod = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {COLOUR: blue, motd: "hello from the config map"}
---
apiVersion: v1
kind: Pod
metadata: {name: env-demo, labels: {app: demo}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: [sh, -c, 'echo "$(GREETING) $NAME in $POD_NAMESPACE, colour $COLOUR"; cat /config/motd; echo; echo $MY_LABEL']
    env:
    - {name: NAME, value: world}
    - {name: GREETING, value: "hi $(NAME)"}
    - name: POD_NAMESPACE
      valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
    - name: MY_LABEL
      valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}
    envFrom:
    - configMapRef: {name: settings}
    volumeMounts:
    - {name: config, mountPath: /config}
  volumes:
  - name: config
    configMap: {name: settings}
`

describe('containers that follow their command', () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment(), stdin})

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('a one-shot command completes, a failing one crash-loops, and logs hold what they echoed', async () => {
    expect(await kubectl("run hi --image=busybox --restart=Never -- sh -c 'echo hi'")).toMatchObject({status: 0, stdout: 'pod/hi created\n'})
    expect((await kubectl('get pod hi --no-headers')).stdout).toMatch(/^hi +0\/1 +Completed +0 /)
    expect((await kubectl('logs hi')).stdout).toBe('hi\n')
    expect((await kubectl('run crash --image=busybox -- sh -c "echo dying; exit 1"')).status).toBe(0)
    expect((await kubectl('get pod crash --no-headers')).stdout).toMatch(/^crash +0\/1 +(CrashLoopBackOff|Error) +1 /)
    expect((await kubectl("get pod crash -o jsonpath='{.status.containerStatuses[0].lastState.terminated.exitCode} {.status.containerStatuses[0].lastState.terminated.reason}'")).stdout).toBe('1 Error')
    expect((await kubectl('logs crash --previous')).stdout).toBe('dying\n')
    const stamped = (await kubectl('logs hi --timestamps')).stdout
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hi\n$/)
  })

  it('logs --since, --limit-bytes and a malformed duration, as kubectl sends and refuses them', async () => {
    expect((await kubectl("run tick --image=busybox -- sh -c 'while true; do echo tick; sleep 10; done'")).status).toBe(0)
    expect((await runShell(`${kubemu} time advance 60s`, {cwd: home, env: environment()})).status).toBe(0)
    const all = (await kubectl('logs tick')).stdout.split('\n').filter(Boolean)
    expect(all.length).toBeGreaterThanOrEqual(6)
    // Ticks every 10 s: the last 25 s hold two or three of them.
    const recent = (await kubectl('logs tick --since=25s')).stdout.split('\n').filter(Boolean)
    expect(recent.length).toBeGreaterThanOrEqual(2)
    expect(recent.length).toBeLessThanOrEqual(3)
    expect((await kubectl('logs tick --limit-bytes=7')).stdout).toBe('tick\nti')
    expect(await kubectl('logs tick --since=abc')).toMatchObject({status: 1, stderr: expect.stringContaining('invalid argument "abc" for "--since" flag: time: invalid duration "abc"')})
  })

  it('run -it --rm prints the output, deletes the pod and leaves nothing behind', async () => {
    expect(await kubectl('run hello -it --rm --image=busybox --restart=Never -- echo hello')).toMatchObject({status: 0, stdout: 'hello\npod "hello" deleted\n'})
    expect((await kubectl('get pod hello')).stderr).toBe('Error from server (NotFound): pods "hello" not found\n')
    expect(await kubectl("run bad -i --rm --image=busybox --restart=Never -- sh -c 'echo bad; exit 2'")).toMatchObject({status: 2, stdout: 'bad\npod "bad" deleted\n', stderr: 'pod default/bad terminated (Error)\n'})
  })

  it('expands $(VAR) and $VAR from env, envFrom and the downward API, with ConfigMap volumes as files', async () => {
    expect((await kubectl('apply -f -', envPod)).status).toBe(0)
    expect((await kubectl('logs env-demo')).stdout).toBe('hi world world in default, colour blue\nhello from the config map\ndemo\n')
  })

  it("links the namespace's Services that existed when the container started into its environment, as the kubelet does", async () => {
    // A seeded cluster: its clock stands still between commands, so the Services and the start
    // share one second, in which only what the kubelet knew at the start tells them apart.
    const seededHome = temporaryFolder()
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: seededHome, env: {...process.env, KUBEMU_HOME: seededHome, KUBECONFIG: '', KUBEMU_SEED: '1'}})
    expect((await kubectl('create service clusterip links --tcp=8080:80,9090:90')).status).toBe(0)
    expect((await kubectl('create service clusterip headless-links --clusterip=None --tcp=80:80')).status).toBe(0)
    const ip = (await kubectl("get svc links -o jsonpath='{.spec.clusterIP}'")).stdout
    expect((await kubectl("run linked --image=busybox --env='TARGET=$(LINKS_SERVICE_HOST):$(LINKS_SERVICE_PORT)' -- sleep 3600")).status).toBe(0)
    expect((await kubectl('wait --for=condition=Ready pod/linked')).status).toBe(0)
    expect((await kubectl('create service clusterip later --tcp=80:80')).status).toBe(0)
    const variables = (await kubectl('exec linked -- env')).stdout.split('\n')
    expect(variables).toEqual(expect.arrayContaining([
      `TARGET=${ip}:8080`,
      'KUBERNETES_SERVICE_HOST=10.96.0.1',
      'KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443',
      'KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1',
      `LINKS_SERVICE_HOST=${ip}`,
      'LINKS_SERVICE_PORT=8080',
      'LINKS_SERVICE_PORT_8080_80=8080',
      'LINKS_SERVICE_PORT_9090_90=9090',
      `LINKS_PORT=tcp://${ip}:8080`,
      `LINKS_PORT_9090_TCP=tcp://${ip}:9090`,
      'LINKS_PORT_9090_TCP_PROTO=tcp',
      'LINKS_PORT_9090_TCP_PORT=9090',
      `LINKS_PORT_9090_TCP_ADDR=${ip}`,
    ]))
    // A headless Service has no address to link; one created after the container started is not in its environment.
    expect(variables.filter((line) => /^(HEADLESS_LINKS|LATER)_/.test(line))).toEqual([])
    const seconds = (await kubectl("get svc links later -o jsonpath='{range .items[*]}{.metadata.creationTimestamp} {end}'")).stdout
    const startedAt = (await kubectl("get pod linked -o jsonpath='{.status.containerStatuses[0].state.running.startedAt}'")).stdout
    expect(seconds).toBe(`${startedAt} ${startedAt} `)
  })

  it('exec runs in the running container, keeps what it changed, and reports exit codes as kubectl does', async () => {
    expect((await kubectl('run srv --image=nginx')).status).toBe(0)
    expect(await kubectl("exec srv -- sh -c 'touch /tmp/x && echo made'")).toMatchObject({status: 0, stdout: 'made\n'})
    expect(await kubectl('exec srv -- test -f /tmp/x')).toMatchObject({status: 0})
    expect(await kubectl('exec srv -- ls /tmp')).toMatchObject({status: 0, stdout: 'x\n'})
    expect(await kubectl('exec srv -- cat /etc/hostname')).toMatchObject({status: 0, stdout: 'srv\n'})
    expect(await kubectl("exec srv -- sh -c 'echo to stderr >&2; exit 3'")).toMatchObject({status: 3, stdout: '', stderr: 'to stderr\ncommand terminated with exit code 3\n'})
    // A pipeline stage's or a substitution's error goes to the shell's stderr, as sh writes it.
    expect(await kubectl("exec srv -- sh -c 'nosuch | cat; echo $(nosuch) done; env | nosuch2 | head -1'")).toMatchObject({
      status: 0,
      stdout: 'done\n',
      stderr: 'sh: nosuch: not found\nsh: nosuch: not found\nsh: nosuch2: not found\n',
    })
    expect(await kubectl(`exec srv -- sh -c 'env | sort | head -1; printf "10 b\\n9 a\\n10 a\\n" | sort -rn; printf "b\\na\\nb\\n" | sort -u'`)).toMatchObject({
      status: 0,
      stdout: 'HOME=/root\n10 b\n10 a\n9 a\na\nb\n',
      stderr: '',
    })
    expect(await kubectl('exec srv -- foo')).toMatchObject({
      status: 126,
      stdout: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "foo": executable file not found in $PATH: unknown\r\n',
      stderr: 'command terminated with exit code 126\n',
    })
  })

  it("restarts the docs' exec liveness example when its probe fails, at the cluster time a cluster would", async () => {
    // A seeded cluster of its own: its clock moves only with `time advance`, so wall time between
    // commands (long on a busy machine) cannot add a second kill to what the test looks at.
    const seededHome = temporaryFolder()
    const seededEnvironment = () => ({...process.env, KUBEMU_HOME: seededHome, KUBECONFIG: '', KUBEMU_SEED: '1'})
    const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: seededHome, env: seededEnvironment(), stdin})
    expect((await kubectl('apply -f -', livenessPod)).status).toBe(0)
    // The file is there for 30 s.
    expect((await runShell(`${kubemu} time advance 15s`, {cwd: seededHome, env: seededEnvironment()})).status).toBe(0)
    expect((await kubectl("get pod liveness-exec -o jsonpath='{.status.containerStatuses[0].restartCount}'")).stdout).toBe('0')
    expect((await runShell(`${kubemu} time advance 45s`, {cwd: seededHome, env: seededEnvironment()})).status).toBe(0)
    const status = JSON.parse((await kubectl("get pod liveness-exec -o jsonpath='{.status.containerStatuses[0]}'")).stdout) as {restartCount: number; lastState: {terminated: {exitCode: number; reason: string; startedAt: string; finishedAt: string}}}
    expect(status.restartCount).toBe(1)
    expect(status.lastState.terminated).toMatchObject({exitCode: 137, reason: 'Error'})
    // Probes at 5, 10, … s; the file goes at 30 s; three failures in a row (30, 35, 40 s) kill it.
    expect(Date.parse(status.lastState.terminated.finishedAt) - Date.parse(status.lastState.terminated.startedAt)).toBe(40_000)
    const events = (await kubectl(`get events --field-selector involvedObject.name=liveness-exec -o jsonpath='{range .items[*]}{.reason}: {.message} (x{.count}) {.firstTimestamp} {.lastTimestamp}{"\\n"}{end}'`)).stdout
    const started = Date.parse(status.lastState.terminated.startedAt)
    const second = (offset: number) => new Date(started + offset * 1000).toISOString().replace('.000Z', 'Z')
    // Each failure at the cluster time its probe ran (30, 35, 40 s), so describe tells "x3 over 10s".
    const unhealthy = /Unhealthy: Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory \(x(\d+)\) (\S+) (\S+)\n/.exec(events)
    const killing = /Killing: Container liveness failed liveness probe, will be restarted \(x(\d+)\) (\S+) (\S+)\n/.exec(events)
    expect(unhealthy?.slice(1)).toEqual(['3', second(30), second(40)])
    expect(killing?.slice(1)).toEqual(['1', second(40), second(40)])
    // Nothing is in back-off before its first restart: the kubelet starts it again at once, as a
    // real node does, and the restart counts on the first start's events (x2, as a real node's).
    // An image without a tag is pulled at every start (imagePullPolicy defaults to Always for it).
    for (const line of ['Pulling image "registry.k8s.io/busybox"', 'Created container liveness', 'Started container liveness']) {
      expect(events).toMatch(new RegExp(`: ${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(x[23]\\) ${second(0)} \\S+\\n`))
    }
    expect(events).toMatch(new RegExp(`Pulled: Successfully pulled image "registry\\.k8s\\.io/busybox" in (\\d+(\\.\\d+)?m?s) \\(\\1 including waiting\\)\\. Image size: \\d+ bytes\\. \\(x[23]\\) ${second(0)} \\S+\\n`))
    const backOff = /BackOff: [^\n]+ \(x\d+\) (\S+) \S+\n/.exec(events)
    if (backOff) expect(Date.parse(backOff[1]!)).toBeGreaterThan(started + 40_000)
  })

  it('records startup and liveness probe failures that kill nothing, as the prober records every failed probe', async () => {
    const seededHome = temporaryFolder()
    const seededEnvironment = () => ({...process.env, KUBEMU_HOME: seededHome, KUBECONFIG: '', KUBEMU_SEED: '1'})
    const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: seededHome, env: seededEnvironment(), stdin})
    expect((await kubectl('apply -f -', flakyPod)).status).toBe(0)
    expect((await runShell(`${kubemu} time advance 60s`, {cwd: seededHome, env: seededEnvironment()})).status).toBe(0)
    expect((await kubectl("get pod flaky -o jsonpath='{.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].started}'")).stdout).toBe('0 true')
    const startedAt = Date.parse((await kubectl("get pod flaky -o jsonpath='{.status.containerStatuses[0].state.running.startedAt}'")).stdout)
    const second = (offset: number) => new Date(startedAt + offset * 1000).toISOString().replace('.000Z', 'Z')
    const events = (await kubectl(`get events --field-selector involvedObject.name=flaky,reason=Unhealthy -o jsonpath='{range .items[*]}{.involvedObject.fieldPath} {.message} (x{.count}) {.firstTimestamp} {.lastTimestamp}{"\\n"}{end}'`)).stdout
    expect(events.split('\n').filter(Boolean).sort()).toEqual([
      `spec.containers{app} Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory (x2) ${second(35)} ${second(40)}`,
      `spec.containers{app} Startup probe failed: cat: can't open '/tmp/started': No such file or directory (x2) ${second(5)} ${second(10)}`,
    ])
    expect((await kubectl('get events --field-selector involvedObject.name=flaky,reason=Killing -o name')).stdout).toBe('')
    // Looked at again, nothing is told twice.
    expect((await runShell(`${kubemu} time advance 10s`, {cwd: seededHome, env: seededEnvironment()})).status).toBe(0)
    expect((await kubectl(`get events --field-selector involvedObject.name=flaky,reason=Unhealthy -o jsonpath='{.items[*].count}'`)).stdout).toBe('2 2')
  })

  it('records every failed readiness probe, of a pod that was never ready too, as describe shows them aggregated', async () => {
    expect((await kubectl('apply -f -', neverReadyPod)).status).toBe(0)
    expect((await runShell(`${kubemu} time advance 30s`, {cwd: home, env: environment()})).status).toBe(0)
    expect((await kubectl("get pod never-ready -o jsonpath='{.status.containerStatuses[0].ready} {.status.containerStatuses[0].restartCount}'")).stdout).toBe('false 0')
    const startedAt = Date.parse((await kubectl("get pod never-ready -o jsonpath='{.status.containerStatuses[0].state.running.startedAt}'")).stdout)
    const unhealthy = async () => {
      const [count, first, last] = (await kubectl("get events --field-selector involvedObject.name=never-ready,reason=Unhealthy -o jsonpath='{.items[0].count} {.items[0].firstTimestamp} {.items[0].lastTimestamp} {.items[0].message}'")).stdout.split(' ')
      return {count: Number(count), first: Date.parse(first!), last: Date.parse(last!)}
    }
    // One failure every period from initialDelaySeconds on, each at the cluster time its probe ran.
    const seen = await unhealthy()
    expect(seen.first).toBe(startedAt + 5_000)
    expect(seen.count).toBeGreaterThanOrEqual(6)
    expect(seen.count).toBe((seen.last - seen.first) / 5_000 + 1)
    const described = (await kubectl('describe pod never-ready')).stdout
    expect(described).toMatch(new RegExp(`Warning +Unhealthy +\\S+ \\(x\\d+ over \\S+\\) +kubelet +Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory\n`))
    // Later failures add to the same event, one a period, never twice for one probe.
    expect((await runShell(`${kubemu} time advance 20s`, {cwd: home, env: environment()})).status).toBe(0)
    const later = await unhealthy()
    expect(later.first).toBe(seen.first)
    expect(later.count).toBeGreaterThanOrEqual(seen.count + 4)
    expect(later.count).toBe((later.last - later.first) / 5_000 + 1)
  })

  it('pulls an image at each start under imagePullPolicy Always (the default for :latest or no tag)', async () => {
    const pod = (name: string, image: string, policy?: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers:
  - name: main
    image: ${image}${policy ? `\n    imagePullPolicy: ${policy}` : ''}
`
    const manifests = [pod('untagged', 'nginx'), pod('latest', 'nginx:latest'), pod('always', 'nginx:1.27', 'Always')]
    expect((await kubectl('apply -f -', manifests.join('---\n'))).status).toBe(0)
    const imageEvents = async (name: string) => (await kubectl(`get events --field-selector involvedObject.name=${name} -o jsonpath='{range .items[*]}{.reason}: {.message}{"\\n"}{end}'`)).stdout.split('\n').filter((line) => /^Pull/.test(line))
    const pulled = /^Pulled: Successfully pulled image "([^"]+)" in (\d+(?:\.\d{1,3})?s|\d+ms) \(\2 including waiting\)\. Image size: (\d+) bytes\.$/
    const untagged = await imageEvents('untagged')
    expect(untagged[0]).toBe('Pulling: Pulling image "nginx"')
    expect(untagged[1]).toMatch(pulled)
    const latest = await imageEvents('latest')
    expect(latest[0]).toBe('Pulling: Pulling image "nginx:latest"')
    expect(latest[1]).toMatch(pulled)
    const always = await imageEvents('always')
    expect(always[0]).toBe('Pulling: Pulling image "nginx:1.27"')
    expect(always[1]).toMatch(pulled)
    // The same image pulls the same (its time and size come from its name); describe shows the line as a node's does.
    expect(pulled.exec(latest[1]!)!.slice(2)).toEqual(pulled.exec(untagged[1]!)!.slice(2))
    expect(Number(pulled.exec(always[1]!)![3])).toBeGreaterThan(0)
    // IfNotPresent and Never: images.test.ts.
    expect((await kubectl('describe pod untagged')).stdout).toMatch(/Normal +Pulling +\S+ +kubelet +Pulling image "nginx"\n +Normal +Pulled +\S+ +kubelet +Successfully pulled image "nginx" in \S+ \(\S+ including waiting\)\. Image size: \d+ bytes\.\n/)
  })

  it("restarts only the container that exited or failed its liveness probe: the pod's others run on", async () => {
    expect((await kubectl('apply -f -', threeContainerPod)).status).toBe(0)
    const webStartedAt = (await kubectl("get pod trio -o jsonpath='{.status.containerStatuses[?(@.name==\"web\")].state.running.startedAt}'")).stdout
    expect(webStartedAt).toMatch(/^\d{4}-/)
    expect((await runShell(`${kubemu} time advance 40s`, {cwd: home, env: environment()})).status).toBe(0)
    const statuses = JSON.parse((await kubectl("get pod trio -o jsonpath='{.status.containerStatuses}'")).stdout) as Array<{name: string; restartCount: number; state: {running?: {startedAt: string}}; lastState: {terminated?: {exitCode: number}}}>
    const byName = Object.fromEntries(statuses.map((status) => [status.name, status]))
    // web runs its first run still; worker exits every 5 s; probed fails three probes in a row (5, 10, 15 s).
    expect(byName.web).toMatchObject({restartCount: 0, state: {running: {startedAt: webStartedAt}}, lastState: {}})
    expect(byName.worker!.restartCount).toBeGreaterThanOrEqual(2)
    expect(byName.worker!.lastState.terminated?.exitCode).toBe(1)
    expect(byName.probed!.restartCount).toBeGreaterThanOrEqual(1)
    expect(byName.probed!.lastState.terminated?.exitCode).toBe(137)
    const events = (await kubectl("get events --field-selector involvedObject.name=trio -o jsonpath='{range .items[*]}{.reason}: {.message}{\"\\n\"}{end}'")).stdout
    expect(events).toMatch(/^BackOff: Back-off restarting failed container worker in pod trio_default\(/m)
    expect(events).toMatch(/^Killing: Container probed failed liveness probe, will be restarted$/m)
    expect(events).not.toMatch(/container web in pod|Container web failed|Stopping container web/)
    expect(events.match(/^Started: Started container web$/gm)).toHaveLength(1)
  })

  it('restarts a crashing container at once the first time, then after 10 s, 20 s … in CrashLoopBackOff', async () => {
    // A seeded cluster of its own: its clock moves only with `time advance`, so a busy machine's
    // wall time between commands cannot move the first start away from the pod's startTime.
    const seededHome = temporaryFolder()
    const environment = () => ({...process.env, KUBEMU_HOME: seededHome, KUBECONFIG: '', KUBEMU_SEED: '1'})
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: seededHome, env: environment()})
    expect((await kubectl("run crashing --image=busybox -- sh -c 'echo dying; exit 1'")).status).toBe(0)
    const startTime = Date.parse((await kubectl("get pod crashing -o jsonpath='{.status.startTime}'")).stdout)
    // Each look checks what its restart count implies: after n restarts the run that just ended started 10 s × (2^(n-1) - 1) after the first (the
    // first exit restarts at once; the runs take no time), and it waits 10 s × 2^(n-1).
    const look = async () => {
      const container = JSON.parse((await kubectl("get pod crashing -o jsonpath='{.status.containerStatuses[0]}'")).stdout) as {restartCount: number; state: {waiting?: {reason: string; message: string}}; lastState: {terminated: {startedAt: string}}}
      const restarts = container.restartCount
      expect(restarts).toBeGreaterThanOrEqual(1)
      // (The first run starts a moment after the pod's startTime: both in whole seconds, they may be one apart.)
      const startedAfter = Date.parse(container.lastState.terminated.startedAt) - startTime - 10_000 * (2 ** (restarts - 1) - 1)
      expect([0, 1000]).toContain(startedAfter)
      expect(container.state.waiting?.message).toMatch(new RegExp(`^back-off ${10 * 2 ** (restarts - 1)}s restarting failed container=crashing pod=crashing_default\\(`))
      return restarts
    }
    const before = await look()
    // The first exit restarted it at once; the second waits 10 s, and the clock stands still.
    expect(before).toBe(1)
    expect((await kubectl('logs crashing')).stdout).toBe('dying\n')
    expect((await runShell(`${kubemu} time advance ${10 * 2 ** (before - 1) + 1}s`, {cwd: seededHome, env: environment()})).status).toBe(0)
    expect(await look()).toBe(2)
  })
})
