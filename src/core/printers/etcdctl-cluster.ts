// etcdctl 3.4's output for members and endpoints.
import {formatGoDuration} from '../util/go-duration.js'
import type {MemberInfo, StatusResponse} from '../etcd/api.js'
import type {ResponseHeader} from '../mvcc/types.js'
import {type OutputFormat, UnsupportedFormatError, goJson, headerJson} from './etcdctl.js'
import {asBinary, membersMessage} from './protobuf.js'
import {renderTable} from './table.js'

const hex = (id: bigint): string => id.toString(16)
const status = (member: MemberInfo): string => (member.name === '' ? 'unstarted' : 'started')

export function printMemberList(header: ResponseHeader, members: readonly MemberInfo[], format: OutputFormat): string {
  switch (format) {
    case 'protobuf':
      return asBinary(membersMessage(header, members))
    case 'json':
      return `${goJson({
        header: headerJson(header),
        members: members.map((member) => ({
          ID: member.id,
          name: member.name === '' ? undefined : member.name,
          peerURLs: member.peerUrls.length > 0 ? member.peerUrls : undefined,
          clientURLs: member.clientUrls.length > 0 ? member.clientUrls : undefined,
          isLearner: member.isLearner ? true : undefined,
        })),
      })}\n`
    case 'fields': {
      let out = `"ClusterID" : ${header.clusterId}\n"MemberID" : ${header.memberId}\n"Revision" : ${header.revision}\n"RaftTerm" : ${header.raftTerm}\n`
      for (const member of members) {
        out += `"ID" : ${member.id}\n"Name" : ${JSON.stringify(member.name)}\n`
        for (const url of member.peerUrls) out += `"PeerURL" : ${JSON.stringify(url)}\n`
        for (const url of member.clientUrls) out += `"ClientURL" : ${JSON.stringify(url)}\n`
        out += `"IsLearner" : ${member.isLearner}\n\n`
      }
      return out
    }
    case 'table':
      return renderTable(
        ['ID', 'Status', 'Name', 'Peer Addrs', 'Client Addrs', 'Is Learner'],
        members.map((member) => [hex(member.id), status(member), member.name, member.peerUrls.join(','), member.clientUrls.join(','), String(member.isLearner)]),
      )
    default:
      return members.map((member) => `${hex(member.id)}, ${status(member)}, ${member.name}, ${member.peerUrls.join(',')}, ${member.clientUrls.join(',')}, ${member.isLearner}\n`).join('')
  }
}

export interface EndpointHealth {
  readonly endpoint: string
  readonly healthy: boolean
  readonly tookMilliseconds: number
  readonly error: string
}

/** Go's time.Duration String (what etcdctl prints for `took`). */
export const goDuration = formatGoDuration

/** Health lines go to stderr in etcdctl's simple format; the other formats go to stdout. */
export function printEndpointHealth(results: readonly EndpointHealth[], format: OutputFormat): {stdout: string; stderr: string} {
  // etcdctl's protobuf printer knows none of the endpoint results.
  if (format === 'protobuf') throw new UnsupportedFormatError(format)
  switch (format) {
    case 'json':
      return {stdout: `${goJson(results.map((result) => ({endpoint: result.endpoint, health: result.healthy, took: goDuration(result.tookMilliseconds), error: result.error || undefined})))}\n`, stderr: ''}
    case 'table':
      return {
        stdout: renderTable(['endpoint', 'health', 'took', 'error'], results.map((result) => [result.endpoint, String(result.healthy), goDuration(result.tookMilliseconds), result.error])),
        stderr: '',
      }
    default:
      return {
        stdout: '',
        stderr: results
          .map((result) =>
            result.healthy
              ? `${result.endpoint} is healthy: successfully committed proposal: took = ${goDuration(result.tookMilliseconds)}\n`
              : `${result.endpoint} is unhealthy: failed to commit proposal: ${result.error}\n`,
          )
          .join(''),
      }
  }
}

/** go-humanize's Bytes (SI units), with Go's round-half-to-even of %.0f and %.1f. */
export function humanBytes(size: number): string {
  if (size < 10) return `${size} B`
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  const exponent = Math.floor(Math.log(size) / Math.log(1000))
  const value = Math.floor((size / 1000 ** exponent) * 10 + 0.5) / 10
  const digits = value < 10 ? 1 : 0
  const scaled = value * 10 ** digits
  const floor = Math.floor(scaled)
  const rounded = scaled - floor === 0.5 ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled)
  return `${(rounded / 10 ** digits).toFixed(digits)} ${units[exponent]}`
}

