// The HA control plane through the real CLI: three masters' nodes with their static pods' mirror
// pods in kube-system (kubeadm's manifests with this cluster's values), whose status follows the
// components: a stopped etcd member or master crash-loops its pods; a deleted mirror pod comes
// back; a cluster made before the HA masters (one control-plane node) keeps working.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {FileCredentials} from '../../src/core/apiserver/authentication/credentials.js'
import {controlPlaneLabels, controlPlaneTaint, ensureBootstrapped, type NodeDefinition} from '../../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../../src/core/util/clock.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')
const masters = [['control-plane', 'infra1', '172.18.0.2', 'http://127.0.0.1:2379'], ['control-plane2', 'infra2', '172.18.0.3', 'http://127.0.0.1:22379'], ['control-plane3', 'infra3', '172.18.0.4', 'http://127.0.0.1:32379']] as const
const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const

function cli(home: string) {
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin})
  const kubectl = (line: string) => run(`kubectl ${line}`)
  /** READY STATUS RESTARTS of each mirror pod in kube-system, by name (the addons' pods, e.g. CoreDNS's, are not mirror pods). */
  const systemPods = async () => {
    const listed = await kubectl('get pods -n kube-system --no-headers')
    expect(listed.status).toBe(0)
    return Object.fromEntries(listed.stdout.trim().split('\n').filter(isMirrorPodLine).map((line) => {
      const [name, ready, status, restarts] = line.split(/ {2,}/)
      return [name!, `${ready} ${status} ${restarts!.replace(/ \(\d+s ago\)$/, '')}`]
    }))
  }
  // A command that changes the cluster runs the kubelets, which look at the components.
  let pokes = 0
  const changeSomething = async () => expect((await kubectl(`label node worker-1 poke=${++pokes} --overwrite`)).status).toBe(0)
  return {run, kubectl, systemPods, changeSomething}
}

const isMirrorPodLine = (line: string) => components.some((component) => line.startsWith(`${component}-`))
const allRunning = (nodes: readonly string[]) => Object.fromEntries(nodes.flatMap((node) => components.map((component) => [`${component}-${node}`, '1/1 Running 0'])))

/** A static pod whose component is down, and one back up after it (restart counts vary with the wall clock). */
const crashLooping = /^0\/1 CrashLoopBackOff [1-9]\d*$/
const runningAgain = /^1\/1 Running [1-9]\d*$/

