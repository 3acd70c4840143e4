// The files a master keeps where kubeadm puts them, for the pods that mount them: under
// `up --etcd-tls`, /etc/kubernetes/pki/etcd holds the etcd CA, the members' serving certificate
// and the health-check client's (the etcd pod's etcd-certs volume, so course commands such as
// `kubectl exec etcd-control-plane -- etcdctl --cacert /etc/kubernetes/pki/etcd/ca.crt --cert …
// --key …` find them), and /etc/kubernetes/pki the API server's etcd client certificate beside
// that folder. The contents are the cluster's own pki/etcd files, read when first asked.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {defaultMasters, type MasterLayout} from '../api/masters.js'
import {etcdPkiFolder} from '../etcd/pki-files.js'
import type {HostPathFiles} from '../kubelet/container-setup.js'
import {apiServerEtcdClientHostPath, etcdPkiHostPath} from '../kubelet/static-pods.js'

/** kubeadm's files in a master's /etc/kubernetes/pki/etcd that kubemu makes (it has no peer certificates: its members' peers talk in-process). */
const etcdFolderFiles = ['ca.crt', 'ca.key', 'healthcheck-client.crt', 'healthcheck-client.key', 'server.crt', 'server.key'] as const

/** The masters' certificate files while their etcd serves TLS; nothing for other nodes, other paths, or plain etcd. */
export function masterPkiFiles(clusterFolder: string, tls: boolean, masters: readonly MasterLayout[] = defaultMasters): HostPathFiles {
  const pkiHostPath = etcdPkiHostPath.slice(0, etcdPkiHostPath.lastIndexOf('/'))
  // The files by host path, read once: the certificates are made when the front door starts.
  let byHostPath: Map<string, Record<string, string>> | null = null
  const read = (): Map<string, Record<string, string>> => {
    if (byHostPath) return byHostPath
    const folder = etcdPkiFolder(clusterFolder)
    try {
      const etcdFolder = Object.fromEntries(etcdFolderFiles.map((name) => [name, readFileSync(join(folder, name), 'utf8')]))
      const clientName = apiServerEtcdClientHostPath.slice(pkiHostPath.length + 1)
      const pkiFolder: Record<string, string> = Object.fromEntries(Object.entries(etcdFolder).map(([name, content]) => [`etcd/${name}`, content]))
      for (const suffix of ['crt', 'key']) pkiFolder[`${clientName}.${suffix}`] = readFileSync(join(folder, `apiserver-etcd-client.${suffix}`), 'utf8')
      return (byHostPath = new Map([[etcdPkiHostPath, etcdFolder], [pkiHostPath, pkiFolder]]))
    } catch (error) {
      // Looked at before the front door made them: none yet.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map()
      throw error
    }
  }
  return (node, hostPath) => {
    if (!tls || !masters.some((master) => master.node === node)) return {}
    return read().get(hostPath) ?? {}
  }
}
