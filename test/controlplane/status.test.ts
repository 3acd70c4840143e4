// `kubemu status` through the CLI: members (one stopped: the cluster keeps working on a quorum),
// nodes with their pods and requests, pending pods with the scheduler's reason.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe('kubemu status', () => {
  it('shows the members, the nodes with their pods, and why pods are pending', async () => {
    const home = temporaryFolder()
    const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', NO_COLOR: '1'}})
    expect((await run('kubectl create deployment web --image=nginx --replicas=2')).status).toBe(0)
    expect((await run('member stop infra3')).status).toBe(0)
    expect((await run(`kubectl run big --image=nginx --overrides='{"spec":{"containers":[{"name":"big","image":"nginx","resources":{"requests":{"cpu":"9"}}}]}}'`)).status).toBe(0)
    const status = await run('status')
    expect(status.status).toBe(0)
    expect(status.stdout).toMatch(/^cluster time \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(wall clock \+ 0s\)\n\nmasters\n {2}NODE +ETCD MEMBER +KUBE-APISERVER +KUBE-SCHEDULER +KUBE-CONTROLLER-MANAGER\n {2}control-plane +infra1 +running +leader +leader\n {2}control-plane2 +infra2 +running +standby +standby\n {2}control-plane3 +infra3 +running +standby +standby\n\n/)
    const lines = status.stdout.split('\n').slice(8)
    expect(lines[0]).toBe('etcd members')
    expect(lines[1]).toMatch(/^ {2}NAME +ID +ENDPOINT +LEADER +ROLE +TERM +COMMIT +APPLIED +LOG +SNAPSHOT +HEALTH$/)
    expect(lines.filter((line) => / healthy$/.test(line))).toHaveLength(2)
    expect(lines.filter((line) => /^ {2}infra\d .* \* /.test(line))).toHaveLength(1)
    expect(status.stdout).toMatch(/ {2}infra3 +fd422379fda50e48 +http:\/\/127\.0\.0\.1:32379 +stopped +- +- +- +- +- +unhealthy/)
    // The masters' nodes hold their mirror pods (kubeadm's requests: 250m + 200m + 100m + etcd's 100m and
    // 100Mi), and maybe one of CoreDNS's two pods (100m and 70Mi; they tolerate the control-plane taint).
    // Every node runs a kube-proxy (kube-proxy's DaemonSet, no requests).
    for (const node of ['control-plane', 'control-plane2', 'control-plane3']) {
      const line = lines.find((entry) => entry.startsWith(`  ${node.padEnd(17)}`))
      const kubeProxy = line?.match(/kube-system\/kube-proxy-\S+, /)?.[0] ?? '<no kube-proxy>'
      const systemPods = `kube-system/etcd-${node}, kube-system/kube-apiserver-${node}, kube-system/kube-controller-manager-${node}, ${kubeProxy}kube-system/kube-scheduler-${node}`
      expect([`  ${node.padEnd(17)}Ready    650m/4 (16%)   100Mi/8Gi (1%)    5: ${systemPods}`, `  ${node.padEnd(17)}Ready    750m/4 (19%)   170Mi/8Gi (2%)    6: ${line?.match(/kube-system\/coredns-\S+, /)?.[0] ?? ''}${systemPods}`]).toContain(line)
    }
    expect(lines.filter((line) => /^ {2}(worker-\d|control-plane\d?) /.test(line)).join('\n').match(/kube-system\/coredns-/g)).toHaveLength(2)
    expect(lines.filter((line) => /^ {2}worker-\d +Ready .* \d: default\/web-/.test(line))).toHaveLength(2)
    expect(status.stdout).toContain('pending pods (1)\n  default/big   0/6 nodes are available: 3 Insufficient cpu, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: 0/6 nodes are available: 3 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.\n')
    expect(status.stdout).not.toMatch(/\u001b\[/)
  }, 60_000)
})
