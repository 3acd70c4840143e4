import {Args, Flags} from '@oclif/core'
import {NetworkCommandError, withClusterReader} from '../../core/host/network-commands.js'
import {showNodeRules, showNodeRulesStats} from '../../core/proxy/kube-proxy.js'
import {ProxyMemory} from '../../core/proxy/memory.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeRules extends KubemuCommand {
  static override description = `A node's kube-proxy rules as iptables-save prints them on a real node (iptables mode), or its proxy ports and round-robin state (userspace mode)

The rules are those the node's kube-proxy last synced (its pod must run there; a stopped node keeps its last rules, stale, as a real node does). A node where no kube-proxy has synced yet shows the rules computed from the API now. --stats says which.`
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    table: Flags.string({char: 't', description: 'one table only (iptables-save -t TABLE)', options: ['nat', 'filter']}),
    stats: Flags.boolean({description: "the node's kube-proxy, its mode, its sync count and last sync (cluster time) instead of the rules", default: false, exclusive: ['table']}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeRules)
    try {
      const text = await withClusterReader(process.env, flags.cluster, (client, _clock, syncedRules) =>
        flags.stats ? showNodeRulesStats(client, syncedRules, args.name) : showNodeRules(client, syncedRules, new ProxyMemory(), args.name, flags.table as 'nat' | 'filter' | undefined),
      )
      process.stdout.write(text)
    } catch (error) {
      if (error instanceof NetworkCommandError) fail(this, error.message)
      throw error
    }
  }
}
