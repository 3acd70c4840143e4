// Where a cluster's etcd certificates live (kubeadm's pki/etcd layout), for the front door that
// serves with them and the clients that present them.
import {join} from 'node:path'

/** The client certificates made beside the etcd CA: file name → the CN (the etcd user) and organization. */
export const etcdClientCertificates = {
  root: {commonName: 'root'},
  'healthcheck-client': {commonName: 'kube-etcd-healthcheck-client', organization: 'system:masters'},
  'apiserver-etcd-client': {commonName: 'kube-apiserver-etcd-client', organization: 'system:masters'},
} as const

export type EtcdClientName = keyof typeof etcdClientCertificates

export const etcdPkiFolder = (clusterFolder: string): string => join(clusterFolder, 'pki', 'etcd')

/** The paths etcdctl's --cacert, --cert and --key take for one of the client certificates. */
export function etcdClientFiles(clusterFolder: string, client: EtcdClientName = 'root'): {cacert: string; cert: string; key: string} {
  const folder = etcdPkiFolder(clusterFolder)
  return {cacert: join(folder, 'ca.crt'), cert: join(folder, `${client}.crt`), key: join(folder, `${client}.key`)}
}
