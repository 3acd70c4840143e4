// A container's simulated filesystem: regular files, directories and symbolic links by absolute
// path, in memory, with the volumes and the files the kubelet writes (/etc/hosts, /etc/hostname,
// /etc/resolv.conf) mounted at start. Each entry keeps what `ls -l` shows of it: its permission
// bits, its modification time on the cluster clock, and whether it lives in memory (a tmpfs, as
// Secret and projected volumes do). Paths resolve through symbolic links as the kernel's do.
// Bounded in files and bytes.

/** Files (and directories) one container may hold. */
export const filesMax = 10_000
/** Bytes one container's files may hold in all. */
export const fileBytesMax = 16 * 1024 * 1024
/** Symbolic links one path may pass through before ELOOP (Linux's MAXSYMLINKS). */
export const symbolicLinksPerPathMax = 40

export class FileSystemError extends Error {}

/** What every kind of entry carries: unset times are the container's start, unset modes the kind's default, unset owners root. */
interface EntryStatus {
  readonly readOnly: boolean
  /** The owner (unset: 0, root). */
  readonly uid?: number
  /** The owning group (unset: 0, root). */
  readonly gid?: number
  /** Permission bits (0o644); unset: 0o644 for a file, 0o755 for a directory. */
  readonly mode?: number
  /** When it was last written on the cluster clock; unset: when the container's filesystem was set up. */
  readonly modifiedAtMilliseconds?: number
}

export type FileEntry =
  | ({readonly kind: 'file'; readonly content: string} & EntryStatus)
  | ({readonly kind: 'directory'; /** A tmpfs (Secret and projected volumes): sizes as tmpfs gives them, no blocks. */ readonly memoryBacked?: boolean} & EntryStatus)
  | ({readonly kind: 'symlink'; readonly target: string} & EntryStatus)

/** An entry reached through every link: a file or a directory. */
export type ResolvedEntry = Exclude<FileEntry, {readonly kind: 'symlink'}>

/** An entry as lstat(2) (or stat(2), through links) describes it, for ls. */
export interface FileStatus {
  readonly kind: FileEntry['kind']
  readonly mode: number
  readonly links: number
  readonly sizeBytes: number
  /** 512-byte blocks allocated (st_blocks). */
  readonly blocks: number
  readonly modifiedAtMilliseconds: number
  readonly uid: number
  readonly gid: number
  /** A link's target as written. */
  readonly target?: string
}

/** Who acts on the files (a process's credentials): root passes every permission check. */
export interface FileAccessor {
  readonly uid: number
  readonly gid: number
  readonly groups: readonly number[]
}

/** The permission bits `accessor` has on an entry: the owner's, the group's or the others' triplet. */
function accessBits(entry: FileEntry, accessor: FileAccessor, mode: number): number {
  if ((entry.uid ?? 0) === accessor.uid) return (mode >> 6) & 7
  const gid = entry.gid ?? 0
  if (gid === accessor.gid || accessor.groups.includes(gid)) return (mode >> 3) & 7
  return mode & 7
}

const readBit = 4
const writeBit = 2
const searchBit = 1
/** walk()'s answer when a directory on the way may not be searched. */
const searchDenied = Symbol('search denied')

/** Blocks of 512 bytes a page-granular filesystem allocates for `bytes` (4 KiB pages). */
function blocksOf(bytes: number): number {
  return Math.ceil(bytes / 4096) * 8
}

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

/** Who acts on a filesystem and when: a run's process (its clock and credentials); none: the kubelet setting a container up, as root at the setup time. */
export interface FileActor {
  /** The cluster clock of the run, for modification times; null: entries keep the setup time. */
  readonly clock: (() => number) | null
  /** Who the run runs as; null: root, as the kubelet's own writes. */
  readonly accessor: FileAccessor | null
}

const kubeletActor: FileActor = {clock: null, accessor: null}

/** The entries a filesystem and its actors' views share. */
class FileStore {
  readonly entries = new Map<string, FileEntry>([['/', {kind: 'directory', readOnly: false}]])
  /** Each directory's names (the entries' paths indexed by their parent), so listing one costs its own size. */
  readonly children = new Map<string, Set<string>>()
  /**
   * The name sets this store alone holds: a copy shares the others with its source until either
   * changes one (exec probes copy the filesystem per run, and rarely list it).
   */
  ownedNameSets = new WeakSet<Set<string>>()
  bytes = 0

