// `kubemu up` (seeded) in a fresh home with the real kubectl 1.32 pointed at it: what the tests
// of streams through `up` (exec, attach, terminals) start from.
import {join} from 'node:path'
import {runShell} from './shell.js'
import {temporaryFolder} from './temp.js'
import {afterAll, beforeAll, expect} from 'vitest'
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
/** klog's header (date, time, pid) differs from run to run. */
export const klogHeaderMasked = (text: string) => text.replace(/^([IWEF])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, '$1 ')

export function kubectlsOnUp(upArguments: readonly string[] = []): {
  ours(line: string, stdin?: string): ReturnType<typeof runShell>
  real(line: string, stdin?: string): ReturnType<typeof runShell>
  home(): string
  /** Runs the line with the real kubectl, then with ours; expects the same status, stdout and stderr (klog headers masked); gives the real one's result. */
  sameAsReal(line: string, stdin?: string): ReturnType<typeof runShell>
} {
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
  const ours = (line: string, stdin?: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: started().home, env: started().env, stdin})
  const real = (line: string, stdin?: string) => started().real(line, stdin)
  return {
    ours,
    real,
    sameAsReal: async (line, stdin) => {
      const [theirs, mine] = [await real(line, stdin), await ours(line, stdin)]
      const view = (result: typeof theirs) => ({line, status: result.status, stdout: result.stdout, stderr: klogHeaderMasked(result.stderr)})
      expect(view(mine)).toEqual(view(theirs))
      return theirs
    },
    /** The cluster's KUBEMU_HOME (for kubemu's own commands: member, master, time). */
    home: () => started().home,
  }
}
