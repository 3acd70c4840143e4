// etcdctl 3.4's `snapshot status` output in its four formats.
import type {SnapshotStatus} from '../etcd/snapshot.js'
import {humanBytes} from './etcdctl-cluster.js'
import {type OutputFormat, UnsupportedFormatError, goJson} from './etcdctl.js'
import {renderTable} from './table.js'

export function printSnapshotStatus(status: SnapshotStatus, format: OutputFormat): string {
  if (format === 'protobuf') throw new UnsupportedFormatError(format)
  const row = [status.hash.toString(16), String(status.revision), String(status.totalKey), humanBytes(status.totalSize)]
  switch (format) {
    case 'json':
      return `${goJson({hash: status.hash, revision: status.revision, totalKey: status.totalKey, totalSize: status.totalSize})}\n`
    case 'table':
      return renderTable(['hash', 'revision', 'total keys', 'total size'], [row])
    case 'fields':
      return `"Hash" : ${status.hash}\n"Revision" : ${status.revision}\n"Keys" : ${status.totalKey}\n"Size" : ${status.totalSize}\n`
    default:
      return `${row.join(', ')}\n`
  }
}
