// `kubemu status`: the cluster in one snapshot. Under `kubemu up` the process that runs the
// cluster answers (it sees inside the members and the controllers' queues); one-shot, etcd
// members come from etcdctl's own `endpoint status` and `endpoint health` and from their files,
// the Kubernetes side through the API server. Reads only: nothing is written, nothing settles.
import {apiServerUser} from '../apiserver/authentication/user.js'
import {FileCredentials} from '../apiserver/authentication/credentials.js'
import {openHost} from '../host/host.js'
import {runningUp, type UpMarker} from '../host/up-marker.js'
import {clusterFolder} from '../home.js'
import {ApiClient} from '../client/client.js'
import {defaultLayout} from '../etcd/layout.js'
import {runEtcdctl} from '../etcdctl/etcdctl.js'
import {collectStatus, type MemberReachability, queuesNotRunning} from './collect.js'
import type {ClusterStatus} from './model.js'
import {raftViewsFromFiles} from './raft.js'
import {uiStatusPath} from '../ui/paths.js'

export type {ClusterStatus} from './model.js'

/** The most of a refusal's text that is shown. */
export const statusErrorCharactersMax = 500

/** `kubemu up` did not answer a status request: the message is for the user. */
export class StatusUnavailableError extends Error {}

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
async function memberStatuses(environment: NodeJS.ProcessEnv, served: Readonly<Record<string, string>> | undefined): Promise<MemberReachability[]> {
  const endpointOf = (member: {name: string; clientUrl: string}) => served?.[member.name] ?? member.clientUrl
  const all = defaultLayout().members.map(endpointOf).join(',')
  const health = (await etcdctlJson(environment, ['endpoint', 'health', `--endpoints=${all}`, '-w', 'json'])).output as Array<{endpoint: string; health: boolean; error?: string}> | null
  const members: MemberReachability[] = []
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

/** The snapshot `up` computes in its own process, over its loopback port with the admin's token. */
export async function liveStatus(up: UpMarker, adminToken: string): Promise<ClusterStatus> {
  let response: Response
  try {
    response = await fetch(new URL(uiStatusPath, up.url), {headers: {authorization: `Bearer ${adminToken}`}})
  } catch (error) {
    throw new StatusUnavailableError(`kubemu up at ${up.url} does not answer (${error instanceof Error ? error.message : String(error)})`)
  }
  const text = await response.text()
  if (!response.ok) {
    let message = text.trim().slice(0, statusErrorCharactersMax)
    try {
      message = (JSON.parse(text) as {message?: string}).message ?? message
    } catch {
      // a plain-text refusal (403) stays as it is
    }
    throw new StatusUnavailableError(message || `kubemu up answered ${response.status}`)
  }
  return JSON.parse(text) as ClusterStatus
}

export async function clusterStatus(environment: NodeJS.ProcessEnv): Promise<ClusterStatus> {
  const folder = clusterFolder(environment)
  const up = runningUp(folder)
  if (up) return liveStatus(up, new FileCredentials(folder).adminToken())
  const host = await openHost({environment})
  try {
    // A reader like any other: the cluster first catches up to now.
    await host.catchUp()
    await host.release()
    const members = await memberStatuses(environment, undefined)
    const raft = await raftViewsFromFiles(host.folder)
    const time = await host.time()
    const client = new ApiClient(await host.kubernetes(), apiServerUser, 'kubemu')
    return await collectStatus({folder: host.folder, client, time, live: false, members, raft, queues: queuesNotRunning})
  } finally {
    await host.close()
  }
}
