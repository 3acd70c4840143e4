// `kubemu status`: the cluster in one screen. etcd members from etcdctl's own `endpoint status`
// and `endpoint health` (leader, term, index, health), then the Kubernetes side read through the
// API server: nodes with their condition, requests against allocatable and pods, and the pods
// still Pending with the scheduler's reason. Reads only: nothing is written, nothing settles.
import {resourceAmount} from '../api/quantity.js'
import {apiServerUser} from '../apiserver/authentication/user.js'
import type {KubeObject} from '../api/object.js'
import {openHost} from '../host/host.js'
import {defaultMasters} from '../api/masters.js'
import {readHostState} from '../host/state.js'
import {ApiClient} from '../client/client.js'
import {resources} from '../client/resources.js'
import {defaultLayout} from '../etcd/layout.js'
import {runEtcdctl} from '../etcdctl/etcdctl.js'
import {podRequests} from '../scheduler/node-info.js'
import type {Node, Pod} from '../scheduler/types.js'

export interface MemberStatus {
  readonly name: string
  readonly id: string
  readonly endpoint: string
  readonly healthy: boolean
  readonly leader: boolean
  readonly term: number | null
  readonly index: number | null
  readonly error: string | null
}

export interface NodeStatus {
  readonly name: string
  readonly ready: string
  readonly schedulable: boolean
  readonly stopped: boolean
  readonly cpu: {requested: number; allocatable: number}
  readonly memory: {requested: number; allocatable: number}
  readonly pods: Array<{name: string; phase: string}>
}

export interface MasterStatus {
  readonly node: string
  readonly member: string
  readonly running: boolean
  /** Whether this master's candidate holds the component's Lease; null when no Lease names one. */
  readonly schedulerLeads: boolean
  readonly controllerManagerLeads: boolean
}

export interface ClusterStatus {
  /** Cluster time and how far ahead of wall time it runs. */
  readonly time: {readonly now: number; readonly offsetMilliseconds: number}
  readonly masters: MasterStatus[]
  readonly members: MemberStatus[]
  readonly nodes: NodeStatus[]
  readonly pending: Array<{name: string; reason: string}>
}

async function etcdctlJson(environment: NodeJS.ProcessEnv, argv: string[]): Promise<{output: unknown; error: string}> {
  let stdout = ''
  let stderr = ''
  await runEtcdctl(argv, {stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), readStdin: async () => new Uint8Array(), environment})
  try {
    return {output: JSON.parse(stdout || 'null'), error: stderr.trim()}
  } catch {
    return {output: null, error: stderr.trim() || stdout.trim()}
  }
}

/** A refused connection as one would say it, not as the gRPC client words it. */
function readableError(text: string): string {
  return /ECONNREFUSED|No connection established/.test(text) ? 'connection refused' : text
}

/** Each member's client URL as served: a running `up`'s ports, or the layout's. */
async function memberStatuses(environment: NodeJS.ProcessEnv, served: Readonly<Record<string, string>> | undefined): Promise<MemberStatus[]> {
  const endpointOf = (member: {name: string; clientUrl: string}) => served?.[member.name] ?? member.clientUrl
  const all = defaultLayout().members.map(endpointOf).join(',')
  const health = (await etcdctlJson(environment, ['endpoint', 'health', `--endpoints=${all}`, '-w', 'json'])).output as Array<{endpoint: string; health: boolean; error?: string}> | null
  const members: MemberStatus[] = []
  for (const member of defaultLayout().members) {
    const endpoint = endpointOf(member)
    const {output, error} = await etcdctlJson(environment, ['endpoint', 'status', `--endpoints=${endpoint}`, '-w', 'json'])
    const status = (output as Array<{Status: {leader: number | bigint; raftTerm: number; raftIndex: number; header: {member_id: number | bigint}}}> | null)?.[0]?.Status
    const healthy = health?.find((entry) => entry.endpoint === endpoint)
    members.push({
      name: member.name,
      id: member.id,
      endpoint,
      healthy: healthy?.health ?? false,
      // etcdctl leaves out a zero leader (a member without one, as without a quorum).
      leader: status?.leader !== undefined ? BigInt(status.leader) === BigInt(status.header.member_id) : false,
      term: status?.raftTerm ?? null,
      index: status?.raftIndex ?? null,
      error: status ? null : readableError((healthy?.error ?? error.replace(/^Error: /, '')) || 'unreachable'),
    })
  }
  return members
}

const quantity = (name: string, text: string | undefined) => (text === undefined ? 0 : resourceAmount(name, text))

export async function clusterStatus(environment: NodeJS.ProcessEnv): Promise<ClusterStatus> {
  const host = await openHost({environment})
  try {
    // A reader like any other: the cluster first catches up to now (one-shot mode).
    await host.catchUp()
    await host.release()
    const members = await memberStatuses(environment, host.up?.etcd)
    const time = await host.time()
    const client = new ApiClient(await host.kubernetes(), apiServerUser, 'kubemu')
    const holders = new Map<string, string>()
    for (const lease of (await client.list<KubeObject & {spec?: {holderIdentity?: string}}>(resources.leases, 'kube-system')).items) holders.set(String(lease.metadata.name), lease.spec?.holderIdentity ?? '')
    const stopped = new Set(readHostState(host.folder).stoppedMasters)
    const masters = defaultMasters.map((master): MasterStatus => ({
      node: master.node,
      member: master.member,
      running: !stopped.has(master.node),
      schedulerLeads: (holders.get('kube-scheduler') ?? '').startsWith(`${master.node}_`),
      controllerManagerLeads: (holders.get('kube-controller-manager') ?? '').startsWith(`${master.node}_`),
    }))
    const nodes = (await client.list<Node>(resources.nodes)).items
    const pods = (await client.list<Pod>(resources.pods)).items
    const nodeStatuses = nodes.map((node): NodeStatus => {
      const onNode = pods.filter((pod) => pod.spec.nodeName === node.metadata.name && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed')
      const requested = onNode.reduce((sum, pod) => {
        const requests = podRequests(pod)
        return {cpu: sum.cpu + (requests.cpu ?? 0), memory: sum.memory + (requests.memory ?? 0)}
      }, {cpu: 0, memory: 0})
      const allocatable = node.status?.allocatable ?? {}
      const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status
      return {
        name: String(node.metadata.name),
        ready: ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown',
        schedulable: !node.spec?.unschedulable,
        stopped: node.metadata.annotations?.['kubemu.io/stopped'] === 'true',
        cpu: {requested: requested.cpu, allocatable: quantity('cpu', allocatable.cpu)},
        memory: {requested: requested.memory, allocatable: quantity('memory', allocatable.memory)},
        pods: onNode.map((pod) => ({name: `${pod.metadata.namespace}/${pod.metadata.name}`, phase: pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? 'Pending')})),
      }
    })
    const pending = pods
      .filter((pod) => !pod.spec.nodeName && pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed')
      .map((pod) => {
        const condition = pod.status?.conditions?.find((entry) => entry.type === 'PodScheduled')
        return {name: `${pod.metadata.namespace}/${pod.metadata.name}`, reason: condition?.message ?? 'not scheduled yet'}
      })
    return {time, masters, members, nodes: nodeStatuses, pending}
  } finally {
    await host.close()
  }
}
