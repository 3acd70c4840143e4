import {Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class Time extends KubemuCommand {
  static override description = "The cluster clock: wall time plus the offset `kubemu time advance` added. Every component reads it (API server, scheduler, controllers, kubelets, etcd's leases)"
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(Time)
    const core = await hostCore()
    try {
      process.stdout.write(core.formatClusterTime(await core.readClusterTime(process.env, flags.cluster)))
    } catch (error) {
      if (error instanceof core.HostCommandError) fail(this, error.message)
      throw error
    }
  }
}
