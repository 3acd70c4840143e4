import {Args, Flags} from '@oclif/core'
import {formatTrace} from '../core/trace/printer.js'
import {trace, TraceError} from '../core/trace/run.js'
import {KubemuCommand} from '../command-errors.js'

export default class Trace extends KubemuCommand {
  static override description = "The chain of changes behind an object and what it caused, in the order the API server answered them: its owners (Deployment → ReplicaSet), the object, what it owns (its pods), and the events about them; each step with its component (its user), the request (verb, resource, answer code), the admission plugins that changed or checked it, the etcd key and revision it landed at, the watch that carried the step before to it, and the cluster time. Read from the API server's change log in the cluster folder (cut back to the newest 50,000 writes once it passes 64 MiB)"
  static override examples = ['kubemu trace deployment/web', 'kubemu trace pod web-7d4b9c-x2x4z -n shop', 'kubemu trace deploy/web -o json']
  static override strict = false
  static override args = {object: Args.string({description: 'TYPE/NAME (deploy/web, pod/web-1) or TYPE NAME', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    namespace: Flags.string({char: 'n', description: "the object's namespace", default: 'default'}),
    output: Flags.string({char: 'o', description: 'output format', options: ['text', 'json'], default: 'text'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Trace)
    try {
      process.stdout.write(formatTrace(await trace({environment: process.env, cluster: flags.cluster, namespace: flags.namespace, words: argv.map(String)}), flags.output as 'text' | 'json'))
    } catch (error) {
      if (error instanceof TraceError) {
        process.stderr.write(`${error.line}\n`)
        this.exit(1)
      }
      throw error
    }
  }
}
