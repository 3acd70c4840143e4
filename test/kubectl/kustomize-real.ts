// The real kubectl 1.32 binary for kustomize comparisons, and one comparison: the same command
// run by it and by kubemu's kubectl in the same folder, stdout, stderr and exit code side by
// side.
import {join} from 'node:path'
import {expect} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

export const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** The real kubectl to compare with, undefined when this machine has none. */
export const realKubectl = realKubectlFound

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
