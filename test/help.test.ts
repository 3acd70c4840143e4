// `kubemu help` is `kubemu --help`; `kubemu help COMMAND` is `kubemu COMMAND --help`.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from './support/shell.js'
import {temporaryFolder} from './support/temp.js'

const kubemu = join(import.meta.dirname, '..', 'bin', 'kubemu')

describe('kubemu help', () => {
  it('shows the same help as --help, for kubemu and for a command', async () => {
    const home = temporaryFolder()
    const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, COLUMNS: '100'}})
    for (const [asked, flagged] of [['help', '--help'], ['help up', 'up --help'], ['help time advance', 'time advance --help']] as const) {
      const [viaHelp, viaFlag] = [await run(asked), await run(flagged)]
      expect(viaHelp).toMatchObject({status: 0, stderr: ''})
      expect(viaHelp.stdout).toBe(viaFlag.stdout)
    }
    expect((await run('help')).stdout).toMatch(/^COMMANDS\n(?:.*\n)*  help\n/m)
  })
})
