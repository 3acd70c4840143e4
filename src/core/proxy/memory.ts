// What each node's kube-proxy remembers between connections: its `-m recent` lists (ClientIP
// session affinity, iptables mode) and its proxies' round-robin positions and client affinity
// (userspace mode). A real node keeps these in its kernel for as long as it runs, whichever
// client connects; so with a cluster folder the memory lives in a file there, shared by `up`
// and every one-shot command (`kubectl exec … curl`, `kubemu curl`, `trace-request`), and a
// client stays pinned across commands. Without a folder it lives as long as this object.
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {RecentLists} from './route.js'
import type {RoundRobinState} from './node-rules.js'

/** Nodes whose memory is kept at once. */
export const rememberedNodesMax = 10_000
/** Round-robin positions kept per node. */
export const roundRobinEntriesMax = 100_000
/** Entries the memory file keeps, the most recent of each node first (writing it after a connection stays cheap). */
export const memoryFileEntriesMax = 10_000
export const proxyMemoryFileName = 'kube-proxy-memory.json'

interface MemoryFile {
  /** Node → its `recent` entries (`list client`, last set at), oldest first. */
  readonly recent: Record<string, Array<[string, number]>>
  /** Node → its round-robin positions (service port, next index). */
  readonly positions: Record<string, Array<[string, number]>>
}

export class ProxyMemory implements RoundRobinState {
  private recent = new Map<string, RecentLists>()
  private positions = new Map<string, Map<string, number>>()
  private readonly path: string | null
  /** The file as this memory last read or wrote it (inode, time, size): another writer changes it. */
  private stamp: string | null = null

  constructor(folder?: string) {
    this.path = folder === undefined ? null : join(folder, proxyMemoryFileName)
  }

  recentFor(node: string): RecentLists {
    this.refresh()
    return this.listsOf(node)
  }

  private listsOf(node: string): RecentLists {
    let lists = this.recent.get(node)
    if (!lists) {
      if (this.recent.size >= rememberedNodesMax) this.recent.delete(this.recent.keys().next().value!)
      this.recent.set(node, (lists = new RecentLists(() => this.save())))
    }
    return lists
  }

  private positionsOf(node: string): Map<string, number> {
    this.refresh()
    let positions = this.positions.get(node)
    if (!positions) {
      if (this.positions.size >= rememberedNodesMax) this.positions.delete(this.positions.keys().next().value!)
      this.positions.set(node, (positions = new Map()))
    }
    return positions
  }

  peek(node: string, servicePort: string, endpointCount: number): number {
    return (this.positionsOf(node).get(servicePort) ?? 0) % endpointCount
  }

  next(node: string, servicePort: string, endpointCount: number): number {
    const positions = this.positionsOf(node)
    const index = this.peek(node, servicePort, endpointCount)
    if (!positions.has(servicePort) && positions.size >= roundRobinEntriesMax) positions.delete(positions.keys().next().value!)
    positions.set(servicePort, (index + 1) % endpointCount)
    this.save()
    return index
  }

  private fileStamp(): string | null {
    const stats = this.path === null ? undefined : statSync(this.path, {throwIfNoEntry: false})
    return stats ? `${stats.ino} ${stats.mtimeMs} ${stats.size}` : null
  }

  /** Reads the file again when another process wrote it since. */
  private refresh(): void {
    if (this.path === null) return
    const stamp = this.fileStamp()
    if (stamp === this.stamp) return
    this.stamp = stamp
    this.recent = new Map()
    this.positions = new Map()
    if (stamp === null) return
    let file: Partial<MemoryFile> | null
    try {
      file = JSON.parse(readFileSync(this.path, 'utf8')) as Partial<MemoryFile> | null
    } catch {
      // Written whole and renamed into place, so only a hand can break it: a kernel's memory
      // that is lost starts empty again, as after a node's reboot.
      return
    }
    for (const [node, entries] of Object.entries(file?.recent ?? {}).slice(-rememberedNodesMax)) if (Array.isArray(entries)) this.listsOf(node).restore(entries)
    for (const [node, entries] of Object.entries(file?.positions ?? {}).slice(-rememberedNodesMax)) if (Array.isArray(entries)) this.positions.set(node, new Map(entries.slice(-roundRobinEntriesMax)))
  }

  private save(): void {
    if (this.path === null) return
    let budget = memoryFileEntriesMax
    const newest = <T>(entries: T[]): T[] => {
      const kept = entries.slice(Math.max(0, entries.length - budget))
      budget -= kept.length
      return kept
    }
    const file: MemoryFile = {recent: {}, positions: {}}
    for (const [node, lists] of this.recent) if (budget > 0) file.recent[node] = newest(lists.entries())
    for (const [node, positions] of this.positions) if (budget > 0) file.positions[node] = newest([...positions])
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(file)}\n`)
    renameSync(`${this.path}.tmp`, this.path)
    this.stamp = this.fileStamp()
  }
}
