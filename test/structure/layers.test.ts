// The layers of shared/DESIGN.md, checked on the source: a folder of src/core imports only from
// folders of a lower rank (or its own), no two files import each other round a circle, and the
// README's layout table names every folder. A new folder must be given its rank here.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'

const root = resolve(import.meta.dirname, '../../src/core')

/**
 * Each folder's (or top-level file's) rank: lower ranks know nothing of higher ones. DESIGN.md's
 * numbered layers, with the folders it does not name placed where their imports put them: util and
 * the home/seed helpers under everything; client (informers, queues) between the API server and
 * the loops that use it; network beside proxy (the pod network proxy's rules route); controlplane
 * (the runner of the loops) over them; the printers over the host, whose results they format; and
 * the tools that drive the host (the kubectl and etcdctl clones, status, trace, why, inspect, the
 * web page) at the top, with env.ts (a shell's environment for a running cluster) last.
 */
const ranks: Record<string, number> = {
  util: 0, 'home.ts': 0, 'seed.ts': 1,
  raft: 2, storage: 3, mvcc: 4, etcd: 5, store: 6, api: 7, apiserver: 8, client: 9,
  scheduler: 10, controllers: 10, kubelet: 10, proxy: 10, network: 10,
  controlplane: 11, server: 12, host: 13, printers: 14,
  etcdctl: 15, kubectl: 15, inspect: 15, trace: 15, why: 15, status: 15, ui: 15,
  'env.ts': 16,
}


function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

/** Every relative module a file names: static imports and exports, and dynamic import() calls. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm),
    ...text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g),
  ].map((match) => match[1]!)
  return specifiers.map((specifier) => resolve(dirname(file), specifier).replace(/\.js$/, '.ts'))
}

const topOf = (file: string) => relative(root, file).split('/')[0]!
const files = sourceFiles(root)
const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => target.startsWith(root))]))

/** Strongly connected components of more than one file (Tarjan). */
function circles(): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  let next = 0
  const visit = (file: string): void => {
    index.set(file, next)
    low.set(file, next)
    next++
    stack.push(file)
    onStack.add(file)
    for (const target of graph.get(file) ?? []) {
      if (!graph.has(target)) continue
      if (!index.has(target)) {
        visit(target)
        low.set(file, Math.min(low.get(file)!, low.get(target)!))
      } else if (onStack.has(target)) low.set(file, Math.min(low.get(file)!, index.get(target)!))
    }
    if (low.get(file) !== index.get(file)) return
    const component: string[] = []
    let member: string
    do {
      member = stack.pop()!
      onStack.delete(member)
      component.push(relative(root, member))
    } while (member !== file)
    if (component.length > 1) found.push(component.sort())
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file)
  return found
}

describe('layers of src/core', () => {
  it('gives every folder a rank', () => {
    expect(readdirSync(root).filter((entry) => ranks[entry] === undefined)).toEqual([])
  })

  it('imports nothing from a higher layer', () => {
    const upward: string[] = []
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = topOf(file)
        const to = topOf(target)
        if (ranks[to]! > ranks[from]!) upward.push(`${relative(root, file)} (${from}, ${ranks[from]}) imports ${relative(root, target)} (${to}, ${ranks[to]})`)
      }
    }
    expect(upward).toEqual([])
  })

  it('has no import circles, type-only ones included', () => {
    expect(circles()).toEqual([])
  })

  it('names every folder in the README layout table', () => {
    const readme = readFileSync(resolve(root, '../../README.md'), 'utf8')
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1))
    const folders = readdirSync(root).filter((entry) => statSync(join(root, entry)).isDirectory())
    expect(folders.filter((folder) => !layout.includes(`src/core/${folder}/`))).toEqual([])
  })
})
