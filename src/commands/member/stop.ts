import {Args, Command, Flags} from '@oclif/core'
import {stopMember} from '../../core/etcd/member-faults.js'
import {clusterFolder} from '../../core/home.js'

export default class MemberStop extends Command {
  static override description = 'Stop an etcd member (fault injection): it stays down until `kubemu member start`'
  static override args = {name: Args.string({description: 'member name (infra1, infra2, infra3)', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MemberStop)
    await stopMember(clusterFolder(process.env, flags.cluster), args.name)
    this.log(`member ${args.name} stopped`)
  }
}
