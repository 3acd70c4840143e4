import {Args, Command, Flags} from '@oclif/core'
import {startMember} from '../../core/etcd/member-faults.js'
import {clusterFolder} from '../../core/home.js'

export default class MemberStart extends Command {
  static override description = 'Start a stopped etcd member; it catches up with the leader'
  static override args = {name: Args.string({description: 'member name (infra1, infra2, infra3)', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(MemberStart)
    const {caughtUp} = await startMember(clusterFolder(process.env, flags.cluster), args.name)
    this.log(caughtUp ? `member ${args.name} started` : `member ${args.name} started; it has not caught up yet (no leader?)`)
  }
}
