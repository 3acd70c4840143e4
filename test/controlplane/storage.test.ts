// Storage end to end through kubemu's kubectl, one-shot: the default StorageClass and its
// simulated local-path provisioner, the PV controller's binding and reclaiming, the scheduler's
// VolumeBinding plugin and the kubelet waiting for claims; and the real kubectl against `up`.
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const statefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`

const claim = (name: string, storage: string, extra = '') => `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ${name}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: ${storage}}}
${extra}`

const pod = (name: string, claimName: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: main, image: busybox}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: ${claimName}}}]
`

describe('storage, one-shot', () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment(), stdin})
  // Each one-shot command's controllers resync and may record an event again: each counts once here.
  const eventsOf = async (name: string) => {
    const listed = await kubectl(`get events --field-selector involvedObject.name=${name} --sort-by=.metadata.creationTimestamp -o jsonpath='{range .items[*]}{.type} {.reason} {.source.component}: {.message}{"\\n"}{end}'`)
    return [...new Set(listed.stdout.split('\n').filter(Boolean))].map((line) => `${line}\n`).join('')
  }

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('serves the default StorageClass as kind ships it', async () => {
    expect(await kubectl('get sc')).toMatchObject({status: 0, stdout: expect.stringMatching(/^NAME {17}PROVISIONER {13}RECLAIMPOLICY {3}VOLUMEBINDINGMODE {6}ALLOWVOLUMEEXPANSION {3}AGE\nstandard \(default\) {3}rancher\.io\/local-path {3}Delete {10}WaitForFirstConsumer {3}false {18}\d+s\n$/)})
    expect((await kubectl("get storageclass standard -o jsonpath='{.metadata.annotations}'")).stdout).toBe('{"storageclass.kubernetes.io/is-default-class":"true"}')
  })

  it('a StatefulSet with volumeClaimTemplates goes Pending → Bound → Running on provisioned volumes', async () => {
    expect((await kubectl('apply -f -', statefulSet)).status).toBe(0)
    const pods = await kubectl("get pods -l app=web -o jsonpath='{range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName}{\"\\n\"}{end}'")
    const lines = pods.stdout.trim().split('\n')
    expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual(['web-0 Running', 'web-1 Running'])
    const claims = await kubectl('get pvc')
    expect(claims.stdout).toMatch(/^NAME {8}STATUS {3}VOLUME {37}CAPACITY {3}ACCESS MODES {3}STORAGECLASS {3}VOLUMEATTRIBUTESCLASS {3}AGE\n/)
    expect(claims.stdout).toMatch(/\nwww-web-0 {3}Bound {4}pvc-[0-9a-f-]{36} {3}1Gi {8}RWO {12}standard {7}<unset> {17}\d+s\n/)
    for (const [index, line] of lines.entries()) {
      const node = line.split(' ')[2]!
      const uid = (await kubectl(`get pvc www-web-${index} -o jsonpath='{.metadata.uid}'`)).stdout
      const annotations = JSON.parse((await kubectl(`get pvc www-web-${index} -o jsonpath='{.metadata.annotations}'`)).stdout) as Record<string, string>
      expect(annotations).toEqual({
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
        'volume.kubernetes.io/selected-node': node,
      })
      const volume = JSON.parse((await kubectl(`get pv pvc-${uid} -o json`)).stdout) as {metadata: {annotations: Record<string, string>}; spec: Record<string, any>; status: {phase: string}}
      expect(volume.status.phase).toBe('Bound')
      expect(volume.metadata.annotations).toEqual({'local.path.provisioner/selected-node': node, 'pv.kubernetes.io/provisioned-by': 'rancher.io/local-path'})
      expect(volume.spec.hostPath).toEqual({path: `/opt/local-path-provisioner/pvc-${uid}_default_www-web-${index}`, type: 'DirectoryOrCreate'})
      expect(volume.spec.nodeAffinity).toEqual({required: {nodeSelectorTerms: [{matchExpressions: [{key: 'kubernetes.io/hostname', operator: 'In', values: [node]}]}]}})
      expect(volume.spec.claimRef).toMatchObject({kind: 'PersistentVolumeClaim', namespace: 'default', name: `www-web-${index}`, uid})
      expect(volume.spec).toMatchObject({persistentVolumeReclaimPolicy: 'Delete', storageClassName: 'standard', volumeMode: 'Filesystem', capacity: {storage: '1Gi'}, accessModes: ['ReadWriteOnce']})
      // The claim waited for its pod to be scheduled, then for the provisioner, then bound.
      expect(await eventsOf(`www-web-${index}`)).toBe(
        `Normal WaitForPodScheduled persistentvolume-controller: waiting for pod web-${index} to be scheduled\n` +
          "Normal ExternalProvisioning persistentvolume-controller: Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.\n" +
          `Normal Provisioning rancher.io/local-path_local-path-provisioner: External provisioner is provisioning volume for claim "default/www-web-${index}"\n` +
          `Normal ProvisioningSucceeded rancher.io/local-path_local-path-provisioner: Successfully provisioned volume pvc-${uid}\n`,
      )
    }
    const volumes = await kubectl('get pv')
    expect(volumes.stdout).toMatch(/^NAME {39}CAPACITY {3}ACCESS MODES {3}RECLAIM POLICY {3}STATUS {3}CLAIM {15}STORAGECLASS {3}VOLUMEATTRIBUTESCLASS {3}REASON {3}AGE\n/)
    expect(volumes.stdout).toMatch(/\npvc-[0-9a-f-]{36} {3}1Gi {8}RWO {12}Delete {11}Bound {4}default\/www-web-0 {3}standard {7}<unset> {26}\d+s\n/)
  })

  it('reclaims a provisioned volume under Delete once its claim is deleted; a Retain volume stays Released', async () => {
    const uid = (await kubectl("get pvc www-web-1 -o jsonpath='{.metadata.uid}'")).stdout
    // pvc-protection: a claim its pod still mounts stays Terminating until the pod is gone.
    expect(await kubectl('delete pvc www-web-1 --wait=false')).toMatchObject({status: 0, stdout: 'persistentvolumeclaim "www-web-1" deleted\n'})
    expect((await kubectl("get pvc www-web-1 -o jsonpath='{.metadata.finalizers} {.status.phase}'")).stdout).toBe('["kubernetes.io/pvc-protection"] Bound')
    expect((await kubectl('get pvc www-web-1')).stdout).toMatch(/\nwww-web-1 {3}Terminating {3}pvc-/)
    expect((await kubectl(`get pv pvc-${uid} -o jsonpath='{.metadata.finalizers}'`)).stdout).toBe('["kubernetes.io/pv-protection"]')
    expect((await kubectl('scale statefulset web --replicas=1')).status).toBe(0)
    expect(await kubectl('get pvc www-web-1')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): persistentvolumeclaims "www-web-1" not found\n'})
    expect(await kubectl(`get pv pvc-${uid}`)).toMatchObject({status: 1, stderr: `Error from server (NotFound): persistentvolumes "pvc-${uid}" not found\n`})
    // A hand-made volume of an Immediate class binds at once to the smallest claim it fits.
    const manual = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: manual}
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
---
${['small:1Gi', 'large:5Gi'].map((entry) => {
      const [name, size] = entry.split(':')
      return `apiVersion: v1
kind: PersistentVolume
metadata: {name: ${name}}
spec:
  capacity: {storage: ${size}}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: {path: /data/${name}}
`
    }).join('---\n')}`
    expect((await kubectl('apply -f -', manual)).status).toBe(0)
    expect((await kubectl("get pv small large -o jsonpath='{range .items[*]}{.metadata.name}={.status.phase}/{.spec.persistentVolumeReclaimPolicy} {end}'")).stdout).toBe('small=Available/Retain large=Available/Retain ')
    expect((await kubectl('apply -f -', claim('keep', '500Mi', '  storageClassName: manual\n'))).status).toBe(0)
    expect((await kubectl("get pvc keep -o jsonpath='{.status.phase} {.spec.volumeName} {.status.capacity.storage}'")).stdout).toBe('Bound small 1Gi')
    expect((await kubectl("get pv small -o jsonpath='{.status.phase} {.spec.claimRef.name} {.metadata.annotations.pv\\.kubernetes\\.io/bound-by-controller}'")).stdout).toBe('Bound keep yes')
    expect((await kubectl('delete pvc keep')).status).toBe(0)
    expect((await kubectl('get pv small')).stdout).toMatch(/\nsmall {3}1Gi {8}RWO {12}Retain {11}Released {3}default\/keep {3}manual {9}<unset> {26}\d+s\n/)
  })

  it('a claim of a missing class stays Pending with the PV controller\'s event', async () => {
    expect((await kubectl('apply -f -', claim('fast-claim', '1Gi', '  storageClassName: fast\n'))).status).toBe(0)
    expect((await kubectl("get pvc fast-claim -o jsonpath='{.status.phase}'")).stdout).toBe('Pending')
    expect(await eventsOf('fast-claim')).toBe('Warning ProvisioningFailed persistentvolume-controller: storageclass.storage.k8s.io "fast" not found\n')
    // An empty class asks for no class: no default is set and only class-less volumes could bind it.
    expect((await kubectl('apply -f -', claim('classless', '1Gi', '  storageClassName: ""\n'))).status).toBe(0)
    expect((await kubectl("get pvc classless -o jsonpath='{.status.phase}/{.spec.storageClassName}/'")).stdout).toBe('Pending//')
    expect(await eventsOf('classless')).toBe('Normal FailedBinding persistentvolume-controller: no persistent volumes available for this claim and no storage class is set\n')
    // A claim of the default class waits for a pod that uses it.
    expect((await kubectl('apply -f -', claim('later', '1Gi'))).status).toBe(0)
    expect((await kubectl("get pvc later -o jsonpath='{.status.phase} {.spec.storageClassName}'")).stdout).toBe('Pending standard')
    expect(await eventsOf('later')).toBe('Normal WaitForFirstConsumer persistentvolume-controller: waiting for first consumer to be created before binding\n')
  })

  it('a pod whose claim is missing or unbound is unschedulable with the scheduler\'s message', async () => {
    expect((await kubectl('apply -f -', pod('orphan', 'missing'))).status).toBe(0)
    const condition = "jsonpath='{.status.phase} {.status.conditions[?(@.type==\"PodScheduled\")].message}'"
    expect((await kubectl(`get pod orphan -o ${condition}`)).stdout).toBe('Pending 0/6 nodes are available: persistentvolumeclaim "missing" not found. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.')
    expect(await eventsOf('orphan')).toBe('Warning FailedScheduling default-scheduler: 0/6 nodes are available: persistentvolumeclaim "missing" not found. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.\n')
    // An Immediate claim nothing can bind keeps its pod off every node.
    expect((await kubectl('apply -f -', claim('unbound', '10Gi', '  storageClassName: manual\n'))).status).toBe(0)
    expect((await kubectl('apply -f -', pod('waiting', 'unbound'))).status).toBe(0)
    expect((await kubectl(`get pod waiting -o ${condition}`)).stdout).toBe('Pending 0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.')
    // A volume that fits binds the claim; the pod goes where the volume is.
    const local = `apiVersion: v1
kind: PersistentVolume
metadata: {name: big-on-worker-2}
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  local: {path: /mnt/disks/big}
  nodeAffinity:
    required:
      nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [worker-2]}]}]