describe('the masters in the API', () => {
  it('a fresh cluster shows six nodes and the 12 mirror pods of kubeadm\'s static pods, Running on their masters', async () => {
    const {run, kubectl} = cli(temporaryFolder())
    const wide = await kubectl('get pods -n kube-system -o wide --no-headers')
    expect(wide.status).toBe(0)
    const rows = wide.stdout.trim().split('\n').filter(isMirrorPodLine).map((line) => line.split(/ +/))
    expect(rows.map(([name, ready, status, restarts, , ip, node]) => `${name} ${ready} ${status} ${restarts} ${ip} ${node}`)).toEqual(
      components.flatMap((component) => masters.map(([node, , address]) => `${component}-${node} 1/1 Running 0 ${address} ${node}`)),
    )
    const nodes = await kubectl("get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status} {.spec.taints[0].key}{\"\\n\"}{end}'")
    expect(nodes.stdout).toBe(
      'control-plane True node-role.kubernetes.io/control-plane\ncontrol-plane2 True node-role.kubernetes.io/control-plane\ncontrol-plane3 True node-role.kubernetes.io/control-plane\n' +
        'worker-1 True \nworker-2 True \nworker-3 True \n',
    )

    // What a kubelet writes for a mirror pod, with kubeadm's manifest and this cluster's values.
    const etcd = JSON.parse((await kubectl('get pod etcd-control-plane2 -n kube-system -o json')).stdout)
    const node = JSON.parse((await kubectl('get node control-plane2 -o json')).stdout)
    const hash = etcd.metadata.annotations['kubernetes.io/config.hash']
    expect(hash).toMatch(/^[0-9a-f]{32}$/)
    expect(etcd.metadata.annotations).toEqual({
      'kubeadm.kubernetes.io/etcd.advertise-client-urls': 'http://127.0.0.1:22379',
      'kubernetes.io/config.hash': hash,
      'kubernetes.io/config.mirror': hash,
      'kubernetes.io/config.seen': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/),
      'kubernetes.io/config.source': 'file',
    })
    expect(etcd.metadata.labels).toEqual({component: 'etcd', tier: 'control-plane'})
    expect(etcd.metadata.ownerReferences).toEqual([{apiVersion: 'v1', kind: 'Node', name: 'control-plane2', uid: node.metadata.uid, controller: true}])
    expect(etcd.spec).toMatchObject({nodeName: 'control-plane2', hostNetwork: true, priorityClassName: 'system-node-critical', priority: 2000001000, tolerations: [{operator: 'Exists', effect: 'NoExecute'}]})
    expect(etcd.spec.serviceAccountName).toBeUndefined()
    expect(etcd.spec.containers[0].command).toEqual([
      'etcd',
      '--advertise-client-urls=http://127.0.0.1:22379',
      '--data-dir=/var/lib/etcd',
      '--experimental-initial-corrupt-check=true',
      '--experimental-watch-progress-notify-interval=5s',
      '--initial-advertise-peer-urls=http://127.0.0.1:22380',
      '--initial-cluster=infra1=http://127.0.0.1:12380,infra2=http://127.0.0.1:22380,infra3=http://127.0.0.1:32380',
      '--initial-cluster-state=new',
      '--initial-cluster-token=etcd-cluster-1',
      '--listen-client-urls=http://127.0.0.1:22379',
      '--listen-peer-urls=http://127.0.0.1:22380',
      '--name=infra2',
      '--snapshot-count=10000',
    ])
    expect(etcd.spec.containers[0].resources).toEqual({requests: {cpu: '100m', memory: '100Mi'}})
    expect(etcd.status).toMatchObject({phase: 'Running', hostIP: '172.18.0.3', podIP: '172.18.0.3', qosClass: 'Burstable', containerStatuses: [{name: 'etcd', ready: true, restartCount: 0, started: true}]})

    const apiServer = JSON.parse((await kubectl('get pod kube-apiserver-control-plane3 -n kube-system -o json')).stdout)
    expect(apiServer.metadata.annotations['kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint']).toBe('172.18.0.4:6443')
    const flags = apiServer.spec.containers[0].command as string[]
    expect(flags[0]).toBe('kube-apiserver')
    expect(flags.slice(1)).toEqual([...flags.slice(1)].sort())
    expect(flags).toEqual(expect.arrayContaining(['--advertise-address=172.18.0.4', '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction', '--etcd-servers=http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379', '--secure-port=6443', '--service-cluster-ip-range=10.96.0.0/12']))
    expect(apiServer.spec.containers[0].readinessProbe).toEqual({failureThreshold: 3, httpGet: {host: '172.18.0.4', path: '/readyz', port: 6443, scheme: 'HTTPS'}, initialDelaySeconds: 0, periodSeconds: 1, successThreshold: 1, timeoutSeconds: 15})
    const scheduler = JSON.parse((await kubectl('get pod kube-scheduler-control-plane -n kube-system -o json')).stdout)
    expect(scheduler.spec.containers[0].command).toEqual(['kube-scheduler', '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf', '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf', '--bind-address=127.0.0.1', '--kubeconfig=/etc/kubernetes/scheduler.conf', '--leader-elect=true'])

    // The JSON lands where kube-apiserver stores pods.
    const stored = await run('etcdctl get /registry/pods/kube-system/etcd-control-plane --print-value-only')
    expect(stored.status).toBe(0)
    expect(JSON.parse(stored.stdout)).toMatchObject({kind: 'Pod', metadata: {name: 'etcd-control-plane', namespace: 'kube-system', labels: {component: 'etcd'}}, spec: {nodeName: 'control-plane'}, status: {phase: 'Running'}})

    // drain leaves a master's mirror pods where they are, as kubectl's mirror pod filter does.
    const drained = await kubectl('drain control-plane3 --ignore-daemonsets')
    // kube-proxy's DaemonSet pod stays, as kubectl says.
    expect(drained).toMatchObject({status: 0, stderr: expect.stringMatching(/^Warning: ignoring DaemonSet-managed Pods: kube-system\/kube-proxy-\S+\n$/)})
    // CoreDNS tolerates the control-plane taint, as kubeadm deploys it: a replica there is evicted.
    const notCoreDns = drained.stdout.split('\n').filter((line) => line !== '' && !/^(evicting pod kube-system\/coredns-\S+|pod\/coredns-\S+ evicted)$/.test(line))
    expect(notCoreDns).toEqual(['node/control-plane3 cordoned', 'node/control-plane3 drained'])
    expect((await kubectl('get pods -n kube-system --no-headers')).stdout.split('\n').filter((line) => /^\S+-control-plane3 +1\/1 +Running /.test(line))).toHaveLength(4)
    expect((await kubectl('uncordon control-plane3')).status).toBe(0)
  }, 120_000)

  it('a stopped etcd member or master crash-loops its static pods while the node stays Ready; a deleted mirror pod comes back', async () => {
    const home = temporaryFolder()
    const {run, kubectl, systemPods, changeSomething} = cli(home)
    expect(await systemPods()).toEqual(allRunning(masters.map(([node]) => node)))

    expect((await run('member stop infra2')).status).toBe(0)
    await changeSomething()
    const stopped = await systemPods()
    // Restarts count on the wall clock (10 s, 20 s, … back-offs): a slow machine sees more of them.
    expect(stopped['etcd-control-plane2']).toMatch(crashLooping)
    expect(stopped).toEqual({...allRunning(masters.map(([node]) => node)), 'etcd-control-plane2': stopped['etcd-control-plane2']})
    const crashed = JSON.parse((await kubectl('get pod etcd-control-plane2 -n kube-system -o json')).stdout)
    const hash = crashed.metadata.annotations['kubernetes.io/config.hash']
    expect(crashed.status.conditions.find((condition: {type: string}) => condition.type === 'Ready')).toMatchObject({status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [etcd]'})
    expect(crashed.status.containerStatuses[0]).toMatchObject({
      ready: false,
      started: false,
      state: {waiting: {reason: 'CrashLoopBackOff', message: expect.stringMatching(new RegExp(`^back-off (\\d+m)?\\d+s restarting failed container=etcd pod=etcd-control-plane2_kube-system\\(${hash}\\)$`))}},
      lastState: {terminated: {exitCode: 1, reason: 'Error'}},
    })
    // Read after the table: the wall clock may have brought another restart meanwhile.
    expect(crashed.status.containerStatuses[0].restartCount).toBeGreaterThanOrEqual(Number(/\d+$/.exec(stopped['etcd-control-plane2'])![0]))
    expect((await kubectl('get node control-plane2 --no-headers')).stdout).toMatch(/^control-plane2 +Ready +control-plane /)

    expect((await run('member start infra2')).status).toBe(0)
    await changeSomething()
    expect((await systemPods())['etcd-control-plane2']).toMatch(runningAgain)

    // A deleted mirror pod: the kubelet removes it at once and posts it again (the static pod runs on).
    const before = JSON.parse((await kubectl('get pod etcd-control-plane -n kube-system -o json')).stdout)
    expect(await kubectl('delete pod etcd-control-plane -n kube-system')).toMatchObject({status: 0, stdout: 'pod "etcd-control-plane" deleted\n'})
    const after = JSON.parse((await kubectl('get pod etcd-control-plane -n kube-system -o json')).stdout)
    expect(after.metadata.uid).not.toBe(before.metadata.uid)
    expect(after.metadata.annotations).toEqual(before.metadata.annotations)
    expect(after.status).toMatchObject({phase: 'Running', startTime: before.status.startTime, containerStatuses: [{ready: true, restartCount: 0, containerID: before.status.containerStatuses[0].containerID}]})

    // A stopped master stops its four components; its kubelet keeps the node Ready.
    expect((await run('master stop control-plane3')).status).toBe(0)
    await changeSomething()
    const master = await systemPods()
    for (const component of components) expect(master[`${component}-control-plane3`]).toMatch(crashLooping)
    expect(master['etcd-control-plane2']).toMatch(runningAgain)
    expect((await kubectl('get node control-plane3 --no-headers')).stdout).toMatch(/^control-plane3 +Ready /)
    expect((await run('master start control-plane3')).status).toBe(0)
    await changeSomething()
    for (const component of components) expect((await systemPods())[`${component}-control-plane3`]).toMatch(runningAgain)

    // A removed master's node takes its mirror pods with it (their owner is gone).
    expect((await run('node remove control-plane3')).status).toBe(0)
    expect(Object.keys(await systemPods()).filter((name) => name.endsWith('control-plane3'))).toEqual([])
  }, 180_000)

  it('a cluster made with one control-plane node keeps working: its master gets its mirror pods, workers their pods', async () => {
    const home = temporaryFolder()
    const folder = join(home, 'default')
    // The default cluster before the HA masters: control-plane and three workers.
    const node = (name: string, index: number, master: boolean): NodeDefinition => ({
      name, cpu: '4', memory: '8Gi', pods: '110', labels: master ? controlPlaneLabels : {}, taints: master ? [controlPlaneTaint] : [], address: `172.18.0.${index + 2}`, podCidr: `10.244.${index}.0/24`,
    })
    const store = new LazyEmbeddedStore(folder, {clock: systemClock})
    try {
      const api = new ApiServer({store, clock: systemClock, credentials: new FileCredentials(folder)})
      expect(await ensureBootstrapped(api, systemClock.nowMilliseconds(), [node('control-plane', 0, true), node('worker-1', 1, false), node('worker-2', 2, false), node('worker-3', 3, false)])).toBe(true)
    } finally {
      await store.close()
    }
    const {kubectl, systemPods} = cli(home)
    expect((await kubectl('create deployment web --image=nginx --replicas=3')).status).toBe(0)
    expect((await kubectl('get nodes -o name')).stdout).toBe('node/control-plane\nnode/worker-1\nnode/worker-2\nnode/worker-3\n')
    expect(await systemPods()).toEqual(allRunning(['control-plane']))
    const web = await kubectl("get pods -l app=web -o jsonpath='{range .items[*]}{.status.phase} {.spec.nodeName}{\"\\n\"}{end}'")
    // On the workers, spread by the scheduler's scores around CoreDNS's pods (which may take a worker or the master).
    expect(web.stdout.trim().split('\n').map((line) => line.replace(/worker-\d$/, 'a worker'))).toEqual(['Running a worker', 'Running a worker', 'Running a worker'])
  }, 120_000)
})
