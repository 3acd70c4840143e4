// The etcdctl clone while `kubemu up` runs: `up` holds the cluster's writer lock, so commands
// talk to the members through up's etcd front door. They use its v3 JSON gateway (node:http, quick
// to start); over TLS without --user they use gRPC, as the real etcdctl does, since there the
// client certificate's CN names the etcd user and etcd's gateway does not pass it on.
import type {AuthApi, ClusterApi, EtcdClient, KvApi, LeaseApi, MaintenanceApi, WatchApi} from '../etcd/api.js'
import {HandshakeFailedError, UnreachableEndpointError} from '../mvcc/errors.js'
import type {EtcdClientOptions} from '../store/etcd-client-wire.js'
import {GatewayEtcdClient} from '../store/gateway-etcd-client.js'
import type {EtcdctlClient} from './verb.js'

export type FrontDoorOptions = EtcdClientOptions

type ClientOfUrl = (url: string, options: FrontDoorOptions) => EtcdClient

/** Whether calls go over gRPC: TLS, with the certificate's CN as the user (no --user given). */
const certificateNamesUser = (options: FrontDoorOptions) => options.tls !== undefined && options.user === undefined

export class FrontDoorClient implements EtcdctlClient {
  private readonly others: FrontDoorClient[] = []
  private readonly client: EtcdClient
  readonly kv: KvApi
  readonly lease: LeaseApi
  readonly cluster: ClusterApi
  readonly maintenance: MaintenanceApi
  readonly watch: WatchApi
  readonly auth: AuthApi

  private constructor(
    private readonly urls: Readonly<Record<string, string>>,
    readonly member: string,
    private readonly options: FrontDoorOptions,
    private readonly clientOf: ClientOfUrl,
  ) {
    this.client = clientOf(urls[member]!, options)
    ;({kv: this.kv, lease: this.lease, cluster: this.cluster, maintenance: this.maintenance, watch: this.watch, auth: this.auth} = this.client)
  }

  /** A client of the member `member` of the `up` whose front door listens at `urls`. */
  static async of(urls: Readonly<Record<string, string>>, member: string, options: FrontDoorOptions): Promise<FrontDoorClient> {
    // gRPC (etcd3 and its .proto files) loads only when it is needed.
    const clientOf: ClientOfUrl = certificateNamesUser(options)
      ? await import('../store/real-etcd-client.js').then(({RealEtcdClient}) => (url: string, given: FrontDoorOptions) => new RealEtcdClient(url, given))
      : (url, given) => new GatewayEtcdClient(url, given)
    return FrontDoorClient.ofKind(urls, member, options, clientOf)
  }

  private static ofKind(urls: Readonly<Record<string, string>>, member: string, options: FrontDoorOptions, clientOf: ClientOfUrl): FrontDoorClient {
    // A member without a front door (stopped, or added while `up` ran) does not answer.
    if (!urls[member]) throw new UnreachableEndpointError()
    return new FrontDoorClient(urls, member, options, clientOf)
  }

  forMember(name: string, commandTimeoutMilliseconds?: number): FrontDoorClient {
    const other = FrontDoorClient.ofKind(this.urls, name, {...this.options, ...(commandTimeoutMilliseconds === undefined ? {} : {commandTimeoutMilliseconds})}, this.clientOf)
    this.others.push(other)
    return other
  }

  /** Logs in with --user before the first request where the client can (etcd3 does with its first call). */
  async logIn(): Promise<void> {
    await (this.client as {logIn?(): Promise<void>}).logIn?.()
  }

  async close(): Promise<void> {
    for (const other of this.others) await other.close()
    await this.client.close()
  }
}

/**
 * The client of an endpoint whose TLS handshake fails: every call fails as clientv3's do against
 * it, so each verb reports it as it reports an unreachable endpoint (endpoint health: unhealthy;
 * endpoint status: "Failed to get the status of endpoint …").
 */
export function handshakeFailingClient(failure: HandshakeFailedError): EtcdctlClient {
  // Every call fails; `then` is no call (an awaited API object must not look like a promise).
  const failing = new Proxy({}, {get: (_target, property) => (property === 'then' ? undefined : () => Promise.reject(new HandshakeFailedError(failure.dialError)))})
  const client: EtcdctlClient = {
    kv: failing as KvApi,
    lease: failing as LeaseApi,
    cluster: failing as ClusterApi,
    maintenance: failing as MaintenanceApi,
    watch: failing as WatchApi,
    auth: failing as AuthApi,
    forMember: () => client,
    close: async () => {},
  }
  return client
}
