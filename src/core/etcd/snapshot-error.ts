/** A snapshot save, status or restore that etcd would refuse, with etcd's message. */
export class SnapshotError extends Error {}
