import {Args, Flags} from '@oclif/core'
import {formatWhy} from '../core/why/printer.js'
import {why, WhyError} from '../core/why/run.js'
import {explainedKinds} from '../core/why/why.js'
import {KubemuCommand} from '../command-errors.js'

export default class Why extends KubemuCommand {
  static override description = `Why an object is in the state it is: the cause in one paragraph and the facts behind it (the scheduler's last attempt for a pod: each node's verdict and weighted scores; claims, probes, node health, finalizers and owners, rollout deadlines, quota and admission denials, a Service's selector and ports, a CronJob's schedule, what keeps a namespace Terminating). Knows ${explainedKinds.join(', ')}; any kind for deletion and ownership. Exit 0 when nothing is wrong, 3 when something is stuck, 1 when the object cannot be read`
  static override examples = ['kubemu why pod/web-7d4b9c-x2x4z', 'kubemu why deployment web -n shop', 'kubemu why svc/web -o json']
  static override strict = false
  static override args = {object: Args.string({description: 'TYPE/NAME (pod/web, deploy/web, svc/web) or TYPE NAME', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    namespace: Flags.string({char: 'n', description: "the object's namespace", default: 'default'}),
    output: Flags.string({char: 'o', description: 'output format', options: ['text', 'json'], default: 'text'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Why)
    try {
      const result = await why({environment: process.env, cluster: flags.cluster, namespace: flags.namespace, words: argv.map(String)})
      process.stdout.write(formatWhy(result, flags.output as 'text' | 'json'))
      if (result.stuck) this.exit(3)
    } catch (error) {
      if (error instanceof WhyError) {
        process.stderr.write(`${error.line}\n`)
        this.exit(1)
      }
      throw error
    }
  }
}
