// A node whose pod CIDR has no address left, under `kubemu up` (manual clock) with the real
// kubectl 1.32: the pod that cannot have one stays ContainerCreating with containerd's
// FailedCreatePodSandBox warning (the CNI host-local plugin's words), the node's other pods run
// on, and the kubelet tries again after its back-off: the pod starts once an address is free.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {upWithRealKubectl, type UpWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {sandboxRetryMilliseconds} from '../../src/core/kubelet/pod-sandbox.js'
import {narrowNode, narrowPod} from '../support/narrow-node.js'

describe('a node out of pod addresses, on kubemu up', {timeout: 300_000}, () => {
  const processes = upProcessesOfSuite()
  let cluster: UpWithRealKubectl
  beforeAll(async () => {
    cluster = await upWithRealKubectl(processes, ['--manual-clock'])
  }, 120_000)
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })
  const kubectl = async (line: string, stdin?: string) => {
    const result = await cluster.real(line, stdin)
    expect(result.status, result.stderr).toBe(0)
    return result.stdout
  }
  const advance = async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: cluster.home, env: cluster.env})).status).toBe(0)

  it('fails only the pod that cannot have an address, and starts it once one is free', async () => {
    // 10.250.0.8/29: host-local's range is .9-.14, .9 the gateway: five pod addresses.
    await kubectl('apply -f -', narrowNode)
    await kubectl('wait --for=condition=Ready node/narrow --timeout=60s')
    const names = ['a', 'b', 'c', 'd', 'e']
    await kubectl('apply -f -', names.map(narrowPod).join('---\n'))
    await kubectl(`wait --for=jsonpath={.status.phase}=Running ${names.map((name) => `pod/${name}`).join(' ')} --timeout=60s`)
    const ipOfA = await kubectl('get pod a -o jsonpath={.status.podIP}')

    await kubectl('apply -f -', narrowPod('f'))
    await kubectl('wait --for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ContainerCreating pod/f --timeout=60s')
    const waiting = JSON.parse(await kubectl('get pod f -o jsonpath={.status}')) as Record<string, any>
    expect(waiting).toMatchObject({phase: 'Pending', hostIP: expect.any(String)})
    expect(waiting.startTime).toBeDefined()
    expect(waiting.podIP).toBeUndefined()
    const events = (await kubectl(`get events --field-selector involvedObject.name=f,reason=FailedCreatePodSandBox -o jsonpath='{range .items[*]}{.type}|{.source.component}|{.message}{"\\n"}{end}'`)).trim().split('\n')
    expect(events).toHaveLength(1)
    expect(events[0]).toMatch(
      /^Warning\|kubelet\|Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "[0-9a-f]{64}": plugin type="host-local" failed \(add\): failed to allocate for range 0: no IP addresses available in range set: 10\.250\.0\.9-10\.250\.0\.14$/,
    )
    expect(await kubectl('get pod f --no-headers')).toMatch(/^f +0\/1 +ContainerCreating +0 /)
    // The node's other pods and its kubelet go on: no restart of the kubelets for one pod.
    expect((await kubectl(`get pods ${names.join(' ')} -o jsonpath={.items[*].status.phase}`)).split(' ')).toEqual(names.map(() => 'Running'))
    expect(cluster.up.output).not.toContain('kubelet failed')

    // An address frees up; the pod waits for its back-off, then starts with it.
    await kubectl('delete pod a')
    expect(await kubectl('get pod f -o jsonpath={.status.phase}/{.status.podIP}')).toBe('Pending/')
    await advance(`${sandboxRetryMilliseconds / 1000}s`)
    await kubectl('wait --for=jsonpath={.status.phase}=Running pod/f --timeout=60s')
    expect(await kubectl('get pod f -o jsonpath={.status.podIP}')).toBe(ipOfA)
    expect(await kubectl('get pod f -o jsonpath={.status.podIPs[0].ip}')).toBe(ipOfA)
    expect(cluster.up.output).not.toContain('kubelet failed')
  })
})
