// etcd's membership errors (add, promote, update, remove, leader transfer) with its texts and
// gRPC codes, apart from the membership code so that clients read them without loading raft.
import {EtcdError} from '../mvcc/errors.js'

export const membershipErrors = {
  peerUrlExists: () => new EtcdError('FailedPrecondition', 'etcdserver: Peer URLs already exists'),
  idExists: () => new EtcdError('FailedPrecondition', 'etcdserver: member ID already exist'),
  badUrls: () => new EtcdError('InvalidArgument', 'etcdserver: given member URLs are invalid'),
  memberNotFound: () => new EtcdError('NotFound', 'etcdserver: member not found'),
  notLearner: () => new EtcdError('FailedPrecondition', 'etcdserver: can only promote a learner member'),
  learnerNotReady: () => new EtcdError('FailedPrecondition', 'etcdserver: can only promote a learner member which is in sync with leader'),
  tooManyLearners: () => new EtcdError('FailedPrecondition', 'etcdserver: too many learner members in cluster'),
  notLeader: () => new EtcdError('FailedPrecondition', 'etcdserver: not leader'),
  badTransferee: () => new EtcdError('FailedPrecondition', 'etcdserver: bad leader transferee'),
  transferTimeout: () => new EtcdError('DeadlineExceeded', 'etcdserver: request timed out, leader transfer took too long'),
  unhealthy: () => new EtcdError('Unavailable', 'etcdserver: unhealthy cluster'),
  notEnoughStarted: () => new EtcdError('FailedPrecondition', 'etcdserver: re-configuration failed due to not enough started members'),
}
