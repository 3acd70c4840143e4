import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeRemove extends KubemuCommand {
  static override description = 'Remove a simulated node: its pods are collected and replaced elsewhere'
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeRemove)
    const core = await hostCore()
    try {
      await core.removeNode(process.env, flags.cluster, args.name)
    } catch (error) {
      if (error instanceof core.NodeCommandError) fail(this, error.message)
      throw error
    }
    this.log(`node "${args.name}" deleted`)
  }
}
