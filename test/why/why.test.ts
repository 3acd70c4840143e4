// `why` on each stuck or surprising state, each made by a fixture on an in-process cluster: the
// state word, whether it is stuck, and the cause's key facts.
import {afterEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import type {ResourceRef} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {stoppedAnnotation} from '../../src/core/kubelet/heartbeat.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {clientReader, explain} from '../../src/core/why/why.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

const kinds: Record<string, {resource: ResourceRef; kind: string; label: string}> = {
  pod: {resource: resources.pods, kind: 'Pod', label: 'pod'},
  deployment: {resource: resources.deployments, kind: 'Deployment', label: 'deployment.apps'},
  replicaset: {resource: resources.replicaSets, kind: 'ReplicaSet', label: 'replicaset.apps'},
  service: {resource: resources.services, kind: 'Service', label: 'service'},
  cronjob: {resource: resources.cronJobs, kind: 'CronJob', label: 'cronjob.batch'},
  namespace: {resource: resources.namespaces, kind: 'Namespace', label: 'namespace'},
  node: {resource: resources.nodes, kind: 'Node', label: 'node'},
  configmap: {resource: resources.configMaps, kind: 'ConfigMap', label: 'configmap'},
  pvc: {resource: resources.persistentVolumeClaims, kind: 'PersistentVolumeClaim', label: 'persistentvolumeclaim'},
  statefulset: {resource: resources.statefulSets, kind: 'StatefulSet', label: 'statefulset.apps'},
}

const template = (labels: Record<string, string>, containers: unknown[] = [{name: 'app', image: 'nginx'}]) => ({metadata: {labels}, spec: {containers}})

describe('kubemu why', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })
  const start = async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 12, 0, 0))
    const cluster = await inProcessCluster(clock, Number(process.env.SEED ?? 20261203))
    clusters.push(cluster)
    const why = async (type: keyof typeof kinds, name: string, namespace = 'default') => {
      const {resource, kind, label} = kinds[type]!
      const object = await cluster.admin.get<KubeObject>(resource, resource.namespaced ? namespace : '', name)
      const reader = clientReader(cluster.admin, clock.nowMilliseconds(), async () => null)
      return explain({...object, kind}, resource.group, `${label}/${name}`, reader)
    }
    return {cluster, admin: cluster.admin, clock, why}
  }
  const podNamed = async (admin: InProcessCluster['admin'], prefix: string) => (await admin.list<KubeObject>(resources.pods, 'default')).items.find((pod) => String(pod.metadata.name).startsWith(prefix))!

  it('says nothing is wrong for a Deployment whose pods run, and names the scheduler verdict for one that does not fit', async () => {
    const {cluster, admin, why} = await start()
    await admin.create(resources.deployments, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 'default'}, spec: {replicas: 2, selector: {matchLabels: {app: 'web'}}, template: template({app: 'web'})}} as never)
    await admin.create(resources.deployments, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'big', namespace: 'default'}, spec: {replicas: 1, selector: {matchLabels: {app: 'big'}}, template: template({app: 'big'}, [{name: 'app', image: 'nginx', resources: {requests: {cpu: '100'}}}])}} as never)
    await cluster.settle()
    const web = await why('deployment', 'web')
    expect(web).toMatchObject({state: 'Available', stuck: false})
    expect(web.cause).toMatch(/^Nothing is wrong: deployment.apps\/web has all 2 replicas updated and available\.$/)
    const big = await why('deployment', 'big')
    expect(big).toMatchObject({state: 'Progressing', stuck: true})
    expect(big.cause).toContain('Insufficient cpu')
    const pod = await why('pod', String((await podNamed(admin, 'big-')).metadata.name))
    expect(pod).toMatchObject({state: 'Pending', stuck: true})
    expect(pod.cause).toMatch(/found no node for it\. 0\/6 nodes are available: 3 Insufficient cpu/)
  }, 60_000)

  it('explains a pod held by scheduling gates, a missing claim, and an unknown scheduler name', async () => {
    const {cluster, admin, why} = await start()
    const pod = (name: string, spec: Record<string, unknown>) => admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name, namespace: 'default'}, spec: {containers: [{name: 'app', image: 'nginx'}], ...spec}} as never)
    await pod('gated', {schedulingGates: [{name: 'example.com/quota'}]})
    await pod('claimed', {volumes: [{name: 'data', persistentVolumeClaim: {claimName: 'nope'}}]})
    await pod('custom', {schedulerName: 'my-scheduler'})
    await cluster.settle()
    expect(await why('pod', 'gated')).toMatchObject({state: 'SchedulingGated', stuck: true, cause: expect.stringContaining('example.com/quota')})
    const claimed = await why('pod', 'claimed')
    expect(claimed).toMatchObject({state: 'Pending', stuck: true})
    expect(claimed.cause).toContain('the PersistentVolumeClaim "nope", which does not exist')
    const custom = await why('pod', 'custom')
    expect(custom).toMatchObject({state: 'Pending', stuck: true})
    expect(custom.cause).toContain('no profile of kube-scheduler serves that name')
  }, 60_000)

  it('explains a crash-looping container and a pod whose node stopped', async () => {
    const {cluster, admin, clock, why} = await start()
    await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'crash', namespace: 'default'}, spec: {containers: [{name: 'app', image: 'busybox', command: ['sh', '-c', 'echo dying; exit 3']}]}} as never)
    await cluster.settle()
    for (let round = 0; round < 3; round++) {
      clock.advance(30_000)
      await cluster.settle()
    }
    const crash = await why('pod', 'crash')
    expect(crash).toMatchObject({state: 'NotReady', stuck: true})
    expect(crash.cause).toMatch(/container app keeps crashing \(CrashLoopBackOff, \d+ restarts?; it last exited 3/)
    const node = String((await admin.get<KubeObject & {spec: {nodeName: string}}>(resources.pods, 'default', 'crash')).spec.nodeName)
    await admin.patch(resources.nodes, '', node, {metadata: {annotations: {[stoppedAnnotation]: 'true'}}})
    clock.advance(60_000)
    await cluster.settle()
    const down = await why('pod', 'crash')
    expect(down).toMatchObject({state: 'NotReady', stuck: true})
    expect(down.cause).toContain(`runs on node ${node}, which is NotReady (its kubelet was stopped)`)
    expect(await why('node', node)).toMatchObject({state: 'NotReady', stuck: true, cause: expect.stringContaining('its kubelet is stopped')})
  }, 60_000)

  it('names the finalizer that holds a deleted object and who removes it', async () => {
    const {admin, why} = await start()
    await admin.create(resources.configMaps, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'held', namespace: 'default', finalizers: ['example.com/cleanup']}} as never)
    await admin.delete(resources.configMaps, 'default', 'held')
    const held = await why('configmap', 'held')
    expect(held).toMatchObject({state: 'Terminating', stuck: true})
    expect(held.cause).toContain('example.com/cleanup (removed by nothing in the cluster: whoever added it')
  }, 60_000)

  it('tells an orphaned ReplicaSet from one whose owner is gone and that the collector will take', async () => {
    const {cluster, admin, why} = await start()
    await admin.create(resources.deployments, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 'default'}, spec: {replicas: 1, selector: {matchLabels: {app: 'web'}}, template: template({app: 'web'})}} as never)
    await cluster.settle()
    await admin.delete(resources.deployments, 'default', 'web', {propagationPolicy: 'Orphan'})
    await cluster.settle()
    const [set] = (await admin.list<KubeObject>(resources.replicaSets, 'default')).items
    const orphan = await why('replicaset', String(set!.metadata.name))
    expect(orphan).toMatchObject({state: 'Ready', stuck: false})
    expect(orphan.cause).toContain('it was orphaned (its owner deleted with --cascade=orphan')
    // A pod naming a ReplicaSet that is not there: the garbage collector's to delete.
    await admin.create(resources.pods, {apiVersion: 'v1', kind: 'Pod', metadata: {name: 'stray', namespace: 'default', ownerReferences: [{apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'gone', uid: '0b7c3f8e-0000-4000-8000-000000000001', controller: true}]}, spec: {containers: [{name: 'app', image: 'nginx'}]}} as never)
    expect(await why('pod', 'stray')).toMatchObject({state: 'NotCollected', stuck: true, cause: expect.stringContaining('Every owner of pod/stray is gone (replicaset/gone)')})
  }, 60_000)

  it('explains a rollout past its progress deadline because a quota refuses its pods', async () => {
    const {cluster, admin, clock, why} = await start()
    await admin.create(resources.resourceQuotas, {apiVersion: 'v1', kind: 'ResourceQuota', metadata: {name: 'q', namespace: 'default'}, spec: {hard: {pods: '0'}}} as never)
    await admin.create(resources.deployments, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'api', namespace: 'default'}, spec: {replicas: 1, progressDeadlineSeconds: 30, selector: {matchLabels: {app: 'api'}}, template: template({app: 'api'})}} as never)
    await cluster.settle()
    clock.advance(60_000)
    await cluster.settle()
    const api = await why('deployment', 'api')
    expect(api).toMatchObject({state: 'ProgressDeadlineExceeded', stuck: true})
    expect(api.cause).toMatch(/the controller cannot create its pods: pods "api-\w+-\w+" is forbidden: exceeded quota: q/)
  }, 60_000)

  it('explains a Service whose selector matches nothing, one whose named port no pod declares, and one that is fine', async () => {
    const {cluster, admin, why} = await start()
    await admin.create(resources.deployments, {apiVersion: 'apps/v1', kind: 'Deployment', metadata: {name: 'web', namespace: 'default'}, spec: {replicas: 1, selector: {matchLabels: {app: 'web'}}, template: template({app: 'web'}, [{name: 'app', image: 'nginx', ports: [{containerPort: 80, name: 'http'}]}])}} as never)
    const service = (name: string, selector: Record<string, string>, targetPort: number | string) =>
      admin.create(resources.services, {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {selector, ports: [{port: 80, targetPort}]}} as never)
    await service('typo', {app: 'webapp'}, 80)
    await service('badport', {app: 'web'}, 'web')
    await service('good', {app: 'web'}, 'http')
    await cluster.settle()
    const typo = await why('service', 'typo')
    expect(typo).toMatchObject({state: 'NoEndpoints', stuck: true})
    expect(typo.cause).toContain('its selector app=webapp matches no pod in namespace default')
    expect(typo.facts.some((fact) => /^pod\/web-\S+ has app=web$/.test(fact))).toBe(true)
    expect((await why('service', 'badport')).cause).toContain('targetPort "web" (port 80) names no container port of any selected pod')
    expect(await why('service', 'good')).toMatchObject({state: 'Ready', stuck: false, cause: expect.stringMatching(/^Nothing is wrong: service\/good has 1 ready endpoint/)})
  }, 60_000)

  it('explains CronJobs that do not fire: suspended, a schedule that never comes, and one that is fine', async () => {
    const {cluster, admin, why} = await start()
    const cronJob = (name: string, schedule: string, extra: Record<string, unknown> = {}) =>
      admin.create(resources.cronJobs, {apiVersion: 'batch/v1', kind: 'CronJob', metadata: {name, namespace: 'default'}, spec: {schedule, ...extra, jobTemplate: {spec: {template: {spec: {restartPolicy: 'Never', containers: [{name: 'app', image: 'busybox'}]}}}}}} as never)
    await cronJob('paused', '*/5 * * * *', {suspend: true})
    await cronJob('never', '59 23 31 2 *')
    await cronJob('hourly', '0 * * * *')
    await cluster.settle()
    expect(await why('cronjob', 'paused')).toMatchObject({state: 'Suspended', stuck: true})
    expect(await why('cronjob', 'never')).toMatchObject({state: 'InvalidSchedule', stuck: true, cause: expect.stringContaining('never comes')})
    expect(await why('cronjob', 'hourly')).toMatchObject({state: 'Scheduled', stuck: false, cause: expect.stringContaining('fires next at 2026-12-03T13:00:00Z (in 1h of cluster time')})
  }, 60_000)

  it('explains a namespace held Terminating by an object with a finalizer', async () => {
    const {cluster, admin, why} = await start()
    await admin.create(resources.namespaces, {apiVersion: 'v1', kind: 'Namespace', metadata: {name: 'shop'}} as never)
    await admin.create(resources.configMaps, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'held', namespace: 'shop', finalizers: ['example.com/cleanup']}} as never)
    await cluster.settle()
    await admin.delete(resources.namespaces, '', 'shop')
    await cluster.settle()
    const shop = await why('namespace', 'shop')
    expect(shop).toMatchObject({state: 'Terminating', stuck: true})
    expect(shop.cause).toMatch(/objects remain in it \(.*configmaps.*\)/)
    expect(shop.cause).toContain('example.com/cleanup')
  }, 60_000)
})