`
    expect((await kubectl('apply -f -', local)).status).toBe(0)
    expect((await kubectl("get pod waiting -o jsonpath='{.status.phase} {.spec.nodeName}'")).stdout).toBe('Running worker-2')
    // Another pod on the same claim can only go to worker-2 too.
    const pinned = pod('pinned', 'unbound').replace('spec:\n', 'spec:\n  nodeSelector: {kubernetes.io/hostname: worker-1}\n')
    expect((await kubectl('apply -f -', pinned)).status).toBe(0)
    expect((await kubectl(`get pod pinned -o ${condition}`)).stdout).toBe(
      "Pending 0/6 nodes are available: 1 node(s) didn't match PersistentVolume's node affinity, 2 node(s) didn't match Pod's node affinity/selector, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.",
    )
  })

  it('a pod whose claim nobody provisions fails VolumeBinding\'s PreBind after bindTimeoutSeconds, then tries again', async () => {
    // The cluster's scheduler configuration shortens kube-scheduler's default bindTimeoutSeconds (600).
    expect((await kubectl('get sc nobody --ignore-not-found')).status).toBe(0)
    const configuration = join(home, 'default', 'scheduler-config.yaml')
    writeFileSync(configuration, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- pluginConfig:\n  - name: VolumeBinding\n    args: {bindTimeoutSeconds: 60}\n')
    try {
      const nobody = 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: nobody}\nprovisioner: example.com/nobody\nvolumeBindingMode: WaitForFirstConsumer\n'
      expect((await kubectl('apply -f -', nobody)).status).toBe(0)
      expect((await kubectl('apply -f -', claim('never', '1Gi', '  storageClassName: nobody\n'))).status).toBe(0)
      expect((await kubectl('apply -f -', pod('patient', 'never'))).status).toBe(0)
      // The scheduler chose a node and waits in PreBind: the claim names it, the pod is not bound yet.
      const selected = (await kubectl("get pvc never -o jsonpath='{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}'")).stdout
      expect(selected).toMatch(/^worker-\d$/)
      expect((await kubectl("get pod patient -o jsonpath='{.status.phase} {.spec.nodeName}'")).stdout).toBe('Pending ')
      expect(await eventsOf('patient')).toBe('')
      // Each command is a new scheduler: it resumes the wait with the deadline the first one set (the clock also runs between commands).
      expect((await runShell(`${kubemu} time advance 30s`, {cwd: home, env: environment()})).status).toBe(0)
      expect(await eventsOf('patient')).toBe('')
      expect((await runShell(`${kubemu} time advance 31s`, {cwd: home, env: environment()})).status).toBe(0)
      const message = 'running PreBind plugin "VolumeBinding": binding volumes: context deadline exceeded'
      expect(await eventsOf('patient')).toBe(`Warning FailedScheduling default-scheduler: ${message}\n`)
      expect((await kubectl("get pod patient -o jsonpath='{.status.phase}'")).stdout).toBe('Pending')
      expect((await kubectl('delete pod patient --wait=false')).status).toBe(0)
    } finally {
      rmSync(configuration, {force: true})
    }
  })

  it('validates PersistentVolumes and StorageClasses as kube-apiserver does', async () => {
    const bad = 'apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: bad}\nspec: {accessModes: [ReadWriteSometimes]}\n'
    expect(await kubectl('apply -f -', bad)).toMatchObject({
      status: 1,
      stderr: 'The PersistentVolume "bad" is invalid: \n* spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"\n* spec.capacity: Required value\n* spec.capacity: Unsupported value: core.ResourceList(nil): supported values: "storage"\n* spec: Required value: must specify a volume type\n',
    })
    expect(await kubectl('apply -f -', 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: odd}\nprovisioner: example.com/x\nreclaimPolicy: Recycle\n')).toMatchObject({
      status: 1,
      stderr: 'The StorageClass "odd" is invalid: reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"\n',
    })
    expect(await kubectl('patch sc standard -p \'{"provisioner":"example.com/other"}\'')).toMatchObject({
      status: 1,
      stderr: 'The StorageClass "standard" is invalid: provisioner: Forbidden: updates to provisioner are forbidden.\n',
    })
  })
})

describe('storage through the real kubectl against up', () => {
  let home: string
  let up: UpProcess | null = null

  beforeAll(() => {
    home = temporaryFolder()
  })

  afterAll(async () => {
    if (up?.child.exitCode === null) {
      up.child.kill('SIGINT')
      await up.exited
    }
  })

  it('kubectl get sc,pv,pvc shows the provisioned volume of a StatefulSet', async () => {
    up = new UpProcess(home)
    await up.until(/leader election: \S+ leads/)
    const kubeconfig = join(home, 'default', 'kubeconfig')
    const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: process.env, stdin})
    expect((await real('apply -f -', statefulSet.replace('replicas: 2', 'replicas: 1'))).status).toBe(0)
    expect(await real('rollout status statefulset/web --timeout=60s')).toMatchObject({status: 0, stderr: ''})
    expect(await real("wait --for=jsonpath='{.status.phase}'=Bound pvc/www-web-0 --timeout=60s")).toMatchObject({status: 0, stdout: 'persistentvolumeclaim/www-web-0 condition met\n', stderr: ''})
    const listed = await real('get sc,pv,pvc')
    expect(listed).toMatchObject({status: 0, stderr: ''})
    expect(listed.stdout).toMatch(/^NAME {45}PROVISIONER {13}RECLAIMPOLICY {3}VOLUMEBINDINGMODE {6}ALLOWVOLUMEEXPANSION {3}AGE\nstorageclass\.storage\.k8s\.io\/standard \(default\) {3}rancher\.io\/local-path {3}Delete {10}WaitForFirstConsumer {3}false {18}\S+\n\n/)
    expect(listed.stdout).toMatch(/\npersistentvolume\/pvc-[0-9a-f-]{36} {3}1Gi {8}RWO {12}Delete {11}Bound {4}default\/www-web-0 {3}standard {7}<unset> {26}\S+\n\n/)
    // kubectl describe runs its describers in the client: kubemu's must print the same.
    const ours = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    for (const line of ['describe sc standard', 'describe pv']) expect((await ours(line)).stdout).toBe((await real(line)).stdout)
    const beforeEvents = (output: string) => output.slice(0, output.indexOf('Events:'))
    const described = (await real('describe pvc www-web-0')).stdout
    expect(described).toMatch(/^Name: {10}www-web-0\nNamespace: {5}default\nStorageClass: {2}standard\nStatus: {8}Bound\nVolume: {8}pvc-[0-9a-f-]{36}\nLabels: {8}app=web\n/)
    expect(described).toMatch(/\nCapacity: {6}1Gi\nAccess Modes: {2}RWO\nVolumeMode: {4}Filesystem\nUsed By: {7}web-0\n/)
    expect(beforeEvents((await ours('describe pvc www-web-0')).stdout)).toBe(beforeEvents(described))
    expect(listed.stdout).toMatch(/\npersistentvolumeclaim\/www-web-0 {3}Bound {4}pvc-[0-9a-f-]{36} {3}1Gi {8}RWO {12}standard {7}<unset> {17}\S+\n$/)
  })
})
