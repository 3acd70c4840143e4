// A shell script written for kubectl 1.32 runs unchanged with `kubectl` resolving to the shim
// that `kubemu env` writes, and prints the transcript a kubectl user expects from it.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {writeShims} from '../../src/core/env.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const scripts = join(import.meta.dirname, '..', 'scripts')

describe('a script in real kubectl syntax', () => {
  it('runs through the kubectl shim with the expected transcript and nothing on stderr', async () => {
    const home = temporaryFolder()
    const shims = writeShims({KUBEMU_HOME: home})
    const result = await runShell(`sh ${join(scripts, 'kubectl-script.sh')}`, {cwd: temporaryFolder('kubemu-script-'), env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', PATH: `${shims}:${process.env.PATH}`}})
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(readFileSync(join(scripts, 'kubectl-script.expected'), 'utf8'))
  }, 120_000)
})
