// The etcd user a client of the Kubernetes side logs in as once auth is enabled, as
// kube-apiserver presents its etcd client certificate (kubeadm's apiserver-etcd-client). It is
// made with the root role the first time the Kubernetes side opens the cluster, while auth is
// still off; it adds no key, so etcd's revision stays where it was.
import type {EtcdClient, EtcdCredentials} from '../etcd/api.js'
import {etcdErrors} from '../mvcc/errors.js'
import {rootRole} from '../mvcc/auth-store.js'

export async function ensureClientUser(client: EtcdClient, credentials: EtcdCredentials): Promise<void> {
  // With auth on, only root may add users: the user exists already, or requests say why not.
  if ((await client.auth.status()).enabled) return
  try {
    await client.auth.userGet(credentials.user)
    return
  } catch (error) {
    if (!(error instanceof Error) || error.message !== etcdErrors.userNotFound().message) throw error
  }
  await client.auth.userAdd(credentials.user, credentials.password)
  await client.auth.userGrantRole(credentials.user, rootRole)
}
