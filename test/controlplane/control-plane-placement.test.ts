// The control plane in one-shot mode, end to end through the CLI (as control-plane.test.ts): where
// pods go (cordon, taint, drain, nodes added and removed), Services' endpoints, StatefulSets and
// DaemonSets.
import {describe, expect, it} from 'vitest'
import {deploymentManifest as deployment, oneShotCluster} from '../support/one-shot-cluster.js'

describe('the control plane, one-shot: placement, Services and stateful workloads', () => {
  const {kubectl, kubemu: run, podsByNode} = oneShotCluster()

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
    expect(refused.stderr).toContain(`error: unable to drain node "worker-3" due to error: cannot delete cannot delete Pods that declare no controller (use --force to override): default/loner, cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/${kubeProxy}, continuing command...\n`)
    const drained = await kubectl('drain worker-3 --force --ignore-daemonsets')
    expect(drained.status).toBe(0)
    expect(drained.stderr).toContain(`Warning: ignoring DaemonSet-managed Pods: kube-system/${kubeProxy}; deleting Pods that declare no controller: default/loner\n`)
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
    const node = (line: string) => run(`node ${line}`)
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
    expect((await run(`node add worker-7`)).status).toBe(0)
    expect(await podsByNode('app=agent')).toEqual({'worker-1=Running': 1, 'worker-2=Running': 1, 'worker-3=Running': 1, 'worker-7=Running': 1})
    expect((await run(`node remove worker-7`)).status).toBe(0)
    expect((await kubectl('delete statefulset db')).status).toBe(0)
    expect((await kubectl('delete daemonset agent')).status).toBe(0)
    expect((await kubectl('delete pvc --all')).status).toBe(0)
    // About thirty commands, each of whose pods waits for its claim to be provisioned and bound.
  }, 240_000)
})
