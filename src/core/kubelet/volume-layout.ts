// How a pod's volumes look inside its containers, as the kubelet lays them out. ConfigMap, Secret,
// downwardAPI and projected volumes are written by the kubelet's atomic writer: the files go into a
// directory named after the moment they were written (`..2026_12_07_10_00_00.1234567890`),
// `..data` links to it, and each top-level name links into `..data` — so an update swaps one link
// and a reader never sees half of it. That is what `ls -la` of such a mount shows, and why
// `kubectl cp` of one of its keys copies a link. Secret, projected and downwardAPI volumes live in
// memory (tmpfs: sticky, world-writable mount, directory sizes by entries), ConfigMap volumes on
// the node's disk; an emptyDir is a world-writable directory.
import type {Volume, VolumeMount} from '../api/kinds.js'
import {normalizePath, type SimulatedFileSystem} from './shell/filesystem.js'

/** A file a volume holds: its content and its permission bits (the volume's defaultMode or the item's mode). */
export interface VolumeFile {
  readonly content: string
  readonly mode?: number
}

/** The permission bits the API gives a volume's files when neither the volume nor the item says (0644). */
export const volumeFileModeDefault = 0o644

/**
 * The kubelet's SetVolumeOwnership for a pod's fsGroup: every file and directory of the volume
 * (links aside) goes to the group, readable by it (and writable on a writable volume), and
 * directories become setgid, so what a process writes there belongs to the group too.
 */
function giveToGroup(fs: SimulatedFileSystem, mountPath: string, fsGroup: number, readOnly: boolean): void {
  const mask = readOnly ? 0o440 : 0o660
  for (const path of fs.under(mountPath)) {
    const status = fs.status(path, false)
    if (!status || status.kind === 'symlink') continue
    fs.describe(path, {gid: fsGroup, mode: status.mode | mask | (status.kind === 'directory' ? 0o2000 | 0o110 : 0)})
  }
}

/** The kind of volume as its files are laid out. */
function layoutOf(volume: Volume): {atomic: boolean; memoryBacked: boolean} {
  if (volume.configMap) return {atomic: true, memoryBacked: false}
  if (volume.secret || volume.projected || volume.downwardAPI) return {atomic: true, memoryBacked: true}
  return {atomic: false, memoryBacked: volume.emptyDir?.medium === 'Memory'}
}

/** Go's os.MkdirTemp suffix: a random uint32 in decimal; here drawn from the pod and volume, so every look at the container sees the same name. */
function temporarySuffix(seed: string): string {
  let hash = 2166136261
  for (let index = 0; index < seed.length; index++) hash = Math.imul(hash ^ seed.charCodeAt(index), 16777619) >>> 0
  return String(hash)
}

/** The atomic writer's directory for files written at `atMilliseconds` (UTC, Go's "..2006_01_02_15_04_05."). */
export function timestampDirectoryName(atMilliseconds: number, seed: string): string {
  const at = new Date(atMilliseconds)
  const pad = (value: number) => String(value).padStart(2, '0')
  return `..${at.getUTCFullYear()}_${pad(at.getUTCMonth() + 1)}_${pad(at.getUTCDate())}_${pad(at.getUTCHours())}_${pad(at.getUTCMinutes())}_${pad(at.getUTCSeconds())}.${temporarySuffix(seed)}`
}

/**
 * Mounts `files` of `volume` at `mount` in `fs`, written at `writtenAtMilliseconds` (`seed` names
 * the atomic writer's directory). A subPath mount shows one file or directory of the volume as it
 * is, without the volume's own links.
 */
export function mountVolumeFiles(fs: SimulatedFileSystem, mount: VolumeMount, volume: Volume, files: ReadonlyMap<string, VolumeFile>, writtenAtMilliseconds: number, seed: string, readOnly: boolean, fsGroup: number | null = null): void {
  const kubelet = fs.actingAs({clock: () => writtenAtMilliseconds, accessor: null})
  layOut(kubelet, mount, volume, files, writtenAtMilliseconds, seed, readOnly)
  if (fsGroup !== null && !volume.hostPath && !mount.subPath) giveToGroup(kubelet, mount.mountPath, fsGroup, readOnly || layoutOf(volume).atomic)
}

