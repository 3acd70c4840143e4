// etcdctl 3.4's output for members and endpoints.
import type {MemberInfo} from '../etcd/api.js'
import type {ResponseHeader} from '../mvcc/types.js'
import {type OutputFormat, goJson, headerJson} from './etcdctl.js'
import {renderTable} from './table.js'

const hex = (id: bigint): string => id.toString(16)
const status = (member: MemberInfo): string => (member.name === '' ? 'unstarted' : 'started')

export function printMemberList(header: ResponseHeader, members: readonly MemberInfo[], format: OutputFormat): string {
  switch (format) {
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

/** Go's time.Duration String for a duration under a minute. */
export function goDuration(milliseconds: number): string {
  const nanoseconds = Math.round(milliseconds * 1e6)
  if (nanoseconds < 1000) return `${nanoseconds}ns`
  if (nanoseconds < 1e6) return `${trimZeros((nanoseconds / 1e3).toFixed(3))}µs`
  if (nanoseconds < 1e9) return `${trimZeros((nanoseconds / 1e6).toFixed(6))}ms`
  return `${trimZeros((nanoseconds / 1e9).toFixed(9))}s`
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text
}

/** Health lines go to stderr in etcdctl's simple format; the other formats go to stdout. */
export function printEndpointHealth(results: readonly EndpointHealth[], format: OutputFormat): {stdout: string; stderr: string} {
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
