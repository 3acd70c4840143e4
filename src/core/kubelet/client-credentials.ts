// Where each node's kubelet keeps its client credentials (what a real node keeps in
// /var/lib/kubelet: bootstrap-kubelet.conf and pki/kubelet-client-current.pem): who it is before it
// has a certificate of its own, its certificate and key once issued, and the request it waits on.
// A node has an entry only when it joined as kubeadm joins a machine (the cluster's first boot,
// `kubemu node add`); a Node created through the API (kwok's fake nodes) has none and requests
// nothing. Kept in memory, or in a file per node in the cluster folder that one-shot commands and
// `kubemu up` share (written whole and renamed into place).
import {chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync} from 'node:fs'
import {join} from 'node:path'
import {defaultMasters} from '../api/masters.js'
import {defaultWorkers} from '../apiserver/bootstrap.js'

export interface KubeletIdentity {
  readonly name: string
  readonly groups: readonly string[]
}

export interface KubeletClientCredentials {
  /**
   * Who the kubelet is until it has a certificate of its own: the bootstrap token's user (kubeadm
   * join), or the node itself (kubeadm init signs the first kubelet's certificate, which the
   * kubelet replaces at once by a request of its own).
   */
  readonly bootstrap: KubeletIdentity
  /** The issued certificate and its key (PEM), and when the kubelet renews it. */
  readonly current?: {readonly certificate: string; readonly privateKey: string; readonly rotateAtMilliseconds: number; readonly notAfterMilliseconds: number}
  /** The request the kubelet waits on, with the key it made for it (PEM). */
  readonly pending?: {readonly name: string; readonly uid: string; readonly privateKey: string; readonly requestedAtMilliseconds: number}
  /** After a request that came to nothing: when to ask again, and how many came to nothing in a row. */
  readonly retry?: {readonly atMilliseconds: number; readonly failures: number}
}

export interface KubeletCredentialStore {
  /** The node's credentials as last written (read again when another process may have written them). */
  get(node: string): KubeletClientCredentials | undefined
  /** Writes the node's credentials; null forgets them (the node left). */
  set(node: string, credentials: KubeletClientCredentials | null): void
}

/** kubeadm's default bootstrap token's id (kind's, `abcdef.0123456789abcdef`): its user is system:bootstrap:abcdef. */
export const bootstrapTokenId = 'abcdef'

/** The user a kubeadm bootstrap token authenticates as. */
export const bootstrapTokenUser: KubeletIdentity = {
  name: `system:bootstrap:${bootstrapTokenId}`,
  groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
}

export const nodeIdentity = (node: string): KubeletIdentity => ({name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated']})

/** A machine that joins with the bootstrap token (kubeadm join, `kubemu node add`): its kubelet will request its certificate. */
export function joinWithBootstrapToken(store: KubeletCredentialStore, node: string): void {
  store.set(node, {bootstrap: bootstrapTokenUser})
}

/**
 * The default cluster's kubelets as kubeadm starts them: the first master's (kubeadm init) with
 * the certificate kubeadm signed, renewed at once; the other masters and the workers joined with
 * the bootstrap token. A node that has credentials keeps them.
 */
export function joinDefaultKubelets(store: KubeletCredentialStore): void {
  const [first, ...others] = defaultMasters
  const join = (node: string, bootstrap: KubeletIdentity) => {
    if (store.get(node) === undefined) store.set(node, {bootstrap})
  }
  if (first) join(first.node, nodeIdentity(first.node))
  for (const master of others) join(master.node, bootstrapTokenUser)
  for (const worker of defaultWorkers) join(worker, bootstrapTokenUser)
}

export class MemoryKubeletCredentials implements KubeletCredentialStore {
  private readonly credentials = new Map<string, KubeletClientCredentials>()

  get(node: string): KubeletClientCredentials | undefined {
    return this.credentials.get(node)
  }

  set(node: string, credentials: KubeletClientCredentials | null): void {
    if (credentials === null) this.credentials.delete(node)
    else this.credentials.set(node, credentials)
  }
}

export class KubeletCredentialsFileError extends Error {}

/** The folder of the nodes' files in the cluster folder. */
export const kubeletCredentialsFolderName = 'kubelet-pki'

/** A node name as the API server admits one (a DNS subdomain): safe as a file name. */
const nodeNamePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

/** Whether `name` can be a node's (a DNS subdomain's characters): only such a node has a credentials file. */
export function canKeepCredentialsOf(name: string): boolean {
  return nodeNamePattern.test(name)
}

/** A file's identity: another process's rename gives a new inode, a rewrite a new size or time. */
function fileVersion(path: string): string | null {
  const stats = statSync(path, {throwIfNoEntry: false, bigint: true})
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeNs}` : null
}

export class FileKubeletCredentials implements KubeletCredentialStore {
  private readonly folder: string
  private readonly cached = new Map<string, {value: KubeletClientCredentials | undefined; version: string | null}>()

  constructor(clusterFolder: string) {
    this.folder = join(clusterFolder, kubeletCredentialsFolderName)
  }

  private pathOf(node: string): string {
    if (!nodeNamePattern.test(node)) throw new KubeletCredentialsFileError(`cannot keep the kubelet credentials of node ${JSON.stringify(node)}: not a node name`)
    return join(this.folder, `${node}.json`)
  }

  get(node: string): KubeletClientCredentials | undefined {
    if (!nodeNamePattern.test(node)) return undefined
    const path = this.pathOf(node)
    const version = fileVersion(path)
    const cached = this.cached.get(node)
    if (cached && cached.version === version) return cached.value
    let value: KubeletClientCredentials | undefined
    if (version !== null) {
      try {
        value = JSON.parse(readFileSync(path, 'utf8')) as KubeletClientCredentials
      } catch {
        // One node's unreadable file (damaged by hand or by a crash) is that node's problem: it is
        // moved aside and the node has no credentials, as a kubelet whose certificate is gone (the
        // other kubelets go on; this one keeps running its pods).
        renameSync(path, `${path}.unreadable`)
        this.cached.set(node, {value: undefined, version: null})
        return undefined
      }
    }
    this.cached.set(node, {value, version})
    return value
  }

  set(node: string, credentials: KubeletClientCredentials | null): void {
    const path = this.pathOf(node)
    if (credentials === null) {
      rmSync(path, {force: true})
      this.cached.set(node, {value: undefined, version: null})
      return
    }
    // Owner-only (private keys), written whole and synced before the rename, then the folder synced:
    // a crash leaves the old file or the new one, never a part of either.
    mkdirSync(this.folder, {recursive: true, mode: 0o700})
    chmodSync(this.folder, 0o700)
    const file = openSync(`${path}.tmp`, 'w', 0o600)
    try {
      writeSync(file, `${JSON.stringify(credentials)}\n`)
      fsyncSync(file)
    } finally {
      closeSync(file)
    }
    renameSync(`${path}.tmp`, path)
    const folder = openSync(this.folder, 'r')
    try {
      fsyncSync(folder)
    } finally {
      closeSync(folder)
    }
    this.cached.set(node, {value: credentials, version: fileVersion(path)})
  }
}