  copy(): FileStore {
    const copy = new FileStore()
    for (const [path, entry] of this.entries) copy.entries.set(path, entry)
    for (const [path, names] of this.children) copy.children.set(path, names)
    this.ownedNameSets = new WeakSet()
    copy.bytes = this.bytes
    return copy
  }
}

export class SimulatedFileSystem {
  private store = new FileStore()
  /** Who acts through this view of the files: the kubelet (a new filesystem's), or a run's process (actingAs). */
  private actor = kubeletActor

  /** An empty filesystem (a root directory), written by the kubelet. */
  constructor(
    /** When the container's filesystem was set up: the time of every entry not written since. */
    readonly setUpAtMilliseconds = 0,
  ) {}

  /** The same files as `actor` acts on them: what it writes takes its time and its owner, and meets its permissions. */
  actingAs(actor: FileActor): SimulatedFileSystem {
    return this.view(this.store, actor)
  }

  /** A copy, for a run that must not change this one (an exec's look, a probe). */
  clone(): SimulatedFileSystem {
    return this.view(this.store.copy(), this.actor)
  }

  private view(store: FileStore, actor: FileActor): SimulatedFileSystem {
    const view = new SimulatedFileSystem(this.setUpAtMilliseconds)
    view.store = store
    view.actor = actor
    return view
  }

  private get accessor(): FileAccessor | null {
    return this.actor.accessor
  }

  /** Whether the acting process may do `bits` (read 4, write 2, search 1) on the entry at `path` (through links): root may do all. */
  allows(path: string, bits: number): boolean {
    const accessor = this.accessor
    if (accessor === null || accessor.uid === 0) return true
    const entry = this.get(path)
    if (!entry) return true
    const mode = entry.mode ?? (entry.kind === 'directory' ? 0o755 : 0o644)
    return (accessBits(entry, accessor, mode) & bits) === bits
  }

  /**
   * A file's content as open(2) for reading gives it to the acting process, or why not: no such
   * entry (a dangling link too), a directory, or no read permission on it or search permission on
   * a directory on its way.
   */
  readFile(path: string): {readonly content: string} | {readonly error: 'No such file or directory' | 'Is a directory' | 'Permission denied'} {
    const resolved = this.walk(path, true, true)
    if (resolved === searchDenied) return {error: 'Permission denied'}
    const entry = resolved === null ? undefined : this.store.entries.get(resolved)
    if (resolved === null || entry === undefined) return {error: 'No such file or directory'}
    if (entry.kind === 'directory') return {error: 'Is a directory'}
    if (entry.kind === 'symlink') throw new Error(`assertion: ${path} resolved to the link ${resolved}`)
    if (!this.allows(resolved, readBit)) return {error: 'Permission denied'}
    return {content: entry.content}
  }

  /** Whether the acting process may reach `path`'s entry: search permission on every directory on its way. */
  reachable(path: string, follow: boolean): boolean {
    return this.walk(path, follow, true) !== searchDenied
  }

  /** Whether the acting process may take `entry` (at physical `path`) out of its directory as far as the sticky bit goes: in a sticky directory (/tmp) only its owner or the directory's. */
  private mayUnlink(path: string, entry: FileEntry): boolean {
    const parent = this.store.entries.get(parentOf(path))
    const sticky = parent?.kind === 'directory' && ((parent.mode ?? 0) & 0o1000) !== 0
    const accessor = this.accessor
    return !sticky || accessor === null || accessor.uid === 0 || (entry.uid ?? 0) === accessor.uid || (parent.uid ?? 0) === accessor.uid
  }

  /** Why the acting process may not add to or remove from the directory `parent` (null: it may): write and search on it. */
  private deniedIn(parent: string): boolean {
    return !this.allows(parent, writeBit | searchBit)
  }

  /** The owner of an entry the acting process makes in `parent`: its uid, and the directory's group when the directory is setgid (which a directory inherits too). */
  private ownerIn(parent: string, directory: boolean): {uid?: number; gid?: number; mode?: number} {
    const accessor = this.accessor
    const parentEntry = this.store.entries.get(parent)
    const setgid = parentEntry !== undefined && parentEntry.kind === 'directory' && ((parentEntry.mode ?? 0) & 0o2000) !== 0
    const owner: {uid?: number; gid?: number; mode?: number} = {}
    if (accessor !== null && accessor.uid !== 0) owner.uid = accessor.uid
    if (setgid) {
      if ((parentEntry.gid ?? 0) !== 0) owner.gid = parentEntry.gid
      if (directory) owner.mode = 0o2755
    } else if (accessor !== null && accessor.gid !== 0) owner.gid = accessor.gid
    return owner
  }

