import {Args, Flags} from '@oclif/core'
import {NetworkCommandError, withClusterReader} from '../../core/host/network-commands.js'
import {showNodeRules} from '../../core/proxy/kube-proxy.js'
import {ProxyMemory} from '../../core/proxy/memory.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class NodeRules extends KubemuCommand {
  static override description = "A node's kube-proxy rules as iptables-save prints them on a real node (iptables mode), or its proxy ports and round-robin state (userspace mode)"
  static override args = {name: Args.string({description: 'node name', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    table: Flags.string({char: 't', description: 'one table only (iptables-save -t TABLE)', options: ['nat', 'filter']}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(NodeRules)
    try {
      const text = await withClusterReader(process.env, flags.cluster, (client) => showNodeRules(client, new ProxyMemory(), args.name, flags.table as 'nat' | 'filter' | undefined))
      process.stdout.write(text)
    } catch (error) {
      if (error instanceof NetworkCommandError) fail(this, error.message)
      throw error
    }
  }
}
