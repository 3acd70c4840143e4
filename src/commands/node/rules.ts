import {Args, Flags} from '@oclif/core'
import {NetworkCommandError, withClusterReader} from '../../core/host/network-commands.js'
import {clusterFolder} from '../../core/home.js'
import {flushNodeRules, NoRulesToFlushError, showNodeRules, showNodeRulesStats} from '../../core/proxy/kube-proxy.js'
import {ProxyMemory} from '../../core/proxy/memory.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeRules extends KubemuCommand {
  static override description = `A node's kube-proxy rules as iptables-save prints them on a real node (iptables mode), its proxy ports and round-robin state (userspace mode), or in ipvs mode what ipvsadm -Ln, ip addr show kube-ipvs0, ipset list and iptables-save print there

The rules are those the node's kube-proxy last synced (its pod must run there; a stopped node keeps its last rules, stale, as a real node does). A node where no kube-proxy has synced yet shows the rules computed from the API now. kube-proxy syncs when a Service, EndpointSlice or its Node changes, and resyncs every syncPeriod of its ConfigMap (iptables.syncPeriod or ipvs.syncPeriod, 30s by default) on the cluster clock even when nothing changed. --stats says when it last synced and why. --flush deletes the node's Service rules behind kube-proxy's back (as iptables -F or ipvsadm -C on the node would): Services stop answering through that node until kube-proxy's next sync puts the rules back.`
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    table: Flags.string({char: 't', description: 'one table only (iptables-save -t TABLE)', options: ['nat', 'filter']}),
    stats: Flags.boolean({description: "the node's kube-proxy, its mode, its sync count, last sync (cluster time) and its cause instead of the rules", default: false, exclusive: ['table']}),
    flush: Flags.boolean({description: "delete the node's Service rules behind kube-proxy's back; its next sync (the periodic resync at the latest) puts them back", default: false, exclusive: ['table', 'stats']}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeRules)
    try {
      const text = await withClusterReader(process.env, flags.cluster, (client, clock, syncedRules) => {
        if (flags.flush) return flushNodeRules(client, syncedRules, args.name, clock.nowMilliseconds())
        return flags.stats ? showNodeRulesStats(client, syncedRules, args.name) : showNodeRules(client, syncedRules, new ProxyMemory(clusterFolder(process.env, flags.cluster)), args.name, flags.table as 'nat' | 'filter' | undefined)
      })
      process.stdout.write(text)
    } catch (error) {
      if (error instanceof NetworkCommandError || error instanceof NoRulesToFlushError) fail(this, error.message)
      throw error
    }
  }
}