  private now(): number | undefined {
    return this.actor.clock?.()
  }

  /** What changed from `before` to this one, path by path (null: removed). */
  changesSince(before: SimulatedFileSystem): FileChange[] {
    const changes: FileChange[] = []
    for (const [path, entry] of this.store.entries) if (before.store.entries.get(path) !== entry) changes.push({path, entry})
    for (const path of before.store.entries.keys()) if (!this.store.entries.has(path)) changes.push({path, entry: null})
    return changes
  }

  /** Applies changes recorded by changesSince (an exec's, replayed at its time). */
  apply(changes: readonly FileChange[]): void {
    for (const change of changes) {
      const existing = this.store.entries.get(change.path)
      if (existing?.kind === 'file') this.store.bytes -= existing.content.length
      if (change.entry === null) this.forget(change.path)
      else {
        this.store.entries.set(change.path, change.entry)
        this.index(change.path)
        if (change.entry.kind === 'file') this.store.bytes += change.entry.content.length
      }
    }
  }

  /** The entry at `path`, through every symbolic link (stat(2)); undefined when there is none or a link dangles. */
  get(path: string): ResolvedEntry | undefined {
    const resolved = this.resolve(path, true)
    const entry = resolved === null ? undefined : this.store.entries.get(resolved)
    // resolve() followed every link: a link here would be a bug in it.
    if (entry?.kind === 'symlink') throw new Error(`assertion: ${path} resolved to the link ${resolved}`)
    return entry
  }

  /** The entry at `path`, a link itself when it is one (lstat(2)). */
  getLink(path: string): FileEntry | undefined {
    const resolved = this.resolve(path, false)
    return resolved === null ? undefined : this.store.entries.get(resolved)
  }

  /**
   * The path with every symbolic link on the way replaced by what it names (the last one too when
   * `followLast`); null when a directory on the way is missing or the links loop.
   */
  resolve(path: string, followLast: boolean): string | null {
    const walked = this.walk(path, followLast, false)
    return walked === searchDenied ? null : walked
  }

  /**
   * resolve(), and with `search` the acting process's search permission on every directory it
   * passes through (the directories holding links on the way too), as path lookup checks it.
   */
  private walk(path: string, followLast: boolean, search: boolean): string | null | typeof searchDenied {
    const checks = search && this.accessor !== null && this.accessor.uid !== 0
    let pending = normalizePath(path).split('/').filter(Boolean)
    let resolved = ''
    for (let hops = 0; pending.length > 0; ) {
      const [name, ...rest] = pending
      pending = rest
      if (checks && !this.allows(resolved || '/', searchBit)) return searchDenied
      const candidate = `${resolved}/${name}`
      const entry = this.store.entries.get(candidate)
      if (entry?.kind !== 'symlink' || (!followLast && pending.length === 0)) {
        if (entry === undefined && pending.length > 0) return null
        resolved = candidate
        continue
      }
      if (++hops > symbolicLinksPerPathMax) return null
      const base = entry.target.startsWith('/') ? '/' : resolved || '/'
      pending = [...normalizePath(entry.target, base).split('/').filter(Boolean), ...pending]
      resolved = ''
    }
    return resolved || '/'
  }

  /** What lstat(2) (or stat(2) with `follow`) tells of `path`; null when there is nothing. */
  status(path: string, follow: boolean): FileStatus | null {
    const resolved = this.resolve(path, follow)
    const entry = resolved === null ? undefined : this.store.entries.get(resolved)
    if (resolved === null || !entry) return null
    const modifiedAtMilliseconds = entry.modifiedAtMilliseconds ?? this.setUpAtMilliseconds
    const owner = {uid: entry.uid ?? 0, gid: entry.gid ?? 0}
    if (entry.kind === 'symlink') return {kind: 'symlink', mode: 0o777, links: 1, sizeBytes: Buffer.byteLength(entry.target), blocks: 0, modifiedAtMilliseconds, ...owner, target: entry.target}
    if (entry.kind === 'file') {
      const sizeBytes = Buffer.byteLength(entry.content)
      return {kind: 'file', mode: entry.mode ?? 0o644, links: 1, sizeBytes, blocks: blocksOf(sizeBytes), modifiedAtMilliseconds, ...owner}
    }
    const children = [...(this.store.children.get(resolved) ?? [])]
    const subdirectories = children.filter((name) => this.store.entries.get(`${resolved === '/' ? '' : resolved}/${name}`)?.kind === 'directory').length
    // tmpfs sizes a directory by its entries (20 bytes each, with . and ..) and allocates no blocks.
    const memoryBacked = entry.memoryBacked === true
    return {kind: 'directory', mode: entry.mode ?? 0o755, links: 2 + subdirectories, sizeBytes: memoryBacked ? 40 + 20 * children.length : 4096, blocks: memoryBacked ? 0 : 8, modifiedAtMilliseconds, ...owner}
  }

