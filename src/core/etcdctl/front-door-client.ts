// The etcdctl clone while `kubemu up` runs: `up` holds the cluster's writer lock, so commands
// talk to the members through up's etcd front door, over gRPC, as the real etcdctl does.
import {UnreachableEndpointError} from '../mvcc/errors.js'
import {RealEtcdClient, type RealEtcdClientOptions} from '../store/real-etcd-client.js'

export type FrontDoorOptions = RealEtcdClientOptions

export class FrontDoorClient extends RealEtcdClient {
  private readonly others: FrontDoorClient[] = []

  private constructor(
    private readonly urls: Readonly<Record<string, string>>,
    readonly member: string,
    private readonly options: FrontDoorOptions,
  ) {
    super(urls[member]!, options)
  }

  /** A client of the member `member` of the `up` whose front door listens at `urls`. */
  static of(urls: Readonly<Record<string, string>>, member: string, options: FrontDoorOptions): FrontDoorClient {
    // A member without a front door (stopped, or added while `up` ran) does not answer.
    if (!urls[member]) throw new UnreachableEndpointError()
    return new FrontDoorClient(urls, member, options)
  }

  forMember(name: string, commandTimeoutMilliseconds?: number): FrontDoorClient {
    const other = FrontDoorClient.of(this.urls, name, {...this.options, ...(commandTimeoutMilliseconds === undefined ? {} : {commandTimeoutMilliseconds})})
    this.others.push(other)
    return other
  }

  override async close(): Promise<void> {
    for (const other of this.others) await other.close()
    await super.close()
  }
}
