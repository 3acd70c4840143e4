// `kubemu kubectl` and `kubemu etcdctl` run from their bundles (dist/tools/, written by
// `npm run build`) with V8's code cache kept in the temporary folder between runs; so does the
// core of kubemu's host commands (time, member, master, node, load).
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from './support/shell.js'
import {temporaryFolder} from './support/temp.js'

const root = join(import.meta.dirname, '..')
const kubemu = join(root, 'bin', 'kubemu')

describe("the tools' bundles", () => {
  it('are newer than the modules they were built from, so the commands the suite runs use them', () => {
    for (const tool of ['kubectl', 'etcdctl', 'host', 'up']) {
      expect(statSync(join(root, 'dist', 'tools', `${tool}.cjs`)).mtimeMs).toBeGreaterThanOrEqual(statSync(join(root, 'dist', `${tool}-main.js`)).mtimeMs)
    }
  })

  it("hold no module that finds its files by its own folder (such packages stay in node_modules)", () => {
    for (const tool of ['kubectl', 'etcdctl', 'host', 'up']) {
      const lines = readFileSync(join(root, 'dist', 'tools', `${tool}.cjs`), 'utf8').split('\n')
      // The first line is the bundle's own helper, which places each module's URL beside the bundle.
      expect(lines.slice(1).filter((line) => /\b__(?:dirname|filename)\b|import\.meta/.test(line)), tool).toEqual([])
    }
  })

  it('keep a code cache per tool that the next run takes, and replace one V8 refuses', async () => {
    const temporary = temporaryFolder()
    const home = temporaryFolder()
    const run = (line: string, extra: Record<string, string> = {}) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, TMPDIR: temporary, ...extra}})
    const cacheFolder = join(temporary, 'kubemu-code-cache')
    const cacheOf = (tool: string) => readdirSync(cacheFolder).filter((name) => name.startsWith(`${tool}-`))

    const fromModules = await run('kubectl version --client', {KUBEMU_NO_BUNDLE: '1'})
    const first = await run('kubectl version --client')
    expect(first).toMatchObject({status: 0, stderr: ''})
    expect(first.stdout).toBe(fromModules.stdout)
    const [cacheName] = cacheOf('kubectl')
    expect(cacheOf('kubectl')).toHaveLength(1)
    expect(cacheName).toContain(process.version)
    const cacheFile = join(cacheFolder, cacheName!)
    const written = statSync(cacheFile)
    expect(written.size).toBeGreaterThan(10_000)
    expect(statSync(cacheFolder).mode & 0o777).toBe(0o700)

    // Accepted: the next run leaves it as it is.
    expect((await run('kubectl version --client')).stdout).toBe(first.stdout)
    expect(statSync(cacheFile).mtimeMs).toBe(written.mtimeMs)

    // Refused (not V8's data): the command runs as before and writes a good one.
    writeFileSync(cacheFile, Buffer.alloc(4096, 7))
    expect(await run('kubectl version --client')).toMatchObject({status: 0, stdout: first.stdout, stderr: ''})
    expect(readFileSync(cacheFile).subarray(0, 4096).equals(Buffer.alloc(4096, 7))).toBe(false)
    expect(cacheOf('kubectl')).toEqual([cacheName])

    // etcdctl has its own; NODE_DISABLE_COMPILE_CACHE keeps none, as for Node's own cache.
    expect(await run('etcdctl version')).toMatchObject({status: 0, stderr: ''})
    expect(cacheOf('etcdctl')).toHaveLength(1)
    const uncached = temporaryFolder()
    expect(await run('etcdctl version', {TMPDIR: uncached, NODE_DISABLE_COMPILE_CACHE: '1'})).toMatchObject({status: 0, stderr: ''})
    expect(readdirSync(uncached)).toEqual([])

    // kubemu's host commands load their core from its bundle: the same answers as from the modules,
    // a refusal (an error class of the bundle's) too.
    const seeded = {KUBEMU_SEED: '5'}
    expect(await run('time', seeded)).toMatchObject({status: 0, stdout: '2025-01-01T00:00:00Z\t(seed epoch 2025-01-01T00:00:00Z + 0s)\n'})
    expect(cacheOf('host')).toHaveLength(1)
    expect(await run('time', seeded)).toEqual(await run('time', {...seeded, KUBEMU_NO_BUNDLE: '1'}))
    const refused = await run('member stop nosuch', seeded)
    expect(refused).toEqual({status: 1, stdout: '', stderr: 'Error: no etcd member named "nosuch" (members: infra1, infra2, infra3)\n'})
    expect(await run('member stop nosuch', {...seeded, KUBEMU_NO_BUNDLE: '1'})).toEqual(refused)

    // Commands through `kubemu up` (its marker in the cluster folder) keep a cache of their own:
    // they run a small part of what one-shot commands compile. Each kind's stays beside the other's.
    mkdirSync(join(home, 'default'), {recursive: true})
    writeFileSync(join(home, 'default', 'up.json'), `${JSON.stringify({pid: 2 ** 22 + 1, url: 'http://127.0.0.1:1'})}\n`)
    expect(await run('kubectl version --client')).toMatchObject({status: 0, stdout: first.stdout, stderr: ''})
    expect(cacheOf('kubectl').sort()).toEqual([cacheName, cacheName!.replace('kubectl-local-', 'kubectl-up-')].sort())
  })
})
