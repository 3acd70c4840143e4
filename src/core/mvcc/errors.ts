// etcd's client-visible errors, with etcd's exact texts and gRPC codes, so that the etcdctl
// clone can print the same `Error: …` lines.

export type GrpcCode =
  | 'InvalidArgument'
  | 'NotFound'
  | 'FailedPrecondition'
  | 'OutOfRange'
  | 'ResourceExhausted'
  | 'Unavailable'
  | 'DeadlineExceeded'
  | 'PermissionDenied'
  | 'Unauthenticated'
  | 'Unknown'

export class EtcdError extends Error {
  constructor(
    readonly grpcCode: GrpcCode,
    message: string,
  ) {
    super(message)
    this.name = 'EtcdError'
  }
}

export const etcdErrors = {
  compacted: () => new EtcdError('OutOfRange', 'etcdserver: mvcc: required revision has been compacted'),
  futureRevision: () => new EtcdError('OutOfRange', 'etcdserver: mvcc: required revision is a future revision'),
  leaseNotFound: () => new EtcdError('NotFound', 'etcdserver: requested lease not found'),
  leaseExists: () => new EtcdError('FailedPrecondition', 'etcdserver: lease already exists'),
  leaseTtlTooLarge: () => new EtcdError('OutOfRange', 'etcdserver: too large lease TTL'),
  keyNotFound: () => new EtcdError('InvalidArgument', 'etcdserver: key not found'),
  emptyKey: () => new EtcdError('InvalidArgument', 'etcdserver: key is not provided'),
  duplicateKey: () => new EtcdError('InvalidArgument', 'etcdserver: duplicate key given in txn request'),
  tooManyOperations: () => new EtcdError('InvalidArgument', 'etcdserver: too many operations in txn request'),
  requestTooLarge: () => new EtcdError('InvalidArgument', 'etcdserver: request is too large'),
  noSpace: () => new EtcdError('ResourceExhausted', 'etcdserver: mvcc: database space exceeded'),
  noLeader: () => new EtcdError('Unavailable', 'etcdserver: no leader'),
  timeout: () => new EtcdError('Unavailable', 'etcdserver: request timed out'),
  /** The client's --command-timeout ran out first (what etcdctl prints when quorum is lost). */
  deadlineExceeded: () => new EtcdError('DeadlineExceeded', 'context deadline exceeded'),
  stopped: () => new EtcdError('Unavailable', 'etcdserver: server stopped'),
  notCapable: () => new EtcdError('Unavailable', 'etcdserver: not capable'),
  permissionDenied: () => new EtcdError('PermissionDenied', 'etcdserver: permission denied'),
  authFailed: () => new EtcdError('InvalidArgument', 'etcdserver: authentication failed, invalid user ID or password'),
  userNotFound: () => new EtcdError('FailedPrecondition', 'etcdserver: user name not found'),
  userExists: () => new EtcdError('FailedPrecondition', 'etcdserver: user name already exists'),
  userEmpty: () => new EtcdError('InvalidArgument', 'etcdserver: user name is empty'),
  roleNotFound: () => new EtcdError('FailedPrecondition', 'etcdserver: role name not found'),
  roleEmpty: () => new EtcdError('InvalidArgument', 'etcdserver: role name is empty'),
  roleExists: () => new EtcdError('FailedPrecondition', 'etcdserver: role name already exists'),
  roleNotGranted: () => new EtcdError('FailedPrecondition', 'etcdserver: role is not granted to the user'),
  permissionNotGranted: () => new EtcdError('FailedPrecondition', 'etcdserver: permission is not granted to the role'),
  rootUserNotExist: () => new EtcdError('FailedPrecondition', 'etcdserver: root user does not exist'),
  rootRoleNotGranted: () => new EtcdError('FailedPrecondition', 'etcdserver: root user does not have root role'),
  authNotEnabled: () => new EtcdError('FailedPrecondition', 'etcdserver: authentication is not enabled'),
  invalidAuthToken: () => new EtcdError('Unauthenticated', 'etcdserver: invalid auth token'),
  invalidAuthManagement: () => new EtcdError('InvalidArgument', 'etcdserver: invalid auth management'),
} as const
