import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeStop extends KubemuCommand {
  static override description = "Stop a node's kubelet (fault injection): no heartbeats, NotReady after 40 s, its pods evicted after their tolerationSeconds"
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeStop)
    const core = await hostCore()
    try {
      await core.setNodeStopped(process.env, flags.cluster, args.name, true)
    } catch (error) {
      if (error instanceof core.NodeCommandError) fail(this, error.message)
      throw error
    }
    this.log(`node/${args.name} stopped`)
  }
}
