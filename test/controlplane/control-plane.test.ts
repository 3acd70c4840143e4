// The control plane in one-shot mode, end to end through the CLI: a kubectl command that changes
// the cluster returns once the scheduler, the controllers and the kubelets are done with it.
// Deployments, scheduling, garbage collection, Jobs, rollouts, logs and quotas; nodes, Services
// and stateful workloads are in control-plane-placement.test.ts (two files, so that they run side by side).
import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {deploymentManifest as deployment, kubemu, oneShotCluster} from '../support/one-shot-cluster.js'

describe('the control plane, one-shot', () => {
  const {home, environment, kubectl, kubemu: run, podsByNode} = oneShotCluster()

  it('apply of a 3-replica Deployment returns with 3 Running pods on the workers, none on the tainted control plane', async () => {
    expect(await kubectl('apply -f -', deployment('web', 3, 'nginx:1.27', '100m'))).toMatchObject({status: 0, stdout: 'deployment.apps/web created\n', stderr: ''})
    const counts = await podsByNode('app=web')
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(3)
    for (const [where] of Object.entries(counts)) expect(where).toMatch(/^worker-\d=Running$/)
    const ready = await kubectl("get deployment web -o jsonpath='{.status.readyReplicas}/{.status.availableReplicas}/{.status.updatedReplicas}'")
    expect(ready.stdout).toBe('3/3/3')
    const pod = (await kubectl("get pods -l app=web -o jsonpath='{.items[0].metadata.name}'")).stdout
    // The scheduler's last attempt is kubemu's own report: `kubemu why` shows it, describe stays kubectl's.
    const explained = await run(`why pod/${pod}`)
    expect(explained.stdout).toMatch(/\n {2}- scheduler's last attempt at .* \(profile default-scheduler\): Scheduled to worker-\d, 6 nodes evaluated, 3 feasible\n/)
    for (const master of ['control-plane', 'control-plane2', 'control-plane3']) expect(explained.stdout).toContain(`\n    node ${master}: TaintToleration: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }\n`)
    expect(explained.stdout).toMatch(/\n {4}node worker-\d: passed, score \d+ \(TaintToleration=\d+ .*NodeResourcesFit=\d+/)
    const described = await kubectl(`describe pod ${pod}`)
    expect(described.stdout).not.toMatch(/kubemu|Scheduling Attempt/)
    expect(described.stdout).toMatch(/Normal {2}Scheduled .* default-scheduler {2}Successfully assigned default\/web-[a-z0-9]+-[a-z0-9]{5} to worker-\d/)
    expect(described.stdout).toMatch(/Normal {2}Started .* kubelet +Started container main/)
  })

  it('an image change rolls out within maxSurge and maxUnavailable at every step', async () => {
    const strategy = '  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}\n'
    expect((await kubectl('apply -f -', deployment('roll', 4, 'nginx:1.27', '100m', strategy))).status).toBe(0)
    // A watch in another process sees every ReplicaSet change of the rollout.
    const watcher = spawn(kubemu, ['kubectl', 'get', 'replicasets', '-l', 'app=roll', '-w', '-o', 'json', '--output-watch-events'], {cwd: home(), env: environment()})
    let output = ''
    watcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    await new Promise<void>((resolve) => watcher.stdout.once('data', () => resolve()))
    expect((await kubectl('set image deployment/roll main=nginx:1.28')).stdout).toBe('deployment.apps/roll image updated\n')
    const finished = await kubectl("get replicasets -l app=roll -o jsonpath='{range .items[*]}{.spec.template.spec.containers[0].image}={.spec.replicas}/{.status.availableReplicas} {end}'")
    expect(finished.stdout.trim().split(' ').sort()).toEqual(['nginx:1.27=0/', 'nginx:1.28=4/4'])
    type Event = {type: string; object: {metadata: {name: string}; spec: {replicas: number; template: {spec: {containers: Array<{image: string}>}}}; status: {availableReplicas?: number}}}
    const events = () => output.split(/\n(?=\{)/).filter((text) => text.trim().startsWith('{') && text.trim().endsWith('}')).map((text) => JSON.parse(text) as Event)
    const settled = () => {
      const last = new Map(events().map((event) => [event.object.spec.template.spec.containers[0]!.image, event.object]))
      return last.get('nginx:1.28')?.status.availableReplicas === 4 && last.get('nginx:1.27')?.spec.replicas === 0
    }
    // The watcher follows the database from another process: read until it has shown the end state.
    for (let chunk = 0; chunk < 10_000 && !settled(); chunk++) await new Promise<void>((resolve) => watcher.stdout.once('data', () => resolve()))
    watcher.kill()
    const states = new Map<string, {replicas: number; available: number}>()
    let steps = 0
    for (const event of events()) {
      states.set(event.object.metadata.name, {replicas: event.object.spec.replicas, available: event.object.status.availableReplicas ?? 0})
      const total = [...states.values()].reduce((sum, state) => sum + state.replicas, 0)
      const available = [...states.values()].reduce((sum, state) => sum + Math.min(state.available, state.replicas), 0)
      expect(total, `step ${steps}: ${JSON.stringify([...states])}`).toBeLessThanOrEqual(4 + 1)
      if (states.size === 2) expect(available, `step ${steps}: ${JSON.stringify([...states])}`).toBeGreaterThanOrEqual(4 - 1)
      steps++
    }
    expect(steps).toBeGreaterThan(4)
  })

  it('scaling to 50 fills the workers by requests and leaves the rest Pending with the FailedScheduling message', async () => {
    expect((await kubectl('apply -f -', deployment('wide', 3, 'nginx:1.27', '500m'))).status).toBe(0)
    expect((await kubectl('delete deployment roll web')).status).toBe(0)
    expect(await kubectl('scale deployment wide --replicas=50')).toMatchObject({status: 0, stdout: 'deployment.apps/wide scaled\n'})
    const counts = await podsByNode('app=wide')
    // 4 CPUs a worker: eight pods of 500m, or seven beside a CoreDNS replica (its 100m request), as kubeadm's addon runs one wherever it landed.
    const coreDns = await podsByNode('k8s-app=kube-dns -n kube-system')
    const fitting = Object.fromEntries(['worker-1', 'worker-2', 'worker-3'].map((worker) => [`${worker}=Running`, coreDns[`${worker}=Running`] ? 7 : 8]))
    const running = Object.values(fitting).reduce((sum, count) => sum + count, 0)
    expect(counts).toEqual({...fitting, '=Pending': 50 - running})
    const pending = (await kubectl("get pods -l app=wide --field-selector=status.phase=Pending -o jsonpath='{.items[0].metadata.name}'")).stdout
    const described = await kubectl(`describe pod ${pending}`)
    expect(described.stdout).toContain(
      'Warning  FailedScheduling  ',
    )
    expect(described.stdout).toContain(
      'default-scheduler  0/6 nodes are available: 3 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/6 nodes are available: 3 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.',
    )
    const condition = await kubectl(`get pod ${pending} -o jsonpath='{.status.conditions[0].type} {.status.conditions[0].status} {.status.conditions[0].reason}'`)
    expect(condition.stdout).toBe('PodScheduled False Unschedulable')
  })

  it('deleting the Deployment removes its ReplicaSets and pods (garbage collection)', async () => {
    expect(await kubectl('delete deployment wide')).toMatchObject({status: 0, stdout: 'deployment.apps "wide" deleted\n'})
    expect((await kubectl('get replicasets,pods -o name')).stdout).toBe('')
    const keys = await run(`etcdctl get /registry/pods/default --prefix --keys-only`)
    expect(keys.stdout).toBe('')
  })

  it('deleting a namespace removes everything in it from etcd', async () => {
    expect((await kubectl('create namespace shop')).status).toBe(0)
    expect((await kubectl('apply -n shop -f -', deployment('cart', 2, 'nginx:1.27', '100m'))).status).toBe(0)
    expect((await kubectl('create configmap settings -n shop --from-literal=a=1')).status).toBe(0)
    expect((await kubectl('get serviceaccount default -n shop -o name')).stdout).toBe('serviceaccount/default\n')
    expect(await kubectl('delete namespace shop')).toMatchObject({status: 0, stdout: 'namespace "shop" deleted\n'})
    const keys = await run(`etcdctl get /registry --prefix --keys-only`)
    expect(keys.stdout.split('\n').filter((key) => key.includes('/shop'))).toEqual([])
    expect((await kubectl('get namespace shop')).stderr).toBe('Error from server (NotFound): namespaces "shop" not found\n')
  })

  it('a Job runs to completion (parallelism at a time), and one whose pods fail stops at its backoff limit', async () => {
    const job = (name: string, exitCode: number, extra: string) => `apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
${extra}  template:
    metadata: {annotations: {kubemu.io/run-seconds: "20", kubemu.io/exit-code: "${exitCode}"}}
    spec:
      restartPolicy: Never
      containers: [{name: work, image: busybox, command: [sh, -c, "exit ${exitCode}"]}]
`
    expect((await kubectl('apply -f -', job('batch', 0, '  completions: 5\n  parallelism: 2\n'))).status).toBe(0)
    const done = await kubectl("get job batch -o jsonpath='{.status.succeeded} {.status.conditions[?(@.type==\"Complete\")].status} {.status.completionTime}'")
    expect(done.stdout).toMatch(/^5 True \d{4}-/)
    const phases = await kubectl("get pods -l job-name=batch -o jsonpath='{range .items[*]}{.status.phase} {.metadata.finalizers}{\"\\n\"}{end}'")
    expect(phases.stdout).toBe('Succeeded \n'.repeat(5))
    expect((await kubectl('get job batch')).stdout).toMatch(/^NAME +STATUS +COMPLETIONS +DURATION +AGE\nbatch +Complete +5\/5 /)
    expect((await kubectl('apply -f -', job('broken', 3, '  backoffLimit: 0\n'))).status).toBe(0)
    const failed = await kubectl("get job broken -o jsonpath='{.status.failed} {.status.conditions[?(@.type==\"Failed\")].reason}'")
    expect(failed.stdout).toBe('1 BackoffLimitExceeded')
  })

  it('rollout status, history, undo, pause, resume, restart and wait, with kubectl\'s messages', async () => {
    expect((await kubectl('apply -f -', deployment('app', 2, 'nginx:1.27', '100m'))).status).toBe(0)
    expect(await kubectl('rollout status deployment/app')).toMatchObject({status: 0, stdout: 'deployment "app" successfully rolled out\n'})
    expect((await kubectl('set image deployment/app main=nginx:1.28')).status).toBe(0)
    expect((await kubectl("annotate deployment app kubernetes.io/change-cause='to 1.28'")).status).toBe(0)
    expect((await kubectl('rollout history deployment/app')).stdout).toBe('deployment.apps/app \nREVISION  CHANGE-CAUSE\n1         <none>\n2         to 1.28\n\n')
    expect(await kubectl('rollout undo deployment/app')).toMatchObject({status: 0, stdout: 'deployment.apps/app rolled back\n'})
    expect((await kubectl("get deployment app -o jsonpath='{.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}'")).stdout).toBe('nginx:1.27 3')
    expect((await kubectl("get pods -l app=app -o jsonpath='{range .items[*]}{.spec.containers[0].image} {.status.phase}{\"\\n\"}{end}'")).stdout).toBe('nginx:1.27 Running\n'.repeat(2))
    expect(await kubectl('rollout pause deployment/app')).toMatchObject({status: 0, stdout: 'deployment.apps/app paused\n'})
    expect(await kubectl('rollout pause deployment/app')).toMatchObject({status: 1, stderr: 'error: deployments.apps "app" is already paused\n'})
    expect(await kubectl('rollout resume deployment/app')).toMatchObject({status: 0, stdout: 'deployment.apps/app resumed\n'})
    expect(await kubectl('rollout restart deployment/app')).toMatchObject({status: 0, stdout: 'deployment.apps/app restarted\n'})
    expect((await kubectl("get deployment app -o jsonpath='{.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}'")).stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)$/)
    expect(await kubectl('wait --for=condition=Available deployment/app')).toMatchObject({status: 0, stdout: 'deployment.apps/app condition met\n'})
    const pods = await kubectl("wait --for=jsonpath='{.status.phase}'=Running pods -l app=app")
    expect(pods.stdout).toMatch(/^pod\/app-[a-z0-9]+-[a-z0-9]{5} condition met\npod\/app-[a-z0-9]+-[a-z0-9]{5} condition met\n$/)
    expect(await kubectl('wait --for=condition=Ready pod/nope --timeout=1s')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n'})
    // A pod's deletion waits for its kubelet to stop it (graceful termination), within the command.
    const pod = (await kubectl("get pods -l app=app -o jsonpath='{.items[0].metadata.name}'")).stdout
    expect(await kubectl(`delete pod ${pod}`)).toMatchObject({status: 0, stdout: `pod "${pod}" deleted\n`})
    expect((await kubectl(`get pod ${pod}`)).status).toBe(1)
    expect(Object.values(await podsByNode('app=app')).reduce((sum, count) => sum + count, 0)).toBe(2)
  })

  it('logs shows the simulated output (echo commands print what they echo), --previous after a restart; top shows simulated use', async () => {
    expect((await kubectl(`create job hello --image=busybox -- sh -c 'echo hello from the job; echo done'`)).status).toBe(0)
    expect(await kubectl('logs job/hello')).toMatchObject({status: 0, stdout: 'hello from the job\ndone\n'})
    expect((await kubectl('logs job/hello --tail=1')).stdout).toBe('done\n')
    expect((await kubectl('run crash --image=busybox --annotations=kubemu.io/run-seconds=0 --annotations=kubemu.io/exit-code=1 -- echo boom')).status).toBe(0)
    expect((await kubectl('get pod crash --no-headers')).stdout).toMatch(/^crash +0\/1 +CrashLoopBackOff +1 \(\d+s ago\) /)
    expect((await kubectl('logs crash --previous')).stdout).toBe('boom\n')
    expect(await kubectl('logs nope')).toMatchObject({status: 1, stderr: 'error: error from server (NotFound): pods "nope" not found in namespace "default"\n'})
    expect((await kubectl('apply -f -', deployment('busy', 2, 'nginx:1.27', '200m'))).status).toBe(0)
    const logs = await kubectl('logs deployment/busy')
    // nginx's own start-up output, as the image writes it (no line of kubemu's).
    expect(logs.stdout).toMatch(/^\/docker-entrypoint\.sh: \/docker-entrypoint\.d\/ is not empty, will attempt to perform configuration\n/)
    expect(logs.stdout).toContain('[notice] 1#1: nginx/1.27.3\n')
    expect(logs.stderr).toMatch(/^Found 2 pods, using pod\/busy-/)
    const nodes = (await kubectl('top nodes')).stdout.split('\n')
    expect(nodes[0]).toBe('NAME             CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   ')
    // A master's node: the system's 100m and 512Mi plus its mirror pods' use: 20-80 % of their
    // 650m and of etcd's 100Mi, 8-31Mi for each of the three that request no memory.
    // A CoreDNS replica may run there too (it tolerates masters, as kubeadm deploys it): up to 80 % of its 100m and 70Mi more.
    const coreDns = await podsByNode('k8s-app=kube-dns -n kube-system')
    for (const line of nodes.slice(1, 4)) {
      const [, node, milli, memory] = /^(control-plane\d?) +(\d+)m +\d+% +(\d+)Mi +\d+% +$/.exec(line)!
      const replicas = coreDns[`${node}=Running`] ?? 0
      expect(Number(milli)).toBeGreaterThanOrEqual(100 + 650 * 0.2 - 4)
      expect(Number(milli)).toBeLessThanOrEqual(100 + 650 * 0.8 + replicas * 100 * 0.8 + 4)
      expect(Number(memory)).toBeGreaterThanOrEqual(512 + 100 * 0.2 + 3 * 8 - 1)
      expect(Number(memory)).toBeLessThanOrEqual(512 + 100 * 0.8 + 3 * 31 + replicas * 70 * 0.8 + 1)
    }
    const pods = (await kubectl('top pods -l app=busy --no-headers')).stdout.trim().split('\n')
    expect(pods).toHaveLength(2)
    for (const line of pods) {
      const milli = Number(/ (\d+)m /.exec(line)![1])
      expect(milli).toBeGreaterThanOrEqual(40)
      expect(milli).toBeLessThanOrEqual(160)
    }
    expect((await kubectl('delete deployment busy')).status).toBe(0)
    expect((await kubectl('delete pod/crash job/hello')).status).toBe(0)
  })

  it('a ResourceQuota gives back what deleted pods used, so new ones fit again', async () => {
    expect((await kubectl('create namespace limited')).status).toBe(0)
    expect((await kubectl('create quota q -n limited --hard=pods=2,requests.cpu=500m')).status).toBe(0)
    expect((await kubectl('apply -n limited -f -', deployment('fits', 2, 'nginx:1.27', '200m'))).status).toBe(0)
    expect((await kubectl("get quota q -n limited -o jsonpath='{.status.used.pods} {.status.used.requests\\.cpu}'")).stdout).toBe('2 400m')
    const withRequests = `--overrides='{"spec":{"containers":[{"name":"extra","image":"nginx","resources":{"requests":{"cpu":"100m"}}}]}}'`
    const refused = await kubectl(`run extra -n limited --image=nginx ${withRequests}`)
    expect(refused.stderr).toMatch(/^Error from server \(Forbidden\): pods "extra" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2/)
    expect((await kubectl('scale deployment fits -n limited --replicas=1')).status).toBe(0)
    expect((await kubectl("get quota q -n limited -o jsonpath='{.status.used.pods} {.status.used.requests\\.cpu}'")).stdout).toBe('1 200m')
    expect((await kubectl(`run extra -n limited --image=nginx ${withRequests}`)).status).toBe(0)
    expect((await kubectl('delete namespace limited')).status).toBe(0)
  })

  it('KUBEMU_WAIT=false leaves the work for the next command', async () => {
    const waiting = await runShell(`${kubemu} kubectl apply -f -`, {cwd: home(), env: {...environment(), KUBEMU_WAIT: 'false'}, stdin: deployment('later', 2, 'nginx:1.27', '100m')})
    expect(waiting.status).toBe(0)
    const later = await runShell(`${kubemu} kubectl get pods -l app=later -o name`, {cwd: home(), env: {...environment(), KUBEMU_WAIT: 'false'}})
    expect(later.stdout).toBe('')
    // The next command that runs the loops does the work left for it, as a cluster that kept running would have.
    expect(await podsByNode('app=later')).toEqual(expect.objectContaining({}))
    expect(Object.values(await podsByNode('app=later')).reduce((sum, count) => sum + count, 0)).toBe(2)
  })
})
