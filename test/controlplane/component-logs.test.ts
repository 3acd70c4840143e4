// The control plane's own containers' logs, as `kubectl logs -n kube-system` shows them on a kubeadm
// cluster: etcd's members log their raft elections in etcd 3.4's words, and the elected
// kube-scheduler and kube-controller-manager log their start-up and the Lease they take, one-shot
// and through `up` with the real kubectl.
import {afterAll, describe, expect, it} from 'vitest'
import {oneShotCluster} from '../support/one-shot-cluster.js'
import {type UpProcess, kubemu} from '../support/up-process.js'
import {upWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {runShell} from '../support/shell.js'

const etcdPods = ['etcd-control-plane', 'etcd-control-plane2', 'etcd-control-plane3']
const raftLine = /^raft\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (INFO|WARN): /
const klogLine = /^[IWE]\d{4} \d\d:\d\d:\d\d\.\d{6} {7}1 [a-z_]+\.go:\d+\] /

/** The leader every member's log names last ("raft.node: ID elected leader LEAD at term T"). */
function lastElected(log: string): {leader: string; term: number} | null {
  const elected = [...log.matchAll(/raft\.node: \S+ (?:elected leader|changed leader from \S+ to) (\S+) at term (\d+)/g)].at(-1)
  return elected ? {leader: elected[1]!, term: Number(elected[2])} : null
}