  /** Makes a symbolic link at `path` naming `target` (ln -s), in a directory that exists. */
  symlink(path: string, target: string, readOnly = false): void {
    const normalized = this.physical(path)
    if (this.store.entries.has(normalized)) throw new FileSystemError(`${path}: File exists`)
    const parent = this.store.entries.get(parentOf(normalized))
    if (parent?.kind !== 'directory') throw new FileSystemError(`${path}: No such file or directory`)
    if (this.deniedIn(parentOf(normalized))) throw new FileSystemError(`${path}: Permission denied`)
    this.add(normalized, {kind: 'symlink', target, readOnly, ...this.ownerIn(parentOf(normalized), false), ...this.stamp()})
  }

  /** Sets a directory's or file's permission bits, group and memory backing (a volume's mount point, the kubelet's fsGroup). */
  describe(path: string, change: {mode?: number; gid?: number; memoryBacked?: boolean; readOnly?: boolean}): void {
    const normalized = normalizePath(path)
    const entry = this.store.entries.get(normalized)
    if (!entry || entry.kind === 'symlink') return
    this.store.entries.set(normalized, {
      ...entry,
      ...(change.mode === undefined ? {} : {mode: change.mode}),
      ...(change.gid === undefined ? {} : {gid: change.gid}),
      ...(change.readOnly === undefined ? {} : {readOnly: change.readOnly}),
      ...(entry.kind === 'directory' && change.memoryBacked !== undefined ? {memoryBacked: change.memoryBacked} : {}),
    })
  }

  /** Makes every entry read-only (a container's readOnlyRootFilesystem, before its volumes are mounted). */
  freeze(): void {
    for (const [path, entry] of this.store.entries) this.store.entries.set(path, {...entry, readOnly: true})
  }

  /** Every path at and under `path`, links not followed (the kubelet's walk to set a volume's ownership). */
  under(path: string): string[] {
    const normalized = normalizePath(path)
    return [...this.store.entries.keys()].filter((other) => other === normalized || other.startsWith(`${normalized}/`))
  }

  /** The modification time a write gives, when a run's clock is known. */
  private stamp(): {modifiedAtMilliseconds?: number} {
    const now = this.now()
    return now === undefined ? {} : {modifiedAtMilliseconds: now}
  }

  /** A directory's time moves when an entry is added to or removed from it. */
  private touchParent(path: string): void {
    const parent = parentOf(path)
    const entry = this.store.entries.get(parent)
    const now = this.now()
    if (entry && now !== undefined) this.store.entries.set(parent, {...entry, modifiedAtMilliseconds: now})
  }

  /** Creates the directory and its parents (mkdir -p). */
  makeDirectories(path: string, readOnly = false): void {
    const normalized = this.physical(path)
    if (normalized === '/') return
    this.makeDirectories(parentOf(normalized))
    const existing = this.store.entries.get(normalized)
    if (existing?.kind === 'file') throw new FileSystemError(`can't create directory '${path}': File exists`)
    if (existing) return
    // A process (mkdir -p, tar) meets read-only directories and permissions; the kubelet setting a container up does not.
    if (this.accessor !== null) {
      if (this.store.entries.get(parentOf(normalized))?.readOnly) throw new FileSystemError(`can't create directory '${path}': Read-only file system`)
      if (this.deniedIn(parentOf(normalized))) throw new FileSystemError(`can't create directory '${path}': Permission denied`)
    }
    this.add(normalized, {kind: 'directory', readOnly, ...this.ownerIn(parentOf(normalized), true), ...this.stamp()})
  }

