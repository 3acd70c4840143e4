// The real kubectl 1.32 the tests and benches compare kubemu's kubectl with, found the same way
// everywhere: KUBEMU_TEST_KUBECTL when set, else the first `kubectl.1.32` or `kubectl` on PATH.
// A `kubectl` on PATH may be a dispatcher that picks a version and reports errors through klog
// instead of kubectl's own `error: …` line, so a versioned `kubectl.1.32` beside the file it
// links to is preferred.
import {existsSync, realpathSync} from 'node:fs'
import {delimiter, dirname, join} from 'node:path'

function findRealKubectl(): string | undefined {
  const named = process.env.KUBEMU_TEST_KUBECTL
  if (named) return named
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue
    for (const name of ['kubectl.1.32', 'kubectl']) {
      const candidate = join(folder, name)
      if (!existsSync(candidate)) continue
      const versioned = join(dirname(realpathSync(candidate)), 'kubectl.1.32')
      return existsSync(versioned) ? versioned : candidate
    }
  }
  return undefined
}

/** The real kubectl found on this machine, undefined when there is none. */
export const realKubectlFound = findRealKubectl()

/** The real kubectl to run; plain `kubectl` (a clear "command not found") when none was found. */
export const realKubectl = realKubectlFound ?? 'kubectl'
