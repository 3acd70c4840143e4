// The build's kubectl verbs manifest (dist/core/kubectl/verbs-manifest.json, which `kubemu kubectl`
// parses command lines with instead of importing every verb) against the verbs in src: a manifest
// an older build left fails here, and one that disagrees with the verb it loads is refused at run
// time. The built CLI imports only the modules of the verb it runs. Needs `npm run build` first.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'
import {describe, expect, it} from 'vitest'
import {buildVerbsManifest, type ManifestVerb, openVerbCatalog, StaleVerbsManifestError, type VerbsManifest} from '../../src/core/kubectl/verbs-manifest.js'
import {temporaryFolder} from '../support/temp.js'

const root = resolve(import.meta.dirname, '../..')
const builtManifestPath = join(root, 'dist/core/kubectl/verbs-manifest.json')

describe('kubectl verbs manifest', () => {
  const folder = temporaryFolder()

  it('the build wrote the names, flags, subverbs and sources of the verbs in src', async () => {
    expect(existsSync(builtManifestPath), `${builtManifestPath} is missing: run npm run build`).toBe(true)
    const built = JSON.parse(readFileSync(builtManifestPath, 'utf8')) as VerbsManifest
    const fromSource = JSON.parse(JSON.stringify(await buildVerbsManifest())) as VerbsManifest
    expect(built.sources).toEqual(fromSource.sources)
    expect(built.verbs.map((verb) => verb.name)).toEqual(fromSource.verbs.map((verb) => verb.name))
    for (const [index, verb] of built.verbs.entries()) expect(verb, verb.name).toEqual(fromSource.verbs[index])
    // Every flag of every verb is there, as plain data that survives the file.
    const flagCount = (verbs: readonly {flags: readonly unknown[]; subverbs?: readonly never[]}[]): number =>
      verbs.reduce((sum, verb) => sum + verb.flags.length + flagCount(verb.subverbs ?? []), 0)
    expect(flagCount(built.verbs as never)).toBeGreaterThan(300)
  })

  it('an entry that is not the verb its source loads is refused, not run with other flags', async () => {
    const catalog = await openVerbCatalog()
    const get = catalog.verbs.find((verb) => verb.name === 'get')!
    const create = catalog.verbs.find((verb) => verb.name === 'create')!
    await expect(catalog.load(get)).resolves.toMatchObject({name: 'get'})
    const stale: ManifestVerb[] = [
      {...get, flags: get.flags.slice(1)},
      {...get, flags: get.flags.map((flag) => (flag.name === 'output' ? {...flag, shorthand: 'x'} : flag))},
      {...get, aliases: ['g']},
      {...get, source: create.source},
      {...create, subverbs: create.subverbs!.map((subverb) => (subverb.name === 'deployment' ? {...subverb, name: 'deploy'} : subverb))},
      {...create, runs: false},
    ]
    for (const entry of stale) await expect(catalog.load(entry)).rejects.toBeInstanceOf(StaleVerbsManifestError)
  })

  it('kubemu kubectl imports the modules of the verb it runs and no other verb', () => {
    // A module hook that writes down each module Node loads.
    const loadedList = join(folder, 'loaded.txt')
    writeFileSync(join(folder, 'hooks.mjs'), `import {appendFileSync} from 'node:fs'\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(loadedList)}, url + '\\n')\n  return next(url, context)\n}\n`)
    writeFileSync(join(folder, 'register.mjs'), `import {register} from 'node:module'\nregister(${JSON.stringify(pathToFileURL(join(folder, 'hooks.mjs')).href)})\n`)
    const verbsFolder = pathToFileURL(join(root, 'dist/core/kubectl/verbs/')).href
    for (const [line, modules] of [
      [['version', '--client'], ['index.js', 'info.js']],
      // config's subverbs live in three modules of its own.
      [['config', 'get-contexts'], ['config-entries.js', 'config-set.js', 'config.js', 'index.js']],
      [['create', 'deployment', '--help'], ['index.js']],
      // A plain get loads neither apply's object placement (get -f) nor the watch or raw paths.
      [['get', 'namespaces'], ['get.js', 'index.js']],
    ] as const) {
      writeFileSync(loadedList, '')
      const result = spawnSync(process.execPath, ['--import', join(folder, 'register.mjs'), join(root, 'bin/kubemu'), 'kubectl', ...line], {
        // The modules, not the tool's bundle: the hook sees which of them load.
        env: {...process.env, KUBEMU_HOME: join(folder, 'home'), KUBEMU_NO_BUNDLE: '1'},
        encoding: 'utf8',
      })
      expect(result.status, result.stderr).toBe(0)
      const loaded = readFileSync(loadedList, 'utf8').split('\n').filter((url) => url.startsWith(verbsFolder))
      expect(loaded.map((url) => url.slice(verbsFolder.length)).sort(), line.join(' ')).toEqual(modules)
    }
  })
})
