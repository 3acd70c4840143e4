// cobra's "Did you mean this?" under an unknown command: the root's available commands, in the
// order kubectl 1.32 adds them (its help groups, then the others), whose name starts with the
// typed word or is within two edits of it (Levenshtein, case ignored).

/** kubectl 1.32's root commands in the order cmd.go adds them (cobra suggests in this order). */
export const rootCommandsInOrder = [
  'create', 'expose', 'run', 'set',
  'explain', 'get', 'edit', 'delete',
  'rollout', 'scale', 'autoscale',
  'certificate', 'cluster-info', 'top', 'cordon', 'uncordon', 'drain', 'taint',
  'describe', 'logs', 'attach', 'exec', 'port-forward', 'proxy', 'cp', 'auth', 'debug', 'events',
  'diff', 'apply', 'patch', 'replace', 'wait', 'kustomize',
  'label', 'annotate', 'completion',
  'config', 'plugin', 'version', 'api-versions', 'api-resources', 'options',
] as const

/** Edits (insert, delete, substitute) between two words, case ignored, as cobra's ld. */
function editDistance(a: string, b: string): number {
  const left = a.toLowerCase()
  const right = b.toLowerCase()
  let previous = Array.from({length: right.length + 1}, (_, index) => index)
  for (let i = 1; i <= left.length; i++) {
    const current = [i]
    for (let j = 1; j <= right.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (left[i - 1] === right[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[right.length]!
}

/** The lines cobra adds to `unknown command` for the typed word (empty when nothing is close). */
export function suggestionsFor(typed: string): string {
  // A kubectl command kubemu lacks (proxy, debug, …) is not suggested as itself.
  const close = rootCommandsInOrder.filter((name) => name !== typed && (editDistance(typed, name) <= 2 || name.startsWith(typed.toLowerCase())))
  return close.length === 0 ? '' : `\nDid you mean this?\n${close.map((name) => `\t${name}\n`).join('')}`
}
