import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeStart extends KubemuCommand {
  static override description = "Start a stopped node's kubelet again: heartbeats, Ready, its taints removed"
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeStart)
    const core = await hostCore()
    try {
      await core.setNodeStopped(process.env, flags.cluster, args.name, false)
    } catch (error) {
      if (error instanceof core.NodeCommandError) fail(this, error.message)
      throw error
    }
    this.log(`node/${args.name} started`)
  }
}
