// The kubelet's admission of pods bound to its node without the scheduler (spec.nodeName set), as
// kube's predicateAdmitHandler decides: a pod that does not fit beside the pods already admitted
// there, or whose node selector/affinity or host ports the node does not meet, is rejected at once:
// Failed, its reason in STATUS (OutOfcpu, NodeAffinity, …), `Pod was rejected: …` and a Warning event.
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

const pod = (name: string, node: string, extra: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${node}
${extra}`

describe("the kubelet's admission, one-shot", {timeout: 120_000}, () => {
  it('rejects what does not fit its node, counting the pods admitted before, and runs what does', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const kubectl = (command: string, stdin?: string) => runShell(`${kubemu} kubectl ${command}`, {cwd: home, env, ...(stdin === undefined ? {} : {stdin})})
    // A node of its own: nothing else asks for its CPU (CoreDNS's pods land on any worker).
    expect((await runShell(`${kubemu} node add spare --cpu 4`, {cwd: home, env})).status).toBe(0)
    const manifests = [
      pod('zz-first', 'spare', '  containers:\n  - {name: app, image: "nginx:1.27", resources: {requests: {cpu: "3", memory: 1Gi}}}\n'),
      pod('aa-second', 'spare', '  containers:\n  - {name: app, image: "nginx:1.27", resources: {requests: {cpu: "2"}}}\n'),
      pod('picky', 'worker-2', '  nodeSelector: {disk: ssd}\n  containers:\n  - {name: app, image: "nginx:1.27"}\n'),
      pod('port-a', 'worker-1', '  containers:\n  - {name: app, image: "nginx:1.27", ports: [{containerPort: 80, hostPort: 8080}]}\n'),
      pod('port-b', 'worker-1', '  containers:\n  - {name: app, image: "nginx:1.27", ports: [{containerPort: 80, hostPort: 8080}]}\n'),
      pod('windows', 'worker-1', '  os: {name: windows}\n  containers:\n  - {name: app, image: "nginx:1.27"}\n'),
    ]
    expect((await kubectl('apply -f -', manifests.join('---\n'))).status).toBe(0)
    const table = (await kubectl('get pods --no-headers -o custom-columns=NAME:.metadata.name,PHASE:.status.phase,REASON:.status.reason')).stdout.trim().split('\n').map((line) => line.split(/ +/).join(' '))
    // Admitted in the order they were created (zz-first before aa-second), whatever their names.
    expect(table).toEqual(['aa-second Failed OutOfcpu', 'picky Failed NodeAffinity', 'port-a Running <none>', 'port-b Failed NodePorts', 'windows Failed PodOSNotSupported', 'zz-first Running <none>'])
    const second = JSON.parse((await kubectl('get pod aa-second -o jsonpath={.status}')).stdout)
    // spare has 4 CPUs; the first pod's 3 are in use (in millicores, as the kubelet prints them).
    expect(second).toMatchObject({phase: 'Failed', reason: 'OutOfcpu', message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000", qosClass: 'Burstable'})
    expect(second.conditions).toBeUndefined()
    expect((await kubectl('get pod picky -o jsonpath={.status.message}')).stdout).toBe("Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector")
    expect((await kubectl('get pods aa-second picky --no-headers')).stdout.trim().split('\n').map((line) => line.split(/ +/).slice(1, 3).join(' '))).toEqual(['0/1 OutOfcpu', '0/1 NodeAffinity'])
    const warnings = (await kubectl(`get events --field-selector type=Warning -o jsonpath='{range .items[*]}{.involvedObject.name} {.reason}: {.message}{"\\n"}{end}'`)).stdout.trim().split('\n').sort()
    expect(warnings).toEqual([
      "aa-second OutOfcpu: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000",
      "picky NodeAffinity: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
      "port-b NodePorts: Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
      "windows PodOSNotSupported: Failed to admit pod as the OS field doesn't match node OS",
    ])
    // kubemu why tells it was the kubelet's refusal, not a container's failure.
    const why = await runShell(`${kubemu} why pod/aa-second`, {cwd: home, env})
    expect(why.stdout).toContain("the kubelet on node spare rejected pod/aa-second before starting it (OutOfcpu): Node didn't have enough resource: cpu")
    expect(why.stdout).not.toContain('kubectl logs')
  })

  it("counts every pod admitted in one round, past the kubelet's pod workers in flight", async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    expect((await runShell(`${kubemu} node add crowded --cpu 4`, {cwd: home, env})).status).toBe(0)
    const many = Array.from({length: 150}, (_, index) => pod(`p${String(index).padStart(3, '0')}`, 'crowded', '  containers:\n  - {name: app, image: "registry.k8s.io/pause:3.10", resources: {requests: {cpu: 100m}}}\n'))
    expect((await runShell(`${kubemu} kubectl apply -f -`, {cwd: home, env, stdin: many.join('---\n')})).status).toBe(0)
    const phases = (await runShell(`${kubemu} kubectl get pods --no-headers -o custom-columns=PHASE:.status.phase`, {cwd: home, env})).stdout.trim().split('\n')
    // 4 CPUs hold 40 pods of 100m.
    expect(phases.filter((phase) => phase === 'Running').length).toBe(40)
    expect(phases.filter((phase) => phase === 'Failed').length).toBe(110)
  })
})
