// `kubemu up` (seeded) in a fresh home with the real kubectl 1.32 pointed at it: what the tests
// of streams through `up` (exec, attach, terminals) start from.
import {join} from 'node:path'
import {runShell} from './shell.js'
import {temporaryFolder} from './temp.js'
import {UpProcess} from './up-process.js'
import {realKubectl} from './real-kubectl.js'
export {realKubectl}


export interface UpWithRealKubectl {
  readonly home: string
  readonly env: NodeJS.ProcessEnv
  readonly kubeconfig: string
  readonly up: UpProcess
  /** The real kubectl against `up`, bounded by 60 s. */
  real(line: string, stdin?: string): ReturnType<typeof runShell>
}

/** Starts `up` with the seed 7 and waits for its controller manager's leader; `processes` stops it after the suite. */
export async function upWithRealKubectl(processes: UpProcess[]): Promise<UpWithRealKubectl> {
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = join(home, 'default', 'kubeconfig')
  const real = (line: string, stdin?: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env, stdin})
  const up = new UpProcess(home, ['--seed', '7'])
  processes.push(up)
  await up.until(/leader election: \S+ leads kube-controller-manager/)
  return {home, env, kubeconfig, up, real}
}
