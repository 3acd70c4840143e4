// etcdctl's `-w protobuf`: the response message as gogo/protobuf marshals it (fields in number
// order, zero values left out), written raw. Returned as binary strings like every printer.
import type {MemberInfo, PermissionInfo, WatchResponse} from '../etcd/api.js'
import {encodeKeyValue} from '../mvcc/hash.js'
import type {DeleteRangeResponse, KeyValue, PutResponse, RangeResponse, ResponseHeader, ResponseOp, TxnResponse} from '../mvcc/types.js'

/** One protobuf message under construction. */
export class ProtobufWriter {
  private readonly bytes: number[] = []

  private varint(value: bigint): void {
    let remaining = BigInt.asUintN(64, value)
    do {
      let byte = Number(remaining & 0x7fn)
      remaining >>= 7n
      if (remaining !== 0n) byte |= 0x80
      this.bytes.push(byte)
    } while (remaining !== 0n)
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType))
  }

  /** An int64/uint64/bool/enum field; zero is left out. */
  integer(field: number, value: bigint | number | boolean | undefined): this {
    const number = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value ?? 0)
    if (number === 0n) return this
    this.tag(field, 0)
    this.varint(number)
    return this
  }

  /** A bytes/string field; empty is left out unless `always` (repeated fields keep empties). */
  bytesField(field: number, value: Uint8Array | string, always = false): this {
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
    if (bytes.length === 0 && !always) return this
    this.tag(field, 2)
    this.varint(BigInt(bytes.length))
    for (const byte of bytes) this.bytes.push(byte)
    return this
  }

  /** An embedded message; a nil one is left out, an empty one is written. */
  message(field: number, value: Uint8Array | null | undefined): this {
    if (!value) return this
    return this.bytesField(field, value, true)
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes)
  }
}

export const asBinary = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1')

export function headerMessage(header: ResponseHeader): Uint8Array {
  return new ProtobufWriter().integer(1, header.clusterId).integer(2, header.memberId).integer(3, header.revision).integer(4, header.raftTerm).finish()
}

function keyValueMessage(kv: KeyValue): Uint8Array {
  return encodeKeyValue({...kv, subRevision: 0, tombstone: false})
}

export function rangeMessage(response: RangeResponse): Uint8Array {
  const writer = new ProtobufWriter().message(1, headerMessage(response.header))
  for (const kv of response.kvs) writer.message(2, keyValueMessage(kv))
  return writer.integer(3, response.more).integer(4, response.count).finish()
}

export function putMessage(response: PutResponse): Uint8Array {
  return new ProtobufWriter().message(1, headerMessage(response.header)).message(2, response.prevKv ? keyValueMessage(response.prevKv) : null).finish()
}

export function deleteMessage(response: DeleteRangeResponse): Uint8Array {
  const writer = new ProtobufWriter().message(1, headerMessage(response.header)).integer(2, response.deleted)
  for (const kv of response.prevKvs) writer.message(3, keyValueMessage(kv))
  return writer.finish()
}

function operationMessage(response: ResponseOp): Uint8Array {
  const writer = new ProtobufWriter()
  if ('responseRange' in response) writer.message(1, rangeMessage(response.responseRange))
  else if ('responsePut' in response) writer.message(2, putMessage(response.responsePut))
  else if ('responseDeleteRange' in response) writer.message(3, deleteMessage(response.responseDeleteRange))
  else writer.message(4, txnMessage(response.responseTxn))
  return writer.finish()
}

export function txnMessage(response: TxnResponse): Uint8Array {
  const writer = new ProtobufWriter().message(1, headerMessage(response.header)).integer(2, response.succeeded)
  for (const operation of response.responses) writer.message(3, operationMessage(operation))
  return writer.finish()
}

/** etcdctl rebuilds a pb.WatchResponse from clientv3's: header, created, canceled, compact revision, events. */
export function watchMessage(response: WatchResponse): Uint8Array {
  const writer = new ProtobufWriter().message(1, headerMessage(response.header)).integer(4, response.canceled ?? false).integer(5, response.compactRevision ?? 0)
  for (const event of response.events) {
    const eventWriter = new ProtobufWriter().integer(1, event.type === 'DELETE' ? 1 : 0).message(2, keyValueMessage(event.kv)).message(3, event.prevKv ? keyValueMessage(event.prevKv) : null)
    writer.message(11, eventWriter.finish())
  }
  return writer.finish()
}

/** A response that is only a header (pb.Auth*Response, MemberUpdate's header part …). */
export function headerOnlyMessage(header: ResponseHeader): Uint8Array {
  return new ProtobufWriter().message(1, headerMessage(header)).finish()
}

/** A header and a repeated string (users, roles). */
export function namesMessage(header: ResponseHeader, names: readonly string[]): Uint8Array {
  const writer = new ProtobufWriter().message(1, headerMessage(header))
  for (const name of names) writer.bytesField(2, name, true)
  return writer.finish()
}

export function roleGetMessage(header: ResponseHeader, permissions: readonly PermissionInfo[]): Uint8Array {
  const types = {READ: 0, WRITE: 1, READWRITE: 2} as const
  const writer = new ProtobufWriter().message(1, headerMessage(header))
  for (const permission of permissions) {
    writer.message(2, new ProtobufWriter().integer(1, types[permission.type]).bytesField(2, permission.key).bytesField(3, permission.rangeEnd).finish())
  }
  return writer.finish()
}

function memberMessage(member: MemberInfo): Uint8Array {
  const writer = new ProtobufWriter().integer(1, member.id).bytesField(2, member.name)
  for (const url of member.peerUrls) writer.bytesField(3, url, true)
  for (const url of member.clientUrls) writer.bytesField(4, url, true)
  return writer.integer(5, member.isLearner).finish()
}

/** MemberListResponse (and Remove/Update/Promote): header, then the members as field `membersField`. */
export function membersMessage(header: ResponseHeader, members: readonly MemberInfo[], added?: MemberInfo): Uint8Array {
  const writer = new ProtobufWriter().message(1, headerMessage(header))
  if (added) writer.message(2, memberMessage(added))
  for (const member of members) writer.message(added ? 3 : 2, memberMessage(member))
  return writer.finish()
}
