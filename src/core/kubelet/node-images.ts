// The images each node holds (a runtime's image store, simulated): an image is on a node once a
// container start there pulled it, so imagePullPolicy IfNotPresent pulls on first use and finds
// it present afterwards, and Never fails on an image the node lacks. Kept in memory, or in a file
// in the cluster folder that one-shot commands and `kubemu up` share (written whole and renamed
// into place), bounded per node as image garbage collection would. The node's status lists them
// as the kubelet reports node.status.images: digest and tag names, sizeBytes, largest first.
import {readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fullImageName, imageIdOf} from './pod-status.js'

export const nodeImagesFileName = 'node-images.json'
/** Images kept per node (the least recently pulled go first, as image garbage collection frees them). */
export const imagesPerNodeMax = 500
/** Images a node's status lists (the kubelet's --node-status-max-images default). */
export const nodeStatusImagesMax = 50

export interface NodeImage {
  /** As containerd names it: docker.io/library/nginx:1.27. */
  readonly name: string
  readonly sizeBytes: number
  readonly pulledAtMilliseconds: number
}

type Table = Record<string, NodeImage[]>

export interface NodeImageStore {
  has(node: string, image: string): boolean
  /** Records a pulled image; a node over its bound forgets its least recently pulled. */
  add(node: string, image: NodeImage): void
  list(node: string): readonly NodeImage[]
}

function added(table: Table, node: string, image: NodeImage): Table {
  const kept = (table[node] ?? []).filter((entry) => entry.name !== image.name)
  return {...table, [node]: [...kept, image].slice(-imagesPerNodeMax)}
}

export class MemoryNodeImages implements NodeImageStore {
  private table: Table = {}

  has(node: string, image: string): boolean {
    return this.list(node).some((entry) => entry.name === fullImageName(image))
  }

  add(node: string, image: NodeImage): void {
    this.table = added(this.table, node, image)
  }

  list(node: string): readonly NodeImage[] {
    return this.table[node] ?? []
  }
}

export class NodeImagesFileError extends Error {}

export class FileNodeImages implements NodeImageStore {
  private readonly path: string
  /**
   * The table as last read or written, with the file's identity then: every node's heartbeat
   * lists its images, so re-reading the whole file each time made heartbeats quadratic in nodes.
   */
  private cached: {readonly table: Table; readonly version: string} | null = null

  constructor(folder: string) {
    this.path = join(folder, nodeImagesFileName)
  }

  /** The file's identity: another process's rename gives a new inode, a rewrite a new size or time. */
  private version(): string | null {
    const stats = statSync(this.path, {throwIfNoEntry: false, bigint: true})
    return stats ? `${stats.ino}:${stats.size}:${stats.mtimeNs}` : null
  }

  private read(): Table {
    const version = this.version()
    if (version === null) return {}
    if (this.cached?.version === version) return this.cached.table
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as unknown
      const table = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Table) : {}
      this.cached = {table, version}
      return table
    } catch (error) {
      throw new NodeImagesFileError(`cannot read ${this.path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  has(node: string, image: string): boolean {
    return this.list(node).some((entry) => entry.name === fullImageName(image))
  }

  add(node: string, image: NodeImage): void {
    const table = added(this.read(), node, image)
    writeFileSync(`${this.path}.tmp`, `${JSON.stringify(table)}\n`)
    renameSync(`${this.path}.tmp`, this.path)
    const version = this.version()
    this.cached = version === null ? null : {table, version}
  }

  list(node: string): readonly NodeImage[] {
    const images = this.read()[node]
    return Array.isArray(images) ? images : []
  }
}

/** node.status.images as the kubelet reports them: each image's digest and tag names, largest first, at most 50. */
export function nodeStatusImages(images: readonly NodeImage[]): Array<{names: string[]; sizeBytes: number}> {
  return [...images]
    .sort((a, b) => b.sizeBytes - a.sizeBytes || a.name.localeCompare(b.name))
    .slice(0, nodeStatusImagesMax)
    .map((image) => ({names: [imageIdOf(image.name), image.name], sizeBytes: image.sizeBytes}))
}