describe('component logs, one-shot', () => {
  const cluster = oneShotCluster()
  const logs = async (pod: string) => {
    const result = await cluster.kubectl(`logs -n kube-system ${pod}`)
    expect(result.status, result.stderr).toBe(0)
    return result.stdout
  }

  it("etcd's pods show each member's start and its raft election; a stopped leader's members elect another", async () => {
    expect((await cluster.kubectl('get nodes')).status).toBe(0)
    const before = await Promise.all(etcdPods.map(logs))
    for (const [index, log] of before.entries()) {
      expect(log).toMatch(/^\[WARNING\] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} I \| etcdmain: etcd Version: 3\.4\.23\n/)
      expect(log).toContain(`I | embed: name = infra${index + 1}\n`)
      for (const line of log.split('\n').filter((text) => text.startsWith('raft'))) expect(line).toMatch(raftLine)
    }
    // All three saw the same leader of the same term, and that member's log says it won.
    const elected = before.map(lastElected)
    expect(new Set(elected.map((seen) => `${seen?.leader}@${seen?.term}`)).size, before.join('\n---\n')).toBe(1)
    const {leader, term} = elected[0]!
    const leaderIndex = before.findIndex((log) => log.includes(`INFO: ${leader} became leader at term ${term}\n`))
    expect(leaderIndex).toBeGreaterThanOrEqual(0)
    // A quorum of votes; two members that time out at once split the first vote (one rejection, as etcd-io/raft logs it).
    expect(before[leaderIndex]).toMatch(new RegExp(`INFO: ${leader} has received 2 MsgVoteResp votes and [01] vote rejections\\n`))
    // The leader's member stops: the other two hold a pre-vote and an election of a later term.
    expect((await cluster.kubemu(`member stop infra${leaderIndex + 1}`)).status).toBe(0)
    const others = etcdPods.filter((_, index) => index !== leaderIndex)
    const after = await Promise.all(others.map(logs))
    const newly = after.map(lastElected)
    expect(newly[0]).toEqual(newly[1])
    expect(newly[0]!.term).toBeGreaterThan(term)
    expect(newly[0]!.leader).not.toBe(leader)
    expect(after.join('\n')).toMatch(/INFO: \S+ is starting a new election at term \d+\n/)
    expect(after.join('\n')).toMatch(/INFO: \S+ became pre-candidate at term \d+\n/)
    expect(after.join('\n')).toContain(`INFO: ${newly[0]!.leader} became leader at term ${newly[0]!.term}\n`)
    // Their peer transports lost the stopped member, as etcd's rafthttp says, and find it again.
    for (const log of after) expect(log).toMatch(new RegExp(`W \\| rafthttp: lost the TCP streaming connection with peer ${leader} \\(stream Message reader\\)\\n[^]*I \\| rafthttp: peer ${leader} became inactive \\(message send to peer failed\\)\\n`))
    expect((await cluster.kubemu(`member start infra${leaderIndex + 1}`)).status).toBe(0)
    for (const pod of others) expect(await logs(pod)).toContain(`I | rafthttp: peer ${leader} became active\n`)
  }, 120_000)

  it('a standby kube-scheduler and kube-controller-manager log the Lease they take once the leading master stops', async () => {
    const holder = async (lease: string) => (await cluster.kubectl(`get lease -n kube-system ${lease} -o jsonpath={.spec.holderIdentity}`)).stdout
    const first = (await holder('kube-scheduler')).split('_')[0]!
    const scheduler = await logs(`kube-scheduler-${first}`)
    for (const line of scheduler.trimEnd().split('\n')) expect(line).toMatch(klogLine)
    expect(scheduler).toMatch(/server\.go:166\] "Starting Kubernetes Scheduler" version="v1\.32\.0"\n/)
    expect(scheduler).toMatch(/leaderelection\.go:257\] attempting to acquire leader lease kube-system\/kube-scheduler\.\.\.\n[^]*leaderelection\.go:271\] successfully acquired lease kube-system\/kube-scheduler\n/)
    expect((await cluster.kubemu(`master stop ${first}`)).status).toBe(0)
    expect((await cluster.kubemu('time advance 20s')).status).toBe(0)
    const next = await holder('kube-scheduler')
    const standby = next.split('_')[0]!
    expect(standby).not.toBe(first)
    const taken = await logs(`kube-scheduler-${standby}`)
    // It waited from its start, and took the Lease after the advance, as its last line.
    expect(taken).toContain('attempting to acquire leader lease kube-system/kube-scheduler...\n')
    expect(taken.trimEnd().split('\n').at(-1)).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} {7}1 leaderelection\.go:271\] successfully acquired lease kube-system\/kube-scheduler$/)
    const managerHolder = await holder('kube-controller-manager')
    const manager = await logs(`kube-controller-manager-${managerHolder.split('_')[0]}`)
    expect(manager).toContain(`event.go:389] "Event occurred" object="kube-system/kube-controller-manager" fieldPath="" kind="Lease" apiVersion="coordination.k8s.io/v1" type="Normal" reason="LeaderElection" message="${managerHolder} became leader"\n`)
    expect(manager.slice(manager.lastIndexOf('successfully acquired lease'))).toContain('controllermanager.go:765] "Started controller" controller="deployment-controller"\n')
    expect((await cluster.kubemu(`master start ${first}`)).status).toBe(0)
  }, 120_000)

  it('a member without a quorum logs its elections once a second or less, as etcd campaigns once per election timeout', async () => {
    expect((await cluster.kubemu('member stop infra2')).status).toBe(0)
    expect((await cluster.kubemu('member stop infra3')).status).toBe(0)
    // A write that cannot commit: the driver's back-to-back virtual ticks start election after election.
    expect((await cluster.kubemu('etcdctl put lonely member --command-timeout=3s')).status).not.toBe(0)
    expect((await cluster.kubemu('member start infra2')).status).toBe(0)
    expect((await cluster.kubemu('member start infra3')).status).toBe(0)
    const log = await logs('etcd-control-plane')
    const seconds = [...log.matchAll(/^raft(\S+ \S+) INFO: \S+ is starting a new election at term/gm)].map((match) => match[1]!)
    expect(seconds.length).toBeGreaterThan(0)
    expect(seconds.length, seconds.join(' ')).toBe(new Set(seconds).size)
  }, 120_000)
})

