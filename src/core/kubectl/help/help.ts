// kubectl 1.32's help texts, kept as data (data/kubectl-help.json, by command path: "" for
// `kubectl --help`, "options" for `kubectl options`, "get", "create deployment", …): the same
// descriptions, examples and flag help a user reads from the real kubectl.
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'

let texts: Record<string, string> | null = null

function helpTexts(): Record<string, string> {
  texts ??= JSON.parse(readFileSync(new URL('../../../../data/kubectl-help.json', import.meta.url), 'utf8')) as Record<string, string>
  return texts
}

/** The command paths whose help is kept ("create deployment", …): kubectl 1.32's commands. */
export function kubectlHelpPaths(): string[] {
  return Object.keys(helpTexts()).filter((path) => path.length > 0)
}

/** The help of a command path (words joined by spaces), or null when kubectl 1.32's is not kept. */
export function kubectlHelp(path: string, environment: NodeJS.ProcessEnv): string | null {
  const text = helpTexts()[path]
  if (text === undefined) return null
  // kubectl's defaults name the user's home folder (--cache-dir).
  return text.replaceAll("'$HOME/.kube/cache'", `'${environment.HOME ?? homedir()}/.kube/cache'`)
}
