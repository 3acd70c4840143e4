// The images each node holds (a runtime's image store, simulated): an image is on a node once a
// container start there pulled it, so imagePullPolicy IfNotPresent pulls on first use and finds
// it present afterwards, and Never fails on an image the node lacks. Kept in memory, or in a file
// per node in the cluster folder that one-shot commands and `kubemu up` share (written whole and
// renamed into place), bounded per node as image garbage collection would. The node's status lists them
// as the kubelet reports node.status.images: digest and tag names, sizeBytes, largest first.
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
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

/** Where each node's images are kept: a file per node, so a node's first pull rewrites its own file, not every node's. */
export const nodeImagesFolderName = 'node-images'

/** A node name as the API server admits one (a DNS subdomain): safe as a file name. */
const nodeNamePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

type Cached<T> = {readonly value: T; readonly version: string}

/** A file's identity: another process's rename gives a new inode, a rewrite a new size or time. */
function fileVersion(path: string): string | null {
  const stats = statSync(path, {throwIfNoEntry: false, bigint: true})
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeNs}` : null
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown
  } catch (error) {
    throw new NodeImagesFileError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

export class FileNodeImages implements NodeImageStore {
  private readonly folder: string
  /** The table of one file for all nodes that clusters made before the per-node files: still read for a node without a file of its own. */
  private readonly legacyPath: string
  /**
   * What each file held when last read or written, with its identity then: every node's
   * heartbeat lists its images, so reading a file each time made heartbeats costly.
   */
  private readonly cached = new Map<string, Cached<NodeImage[]>>()
  private legacy: Cached<Table> | null = null

  constructor(folder: string) {
    this.folder = join(folder, nodeImagesFolderName)
    this.legacyPath = join(folder, nodeImagesFileName)
  }

  private pathOf(node: string): string {
    if (!nodeNamePattern.test(node)) throw new NodeImagesFileError(`cannot keep the images of node ${JSON.stringify(node)}: not a node name`)
    return join(this.folder, `${node}.json`)
  }

  private legacyImages(node: string): NodeImage[] {
    const version = fileVersion(this.legacyPath)
    if (version === null) return []
    if (this.legacy?.version !== version) {
      const parsed = readJson(this.legacyPath)
      this.legacy = {value: parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Table) : {}, version}
    }
    const images = this.legacy.value[node]
    return Array.isArray(images) ? images : []
  }

  has(node: string, image: string): boolean {
    return this.list(node).some((entry) => entry.name === fullImageName(image))
  }

  add(node: string, image: NodeImage): void {
    const path = this.pathOf(node)
    const images = added({[node]: [...this.list(node)]}, node, image)[node]!
    mkdirSync(this.folder, {recursive: true})
    writeFileSync(`${path}.tmp`, `${JSON.stringify(images)}\n`)
    renameSync(`${path}.tmp`, path)
    const version = fileVersion(path)
    if (version === null) this.cached.delete(node)
    else this.cached.set(node, {value: images, version})
  }

  list(node: string): readonly NodeImage[] {
    const path = this.pathOf(node)
    const version = fileVersion(path)
    if (version === null) return this.legacyImages(node)
    const cached = this.cached.get(node)
    if (cached?.version === version) return cached.value
    const parsed = readJson(path)
    const images = Array.isArray(parsed) ? (parsed as NodeImage[]) : []
    this.cached.set(node, {value: images, version})
    return images
  }
}

/** node.status.images as the kubelet reports them: each image's digest and tag names, largest first, at most 50. */
export function nodeStatusImages(images: readonly NodeImage[]): Array<{names: string[]; sizeBytes: number}> {
  return [...images]
    .sort((a, b) => b.sizeBytes - a.sizeBytes || a.name.localeCompare(b.name))
    .slice(0, nodeStatusImagesMax)
    .map((image) => ({names: [imageIdOf(image.name), image.name], sizeBytes: image.sizeBytes}))
}

