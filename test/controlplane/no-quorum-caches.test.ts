// Without an etcd quorum under `kubemu up`, kube-apiserver still serves what it keeps in memory:
// discovery (`kubectl api-resources`, /apis, the CRDs it saw) and authorization from its informer
// caches (a ServiceAccount's `auth can-i`, `auth whoami`), with the real kubectl 1.32. Only a
// request that needs etcd fails, with etcd's words once the API server's etcd request timeout
// (shortened through its environment variable, as in quorum.test.ts) has passed. The clock runs:
// on a manual one the control plane's turn waits on etcd for ever and `time advance` with it.
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {etcdRequestTimeoutVariable} from '../../src/core/apiserver/open.js'
import {realKubectl} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`

describe('kubemu up without an etcd quorum', () => {
  const processes: UpProcess[] = []
  afterAll(async () => {
    // A quorum again first: up stops its control plane cleanly only with one.
    for (const up of processes) {
      const env = {...process.env, KUBEMU_HOME: up.home, KUBECONFIG: ''}
      for (const member of ['infra1', 'infra3']) await runShell(`${kubemu} member start ${member}`, {cwd: up.home, env})
      await up.stop()
    }
  })

  it('answers discovery and authorization from memory; only what needs etcd waits for its timeout', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const up = new UpProcess(home, [], {[etcdRequestTimeoutVariable]: '300'})
    processes.push(up)
    await up.until(/leader election: \S+ leads kube-controller-manager/)
    const kubeconfig = join(home, 'default', 'kubeconfig')
    // A request that waited on etcd would fail with etcd's words: kubectl's timeout is only a bound.
    const real = (line: string, stdin?: string) => runShell(`${realKubectl} --kubeconfig=${kubeconfig} --request-timeout=20s ${line}`, {cwd: home, env: process.env, ...(stdin === undefined ? {} : {stdin})})
    const ours = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env})
    expect((await real('apply -f -', crd)).status).toBe(0)
    expect((await real('create serviceaccount bot')).status).toBe(0)
    expect((await real('create clusterrolebinding bot --clusterrole=view --serviceaccount=default:bot')).status).toBe(0)
    const token = (await real('create token bot')).stdout.trim()
    const server = (await real("config view --minify -o jsonpath='{.clusters[0].cluster.server}'")).stdout
    const asBot = (line: string) => runShell(`${realKubectl} --kubeconfig=/dev/null --server=${server} --insecure-skip-tls-verify --token=${token} --request-timeout=20s ${line}`, {cwd: home, env: process.env})
    // One member stopped first, and a write both others acknowledge: the member left last has
    // every change (its reads are then those of the cluster, not of a member left behind).
    expect(await ours('member stop infra1')).toMatchObject({status: 0})
    expect((await real('create configmap last-write')).status).toBe(0)
    expect(await asBot('get configmap last-write -o name')).toMatchObject({status: 0, stdout: 'configmap/last-write\n'})
    expect(await ours('member stop infra3 --force')).toMatchObject({status: 0})

    const resources = await real('api-resources -o name')
    expect({status: resources.status, stderr: resources.stderr}).toEqual({status: 0, stderr: ''})
    expect(resources.stdout.split('\n')).toEqual(expect.arrayContaining(['pods', 'deployments.apps', 'widgets.example.com']))
    const groups = await real('get --raw /apis')
    expect(groups.status).toBe(0)
    expect(JSON.parse(groups.stdout).groups.map((group: {name: string}) => group.name)).toContain('example.com')
    expect(await asBot('get --raw /apis/example.com')).toMatchObject({status: 0, stderr: ''})
    // The reviews are answered from the authorizer's copy of the RBAC objects.
    expect(await asBot('auth can-i list pods')).toMatchObject({status: 0, stdout: 'yes\n'})
    // view aggregates only the roles labelled for it: none names the CRD's resource.
    expect(await asBot('auth can-i list widgets.example.com')).toMatchObject({status: 1, stdout: 'no\n'})
    expect(await asBot('auth can-i delete pods')).toMatchObject({status: 1, stdout: 'no\n', stderr: ''})
    expect(await asBot('auth can-i create rolebindings -n kube-system')).toMatchObject({status: 1, stdout: 'no\n'})
    expect(await asBot('auth whoami -o jsonpath={.status.userInfo.username}')).toMatchObject({status: 0, stdout: 'system:serviceaccount:default:bot'})

    // A list needs etcd: it fails once the etcd request timeout has passed.
    expect(await asBot('get configmaps')).toMatchObject({status: 1, stdout: '', stderr: 'Error from server: etcdserver: request timed out\n'})
  }, 240_000)
})
