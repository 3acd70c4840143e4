// `kubemu kubectl` and `kubemu etcdctl` run from their bundles (dist/tools/, written by
// `npm run build`) with V8's code cache kept in the temporary folder between runs; so does the
// core of kubemu's host commands (time, member, master, node, load).
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from './support/shell.js'
import {temporaryFolder} from './support/temp.js'

const root = join(import.meta.dirname, '..')
const kubemu = join(root, 'bin', 'kubemu')

describe("the tools' bundles", () => {
  it('carry the build id of the module they were built from, so the commands the suite runs use them', () => {
    for (const tool of ['kubectl', 'etcdctl', 'host', 'up']) {
      const id = /^\/\/ kubemu-build (\S+)\n/.exec(readFileSync(join(root, 'dist', 'tools', `${tool}.cjs`), 'latin1'))?.[1]
      expect(id, tool).toMatch(/^[0-9a-f-]{36}$/)
      expect(readFileSync(join(root, 'dist', `${tool}-main.js`), 'utf8').trimEnd().endsWith(`// kubemu-build ${id}`), tool).toBe(true)
    }
  })

  it('are used whatever the files’ times (an npm install sets them all), and not once tsc wrote the module again', async () => {
    // A copy of the build with the bundle older than its module, as npm's extraction leaves it.
    const copy = temporaryFolder()
    await runShell(`cp -r ${join(root, 'bin')} ${join(root, 'dist')} ${join(root, 'data')} ${join(root, 'package.json')} ${join(root, 'oclif.manifest.json')} ${copy}/ && ln -s ${join(root, 'node_modules')} ${copy}/node_modules && touch -d '1 hour ago' ${copy}/dist/tools/kubectl.cjs`, {cwd: copy, env: process.env})
    const temporary = temporaryFolder()
    const cacheFolder = join(temporary, 'kubemu-code-cache')
    const version = () => runShell(`${join(copy, 'bin', 'kubemu')} kubectl version --client`, {cwd: copy, env: {...process.env, KUBEMU_HOME: temporaryFolder(), TMPDIR: temporary}})
    expect(await version()).toMatchObject({status: 0, stderr: ''})
    // The bundle ran: it keeps a code cache.
    expect(readdirSync(cacheFolder).filter((name) => name.startsWith('kubectl-'))).toHaveLength(1)
    // tsc wrote the module again (without the build id): the modules run, and keep no cache.
    const main = join(copy, 'dist', 'kubectl-main.js')
    writeFileSync(main, readFileSync(main, 'utf8').replace(/\n\/\/ kubemu-build \S+\n*$/, '\n'))
    rmSync(cacheFolder, {recursive: true, force: true})
    expect(await version()).toMatchObject({status: 0, stderr: ''})
    expect(existsSync(cacheFolder) ? readdirSync(cacheFolder).filter((name) => name.startsWith('kubectl-')) : []).toEqual([])
  })

  it("hold no module that finds its files by its own folder (such packages stay in node_modules)", () => {
    for (const tool of ['kubectl', 'etcdctl', 'host', 'up']) {
      const lines = readFileSync(join(root, 'dist', 'tools', `${tool}.cjs`), 'utf8').split('\n')
      // The first line is the build id, the second the bundle's own helper, which places each module's URL beside the bundle.
      expect(lines.slice(2).filter((line) => /\b__(?:dirname|filename)\b|import\.meta/.test(line)), tool).toEqual([])
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
