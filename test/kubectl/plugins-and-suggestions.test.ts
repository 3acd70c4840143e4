// An unknown command word: kubectl runs the plugin `kubectl-WORD[-SUB…]` from PATH (the longest
// name the leading words make, dashes in words as underscores), refuses a flag before it, and
// otherwise says "unknown command" with cobra's suggestions. Each case beside kubectl 1.32.
import {chmodSync, existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const realKubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'
const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe.runIf(existsSync(realKubectl))('plugins and unknown commands, as kubectl 1.32', () => {
  it('runs plugins from PATH and suggests commands for a typo', async () => {
    const home = temporaryFolder()
    const plugins = join(home, 'plugins')
    mkdirSync(plugins)
    const plugin = (name: string, body: string) => {
      writeFileSync(join(plugins, name), `#!/bin/sh\n${body}\n`)
      chmodSync(join(plugins, name), 0o755)
    }
    plugin('kubectl-hello', 'echo "hello $*"; echo "to stderr" >&2')
    plugin('kubectl-foo-bar_baz', 'echo "args: $*"; exit 3')
    writeFileSync(join(plugins, 'kubectl-noexec'), 'not a program\n')
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', PATH: `${plugins}:${process.env.PATH}`}
    const lines = [
      'hello a b', 'foo bar-baz x --y', 'foo bar', 'noexec', '-v=0 hello', '-n x nosuch', 'nosuch -n x',
      'foo', 'gett', 'crate', 'ap', 'rol', 'nosuch', 'x', 'des', 'config1', 'Get', 'p',
    ]
    for (const line of lines) {
      const theirs = await runShell(`${realKubectl} ${line}`, {cwd: home, env: environment})
      const ours = await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
      expect({line, status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }
  }, 120_000)
})
