// etcdctl 3.4's lease output. Its JSON comes from clientv3 structs that embed the response
// header, so the header's fields sit at the top level, next to per-response field names.
import type {LeaseGrantResponse, LeaseKeepAliveResponse, LeaseLeasesResponse, LeaseTimeToLiveResponse, LeaseRevokeResponse, ResponseHeader} from '../mvcc/types.js'
import {type OutputFormat, UnsupportedMarshalError, goJson, headerJson, refuseTable} from './etcdctl.js'
import {asBinary, headerMessage} from './protobuf.js'

/** clientv3's lease responses embed *pb.ResponseHeader, whose Marshal etcdctl ends up calling. */
const headerBytes = (header: ResponseHeader): string => asBinary(headerMessage(header))

export const leaseHex = (id: bigint): string => BigInt.asUintN(64, id).toString(16).padStart(16, '0')

const flatHeader = (header: ResponseHeader) => headerJson(header)

export function printLeaseGrant(response: LeaseGrantResponse, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') return headerBytes(response.header)
  if (format === 'json') return `${goJson({...flatHeader(response.header), ID: response.id, TTL: response.ttl, Error: response.error})}\n`
  return `lease ${leaseHex(response.id)} granted with TTL(${response.ttl}s)\n`
}

export function printLeaseRevoke(id: bigint, response: LeaseRevokeResponse, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') {
    // clientv3's LeaseRevokeResponse is not a protobuf message: etcdctl fails, showing it as Go's %v.
    const {clusterId, memberId, revision, raftTerm} = response.header
    const fields = [['cluster_id', clusterId], ['member_id', memberId], ['revision', revision], ['raft_term', raftTerm]].filter(([, value]) => BigInt(value as number | bigint) !== 0n)
    throw new UnsupportedMarshalError(`marshal unsupported for type clientv3.LeaseRevokeResponse ({${fields.map(([name, value]) => `${name}:${value} `).join('')}})`)
  }
  if (format === 'json') return `${goJson({header: headerJson(response.header)})}\n`
  return `lease ${leaseHex(id)} revoked\n`
}

export function printTimeToLive(response: LeaseTimeToLiveResponse, withKeys: boolean, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') return headerBytes(response.header)
  if (format === 'json') {
    const keys = response.keys.length > 0 ? response.keys.map((key) => Buffer.from(key).toString('base64')) : null
    return `${goJson({...flatHeader(response.header), id: response.id, ttl: response.ttl, 'granted-ttl': response.grantedTtl, keys})}\n`
  }
  if (response.grantedTtl === 0 && response.ttl === -1) return `lease ${leaseHex(response.id)} already expired\n`
  let text = `lease ${leaseHex(response.id)} granted with TTL(${response.grantedTtl}s), remaining(${response.ttl}s)`
  // Go prints a []string with %v: [a b c]; the bytes of each key as they are.
  if (withKeys) text += `, attached keys([${response.keys.map((key) => Buffer.from(key).toString('latin1')).join(' ')}])`
  return `${text}\n`
}

export function printLeaseList(response: LeaseLeasesResponse, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') return headerBytes(response.header)
  if (format === 'json') return `${goJson({...flatHeader(response.header), leases: response.leases.map((lease) => ({id: lease.id}))})}\n`
  return `found ${response.leases.length} leases\n${response.leases.map((lease) => `${leaseHex(lease.id)}\n`).join('')}`
}

export function printKeepAlive(response: LeaseKeepAliveResponse, format: OutputFormat): string {
  refuseTable(format)
  if (format === 'protobuf') return headerBytes(response.header)
  if (format === 'json') return `${goJson({...flatHeader(response.header), ID: response.id, TTL: response.ttl})}\n`
  return `lease ${leaseHex(response.id)} keepalived with TTL(${response.ttl})\n`
}
