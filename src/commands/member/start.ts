import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class MemberStart extends KubemuCommand {
  static override description = 'Start a stopped etcd member; it catches up with the leader'
  static override args = {name: Args.string({description: 'member name (infra1, infra2, infra3)', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MemberStart)
    const core = await hostCore()
    try {
      this.log((await core.applyFault(process.env, flags.cluster, 'members', args.name, 'start', false)).message)
    } catch (error) {
      if (error instanceof core.HostCommandError) fail(this, error.message)
      throw error
    }
  }
}
