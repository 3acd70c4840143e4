import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeAdd extends KubemuCommand {
  static override description = 'Add a simulated node: its kubelet registers, heartbeats and runs the pods scheduled to it'
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    cpu: Flags.string({description: 'CPU capacity', default: '4'}),
    memory: Flags.string({description: 'memory capacity', default: '8Gi'}),
    pods: Flags.string({description: 'pod capacity', default: '110'}),
    labels: Flags.string({description: 'labels: key=value,…', default: ''}),
    taints: Flags.string({description: 'taints: key[=value]:Effect,…', default: ''}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeAdd)
    const core = await hostCore()
    try {
      await core.addNode(process.env, flags.cluster, args.name, {cpu: flags.cpu, memory: flags.memory, pods: flags.pods, labels: core.parseLabels(flags.labels), taints: core.parseTaints(flags.taints)})
    } catch (error) {
      if (error instanceof core.NodeCommandError) fail(this, error.message)
      throw error
    }
    this.log(`node/${args.name} created`)
  }
}