export interface EndpointStatus {
  readonly endpoint: string
  readonly status: StatusResponse
}

export function printEndpointStatus(results: readonly EndpointStatus[], format: OutputFormat): string {
  const isLeader = (result: EndpointStatus) => result.status.leader === result.status.header.memberId
  if (format === 'protobuf') throw new UnsupportedFormatError(format)
  switch (format) {
    case 'json':
      return `${goJson(
        results.map(({endpoint, status}) => ({
          Endpoint: endpoint,
          Status: {
            header: headerJson(status.header),
            version: status.version,
            dbSize: status.dbSize || undefined,
            leader: status.leader || undefined,
            raftIndex: status.raftIndex || undefined,
            raftTerm: status.raftTerm || undefined,
            raftAppliedIndex: status.raftAppliedIndex || undefined,
            errors: status.errors.length > 0 ? status.errors : undefined,
            dbSizeInUse: status.dbSizeInUse || undefined,
            isLearner: status.isLearner || undefined,
          },
        })),
      )}\n`
    case 'fields':
      return results
        .map(
          ({endpoint, status}) =>
            `"ClusterID" : ${status.header.clusterId}\n"MemberID" : ${status.header.memberId}\n"Revision" : ${status.header.revision}\n"RaftTerm" : ${status.header.raftTerm}\n` +
            `"Version" : ${JSON.stringify(status.version)}\n"DBSize" : ${status.dbSize}\n"Leader" : ${status.leader}\n"IsLearner" : ${status.isLearner}\n` +
            `"RaftIndex" : ${status.raftIndex}\n"RaftTerm" : ${status.raftTerm}\n"RaftAppliedIndex" : ${status.raftAppliedIndex}\n"Errors" : [${status.errors.join(' ')}]\n"Endpoint" : ${JSON.stringify(endpoint)}\n\n`,
        )
        .join('')
    case 'table':
      return renderTable(
        ['endpoint', 'ID', 'version', 'DB size', 'is leader', 'is learner', 'raft term', 'raft index', 'raft applied index', 'errors'],
        results.map((result) => {
          const {status} = result
          return [result.endpoint, hex(status.header.memberId), status.version, humanBytes(status.dbSize), String(isLeader(result)), String(status.isLearner), String(status.raftTerm), String(status.raftIndex), String(status.raftAppliedIndex), status.errors.join(', ')]
        }),
      )
    default:
      return results
        .map((result) => {
          const {status} = result
          return `${result.endpoint}, ${hex(status.header.memberId)}, ${status.version}, ${humanBytes(status.dbSize)}, ${isLeader(result)}, ${status.isLearner}, ${status.raftTerm}, ${status.raftIndex}, ${status.raftAppliedIndex}, ${status.errors.join(', ')}\n`
        })
        .join('')
  }
}

export interface EndpointHash {
  readonly endpoint: string
  readonly header: ResponseHeader
  readonly hash: number
  readonly compactRevision: number
}

export function printEndpointHashKv(results: readonly EndpointHash[], format: OutputFormat): string {
  if (format === 'protobuf') throw new UnsupportedFormatError(format)
  switch (format) {
    case 'json':
      return `${goJson(results.map((result) => ({Endpoint: result.endpoint, HashKV: {header: headerJson(result.header), hash: result.hash || undefined, compact_revision: result.compactRevision || undefined}})))}\n`
    case 'table':
      return renderTable(['endpoint', 'hash'], results.map((result) => [result.endpoint, String(result.hash)]))
    default:
      return results.map((result) => `${result.endpoint}, ${result.hash}\n`).join('')
  }
}

/** The lines etcdctl prints after `member add`, for starting the new member. */
export function printMemberAdded(clusterId: bigint, added: MemberInfo, name: string, members: readonly MemberInfo[]): string {
  const initialCluster = members.flatMap((member) => member.peerUrls.map((url) => `${member.id === added.id ? name : member.name}=${url}`)).join(',')
  return (
    // Go's %16x pads with spaces.
    `Member ${hex(added.id).padStart(16, ' ')} added to cluster ${hex(clusterId).padStart(16, ' ')}\n\n` +
    `ETCD_NAME="${name}"\nETCD_INITIAL_CLUSTER="${initialCluster}"\nETCD_INITIAL_ADVERTISE_PEER_URLS="${added.peerUrls.join(',')}"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`
  )
}
