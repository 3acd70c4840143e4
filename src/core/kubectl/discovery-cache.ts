// kubectl's discovery cache (client-go's CachedDiscoveryClient under `--cache-dir`, by default
// ~/.kube/cache): for each server, `discovery/<host>_<port>/servergroups.json` (the API groups,
// the core group first) and `<group>/<version>/serverresources.json` (each group-version's
// resources), in the files' layout and JSON kubectl 1.32 writes, so the real kubectl and this
// one read each other's. Fresh for six hours, as kubectl's; a command naming a resource the
// cache does not know discovers again (kubectl's deferred RESTMapper resets the same way).
//
// One-shot, every kubemu cluster has the same server URL (nothing listens there), so one folder
// would serve the discovery of several clusters (other KUBEMU_HOMEs, `--cluster`, one made again
// after `kubemu reset`): a `kubemu-cluster` file beside kubectl's names the cluster whose
// discovery the folder holds, and a one-shot command trusts the folder only for its own cluster.
// kubectl ignores the file. A writer names its cluster before its first file and after its last,
// so a reader that finds its own cluster's name before and after reading read only that cluster's.
import {createHash} from 'node:crypto'
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

/** How long kubectl trusts a cached file (client-go's ttl for kubectl's cached discovery). */
export const discoveryCacheTtlMilliseconds = 6 * 60 * 60 * 1000
/** A cached file larger than this is not one kubectl wrote: discovery runs again. */
const discoveryCacheFileBytesMax = 16 * 1024 * 1024
/** Group-versions a cache may name (kube-apiserver with many CRDs serves a few hundred). */
const discoveryCacheGroupVersionsMax = 4_096

export interface DiscoveredGroup {
  readonly name: string
  readonly versions: ReadonlyArray<{readonly groupVersion: string; readonly version: string}>
  readonly preferredVersion?: {readonly groupVersion: string; readonly version: string}
}

/** What discovery found: the groups (core first) and each group-version's APIResourceList. */
export interface Discovery {
  readonly groups: readonly DiscoveredGroup[]
  readonly resourceLists: ReadonlyMap<string, unknown>
}

/** A server's discovery cache as a session reaches it. */
export interface DiscoveryCacheAccess {
  read(): Discovery | null
  write(discovery: Discovery): void
}

/** client-go's computeDiscoverCacheDir: the server without its scheme, each character but word characters, `/`, `.`, `(`, `)` made `_`. */
export function discoveryCacheFolder(cacheDirectory: string, server: string): string {
  const host = server.replace('https://', '').replace('http://', '')
  return join(cacheDirectory, 'discovery', host.replace(/[^(\w/.)]/g, '_'))
}

/** --cache-dir, or kubectl's default under the user's home folder. */
export function cacheDirectoryOf(flag: string, environment: NodeJS.ProcessEnv): string {
  return flag.length > 0 ? flag : join(environment.HOME ?? homedir(), '.kube', 'cache')
}

function freshText(path: string, nowMilliseconds: number): string | null {
  const stat = statSync(path, {throwIfNoEntry: false})
  if (!stat || !stat.isFile() || stat.size > discoveryCacheFileBytesMax) return null
  if (nowMilliseconds > stat.mtimeMs + discoveryCacheTtlMilliseconds) return null
  return readFileSync(path, 'utf8')
}

const resourcesFile = (folder: string, groupVersion: string) => join(folder, ...groupVersion.split('/'), 'serverresources.json')

/** The file naming the cluster whose discovery a folder holds (one-shot clusters share their server URL). */
const clusterMarkerFile = 'kubemu-cluster'

/** A cluster's name in the marker: its folder and its credentials, which a cluster made again gets anew. */
export function discoveryClusterIdentity(clusterFolder: string): string {
  let credentials = ''
  try {
    credentials = readFileSync(join(clusterFolder, 'pki', 'tokens.csv'), 'utf8')
  } catch {
    // Not bootstrapped yet: the folder alone names it until it is.
  }
  return createHash('sha256').update(`${clusterFolder}\n${credentials}`).digest('hex').slice(0, 32)
}

function markerOf(folder: string): string | null {
  try {
    return readFileSync(join(folder, clusterMarkerFile), 'utf8')
  } catch {
    return null
  }
}

/**
 * The cached discovery of a server, or null when any file is missing, stale or not kubectl's JSON;
 * with `cluster`, also when the folder holds another cluster's discovery (or another's was written meanwhile).
 */
export function readDiscoveryCache(folder: string, nowMilliseconds: number, cluster?: string): Discovery | null {
  if (cluster !== undefined && markerOf(folder) !== cluster) return null
  const discovery = readKubectlFiles(folder, nowMilliseconds)
  if (cluster !== undefined && markerOf(folder) !== cluster) return null
  return discovery
}

function readKubectlFiles(folder: string, nowMilliseconds: number): Discovery | null {
  try {
    const groupsText = freshText(join(folder, 'servergroups.json'), nowMilliseconds)
    if (groupsText === null) return null
    const list = JSON.parse(groupsText) as {kind?: unknown; groups?: unknown}
    if (list.kind !== 'APIGroupList' || !Array.isArray(list.groups)) return null
    const groups = list.groups as DiscoveredGroup[]
    const resourceLists = new Map<string, unknown>()
    for (const group of groups) {
      if (typeof group?.name !== 'string' || !Array.isArray(group.versions)) return null
      for (const {groupVersion} of group.versions) {
        if (typeof groupVersion !== 'string' || groupVersion.includes('..') || resourceLists.size >= discoveryCacheGroupVersionsMax) return null
        const text = freshText(resourcesFile(folder, groupVersion), nowMilliseconds)
        if (text === null) return null
        const resources = JSON.parse(text) as {kind?: unknown}
        if (resources.kind !== 'APIResourceList') return null
        resourceLists.set(groupVersion, resources)
      }
    }
    return {groups, resourceLists}
  } catch {
    // Unreadable or half-written by another kubectl: discovery runs again and rewrites it.
    return null
  }
}

/** Writes what discovery found, each file renamed into place (kubectl's modes: folders 0750, files 0660); a cache that cannot be written is skipped, as kubectl skips it. */
export function writeDiscoveryCache(folder: string, discovery: Discovery, cluster?: string): void {
  const write = (path: string, value: unknown) => {
    mkdirSync(join(path, '..'), {recursive: true, mode: 0o750})
    const temporary = `${path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(value), {mode: 0o660})
    renameSync(temporary, path)
  }
  const writeMarker = () => {
    if (cluster === undefined) return
    const temporary = join(folder, `${clusterMarkerFile}.${process.pid}.tmp`)
    writeFileSync(temporary, cluster, {mode: 0o660})
    renameSync(temporary, join(folder, clusterMarkerFile))
  }
  try {
    mkdirSync(folder, {recursive: true, mode: 0o750})
    writeMarker()
    for (const [groupVersion, list] of discovery.resourceLists) write(resourcesFile(folder, groupVersion), list)
    // Last: a reader that finds the groups finds every group-version's file beside them.
    write(join(folder, 'servergroups.json'), {kind: 'APIGroupList', apiVersion: 'v1', groups: discovery.groups})
    writeMarker()
  } catch {
    // A read-only home folder: every command discovers, as kubectl does there.
  }
}
