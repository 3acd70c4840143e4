import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail, warn} from '../../command-errors.js'

export default class MasterStop extends KubemuCommand {
  static override description = "Stop a master (fault injection): its etcd member, kube-apiserver, kube-scheduler and kube-controller-manager. Its node and kubelet keep running; the front port stops sending to its API server, and the standby scheduler and controller manager take over when the leader's Lease runs out (15 s of cluster time)"
  static override args = {name: Args.string({description: 'master node (control-plane, control-plane2, control-plane3)', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    force: Flags.boolean({description: 'stop it even if its etcd member leaves no quorum (needed while kubemu up runs)', default: false}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MasterStop)
    const core = await hostCore()
    try {
      const result = await core.applyFault(process.env, flags.cluster, 'masters', args.name, 'stop', flags.force)
      if (result.warning) warn(result.warning)
      this.log(result.message)
    } catch (error) {
      if (error instanceof core.HostCommandError) fail(this, error.message)
      throw error
    }
  }
}
