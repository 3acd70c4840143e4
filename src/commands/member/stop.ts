import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail, warn} from '../../command-errors.js'

export default class MemberStop extends KubemuCommand {
  static override description = 'Stop an etcd member (fault injection): it stays down, its port refusing connections, until `kubemu member start`. Stopping one that leaves no quorum says so first; while `kubemu up` runs that needs --force'
  static override args = {name: Args.string({description: 'member name (infra1, infra2, infra3)', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    force: Flags.boolean({description: 'stop it even if that leaves no quorum (needed while kubemu up runs)', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MemberStop)
    const core = await hostCore()
    try {
      const result = await core.applyFault(process.env, flags.cluster, 'members', args.name, 'stop', flags.force)
      if (result.warning) warn(result.warning)
      this.log(result.message)
    } catch (error) {
      if (error instanceof core.HostCommandError) fail(this, error.message)
      throw error
    }
  }
}
