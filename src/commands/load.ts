import {Args, Flags} from '@oclif/core'
import {hostCore} from '../command-cores.js'
import {KubemuCommand, fail} from '../command-errors.js'

export default class Load extends KubemuCommand {
  static override description = 'Set the simulated CPU use of each pod of a workload (or of one pod), as the metrics API, kubectl top and HorizontalPodAutoscalers see it; kept in the kubemu.io/cpu-usage annotation of the target, so new pods get it too. Works one-shot and while kubemu up runs'
  static override examples = ['kubemu load deployment/web 400m', 'kubemu load statefulset/db 1 -n data', 'kubemu load deployment/web --reset']
  static override args = {
    target: Args.string({description: 'TYPE/NAME: a pod, or a workload whose pods it sets (deployment, replicaset, statefulset, replicationcontroller, daemonset, job)', required: true}),
    cpu: Args.string({description: 'CPU per pod, a quantity (400m, 1.5)'}),
  }
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    namespace: Flags.string({char: 'n', description: 'namespace of the target (default: the kubeconfig context\'s)'}),
    reset: Flags.boolean({description: 'back to the steady simulated use (20-80 % of each container\'s request)'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Load)
    if (Boolean(flags.reset) === (args.cpu !== undefined)) fail(this, 'give either a CPU quantity or --reset')
    const core = await hostCore()
    try {
      const outcome = await core.setSimulatedLoad(process.env, flags.cluster, args.target, flags.reset ? null : args.cpu!, flags.namespace)
      process.stdout.write(outcome.stdout)
      process.stderr.write(outcome.stderr)
      if (outcome.exitCode !== 0) this.exit(outcome.exitCode)
    } catch (error) {
      if (error instanceof core.LoadCommandError) fail(this, error.message)
      throw error
    }
  }
}
