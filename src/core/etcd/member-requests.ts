// What the services of one embedded client share: its member, its user, and its way into raft.
import type {ApplyOutcome, InternalRequest} from '../mvcc/state-machine.js'
import type {ResponseHeader} from '../mvcc/types.js'
import type {EmbeddedCluster} from './cluster.js'
import type {EtcdMember} from './member.js'

export type DistributiveOmitId<T> = T extends unknown ? Omit<T, 'id'> : never

export interface MemberRequests {
  readonly embedded: EmbeddedCluster
  /** The client's --command-timeout. */
  readonly timeoutMilliseconds: number
  /** The member behind the endpoint (throws when it is stopped). */
  serving(): EtcdMember
  /** The member, once the client's credentials are checked. */
  readyToServe(): Promise<EtcdMember>
  header(revision: number): ResponseHeader
  /** Proposes a request through the member and waits for its outcome (throws the request's error). */
  submit(body: DistributiveOmitId<InternalRequest>): Promise<ApplyOutcome & {ok: true}>
  /** The user requests run as (undefined: none). */
  user(): string | undefined
}
