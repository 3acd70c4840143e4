// The control plane in one-shot mode, end to end through the CLI: a kubectl command that changes
// the cluster returns once the scheduler, the controllers and the kubelets are done with it.
import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

const deployment = (name: string, replicas: number, image: string, cpu: string, strategy = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
${strategy}  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: main
        image: ${image}
        resources: {requests: {cpu: ${cpu}, memory: 64Mi}}
`

describe('the control plane, one-shot', () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment(), stdin})
  const podsByNode = async (selector: string) => {
    const listed = await kubectl(`get pods -l ${selector} -o jsonpath='{range .items[*]}{.spec.nodeName}={.status.phase}{"\\n"}{end}'`)
    const counts: Record<string, number> = {}
    for (const line of listed.stdout.split('\n').filter(Boolean)) counts[line] = (counts[line] ?? 0) + 1
    return counts
  }

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('apply of a 3-replica Deployment returns with 3 Running pods on the workers, none on the tainted control plane', async () => {
    expect(await kubectl('apply -f -', deployment('web', 3, 'nginx:1.27', '100m'))).toMatchObject({status: 0, stdout: 'deployment.apps/web created\n', stderr: ''})
    const counts = await podsByNode('app=web')
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(3)
    for (const [where] of Object.entries(counts)) expect(where).toMatch(/^worker-\d=Running$/)
    const ready = await kubectl("get deployment web -o jsonpath='{.status.readyReplicas}/{.status.availableReplicas}/{.status.updatedReplicas}'")
    expect(ready.stdout).toBe('3/3/3')
    const pod = (await kubectl("get pods -l app=web -o jsonpath='{.items[0].metadata.name}'")).stdout
    // The scheduler's last attempt is kubemu's own report: `kubemu why` shows it, describe stays kubectl's.
    const explained = await runShell(`${kubemu} why pod/${pod}`, {cwd: home, env: environment()})
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
    const watcher = spawn(kubemu, ['kubectl', 'get', 'replicasets', '-l', 'app=roll', '-w', '-o', 'json', '--output-watch-events'], {cwd: home, env: environment()})
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
    const keys = await runShell(`${kubemu} etcdctl get /registry/pods/default --prefix --keys-only`, {cwd: home, env: environment()})
    expect(keys.stdout).toBe('')
  })

  it('deleting a namespace removes everything in it from etcd', async () => {
    expect((await kubectl('create namespace shop')).status).toBe(0)
    expect((await kubectl('apply -n shop -f -', deployment('cart', 2, 'nginx:1.27', '100m'))).status).toBe(0)
    expect((await kubectl('create configmap settings -n shop --from-literal=a=1')).status).toBe(0)
    expect((await kubectl('get serviceaccount default -n shop -o name')).stdout).toBe('serviceaccount/default\n')
    expect(await kubectl('delete namespace shop')).toMatchObject({status: 0, stdout: 'namespace "shop" deleted\n'})
    const keys = await runShell(`${kubemu} etcdctl get /registry --prefix --keys-only`, {cwd: home, env: environment()})
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

  it('cordon and taint keep new pods off nodes; uncordon and taint KEY:EFFECT- undo it', async () => {
    expect(await kubectl('cordon worker-1')).toMatchObject({status: 0, stdout: 'node/worker-1 cordoned\n'})
    expect(await kubectl('cordon worker-1')).toMatchObject({status: 0, stdout: 'node/worker-1 already cordoned\n'})
    expect((await kubectl('get node worker-1 --no-headers')).stdout).toMatch(/^worker-1 +Ready,SchedulingDisabled /)
    expect(await kubectl('taint nodes worker-2 dedicated=gpu:NoSchedule')).toMatchObject({status: 0, stdout: 'node/worker-2 tainted\n'})
    expect(await kubectl('taint nodes worker-2 dedicated=gpu:NoSchedule')).toMatchObject({status: 1, stderr: 'error: node worker-2 already has dedicated taint(s) with same effect(s) and --overwrite is false\n'})
    expect((await kubectl('apply -f -', deployment('placed', 4, 'nginx:1.27', '100m'))).status).toBe(0)
    expect(await podsByNode('app=placed')).toEqual({'worker-3=Running': 4})
    expect(await kubectl('uncordon worker-1')).toMatchObject({status: 0, stdout: 'node/worker-1 uncordoned\n'})
    expect(await kubectl('taint nodes worker-2 dedicated:NoSchedule-')).toMatchObject({status: 0, stdout: 'node/worker-2 untainted\n'})
    expect(await kubectl('taint nodes worker-2 dedicated:NoSchedule-')).toMatchObject({status: 1, stderr: 'error: taint "dedicated:NoSchedule" not found\n'})
    expect((await kubectl('delete deployment placed')).status).toBe(0)
  })

  it('drain cordons the node, refuses pods without a controller unless --force, evicts the others and they start elsewhere', async () => {
    expect((await kubectl('apply -f -', deployment('moving', 3, 'nginx:1.27', '100m'))).status).toBe(0)
    expect((await kubectl(`run loner --image=nginx --overrides='{"spec":{"nodeName":"worker-3"}}'`)).status).toBe(0)
    const refused = await kubectl('drain worker-3')
    expect(refused.status).toBe(1)
    // kube-proxy runs on every node as a DaemonSet: drain refuses it too, as kubectl does.
    const kubeProxy = (await kubectl("get pods -n kube-system -l k8s-app=kube-proxy --field-selector spec.nodeName=worker-3 -o jsonpath='{.items[*].metadata.name}'")).stdout
    expect(kubeProxy).toMatch(/^kube-proxy-\S+$/)
    expect(refused.stderr).toContain(`error: unable to drain node "worker-3" due to error: cannot delete Pods that declare no controller (use --force to override): default/loner, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/${kubeProxy}, continuing command...\n`)
    const drained = await kubectl('drain worker-3 --force --ignore-daemonsets')
    expect(drained.status).toBe(0)
    expect(drained.stderr).toContain(`Warning: ignoring DaemonSet-managed Pods: kube-system/${kubeProxy}\n`)
    // A CoreDNS replica on the node is evicted too (kube-system).
    expect(drained.stdout).toMatch(/^node\/worker-3 already cordoned\n(evicting pod (default|kube-system)\/\S+\n)+(pod\/\S+ evicted\n)+node\/worker-3 drained\n$/)
    const counts = await podsByNode('app=moving')
    expect(Object.keys(counts).every((where) => !where.startsWith('worker-3'))).toBe(true)
    expect(Object.values(counts).reduce((sum, count) => sum + count, 0)).toBe(3)
    expect((await kubectl('get pod loner')).status).toBe(1)
    expect((await kubectl('uncordon worker-3')).status).toBe(0)
    expect((await kubectl('delete deployment moving')).status).toBe(0)
  })

  it('a Service lists its ready pods in Endpoints and an EndpointSlice, following scale and deletion', async () => {
    expect((await kubectl('apply -f -', deployment('api', 2, 'nginx:1.27', '100m'))).status).toBe(0)
    expect((await kubectl('expose deployment api --port=80 --target-port=8080')).status).toBe(0)
    const ips = (await kubectl("get pods -l app=api -o jsonpath='{range .items[*]}{.status.podIP}:8080{\"\\n\"}{end}'")).stdout.trim().split('\n').sort()
    const endpoints = await kubectl("get endpoints api -o jsonpath='{range .subsets[*].addresses[*]}{.ip}{\"\\n\"}{end}'")
    expect(endpoints.stdout.trim().split('\n').map((ip) => `${ip}:8080`).sort()).toEqual(ips)
    const slice = await kubectl("get endpointslices -l kubernetes.io/service-name=api -o jsonpath='{.items[0].ports[0].port} {.items[0].endpoints[*].conditions.ready}'")
    expect(slice.stdout).toBe('8080 true true')
    expect((await kubectl('scale deployment api --replicas=1')).status).toBe(0)
    expect((await kubectl("get endpoints api -o jsonpath='{.subsets[0].addresses[*].ip}'")).stdout.split(' ')).toHaveLength(1)
    expect((await kubectl('delete service api')).status).toBe(0)
    expect((await kubectl('get endpoints,endpointslices -l app=api -o name')).stdout).toBe('')
    expect((await kubectl('delete deployment api')).status).toBe(0)
  })

  it('kubemu node add/stop/start/remove: a new node takes pods, a removed one has them replaced', async () => {
    const node = (line: string) => runShell(`${kubemu} node ${line}`, {cwd: home, env: environment()})
    expect(await node('add worker-9 --cpu 16 --labels disk=ssd')).toMatchObject({status: 0, stdout: 'node/worker-9 created\n'})
    expect((await kubectl("get node worker-9 -o jsonpath='{.metadata.labels.disk} {.status.capacity.cpu} {.spec.podCIDR}'")).stdout).toMatch(/^ssd 16 10\.244\.\d+\.0\/24$/)
    expect((await kubectl('get lease worker-9 -n kube-node-lease -o name')).stdout).toBe('lease.coordination.k8s.io/worker-9\n')
    const pinned = deployment('pinned', 2, 'nginx:1.27', '100m').replace('    spec:\n', '    spec:\n      nodeSelector: {disk: ssd}\n')
    expect((await kubectl('apply -f -', pinned)).status).toBe(0)
    expect(await podsByNode('app=pinned')).toEqual({'worker-9=Running': 2})
    expect(await node('stop worker-9')).toMatchObject({status: 0, stdout: 'node/worker-9 stopped\n'})
    expect((await node('stop worker-9')).stderr).toContain('node worker-9 is already stopped')
    expect(await node('start worker-9')).toMatchObject({status: 0, stdout: 'node/worker-9 started\n'})
    expect(await node('remove worker-9')).toMatchObject({status: 0, stdout: 'node "worker-9" deleted\n'})
    // Its pods are collected; their replacements have nowhere to go (nodeSelector disk=ssd).
    expect(await podsByNode('app=pinned')).toEqual({'=Pending': 2})
    expect((await kubectl('delete deployment pinned')).status).toBe(0)
  })

  it('a StatefulSet has stable, ordered names and claims; a DaemonSet a pod on every worker', async () => {
    const manifest = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16"}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: busybox}]
`
    expect((await kubectl('apply -f -', manifest)).status).toBe(0)
    const statefulPods = await kubectl("get pods -l app=db -o jsonpath='{range .items[*]}{.metadata.name} {.spec.hostname}.{.spec.subdomain} {.status.phase} {.spec.volumes[?(@.name==\"data\")].persistentVolumeClaim.claimName}{\"\\n\"}{end}'")
    expect(statefulPods.stdout).toBe('db-0 db-0.db Running data-db-0\ndb-1 db-1.db Running data-db-1\ndb-2 db-2.db Running data-db-2\n')
    expect((await kubectl('get pvc -o name')).stdout).toBe('persistentvolumeclaim/data-db-0\npersistentvolumeclaim/data-db-1\npersistentvolumeclaim/data-db-2\n')
    expect(await podsByNode('app=agent')).toEqual({'worker-1=Running': 1, 'worker-2=Running': 1, 'worker-3=Running': 1})
    expect((await kubectl("get daemonset agent -o jsonpath='{.status.desiredNumberScheduled} {.status.numberReady}'")).stdout).toBe('3 3')
    expect(await kubectl('rollout status statefulset/db')).toMatchObject({status: 0, stdout: 'partitioned roll out complete: 3 new pods have been updated...\n'})
    expect(await kubectl('rollout status daemonset/agent')).toMatchObject({status: 0, stdout: 'daemon set "agent" successfully rolled out\n'})
    expect(await kubectl('rollout pause statefulset/db')).toMatchObject({status: 1, stderr: 'error: statefulsets.apps "db" pausing is not supported\n'})
    expect(await kubectl('rollout restart daemonset/agent')).toMatchObject({status: 0, stdout: 'daemonset.apps/agent restarted\n'})
    expect((await kubectl("get pods -l app=agent -o jsonpath='{.items[*].metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}'")).stdout.split(' ')).toHaveLength(3)
    expect((await kubectl('scale statefulset db --replicas=1')).status).toBe(0)
    expect((await kubectl("get pods -l app=db -o jsonpath='{.items[*].metadata.name}'")).stdout).toBe('db-0')
    expect((await kubectl('set image statefulset/db db=postgres:17')).status).toBe(0)
    expect((await kubectl("get pod db-0 -o jsonpath='{.spec.containers[0].image}'")).stdout).toBe('postgres:17')
    const [currentRevision, updateRevision] = (await kubectl("get statefulset db -o jsonpath='{.status.currentRevision} {.status.updateRevision}'")).stdout.split(' ')
    expect(currentRevision).toBe(updateRevision)
    expect((await kubectl('get controllerrevisions -l app=db -o name')).stdout.trim().split('\n')).toHaveLength(2)
    expect((await kubectl('rollout history statefulset/db')).stdout).toBe('statefulset.apps/db \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n')
    expect((await kubectl('rollout history statefulset/db --revision=1')).stdout).toMatch(/^statefulset\.apps\/db with revision #1\nPod Template:\n[^]*Image:\s+postgres:16\n/)
    expect(await kubectl('rollout undo statefulset/db --to-revision=5')).toMatchObject({status: 1, stderr: 'error: unable to find specified revision 5 in history\n'})
    expect(await kubectl('rollout undo statefulset/db')).toMatchObject({status: 0, stdout: 'statefulset.apps/db rolled back\n'})
    expect((await kubectl("get pod db-0 -o jsonpath='{.spec.containers[0].image}'")).stdout).toBe('postgres:16')
    // Going back renumbers the old revision as the newest, as kube's controller history does.
    expect((await kubectl('rollout history statefulset/db')).stdout).toBe('statefulset.apps/db \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n')
    expect(await kubectl('rollout undo statefulset/db --to-revision=3')).toMatchObject({status: 0, stdout: 'statefulset.apps/db skipped rollback (current template already matches revision 3)\n'})
    expect((await kubectl('rollout history daemonset/agent')).stdout).toBe('daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n')
    expect(await kubectl('rollout undo daemonset/agent')).toMatchObject({status: 0, stdout: 'daemonset.apps/agent rolled back\n'})
    expect((await kubectl("get pods -l app=agent -o jsonpath='{.items[*].metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}'")).stdout).toBe('')
    expect((await runShell(`${kubemu} node add worker-7`, {cwd: home, env: environment()})).status).toBe(0)
    expect(await podsByNode('app=agent')).toEqual({'worker-1=Running': 1, 'worker-2=Running': 1, 'worker-3=Running': 1, 'worker-7=Running': 1})
    expect((await runShell(`${kubemu} node remove worker-7`, {cwd: home, env: environment()})).status).toBe(0)
    expect((await kubectl('delete statefulset db')).status).toBe(0)
    expect((await kubectl('delete daemonset agent')).status).toBe(0)
    expect((await kubectl('delete pvc --all')).status).toBe(0)
    // About thirty commands, each of whose pods waits for its claim to be provisioned and bound.
  }, 240_000)

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
    expect(logs.stdout).toMatch(/^kubemu: simulated container "main" \(image nginx:1\.27\) started at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/)
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
    const waiting = await runShell(`${kubemu} kubectl apply -f -`, {cwd: home, env: {...environment(), KUBEMU_WAIT: 'false'}, stdin: deployment('later', 2, 'nginx:1.27', '100m')})
    expect(waiting.status).toBe(0)
    const later = await runShell(`${kubemu} kubectl get pods -l app=later -o name`, {cwd: home, env: {...environment(), KUBEMU_WAIT: 'false'}})
    expect(later.stdout).toBe('')
    // The next command that runs the loops does the work left for it, as a cluster that kept running would have.
    expect(await podsByNode('app=later')).toEqual(expect.objectContaining({}))
    expect(Object.values(await podsByNode('app=later')).reduce((sum, count) => sum + count, 0)).toBe(2)
  })
})
