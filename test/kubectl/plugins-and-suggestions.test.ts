// An unknown command word: kubectl runs the plugin `kubectl-WORD[-SUB…]` from PATH (the longest
// name the leading words make, dashes in words as underscores), refuses a flag before it, and
// otherwise says "unknown command" with cobra's suggestions; `kubectl plugin list` lists them with
// the verifier's warnings. Each case beside kubectl 1.32.
import {chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {realKubectl} from '../support/real-kubectl.js'

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
      // Names kubectl 1.32 has no alias for (kubemu took them as logs and events).
      'log', 'ev', 'event',
    ]
    for (const line of lines) {
      const theirs = await runShell(`${realKubectl} ${line}`, {cwd: home, env: environment})
      const ours = await runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
      expect({line, status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({line, status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }
  }, 120_000)

  it('lists the plugins on PATH with the warnings kubectl 1.32 gives, and fails as it does', async () => {
    const home = temporaryFolder()
    const [first, second, empty] = ['first', 'second', 'empty'].map((name) => join(home, name))
    for (const folder of [first, second, empty, join(second, 'kubectl-folder')]) mkdirSync(folder)
    const plugin = (path: string, mode = 0o755) => {
      writeFileSync(path, '#!/bin/sh\necho hi\n')
      chmodSync(path, mode)
    }
    for (const name of ['kubectl-foo', 'kubectl-get', 'kubectl-create-thing', 'kubectl-foo-bar', 'kubectl-config-view-x', 'kubectl-a_b', 'kubectl-create-sa', 'kubectl-help', 'kubectl-auth-reconcile']) plugin(join(first, name))
    plugin(join(first, 'kubectl-noexec'), 0o644)
    plugin(join(first, 'not-a-plugin'))
    symlinkSync(join(home, 'nowhere'), join(first, 'kubectl-dangling'))
    plugin(join(second, 'kubectl-foo'), 0o744)
    writeFileSync(join(home, 'a-file'), '')
    // kubemu runs on node, which an emptied PATH would not find.
    const node = process.execPath
    for (const path of [`${first}:${second}:${join(home, 'nope')}:${first}::${empty}:${join(home, 'a-file')}`, second, empty, join(home, 'nope')]) {
      for (const line of ['plugin list', 'plugin list --name-only', 'plugin', 'plugin foo']) {
        // The shell is found on the test's PATH; the command gets the PATH of the case.
        const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
        const theirs = await runShell(`PATH='${path}' ${realKubectl} ${line}`, {cwd: home, env: environment})
        const ours = await runShell(`PATH='${path}' ${node} ${kubemu} kubectl ${line}`, {cwd: home, env: environment})
        expect({path, line, status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({path, line, status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
      }
    }
  }, 120_000)
})
