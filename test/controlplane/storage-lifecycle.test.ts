// A claim's life after it is made, one-shot through kubemu's kubectl: kube-apiserver's update
// rules (a fixed spec, a bound claim may only grow), volume expansion through a class that allows
// it (the volume grows, then the file system once a pod mounts it), and a StatefulSet's claims
// deleted with the set or its scaled-down pods as persistentVolumeClaimRetentionPolicy says.
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const statefulSet = (name: string, replicas: number, policy: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  serviceName: ${name}
  replicas: ${replicas}
  persistentVolumeClaimRetentionPolicy: ${policy}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: nginx
        image: nginx
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`

const expansion = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: expandable}
provisioner: rancher.io/local-path
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
allowVolumeExpansion: true
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  storageClassName: expandable
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fixed}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: user}
spec:
  containers: [{name: main, image: busybox}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}, {name: fixed, persistentVolumeClaim: {claimName: fixed}}]
`

describe('claims after creation, one-shot', () => {
  let home: string
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin})
  const patchStorage = (claim: string, storage: string) => kubectl(`patch pvc ${claim} -p '{"spec":{"resources":{"requests":{"storage":"${storage}"}}}}'`)

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('keeps a claim\'s spec as kube-apiserver does: fixed while unbound, growing only once bound', async () => {
    expect((await kubectl('create -f -', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: idle}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n')).status).toBe(0)
    const modes = await kubectl(`patch pvc idle -p '{"spec":{"accessModes":["ReadWriteMany"]}}'`)
    expect(modes.status).toBe(1)
    expect(modes.stderr).toMatch(/^The PersistentVolumeClaim "idle" is invalid: spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n  core\.PersistentVolumeClaimSpec\{\n- \tAccessModes: \["ReadWriteOnce"\],\n\+ \tAccessModes: \["ReadWriteMany"\],\n/)
    const unbound = await patchStorage('idle', '2Gi')
    expect(unbound.stderr).toMatch(/^The PersistentVolumeClaim "idle" is invalid: spec: Forbidden: spec is immutable after creation except resources\.requests and volumeAttributesClassName for bound claims\n/)
    const mode = await kubectl(`patch pvc idle -p '{"spec":{"volumeMode":"Block"}}'`)
    expect(mode.stderr).toContain('volumeMode: Invalid value: "Block": field is immutable')
  }, 180_000)

  it('grows a bound claim of a class that allows it: the volume, then the file system of the mounting pod', async () => {
    expect((await kubectl('apply -f -', expansion)).status).toBe(0)
    expect((await kubectl('get pvc data -o jsonpath={.status.phase}')).stdout).toBe('Bound')
    expect(await patchStorage('fixed', '2Gi')).toMatchObject({status: 1, stderr: 'Error from server (Forbidden): persistentvolumeclaims "fixed" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize\n'})
    expect(await patchStorage('data', '512Mi')).toMatchObject({status: 1, stderr: 'The PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than previous value\n'})
    expect(await patchStorage('data', '3Gi')).toMatchObject({status: 0, stdout: 'persistentvolumeclaim/data patched\n'})
    const volume = (await kubectl('get pvc data -o jsonpath={.spec.volumeName}')).stdout
    expect((await kubectl(`get pv ${volume} -o jsonpath={.spec.capacity.storage}`)).stdout).toBe('3Gi')
    expect((await kubectl('get pvc data -o jsonpath={.status.capacity.storage}/{.status.conditions}')).stdout).toBe('3Gi/')
    const events = (await kubectl(`get events --field-selector involvedObject.name=data -o jsonpath='{range .items[*]}{.reason}{"\\n"}{end}'`)).stdout
    expect(events).toContain('Resizing\nFileSystemResizeRequired\nFileSystemResizeSuccessful\n')
  }, 180_000)

  it('waits with FileSystemResizePending while no running pod mounts the grown claim', async () => {
    expect((await kubectl('delete pod user')).status).toBe(0)
    expect(await patchStorage('data', '4Gi')).toMatchObject({status: 0})
    const volume = (await kubectl('get pvc data -o jsonpath={.spec.volumeName}')).stdout
    expect((await kubectl(`get pv ${volume} -o jsonpath={.spec.capacity.storage}`)).stdout).toBe('4Gi')
    expect((await kubectl('get pvc data -o jsonpath={.status.capacity.storage}/{.status.conditions[0].type}/{.status.conditions[0].message}')).stdout)
      .toBe('3Gi/FileSystemResizePending/Waiting for user to (re-)start a pod to finish file system resize of volume on node.')
    expect((await kubectl('apply -f -', expansion.split('---').at(-1))).status).toBe(0)
    expect((await kubectl('get pvc data -o jsonpath={.status.capacity.storage}/{.status.conditions}')).stdout).toBe('4Gi/')
  }, 180_000)

  it('deletes a StatefulSet\'s claims with its scaled-down pods and with the set under Delete, and keeps them under Retain', async () => {
    expect((await kubectl('apply -f -', statefulSet('web', 2, '{whenDeleted: Delete, whenScaled: Delete}'))).status).toBe(0)
    expect((await kubectl('get pvc www-web-1 -o jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}/{.metadata.ownerReferences[0].controller}')).stdout).toBe('StatefulSet/web/true')
    expect((await kubectl('scale statefulset web --replicas=1')).status).toBe(0)
    expect((await kubectl('get pvc -l app=web -o name')).stdout).toBe('persistentvolumeclaim/www-web-0\n')
    expect((await kubectl('delete statefulset web')).status).toBe(0)
    expect(await kubectl('get pvc -l app=web -o name')).toMatchObject({status: 0, stdout: ''})

    expect((await kubectl('apply -f -', statefulSet('kept', 2, '{whenDeleted: Retain, whenScaled: Retain}'))).status).toBe(0)
    expect((await kubectl('get pvc www-kept-0 -o jsonpath={.metadata.ownerReferences}')).stdout).toBe('')
    expect((await kubectl('scale statefulset kept --replicas=1')).status).toBe(0)
    expect((await kubectl('delete statefulset kept')).status).toBe(0)
    expect((await kubectl('get pvc -l app=kept -o name')).stdout).toBe('persistentvolumeclaim/www-kept-0\npersistentvolumeclaim/www-kept-1\n')
  }, 180_000)
})
