// `kubemu up` with both kubectls pointed at it: the real kubectl 1.32 (the cluster's kubeconfig)
// and kubemu's one-shot kubectl (which goes through up), for side-by-side comparisons.
import {join} from 'node:path'
import {runShell, type ShellResult} from './shell.js'
import {temporaryFolder} from './temp.js'
import {kubemu, UpProcess} from './up-process.js'

export interface UpKubectls {
  readonly up: UpProcess
  readonly real: (line: string, stdin?: string) => Promise<ShellResult>
  readonly ours: (line: string, stdin?: string) => Promise<ShellResult>
  /** Any other kubemu command in the same home (`why …`, `trace …`). */
  readonly kubemu: (line: string) => Promise<ShellResult>
}

/** Starts `up` in a fresh home; resolves once its control plane has elected its leaders. */
export async function startUpWithKubectls(): Promise<UpKubectls> {
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const up = new UpProcess(home)
  await up.until(/leader election: \S+ leads/)
  return {
    up,
    real: (line, stdin) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env, stdin}),
    ours: (line, stdin) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env, stdin}),
    kubemu: (line) => runShell(`${kubemu} ${line}`, {cwd: home, env}),
  }
}

/** Ages move between two commands: comparisons leave them out (and the padding they change). */
export const withoutAges = (text: string) => text.replace(/ {2}\d+(?:m\d+)?s( +|$)/gm, '  AGE$1').replace(/ +/g, ' ')
