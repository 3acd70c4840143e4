// A container's simulated filesystem: regular files and directories by absolute path, in
// memory, with the volumes and the files the kubelet writes (/etc/hosts, /etc/hostname,
// /etc/resolv.conf) mounted at start. Bounded in files and bytes.

/** Files (and directories) one container may hold. */
export const filesMax = 10_000
/** Bytes one container's files may hold in all. */
export const fileBytesMax = 16 * 1024 * 1024

export class FileSystemError extends Error {}

export type FileEntry = {readonly kind: 'file'; readonly content: string; readonly readOnly: boolean} | {readonly kind: 'directory'; readonly readOnly: boolean}

/** `a/./b/../c` → `/a/c`, relative to `/`. */
export function normalizePath(path: string, workingDirectory = '/'): string {
  const absolute = path.startsWith('/') ? path : `${workingDirectory}/${path}`
  const parts: string[] = []
  for (const part of absolute.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') parts.pop()
    else parts.push(part)
  }
  return `/${parts.join('/')}`
}

function parentOf(path: string): string {
  const index = path.lastIndexOf('/')
  return index <= 0 ? '/' : path.slice(0, index)
}

export interface FileChange {
  readonly path: string
  readonly entry: FileEntry | null
}

export class SimulatedFileSystem {
  private readonly entries = new Map<string, FileEntry>([['/', {kind: 'directory', readOnly: false}]])
  private bytes = 0

  /** A copy, for a run that must not change this one (an exec's look, a probe). */
  clone(): SimulatedFileSystem {
    const copy = new SimulatedFileSystem()
    for (const [path, entry] of this.entries) copy.entries.set(path, entry)
    copy.bytes = this.bytes
    return copy
  }

  /** What changed from `before` to this one, path by path (null: removed). */
  changesSince(before: SimulatedFileSystem): FileChange[] {
    const changes: FileChange[] = []
    for (const [path, entry] of this.entries) if (before.entries.get(path) !== entry) changes.push({path, entry})
    for (const path of before.entries.keys()) if (!this.entries.has(path)) changes.push({path, entry: null})
    return changes
  }

  /** Applies changes recorded by changesSince (an exec's, replayed at its time). */
  apply(changes: readonly FileChange[]): void {
    for (const change of changes) {
      const existing = this.entries.get(change.path)
      if (existing?.kind === 'file') this.bytes -= existing.content.length
      if (change.entry === null) this.entries.delete(change.path)
      else {
        this.entries.set(change.path, change.entry)
        if (change.entry.kind === 'file') this.bytes += change.entry.content.length
      }
    }
  }

  get(path: string): FileEntry | undefined {
    return this.entries.get(normalizePath(path))
  }

  /** Creates the directory and its parents (mkdir -p). */
  makeDirectories(path: string, readOnly = false): void {
    const normalized = normalizePath(path)
    if (normalized === '/') return
    this.makeDirectories(parentOf(normalized))
    const existing = this.entries.get(normalized)
    if (existing?.kind === 'file') throw new FileSystemError(`can't create directory '${path}': File exists`)
    if (!existing) this.add(normalized, {kind: 'directory', readOnly})
  }

  makeDirectory(path: string): void {
    const normalized = normalizePath(path)
    if (this.entries.has(normalized)) throw new FileSystemError(`can't create directory '${path}': File exists`)
    const parent = this.entries.get(parentOf(normalized))
    if (parent?.kind !== 'directory') throw new FileSystemError(`can't create directory '${path}': No such file or directory`)
    if (parent.readOnly) throw new FileSystemError(`can't create directory '${path}': Read-only file system`)
    this.add(normalized, {kind: 'directory', readOnly: false})
  }

  /** Writes (or appends to) a file whose directory exists. */
  write(path: string, content: string, append = false, readOnly = false): void {
    const normalized = normalizePath(path)
    const existing = this.entries.get(normalized)
    if (existing?.kind === 'directory') throw new FileSystemError(`can't create '${path}': Is a directory`)
    const parent = this.entries.get(parentOf(normalized))
    if (parent?.kind !== 'directory') throw new FileSystemError(`can't create '${path}': No such file or directory`)
    if ((existing?.readOnly || parent.readOnly) && !readOnly) throw new FileSystemError(`can't create '${path}': Read-only file system`)
    const next = append && existing?.kind === 'file' ? existing.content + content : content
    this.bytes += next.length - (existing?.kind === 'file' ? existing.content.length : 0)
    if (this.bytes > fileBytesMax) {
      this.bytes -= next.length - (existing?.kind === 'file' ? existing.content.length : 0)
      throw new FileSystemError(`write error: No space left on device (more than ${fileBytesMax} bytes)`)
    }
    if (existing) this.entries.set(normalized, {kind: 'file', content: next, readOnly})
    else this.add(normalized, {kind: 'file', content: next, readOnly})
  }

  /** Removes a file, or a directory with everything in it when `recursive`. */
  remove(path: string, recursive: boolean): void {
    const normalized = normalizePath(path)
    const existing = this.entries.get(normalized)
    if (!existing) throw new FileSystemError(`can't remove '${path}': No such file or directory`)
    if (existing.readOnly) throw new FileSystemError(`can't remove '${path}': Read-only file system`)
    if (existing.kind === 'directory' && !recursive) throw new FileSystemError(`'${path}' is a directory`)
    for (const [other, entry] of [...this.entries]) {
      if (other === normalized || other.startsWith(`${normalized}/`)) {
        this.entries.delete(other)
        if (entry.kind === 'file') this.bytes -= entry.content.length
      }
    }
  }

  /** The names directly in a directory, sorted. */
  list(path: string): string[] {
    const normalized = normalizePath(path)
    const prefix = normalized === '/' ? '/' : `${normalized}/`
    return [...this.entries.keys()].filter((other) => other !== normalized && other.startsWith(prefix) && !other.slice(prefix.length).includes('/')).map((other) => other.slice(prefix.length)).sort()
  }

  private add(path: string, entry: FileEntry): void {
    if (this.entries.size >= filesMax) throw new FileSystemError(`can't create '${path}': No space left on device (more than ${filesMax} files)`)
    this.entries.set(path, entry)
    if (entry.kind === 'file') this.bytes += entry.content.length
  }
}
