// The real kubectl 1.32 binary for kustomize comparisons, and one comparison: the same command
// run by it and by kubemu's kubectl in the same folder, stdout, stderr and exit code side by
// side. A `kubectl` on PATH may be a dispatcher that reports errors through klog instead of
// kubectl's own `error: …` line, so the versioned binary next to it is preferred.
import {existsSync, realpathSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'
import {expect} from 'vitest'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

export const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

function findRealKubectl(): string | undefined {
  const named = process.env.KUBEMU_TEST_KUBECTL
  if (named) return named
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['kubectl.1.32', 'kubectl']) {
      const candidate = join(folder, name)
      if (!existsSync(candidate)) continue
      const versioned = join(dirname(realpathSync(candidate)), 'kubectl.1.32')
      return existsSync(versioned) ? versioned : candidate
    }
  }
  return undefined
}

/** The real kubectl to compare with, undefined when this machine has none. */
export const realKubectl = findRealKubectl()

/** Why comparisons are skipped, printed once so a skipped run is visible. */
export const realKubectlMissing = realKubectl === undefined ? 'no real kubectl 1.32 on PATH (or in KUBEMU_TEST_KUBECTL): kustomize comparisons skipped' : undefined
if (realKubectlMissing) console.warn(realKubectlMissing)

/** Runs `kubectl COMMAND` with both binaries in `cwd`; expects the same stdout, stderr and exit code. */
export async function compareKustomize(command: string, cwd: string): Promise<ShellResult> {
  const environment = {...process.env, KUBEMU_HOME: temporaryFolder(), KUBECONFIG: ''}
  const [ours, theirs] = await Promise.all([runShell(`${kubemu} kubectl ${command}`, {cwd, env: environment}), runShell(`${realKubectl} ${command}`, {cwd, env: environment})])
  // kustomize prints a generator's Go pointer in some errors: the one value that must differ.
  const shown = (result: ShellResult) => ({command, stdout: result.stdout, stderr: result.stderr.replace(/&\{0x[0-9a-f]+ /g, '&{0x… '), status: result.status})
  expect(shown(ours)).toEqual(shown(theirs))
  return theirs
}
