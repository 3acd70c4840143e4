// Runs kubectl, etcdctl, the host commands' core or up's from its bundle (dist/tools/NAME.cjs, written by `npm run build`) with
// V8's code cache kept between runs, as Node 22's compile cache would: a one-shot command then
// neither resolves and reads its ~450 modules nor compiles them again (about half of its CPU time
// on Node 20). Without a bundle, or with one not built from the entry module as it is now (a build
// by tsc alone writes that module again), the caller imports the modules instead;
// KUBEMU_NO_BUNDLE=1 asks for the modules too (module hooks, a debugger on dist/). `tsc -w`, which
// writes only the modules that changed, is not noticed: run `npm run build` after it.
import {mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type Stats} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
// A namespace import: vm.constants exists from Node 20.12 only, and a named import of it would fail
// to link on older Node 20s before any fallback could run.
import * as vm from 'node:vm'
import {clusterFolder} from './core/home.js'
import {upMarkerPath} from './core/host/up-marker.js'

export type ToolMain = (argv: string[]) => Promise<number>
/** The bundles `npm run build` writes: the two tools, and the cores of kubemu's host commands and of up (src/host-main.ts, src/up-main.ts). */
export type BundledTool = 'kubectl' | 'etcdctl' | 'host' | 'up'

const distFolder = dirname(fileURLToPath(import.meta.url))
/** Shared by every build and user of this machine's temporary folder, as Node's own compile cache is; one file per tool. */
const codeCacheFolder = join(tmpdir(), 'kubemu-code-cache')
/** The share of runs with an accepted cache that offer theirs (making one costs 5–20 ms). */
const codeCacheGrowthChance = 1 / 8
/** How much larger than the file a run's cache must be to replace it. */
const codeCacheGrowthMin = 1.05

/** The bundle's first line: `// kubemu-build <uuid>`. */
const buildIdPattern = /^\/\/ kubemu-build ([0-9a-f-]{36})\n/
const buildIdLineLengthMax = 64

/** The tool's main from its bundle, or null when the caller should import the modules. */
export function bundledToolMain(tool: 'kubectl' | 'etcdctl'): ToolMain | null {
  const exports = bundledExports(tool) as {main?: unknown} | null
  if (exports === null) return null
  if (typeof exports.main !== 'function') throw new Error(`dist/tools/${tool}.cjs has no main: rebuild with npm run build`)
  return exports.main as ToolMain
}

/** The exports of a bundle (built from dist/NAME-main.js), or null when the caller should import the modules. */
export function bundledExports(tool: BundledTool): Record<string, unknown> | null {
  if (process.env.KUBEMU_NO_BUNDLE === '1') return null
  const bundleFile = join(distFolder, 'tools', `${tool}.cjs`)
  let bundle: Stats
  let source: string
  let moduleSource: string
  try {
    bundle = statSync(bundleFile)
    // ASCII only (the build checks), so read as latin1: no UTF-8 decoding of megabytes.
    source = readFileSync(bundleFile, 'latin1')
    moduleSource = readFileSync(join(distFolder, `${tool}-main.js`), 'latin1')
  } catch {
    return null
  }
  // Built from the module as it is now (scripts/bundle-tools.mjs): the same build id in both.
  const buildId = buildIdPattern.exec(source.slice(0, buildIdLineLengthMax))?.[1]
  if (buildId === undefined || !moduleSource.trimEnd().endsWith(`// kubemu-build ${buildId}`)) return null
  const cacheFile = codeCacheFile(tool, bundle)
  const cachedData = cacheFile ? readIfPresent(cacheFile) : undefined
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`
  const script = new vm.Script(wrapped, {filename: bundleFile, cachedData, importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER})
  if (cacheFile) {
    // Written as the process ends, so that it holds the functions this run compiled too. A cache
    // holds what the run that wrote it compiled, and a later run compiles what it lacks (a first
    // `version` holds little of `get`): now and then a run offers the union, kept if it is larger.
    const renewed = !cachedData || script.cachedDataRejected
    if (renewed || Math.random() < codeCacheGrowthChance) process.once('exit', () => writeCodeCache(cacheFile, tool, script, renewed ? 0 : cachedData!.length))
  }
  const module = {exports: {} as Record<string, unknown>}
  ;(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundleFile), module, bundleFile, dirname(bundleFile))
  return module.exports
}

/** The cache file for this bundle and this Node, or null where no cache is kept. */
function codeCacheFile(tool: BundledTool, bundle: Stats): string | null {
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return null
  try {
    mkdirSync(codeCacheFolder, {recursive: true, mode: 0o700})
    // Code from a folder another user owns is never run.
    if (process.getuid && statSync(codeCacheFolder).uid !== process.getuid()) return null
  } catch {
    return null
  }
  return join(codeCacheFolder, `${tool}-${runKind()}-${process.version}-${process.arch}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}.bin`)
}

/**
 * Which of the tool's two caches a run takes. A command through `kubemu up` runs a small part of
 * what a one-shot command runs (the whole cluster in-process), and loading a cache costs time in
 * proportion to its size: with one cache, a one-shot's would slow every command through `up`.
 * Guessed from the cluster folder's up marker; a wrong guess costs time, nothing else.
 */
function runKind(): 'up' | 'local' {
  try {
    return statSync(upMarkerPath(clusterFolder(process.env)), {throwIfNoEntry: false}) ? 'up' : 'local'
  } catch {
    return 'local'
  }
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

/**
 * Replaces the tool's cache file when the run's is larger than `bytesBefore` (written aside, then
 * renamed: commands run side by side) and drops older ones.
 */
function writeCodeCache(cacheFile: string, tool: BundledTool, script: vm.Script, bytesBefore: number): void {
  try {
    const data = script.createCachedData()
    if (data.length <= bytesBefore * codeCacheGrowthMin) return
    const aside = `${cacheFile}.${process.pid}`
    const kindPrefix = basename(cacheFile).split('-').slice(0, 2).join('-') + '-'
    writeFileSync(aside, data)
    renameSync(aside, cacheFile)
    for (const name of readdirSync(codeCacheFolder)) {
      // The same tool and kind of run for another bundle or Node (the other kind's stays).
      if (name.startsWith(kindPrefix) && join(codeCacheFolder, name) !== cacheFile && !name.includes('.bin.')) unlinkSync(join(codeCacheFolder, name))
    }
  } catch {
    // A cache that cannot be written costs the next run its compile time, nothing else.
  }
}
