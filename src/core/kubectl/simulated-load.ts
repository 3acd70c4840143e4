// `kubemu load TARGET CPU`: sets the simulated CPU use of each pod of a workload (or of one pod)
// through the kubemu.io/cpu-usage annotation on it, which the metrics API serves (api/
// simulated-usage.ts) and so `kubectl top` and the HPA controller see. It is written as kubectl
// annotate writes it, so it works one-shot and while `kubemu up` runs, and the cluster settles after.
import {cpuUsageAnnotation} from '../api/simulated-usage.js'
import {parseQuantity, QuantityError} from '../api/quantity.js'
import {runKubectl} from './kubectl.js'

export class LoadCommandError extends Error {}

export interface LoadOutcome {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
}

/** Sets (or with `cpu` null, removes) the load; kubectl's own error lines come back as they are. */
export async function setSimulatedLoad(environment: NodeJS.ProcessEnv, cluster: string, target: string, cpu: string | null, namespace: string | undefined): Promise<LoadOutcome> {
  if (!/^[^/\s]+\/[^/\s]+$/.test(target)) throw new LoadCommandError(`give the target as TYPE/NAME (deployment/web, statefulset/db, pod/web-1), not "${target}"`)
  if (cpu !== null) {
    try {
      if (parseQuantity(cpu).nanos < 0n) throw new LoadCommandError(`invalid CPU "${cpu}": must be 0 or more`)
    } catch (error) {
      if (error instanceof QuantityError) throw new LoadCommandError(`invalid CPU "${cpu}": ${error.message}`)
      throw error
    }
  }
  let stdout = ''
  let stderr = ''
  const argv = ['annotate', target, cpu === null ? `${cpuUsageAnnotation}-` : `${cpuUsageAnnotation}=${cpu}`, '--overwrite', ...(namespace ? ['-n', namespace] : [])]
  const exitCode = await runKubectl(argv, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    readStdin: async () => '',
    environment: {...environment, KUBEMU_CLUSTER: cluster},
  })
  if (exitCode !== 0) return {stdout: '', stderr, exitCode}
  const name = stdout.trim().split(/\s+/)[0] ?? target
  const said = cpu === null ? `${name}: pods back to their steady simulated CPU use\n` : `${name}: each pod uses ${cpu} CPU (simulated)\n`
  return {stdout: said, stderr, exitCode}
}