  makeDirectory(path: string): void {
    const normalized = this.physical(path)
    if (this.store.entries.has(normalized)) throw new FileSystemError(`can't create directory '${path}': File exists`)
    const parent = this.store.entries.get(parentOf(normalized))
    if (parent?.kind !== 'directory') throw new FileSystemError(`can't create directory '${path}': No such file or directory`)
    if (parent.readOnly) throw new FileSystemError(`can't create directory '${path}': Read-only file system`)
    if (this.deniedIn(parentOf(normalized))) throw new FileSystemError(`can't create directory '${path}': Permission denied`)
    this.add(normalized, {kind: 'directory', readOnly: false, ...this.ownerIn(parentOf(normalized), true), ...this.stamp()})
  }

  /** Writes (or appends to) a file whose directory exists; through a link, the file it names. */
  write(path: string, content: string, append = false, readOnly = false, mode?: number): void {
    const normalized = this.resolve(path, true)
    if (normalized === null) throw new FileSystemError(`can't create '${path}': No such file or directory`)
    const existing = this.store.entries.get(normalized)
    if (existing?.kind === 'directory') throw new FileSystemError(`can't create '${path}': Is a directory`)
    const parent = this.store.entries.get(parentOf(normalized))
    if (parent?.kind !== 'directory') throw new FileSystemError(`can't create '${path}': No such file or directory`)
    // A process meets read-only files and directories; the kubelet (no accessor) mounts a subPath file into a read-only root.
    if (this.accessor !== null && (existing?.readOnly || parent.readOnly) && !readOnly) throw new FileSystemError(`can't create '${path}': Read-only file system`)
    if (existing ? !this.allows(normalized, writeBit) : this.deniedIn(parentOf(normalized))) throw new FileSystemError(`can't create '${path}': Permission denied`)
    const next = append && existing?.kind === 'file' ? existing.content + content : content
    this.store.bytes += next.length - (existing?.kind === 'file' ? existing.content.length : 0)
    if (this.store.bytes > fileBytesMax) {
      this.store.bytes -= next.length - (existing?.kind === 'file' ? existing.content.length : 0)
      throw new FileSystemError(`write error: No space left on device (more than ${fileBytesMax} bytes)`)
    }
    const kept = mode ?? (existing?.kind === 'file' ? existing.mode : undefined)
    const owner = existing?.kind === 'file' ? {...(existing.uid === undefined ? {} : {uid: existing.uid}), ...(existing.gid === undefined ? {} : {gid: existing.gid})} : this.ownerIn(parentOf(normalized), false)
    const entry: FileEntry = {kind: 'file', content: next, readOnly, ...owner, ...(kept === undefined ? {} : {mode: kept}), ...this.stamp()}
    if (existing) this.store.entries.set(normalized, entry)
    else this.add(normalized, entry)
  }

  /** Removes a file, or a directory with everything in it when `recursive`; `kubelet`: read-only entries too (a volume's update). */
  remove(path: string, recursive: boolean, kubelet = false): void {
    // The link itself, not what it names: its directory is found through links.
    const normalized = this.physical(path)
    const existing = this.store.entries.get(normalized)
    if (!existing) throw new FileSystemError(`can't remove '${path}': No such file or directory`)
    if (existing.readOnly && !kubelet) throw new FileSystemError(`can't remove '${path}': Read-only file system`)
    // Write on the directory, and in a sticky one (/tmp) only the entry's owner or the directory's.
    if (this.deniedIn(parentOf(normalized)) || !this.mayUnlink(normalized, existing)) throw new FileSystemError(`can't remove '${path}': Permission denied`)
    if (existing.kind === 'directory' && !recursive) throw new FileSystemError(`'${path}' is a directory`)
    for (const [other, entry] of [...this.store.entries]) {
      if (other === normalized || other.startsWith(`${normalized}/`)) {
        this.forget(other)
        if (entry.kind === 'file') this.store.bytes -= entry.content.length
      }
    }
    this.touchParent(normalized)
  }

  /** Sets an entry's permission bits as chmod(2) does (through links): its owner or root only, not on a read-only file system. */
  changeMode(path: string, mode: number): void {
    const resolved = this.resolve(path, true)
    const entry = resolved === null ? undefined : this.store.entries.get(resolved)
    if (resolved === null || entry === undefined) throw new FileSystemError(`${path}: No such file or directory`)
    if (entry.readOnly) throw new FileSystemError(`${path}: Read-only file system`)
    const accessor = this.accessor
    if (accessor !== null && accessor.uid !== 0 && (entry.uid ?? 0) !== accessor.uid) throw new FileSystemError(`${path}: Operation not permitted`)
    this.store.entries.set(resolved, {...entry, mode: mode & 0o7777})
  }

