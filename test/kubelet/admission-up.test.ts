// The kubelet's admission and pod IPs under `kubemu up`, where one kubelet sees pods come and go:
// what a pod used (its requests, its place among the node's pods, its host ports, its IP) is free
// for the next pod once it has finished or is deleted, and counts while it runs; a node hands its
// pods the lowest free address of its pod CIDR, whatever the CIDR's size.
import {afterAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls, type UpKubectls} from '../support/up-kubectls.js'
import {narrowNode, narrowPod} from '../support/narrow-node.js'

const pod = (name: string, extra: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: lone
  restartPolicy: Never
  containers:
  - {name: app${extra}}
`

describe("the kubelet's admission and pod IPs on kubemu up", {timeout: 300_000}, () => {
  let started: Promise<UpKubectls> | null = null
  const cluster = () => (started ??= startUpWithKubectls())
  afterAll(async () => {
    await (await started)?.up.stop()
  })
  /** The real kubectl against the up; a command that fails fails the test. */
  const kubectl = async (line: string, stdin?: string) => {
    const result = await (await cluster()).real(line, stdin)
    expect(result.status, result.stderr).toBe(0)
    return result.stdout
  }

  it('frees what a pod used once it finishes or is deleted, for the pods admitted next', async () => {
    const {kubemu} = await cluster()
    const phaseOf = async (name: string, phase: string) => {
      await kubectl(`wait --for=jsonpath={.status.phase}=${phase} pod/${name} --timeout=60s`)
      return (await kubectl(`get pod ${name} -o jsonpath={.status.reason}`)) || phase
    }
    // Room for one pod of 3 CPUs, and for three pods in all: kube-proxy's (kube-system) and two.
    expect((await kubemu('node add lone --cpu 4 --pods 3')).status).toBe(0)
    await kubectl('wait --for=condition=Ready node/lone --timeout=60s')
    // A pod that finishes (Succeeded) gives its CPU back.
    await kubectl('apply -f -', pod('done', ', image: "busybox:1.36", command: ["true"], resources: {requests: {cpu: "3"}}'))
    expect(await phaseOf('done', 'Succeeded')).toBe('Succeeded')
    await kubectl('apply -f -', pod('big', ', image: "nginx:1.27", resources: {requests: {cpu: "3"}}'))
    expect(await phaseOf('big', 'Running')).toBe('Running')
    // While it runs, its CPU is taken.
    await kubectl('apply -f -', pod('small', ', image: "nginx:1.27", resources: {requests: {cpu: "2"}}'))
    expect(await phaseOf('small', 'Failed')).toBe('OutOfcpu')
    expect(await kubectl('get pod small -o jsonpath={.status.message}')).toBe("Pod was rejected: Node didn't have enough resource: cpu, requested: 2000, used: 3000, capacity: 4000")
    // A deleted pod gives its CPU back.
    await kubectl('delete pod big small')
    await kubectl('apply -f -', pod('port-a', ', image: "nginx:1.27", resources: {requests: {cpu: "3"}}, ports: [{containerPort: 80, hostPort: 8080}]'))
    expect(await phaseOf('port-a', 'Running')).toBe('Running')
    // A host port in use refuses a second pod on it; once its pod is deleted it is free again.
    await kubectl('apply -f -', pod('port-b', ', image: "nginx:1.27", ports: [{containerPort: 80, hostPort: 8080}]'))
    expect(await phaseOf('port-b', 'Failed')).toBe('NodePorts')
    await kubectl('delete pod port-a port-b')
    await kubectl('apply -f -', pod('port-c', ', image: "nginx:1.27", ports: [{containerPort: 80, hostPort: 8080}]'))
    expect(await phaseOf('port-c', 'Running')).toBe('Running')
    // With kube-proxy's pod and port-c, one more fits; the next is refused for the node's pod capacity.
    await kubectl('apply -f -', pod('second', ', image: "nginx:1.27"'))
    expect(await phaseOf('second', 'Running')).toBe('Running')
    await kubectl('apply -f -', pod('third', ', image: "nginx:1.27"'))
    expect(await phaseOf('third', 'Failed')).toBe('OutOfpods')
    // A deleted pod leaves its place.
    await kubectl('delete pod second')
    await kubectl('apply -f -', pod('fourth', ', image: "nginx:1.27"'))
    expect(await phaseOf('fourth', 'Running')).toBe('Running')
  })

  it("hands out the lowest free address of the node's pod CIDR, again once its pod is gone", async () => {
    const {up} = await cluster()
    // A node with a pod CIDR of 8 addresses (kube-proxy's pod there shares the node's address).
    await kubectl('apply -f -', narrowNode)
    await kubectl('wait --for=condition=Ready node/narrow --timeout=60s')
    const names = ['a', 'b', 'c', 'd', 'e']
    await kubectl('apply -f -', names.map(narrowPod).join('---\n'))
    await kubectl(`wait --for=jsonpath={.status.phase}=Running ${names.map((name) => `pod/${name}`).join(' ')} --timeout=60s`)
    const ips = async () => (await kubectl(`get pods --field-selector spec.nodeName=narrow -o jsonpath='{range .items[*]}{.status.podIP}{"\\n"}{end}'`)).trim().split('\n').sort()
    expect(await ips()).toEqual(['10.250.0.10', '10.250.0.11', '10.250.0.12', '10.250.0.13', '10.250.0.14'])
    await kubectl('delete pod b d')
    await kubectl('apply -f -', narrowPod('f'))
    await kubectl('wait --for=jsonpath={.status.phase}=Running pod/f --timeout=60s')
    expect(await kubectl('get pod f -o jsonpath={.status.podIP}')).toBe('10.250.0.11')
    // Found at once, not after the kubelets failed for want of an address and started again.
    expect(up.output).not.toContain('kubelet failed')
  })
})
