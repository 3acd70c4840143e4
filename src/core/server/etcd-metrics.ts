// `/metrics` of the etcd front door: etcd 3.4's metric names, HELP and TYPE lines for what a
// kubemu member has, in Prometheus's text format as Go's client writes it (families sorted by
// name, numbers as Go's strconv 'g'). The gRPC counters are go-grpc-prometheus's, counted by an
// interceptor on the member's gRPC server, every method and code set up at zero as etcd does.
import * as grpc from '@grpc/grpc-js'
import type {EtcdMember} from '../etcd/member.js'
import type {Histogram} from '../etcd/metrics.js'
import {etcdVersion} from '../etcd/version.js'
import {StateType} from '../raft/types.js'
import {type Family, goFloat, type Sample} from '../util/prometheus-text.js'

/** etcd's --quota-backend-bytes default, which etcd_server_quota_backend_bytes reports. */
const quotaBackendBytes = 2 * 1024 * 1024 * 1024
const processStartSeconds = Date.now() / 1000 - process.uptime()

/** gRPC's status codes by name, in their numeric order (go-grpc-prometheus's code labels). */
const grpcCodeNames = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'] as const

type GrpcType = 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream'

interface MethodCounts {
  readonly service: string
  readonly method: string
  readonly type: GrpcType
  started: number
  /** By status code number. */
  readonly handled: number[]
}

const typeOf = (definition: {requestStream: boolean; responseStream: boolean}): GrpcType =>
  definition.requestStream ? (definition.responseStream ? 'bidi_stream' : 'client_stream') : definition.responseStream ? 'server_stream' : 'unary'

/** grpc_server_started_total and grpc_server_handled_total of one member's gRPC server. */
export class GrpcMetrics {
  /** By method path (`/etcdserverpb.KV/Range`): only the methods of the services served, so the label sets are bounded. */
  private readonly methods = new Map<string, MethodCounts>()

  constructor(services: Readonly<Record<string, {service: grpc.ServiceDefinition}>>, packageName: string) {
    for (const [serviceName, {service}] of Object.entries(services)) {
      if (typeof service !== 'object' || service === null) continue
      for (const [method, definition] of Object.entries(service)) {
        this.methods.set(definition.path, {service: `${packageName}.${serviceName}`, method, type: typeOf(definition), started: 0, handled: grpcCodeNames.map(() => 0)})
      }
    }
  }

  /** The server interceptor that counts each call as it starts and as its status goes out. */
  readonly interceptor: grpc.ServerInterceptor = (descriptor, call) => {
    const counts = this.methods.get(descriptor.path)
    return new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        if (counts) counts.started++
        next()
      },
      sendStatus: (status, next) => {
        if (counts && status.code !== undefined && counts.handled[status.code] !== undefined) counts.handled[status.code]!++
        next(status)
      },
    })
  }

  families(): Family[] {
    const methods = [...this.methods.values()].sort((a, b) => a.method.localeCompare(b.method) || a.service.localeCompare(b.service))
    const labels = (entry: MethodCounts) => ({grpc_method: entry.method, grpc_service: entry.service, grpc_type: entry.type})
    const handled = grpcCodeNames.flatMap((code, number) => methods.map((entry) => ({labels: {grpc_code: code, ...labels(entry)}, value: entry.handled[number]!})))
    return [
      {name: 'grpc_server_handled_total', help: 'Total number of RPCs completed on the server, regardless of success or failure.', type: 'counter', samples: handled},
      {name: 'grpc_server_started_total', help: 'Total number of RPCs started on the server.', type: 'counter', samples: methods.map((entry) => ({labels: labels(entry), value: entry.started}))},
    ]
  }
}

function histogramSamples(histogram: Histogram): Sample[] {
  const cumulative = histogram.cumulative()
  return [
    ...histogram.bucketsSeconds.map((bound, index) => ({suffix: '_bucket', labels: {le: goFloat(bound)}, value: cumulative[index]!})),
    {suffix: '_bucket', labels: {le: '+Inf'}, value: histogram.count},
    {suffix: '_sum', value: histogram.sum},
    {suffix: '_count', value: histogram.count},
  ]
}

const gauge = (name: string, help: string, value: number, labels?: Record<string, string>): Family => ({name, help, type: 'gauge', samples: [{value, ...(labels ? {labels} : {})}]})
const counter = (name: string, help: string, value: number): Family => ({name, help, type: 'counter', samples: [{value}]})

/** The families of one member (its current state, its counters) and of this process. */
export function memberFamilies(member: EtcdMember): Family[] {
  const raft = member.raft
  const kv = member.database.kv
  const metrics = member.metrics
  const size = kv.sizeBytes()
  return [
    gauge('etcd_server_has_leader', 'Whether or not a leader exists. 1 is existence, 0 is not.', raft.lead === '' ? 0 : 1),
    gauge('etcd_server_is_leader', 'Whether or not this member is a leader. 1 if is, 0 otherwise.', raft.state === StateType.Leader ? 1 : 0),
    gauge('etcd_server_is_learner', 'Whether or not this member is a learner. 1 if is, 0 otherwise.', raft.isVoter(member.id) ? 0 : 1),
    counter('etcd_server_leader_changes_seen_total', 'The number of leader changes seen.', metrics.leaderChanges),
    gauge('etcd_server_proposals_committed_total', 'The total number of consensus proposals committed.', raft.log.committed),
    gauge('etcd_server_proposals_applied_total', 'The total number of consensus proposals applied.', member.stateMachine.appliedIndex()),
    gauge('etcd_server_proposals_pending', 'The current number of pending proposals to commit.', member.pendingProposals),
    counter('etcd_server_proposals_failed_total', 'The total number of failed proposals seen.', metrics.proposalsFailed),
    gauge('etcd_server_id', 'Server or member ID in hexadecimal format. 1 for \'server_id\' label with current ID.', 1, {server_id: member.id}),
    gauge('etcd_server_version', 'Which version is running. 1 for \'server_version\' label with current version.', 1, {server_version: etcdVersion}),
    gauge('etcd_cluster_version', 'Which version is running. 1 for \'cluster_version\' label with current cluster version', 1, {cluster_version: etcdVersion.split('.').slice(0, 2).join('.')}),
    gauge('etcd_server_quota_backend_bytes', 'Current backend storage quota size in bytes.', quotaBackendBytes),
    gauge('etcd_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', size),
    gauge('etcd_debugging_mvcc_db_total_size_in_bytes', 'Total size of the underlying database physically allocated in bytes.', size),
    gauge('etcd_mvcc_db_total_size_in_use_in_bytes', 'Total size of the underlying database logically in use in bytes.', kv.sizeInUseBytes()),
    gauge('etcd_debugging_mvcc_keys_total', 'Total number of keys.', kv.count({start: new Uint8Array(), end: null})),
    gauge('etcd_debugging_mvcc_current_revision', 'The current revision of store.', member.stateMachine.kv.currentRevision()),
    {name: 'etcd_disk_wal_fsync_duration_seconds', help: 'The latency distributions of fsync called by WAL.', type: 'histogram', samples: histogramSamples(metrics.walFsync)},
    {name: 'etcd_disk_backend_commit_duration_seconds', help: 'The latency distributions of commit called by backend.', type: 'histogram', samples: histogramSamples(metrics.backendCommit)},
    ...processFamilies(),
  ]
}

function processFamilies(): Family[] {
  const cpu = process.cpuUsage()
  return [
    counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', Math.round((cpu.user + cpu.system) / 10_000) / 100),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', process.memoryUsage.rss()),
    gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', Math.round(processStartSeconds * 100) / 100),
  ]
}
