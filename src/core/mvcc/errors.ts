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
  // etcd's Maintenance service (defragment, hash, snapshot) and alarms return the auth store's
  // errors as they are, which gRPC sends with code Unknown.
  authStorePermissionDenied: () => new EtcdError('Unknown', 'auth: permission denied'),
  authStoreUserEmpty: () => new EtcdError('Unknown', 'auth: user name is empty'),
  authStoreInvalidToken: () => new EtcdError('Unknown', 'auth: invalid auth token'),
} as const

/** An auth error as etcd's Maintenance service returns it: the auth store's own, unconverted. */
export function unconvertedAuthError(error: unknown): unknown {
  if (!(error instanceof EtcdError)) return error
  if (error.message === etcdErrors.permissionDenied().message) return etcdErrors.authStorePermissionDenied()
  if (error.message === etcdErrors.userEmpty().message) return etcdErrors.authStoreUserEmpty()
  if (error.message === etcdErrors.invalidAuthToken().message) return etcdErrors.authStoreInvalidToken()
  return error
}

/**
 * The client got no connection to its endpoint before its deadline (nothing listens there, or its
 * member is stopped): clientv3 ends with "context deadline exceeded", as when the cluster is slow,
 * but its log names a connection error instead (see etcdctl/retry-warning.ts).
 */
export class UnreachableEndpointError extends EtcdError {
  constructor() {
    super('DeadlineExceeded', 'context deadline exceeded')
  }
}

/** An endpoint whose TLS handshake fails (plain gRPC on a TLS port, no client certificate, another CA): as unreachable to clientv3 until the deadline. */
export class HandshakeFailedError extends UnreachableEndpointError {
  constructor(
    /** The dial's last error as gRPC words it (the server closed the connection, or the client refused its certificate). */
    readonly dialError: string,
  ) {
    super()
  }
}

/** A status that is not one of etcd's errors (gRPC's own, such as its send limit): shown as its status text. */
export class GrpcStatusError extends EtcdError {}

/**
 * An error as clientv3 shows it: etcd's own errors by their text, any other status (such as the
 * auth store's unconverted errors) as gRPC's `rpc error: code = … desc = …`.
 */
export function clientErrorText(error: EtcdError): string {
  if (error instanceof GrpcStatusError) return grpcStatusText(error)
  if (error.grpcCode === 'Unknown' && error.message.startsWith('auth: ')) return grpcStatusText(error)
  return error.message
}

/** Go's status.Error text, which etcd 3.4 puts in a refused watch's cancel reason. */
export function grpcStatusText(error: EtcdError): string {
  return `rpc error: code = ${error.grpcCode} desc = ${error.message}`
}