/** The volume's files at the mount, laid out as its kind is (see the top of this file). */
function layOut(fs: SimulatedFileSystem, mount: VolumeMount, volume: Volume, files: ReadonlyMap<string, VolumeFile>, writtenAtMilliseconds: number, seed: string, readOnly: boolean): void {
  const {atomic, memoryBacked} = layoutOf(volume)
  // Under readOnlyRootFilesystem the directories made on the way to a mount stay read-only: only the mount is the volume's.
  const frozen = fs.getLink('/')?.readOnly === true
  const mountParent = normalizePath(mount.mountPath).replace(/\/[^/]*$/, '') || '/'
  if (mount.subPath) {
    fs.makeDirectories(mountParent, frozen)
    for (const [path, file] of files) {
      if (path !== mount.subPath && !path.startsWith(`${mount.subPath}/`)) continue
      const target = path === mount.subPath ? mount.mountPath : `${mount.mountPath}/${path.slice(mount.subPath.length + 1)}`
      fs.makeDirectories(target.slice(0, target.lastIndexOf('/')) || '/')
      fs.write(target, file.content, false, readOnly, file.mode ?? (atomic ? volumeFileModeDefault : undefined))
    }
    return
  }
  fs.makeDirectories(mountParent, frozen)
  fs.makeDirectories(mount.mountPath, false)
  // The mount point is the volume's own (writable under a read-only root filesystem too): tmpfs's
  // sticky, world-writable root; an emptyDir's 0777 directory.
  fs.describe(mount.mountPath, {readOnly: false, ...(atomic || volume.emptyDir ? {mode: memoryBacked ? 0o1777 : 0o777, memoryBacked} : {})})
  if (!atomic) {
    for (const [path, file] of files) {
      const target = `${mount.mountPath}/${path}`
      fs.makeDirectories(target.slice(0, target.lastIndexOf('/')) || '/')
      fs.write(target, file.content, false, readOnly, file.mode)
    }
    return
  }
  const directory = timestampDirectoryName(writtenAtMilliseconds, seed)
  const written = `${normalizePath(mount.mountPath)}/${directory}`
  fs.makeDirectories(written, false)
  fs.describe(written, {mode: 0o755, memoryBacked})
  const topNames = new Set<string>()
  for (const [path, file] of files) {
    const target = `${written}/${path}`
    fs.makeDirectories(target.slice(0, target.lastIndexOf('/')))
    for (let cut = target.indexOf('/', written.length + 1); cut > 0; cut = target.indexOf('/', cut + 1)) fs.describe(target.slice(0, cut), {memoryBacked})
    fs.write(target, file.content, false, readOnly, file.mode ?? volumeFileModeDefault)
    topNames.add(path.split('/')[0]!)
  }
  // An update (the kubelet's sync after the object changed): ..data swapped to the new directory,
  // the links of names gone removed, the old directory with them.
  const dataLink = `${normalizePath(mount.mountPath)}/..data`
  const previous = fs.getLink(dataLink)
  const previousNames = previous?.kind === 'symlink' ? fs.list(`${normalizePath(mount.mountPath)}/${previous.target}`) : []
  if (previous !== undefined) fs.remove(dataLink, false, true)
  fs.symlink(dataLink, directory, readOnly)
  for (const name of [...topNames].sort()) if (fs.getLink(`${mount.mountPath}/${name}`) === undefined) fs.symlink(`${mount.mountPath}/${name}`, `..data/${name}`, readOnly)
  if (previous?.kind === 'symlink') {
    for (const name of previousNames) if (!topNames.has(name)) fs.remove(`${mount.mountPath}/${name}`, false, true)
    fs.remove(`${normalizePath(mount.mountPath)}/${previous.target}`, true, true)
  }
}
