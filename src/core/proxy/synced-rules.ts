// What each node's kube-proxy last wrote into its node's kernel: the configuration its running
// instance started with, the node and Service ports it synced, when, and how many times. The rules
// themselves are rendered from these (the same input always gives the same rules), so what is kept
// is small: nodes that synced the same Service ports share one copy of them. In memory, or a file
// in the cluster folder that one-shot commands and `kubemu up` share (written whole and renamed
// into place), so a node whose kube-proxy stopped keeps its last rules, as a real node does.
import {createHash} from 'node:crypto'
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {KubeProxyConfiguration} from './node-rules.js'
import type {ProxierNode} from './proxier.js'
import type {ProxiedServicePort} from './service-ports.js'

export const syncedRulesFileName = 'kube-proxy-rules.json'
/** Nodes whose rules are kept (more is a broken invariant: no cluster here has that many). */
export const syncedNodesMax = 10_000

/** One node's kube-proxy as of its last sync. */
export interface NodeSync {
  /** The kube-proxy that synced: its pod and container restart (`namespace/name uid restartCount`). */
  readonly instance: string
  /** What that instance read from its ConfigMap when it started. */
  readonly configuration: KubeProxyConfiguration
  readonly node: ProxierNode
  readonly ports: readonly ProxiedServicePort[]
  /** Syncs since the instance started (kube-proxy's sync_proxy_rules_duration_seconds_count). */
  readonly syncCount: number
  /** Cluster time of the last sync (kube-proxy's sync_proxy_rules_last_timestamp_seconds). */
  readonly lastSyncMilliseconds: number
  /** Why the last sync ran: a change it watched, its start, or the periodic resync. */
  readonly cause?: string
  /** When the node's Service rules were deleted behind kube-proxy's back (`node rules --flush`); they are back at its next sync. */
  readonly flushedMilliseconds?: number
}

export interface SyncedRulesStore {
  read(node: string): NodeSync | null
  /** Records the given nodes' syncs at once (one pass of the loop). */
  write(syncs: readonly NodeSync[]): void
}

/** The file's form: each node's sync with its ports replaced by the key of a shared copy. */
interface SyncedRulesFile {
  nodes: Record<string, Omit<NodeSync, 'ports'> & {ports: string}>
  ports: Record<string, ProxiedServicePort[]>
}

export class SyncedRulesFileError extends Error {}

function portsKey(ports: readonly ProxiedServicePort[]): string {
  return createHash('sha256').update(JSON.stringify(ports)).digest('hex').slice(0, 16)
}

function withSyncs(file: SyncedRulesFile, syncs: readonly NodeSync[]): SyncedRulesFile {
  const nodes = {...file.nodes}
  const ports = {...file.ports}
  const keys = new Map<readonly ProxiedServicePort[], string>()
  for (const sync of syncs) {
    let key = keys.get(sync.ports)
    if (key === undefined) keys.set(sync.ports, (key = portsKey(sync.ports)))
    ports[key] = [...sync.ports]
    nodes[sync.node.name] = {...sync, ports: key}
  }
  if (Object.keys(nodes).length > syncedNodesMax) throw new Error(`invariant: kube-proxy rules of more than ${syncedNodesMax} nodes`)
  const used = new Set(Object.values(nodes).map((node) => node.ports))
  return {nodes, ports: Object.fromEntries(Object.entries(ports).filter(([key]) => used.has(key)))}
}

function fromFile(file: SyncedRulesFile, node: string): NodeSync | null {
  const entry = file.nodes[node]
  const ports = entry ? file.ports[entry.ports] : undefined
  return entry && ports ? {...entry, ports} : null
}

export class MemorySyncedRules implements SyncedRulesStore {
  private file: SyncedRulesFile = {nodes: {}, ports: {}}

  read(node: string): NodeSync | null {
    return fromFile(this.file, node)
  }

  write(syncs: readonly NodeSync[]): void {
    this.file = withSyncs(this.file, syncs)
  }
}

export class FileSyncedRules implements SyncedRulesStore {
  private readonly path: string
  /** The file as last read, while it stays the same file (every request of the pod network reads it). */
  private cached: {stamp: string; file: SyncedRulesFile} | null = null

  constructor(folder: string) {
    this.path = join(folder, syncedRulesFileName)
  }

  private load(): SyncedRulesFile {
    const stats = statSync(this.path, {throwIfNoEntry: false})
    if (!stats) return {nodes: {}, ports: {}}
    // Written whole and renamed into place: a new version is a new inode.
    const stamp = `${stats.ino} ${stats.mtimeMs} ${stats.size}`
    if (this.cached?.stamp === stamp) return this.cached.file
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<SyncedRulesFile> | null
      const file = {nodes: parsed?.nodes ?? {}, ports: parsed?.ports ?? {}}
      this.cached = {stamp, file}
      return file
    } catch (error) {
      throw new SyncedRulesFileError(`cannot read ${this.path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  read(node: string): NodeSync | null {
    return fromFile(this.load(), node)
  }

  write(syncs: readonly NodeSync[]): void {
    if (syncs.length === 0) return
    const next = withSyncs(this.load(), syncs)
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(next)}\n`)
    renameSync(`${this.path}.tmp`, this.path)
  }
}