describe('component logs through up, with the real kubectl', () => {
  const processes: UpProcess[] = []
  afterAll(() => Promise.all(processes.map((up) => up.stop())))

  it("kubemu's kubectl and the real one print the same etcd and kube-scheduler logs", async () => {
    const up = await upWithRealKubectl(processes)
    const ours = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: up.home, env: up.env})
    for (const pod of ['etcd-control-plane', 'kube-scheduler-control-plane']) {
      const real = await up.real(`logs -n kube-system ${pod}`)
      expect(real.status, real.stderr).toBe(0)
      expect(real.stdout).toMatch(pod.startsWith('etcd') ? /raft\.node: \S+ elected leader \S+ at term \d+\n/ : /attempting to acquire leader lease kube-system\/kube-scheduler\.\.\.\n/)
      expect((await ours(`logs -n kube-system ${pod}`)).stdout).toBe(real.stdout)
      const stamped = await up.real(`logs -n kube-system ${pod} --timestamps --tail=2`)
      expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \S/)
      expect(stamped.stdout.trimEnd().split('\n')).toHaveLength(2)
    }
  }, 120_000)

  it('kube-apiserver logs its start, the quota evaluators its admission adds and the cluster IPs it allocates; kube-proxy its start', async () => {
    const up = await upWithRealKubectl(processes)
    const apiServerLog = async (node: string) => {
      const result = await up.real(`logs -n kube-system kube-apiserver-${node}`)
      expect(result.status, result.stderr).toBe(0)
      for (const line of result.stdout.trimEnd().split('\n')) expect(line).toMatch(klogLine)
      return result.stdout
    }
    const first = await apiServerLog('control-plane')
    expect(first).toMatch(/^W\d{4} [\d:.]+ {7}1 registry\.go:256\] calling componentGlobalsRegistry\.AddFlags more than once, the registry will be set by the latest flags\nI\d{4} [\d:.]+ {7}1 options\.go:238\] external host was not specified, using 172\.18\.0\.2\nI\d{4} [\d:.]+ {7}1 server\.go:143\] Version: v1\.32\.0\n/)
    expect(first).toContain('] Serving securely on [::]:6443\n')
    // The seeded cluster's API server on the first master serves every request.
    for (const line of ['create deployment web --image=nginx', 'create deployment api --image=nginx', 'expose deployment web --port=80']) expect((await up.real(line)).status).toBe(0)
    const clusterIp = (await up.real("get service web -o jsonpath='{.spec.clusterIP}'")).stdout
    const served = await apiServerLog('control-plane')
    expect(served.match(/\] quota admission added evaluator for: deployments\.apps\n/g)).toHaveLength(1)
    expect(served).toMatch(/ {7}1 controller\.go:615\] quota admission added evaluator for: replicasets\.apps\n/)
    // Services, pods and configmaps have their evaluators from the start.
    expect(served).not.toMatch(/evaluator for: (services|pods|configmaps)\n/)
    expect(served).toContain(` alloc.go:330] "allocated clusterIPs" service="default/web" clusterIPs={"IPv4":"${clusterIp}"}\n`)
    expect((await runShell(`${kubemu} kubectl logs -n kube-system kube-apiserver-control-plane`, {cwd: up.home, env: up.env})).stdout).toBe(served)
    // A restarted API server starts its log over: its first deployment write adds the evaluator again.
    expect((await runShell(`${kubemu} master stop control-plane`, {cwd: up.home, env: up.env})).status).toBe(0)
    expect((await runShell(`${kubemu} master start control-plane`, {cwd: up.home, env: up.env})).status).toBe(0)
    expect((await up.real('label deployment api tier=backend')).status).toBe(0)
    expect((await apiServerLog('control-plane')).match(/\] quota admission added evaluator for: deployments\.apps\n/g)).toHaveLength(1)
    // kube-proxy's pods: klog's start-up lines with the node's address and the ConfigMap's mode.
    const proxy = await up.real('logs -n kube-system ds/kube-proxy')
    expect(proxy.stdout).toMatch(/^I\d{4} [\d:.]+ {7}1 server\.go:698\] "Successfully retrieved node IP\(s\)" IPs=\["172\.18\.0\.\d+"\]\n/)
    expect(proxy.stdout).toContain('] "Using iptables Proxier"\n')
    expect(proxy.stdout).toMatch(/\] "Version info" version="v1\.32\.0"\n[\s\S]*\] Caches are synced for service config\n$/)
  }, 120_000)
})