  /**
   * Moves an entry (with everything under a directory) to `to` as rename(2) does: the link
   * itself, replacing a file or an empty directory there; write and search on both directories.
   * The messages are rename's errno texts.
   */
  rename(from: string, to: string): void {
    const source = this.physical(from)
    const target = this.physical(to)
    const entry = this.store.entries.get(source)
    if (entry === undefined || source === '/') throw new FileSystemError('No such file or directory')
    const targetParent = this.store.entries.get(parentOf(target))
    if (targetParent?.kind !== 'directory') throw new FileSystemError(targetParent ? 'Not a directory' : 'No such file or directory')
    if (target === source) return
    if (target.startsWith(`${source}/`)) throw new FileSystemError('Invalid argument')
    const existing = this.store.entries.get(target)
    if (entry.readOnly || existing?.readOnly || targetParent.readOnly || this.store.entries.get(parentOf(source))?.readOnly) throw new FileSystemError('Read-only file system')
    if (!this.reachable(from, false) || !this.reachable(to, false) || this.deniedIn(parentOf(source)) || this.deniedIn(parentOf(target))) throw new FileSystemError('Permission denied')
    // A directory moving to another directory rewrites its `..`: write permission on it too.
    if (entry.kind === 'directory' && parentOf(source) !== parentOf(target) && !this.allows(source, writeBit)) throw new FileSystemError('Permission denied')
    // In a sticky directory (/tmp) only the owner of an entry (or of the directory) may move or replace it.
    if (!this.mayUnlink(source, entry) || (existing !== undefined && !this.mayUnlink(target, existing))) throw new FileSystemError('Operation not permitted')
    if (existing?.kind === 'directory') {
      if (entry.kind !== 'directory') throw new FileSystemError('Is a directory')
      if ((this.store.children.get(target)?.size ?? 0) > 0) throw new FileSystemError('Directory not empty')
    } else if (existing !== undefined && entry.kind === 'directory') throw new FileSystemError('Not a directory')
    if (existing !== undefined) {
      if (existing.kind === 'file') this.store.bytes -= existing.content.length
      this.forget(target)
    }
    const moved = [...this.store.entries].filter(([path]) => path === source || path.startsWith(`${source}/`))
    for (const [path] of moved) this.forget(path)
    for (const [path, moving] of moved) {
      const destination = `${target}${path.slice(source.length)}`
      this.store.entries.set(destination, moving)
      this.index(destination)
    }
    this.touchParent(source)
    this.touchParent(target)
  }

  /** The names directly in a directory (through links), sorted; none when it cannot be reached. */
  list(path: string): string[] {
    const normalized = this.resolve(path, true)
    return normalized === null ? [] : [...(this.store.children.get(normalized) ?? [])].sort()
  }

  /** The path with the directories on the way resolved through links, its last name as it is (what mkdir, rm and ln act on). */
  private physical(path: string): string {
    const normalized = normalizePath(path)
    if (normalized === '/') return '/'
    const parent = this.resolve(parentOf(normalized), true)
    if (parent === null) return normalized
    return `${parent === '/' ? '' : parent}/${normalized.slice(normalized.lastIndexOf('/') + 1)}`
  }

  /** The names of a directory, as a set this filesystem may change (copied once when shared with a clone). */
  private ownNames(directory: string): Set<string> {
    const names = this.store.children.get(directory)
    if (names && this.store.ownedNameSets.has(names)) return names
    const own = new Set(names)
    this.store.children.set(directory, own)
    this.store.ownedNameSets.add(own)
    return own
  }

  private index(path: string): void {
    if (path === '/') return
    this.ownNames(parentOf(path)).add(path.slice(path.lastIndexOf('/') + 1))
  }

  private forget(path: string): void {
    this.store.entries.delete(path)
    this.store.children.delete(path)
    if (this.store.children.has(parentOf(path))) this.ownNames(parentOf(path)).delete(path.slice(path.lastIndexOf('/') + 1))
  }

  private add(path: string, entry: FileEntry): void {
    if (this.store.entries.size >= filesMax) throw new FileSystemError(`can't create '${path}': No space left on device (more than ${filesMax} files)`)
    this.store.entries.set(path, entry)
    this.index(path)
    if (path !== '/') this.touchParent(path)
  }
}
