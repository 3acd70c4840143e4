// `kubemu up` (seeded) in a fresh home with the real kubectl 1.32 pointed at it: what the tests
// of streams through `up` (exec, attach, terminals) start from.
import {join} from 'node:path'
import {runShell} from './shell.js'
import {temporaryFolder} from './temp.js'
import {afterAll, beforeAll} from 'vitest'
import {kubemu, UpProcess, upProcessesOfSuite} from './up-process.js'
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
export async function upWithRealKubectl(processes: UpProcess[], upArguments: readonly string[] = []): Promise<UpWithRealKubectl> {
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = join(home, 'default', 'kubeconfig')
  const real = (line: string, stdin?: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env, stdin})
  const up = new UpProcess(home, ['--seed', '7', ...upArguments])
  processes.push(up)
  await up.until(/leader election: \S+ leads kube-controller-manager/)
  return {home, env, kubeconfig, up, real}
}

/**
 * For a describe block: `up` (as upWithRealKubectl starts it) before the suite, stopped after it,
 * and a line run by kubemu's kubectl or by the real one against it.
 */
export function kubectlsOnUp(upArguments: readonly string[] = []): {ours(line: string, stdin?: string): ReturnType<typeof runShell>; real(line: string, stdin?: string): ReturnType<typeof runShell>; home(): string} {
  const processes = upProcessesOfSuite()
  let cluster: UpWithRealKubectl | null = null
  beforeAll(async () => {
    cluster = await upWithRealKubectl(processes, upArguments)
  }, 120_000)
  afterAll(async () => {
    for (const up of processes) await up.stop()
  })
  const started = () => {
    if (!cluster) throw new Error('kubectlsOnUp: up has not started (use it inside a describe block)')
    return cluster
  }
  return {
    ours: (line, stdin) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: started().home, env: started().env, stdin}),
    real: (line, stdin) => started().real(line, stdin),
    /** The cluster's KUBEMU_HOME (for kubemu's own commands: member, master, time). */
    home: () => started().home,
  }
}
