import {Args, Flags} from '@oclif/core'
import {NetworkCommandError, requestAll} from '../core/host/network-commands.js'
import {formatCurl, formatTrace} from '../core/printers/network.js'
import {KubemuCommand, fail} from '../command-errors.js'

export default class TraceRequest extends KubemuCommand {
  static override description = "Follow one HTTP request from a pod, hop by hop: the DNS answer, the source node's kube-proxy rules that matched (in ipvs mode the virtual server and its scheduler), the endpoint chosen and why (probability, affinity, round robin), NetworkPolicy, the target node and pod, the response. Exit codes as curl's (6 unresolved, 7 refused, 28 timed out). A URL on localhost reaches the pod's own containers (they share its network namespace). The rules are those the node's kube-proxy last synced (computed from the API now on a node where none has synced yet; the NODE hop says which)"
  static override args = {url: Args.string({description: 'URL as the pod would curl it (http://web, http://10.96.0.20:80/path)', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    from: Flags.string({description: 'the pod the request starts from', required: true}),
    namespace: Flags.string({char: 'n', description: "the pod's namespace", default: 'default'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TraceRequest)
    try {
      const results = await requestAll(process.env, flags.cluster, {kind: 'pod', namespace: flags.namespace, name: flags.from}, [args.url], {method: 'GET'})
      const result = results[0]!
      const curl = formatCurl(results, {silent: false, showError: true, include: false, verbose: false, fail: false})
      if ('exchange' in result) process.stdout.write(formatTrace(args.url, result.exchange))
      else process.stderr.write(curl.stderr)
      if (curl.exitCode !== 0) this.exit(curl.exitCode)
    } catch (error) {
      if (error instanceof NetworkCommandError) fail(this, error.message)
      throw error
    }
  }
}
