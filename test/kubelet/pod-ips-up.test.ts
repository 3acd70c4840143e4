// Pod IPs under `kubemu up`: a node hands its pods the lowest free address of its pod CIDR, whatever
// the CIDR's size (a /29 here: .10 to .14 of 10.250.0.8/29), and an address a deleted pod held goes
// to the next pod.
import {afterAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls} from '../support/up-kubectls.js'
import type {UpProcess} from '../support/up-process.js'

const pod = (name: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: narrow
  containers:
  - {name: app, image: "nginx:1.27"}
`

describe('pod IPs on kubemu up', {timeout: 300_000}, () => {
  let up: UpProcess | null = null
  afterAll(async () => {
    await up?.stop()
  })

  it("hands out the lowest free address of the node's pod CIDR, again once its pod is gone", async () => {
    const started = await startUpWithKubectls()
    up = started.up
    const kubectl = async (line: string, stdin?: string) => {
      const result = await started.real(line, stdin)
      expect(result.status, result.stderr).toBe(0)
      return result.stdout
    }
    // A node with a pod CIDR of 8 addresses (kube-proxy's pod there shares the node's address).
    await kubectl('apply -f -', 'apiVersion: v1\nkind: Node\nmetadata: {name: narrow}\nspec: {podCIDR: 10.250.0.8/29}\n')
    await kubectl('wait --for=condition=Ready node/narrow --timeout=60s')
    const names = ['a', 'b', 'c', 'd', 'e']
    await kubectl('apply -f -', names.map(pod).join('---\n'))
    await kubectl(`wait --for=jsonpath={.status.phase}=Running ${names.map((name) => `pod/${name}`).join(' ')} --timeout=60s`)
    const ips = async () => (await kubectl(`get pods -o jsonpath='{range .items[*]}{.status.podIP}{"\\n"}{end}'`)).trim().split('\n').sort()
    expect(await ips()).toEqual(['10.250.0.10', '10.250.0.11', '10.250.0.12', '10.250.0.13', '10.250.0.14'])
    await kubectl('delete pod b d')
    await kubectl('apply -f -', pod('f'))
    await kubectl('wait --for=jsonpath={.status.phase}=Running pod/f --timeout=60s')
    expect(await kubectl('get pod f -o jsonpath={.status.podIP}')).toBe('10.250.0.11')
    // Found at once, not after the kubelets failed for want of an address and started again.
    expect(started.up.output).not.toContain('kubelet failed')
  })
})
