// kubemu's own commands (status, time, member, version, …) start from oclif.manifest.json, written
// by `npm run build`: oclif imports only the command asked for, not every command module (`up`
// with its whole control plane included), to find it.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from './support/shell.js'
import {temporaryFolder} from './support/temp.js'

const root = join(import.meta.dirname, '..')
const kubemu = join(root, 'bin', 'kubemu')
const commandsFolder = join(root, 'dist', 'commands')

/** The built command modules, as oclif names them (`time/advance.js` is `time:advance`). */
function builtCommands(): Map<string, string> {
  const commands = new Map<string, string>()
  for (const entry of readdirSync(commandsFolder, {recursive: true, encoding: 'utf8'})) {
    if (!entry.endsWith('.js')) continue
    const id = entry.replace(/\.js$/, '').split(sep).filter((part) => part !== 'index').join(':')
    commands.set(id, join(commandsFolder, entry))
  }
  return commands
}

describe("kubemu's command manifest", () => {
  it('names every built command, and is no older than any of them', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {version: string; commands: Record<string, {relativePath: string[]}>}
    const built = builtCommands()
    expect(Object.keys(manifest.commands).sort()).toEqual([...built.keys()].sort())
    for (const [id, path] of built) expect(manifest.commands[id]!.relativePath.join(sep), id).toBe(relative(root, path))
    const written = statSync(join(root, 'oclif.manifest.json')).mtimeMs
    for (const path of built.values()) expect(written, path).toBeGreaterThanOrEqual(statSync(path).mtimeMs)
    expect(manifest.version).toBe((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {version: string}).version)
  })

  it('lets `kubemu version` import its own command module and no other', async () => {
    const home = temporaryFolder()
    // oclif's debug output names each command module it imports.
    const result = await runShell(`${kubemu} version`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, DEBUG: 'oclif:config*'}})
    expect(result.status).toBe(0)
    const imported = result.stderr.split('\n').filter((line) => / \((?:import|require)\) /.test(line)).map((line) => line.replace(/^.* \((?:import|require)\) /, ''))
    expect(imported).toEqual([join(commandsFolder, 'version.js')])
  })
})
