import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail, warn} from '../../command-errors.js'

export default class MasterStart extends KubemuCommand {
  static override description = "Start a stopped master's components again: its etcd member catches up, its API server rejoins the front port, its scheduler and controller manager stand by"
  static override args = {name: Args.string({description: 'master node (control-plane, control-plane2, control-plane3)', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),

  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MasterStart)
    const core = await hostCore()
    try {
      const result = await core.applyFault(process.env, flags.cluster, 'masters', args.name, 'start', false)
      if (result.warning) warn(result.warning)
      this.log(result.message)
    } catch (error) {
      if (error instanceof core.HostCommandError) fail(this, error.message)
      throw error
    }
  }
}
