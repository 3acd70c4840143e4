import {writeFileSync} from 'node:fs'
import {Args, Flags} from '@oclif/core'
import {NetworkCommandError, requestAll} from '../core/host/network-commands.js'
import {formatCurl} from '../core/printers/network.js'
import {KubemuCommand, fail} from '../command-errors.js'

export default class Curl extends KubemuCommand {
  static override description = "curl from outside the cluster (the host's side of the node network, 172.18.0.1): NodePort and LoadBalancer addresses through the entry node's kube-proxy rules (iptables chains, or in ipvs mode its virtual servers: round robin by default, ClientIP affinity as persistence). Prints what curl prints, with curl's exit codes (6 unresolved, 7 refused, 28 timed out). The entry node's rules are those its kube-proxy last synced (-v shows when)"
  static override strict = false
  static override args = {url: Args.string({description: 'URL (http://NODE_IP:NODE_PORT, http://LOADBALANCER_IP:PORT); several are fetched in order', required: true})}
  static override flags = {
    cluster: Flags.string({description: 'cluster name', default: 'default'}),
    silent: Flags.boolean({char: 's', description: 'no error messages (unless -S)'}),
    'show-error': Flags.boolean({char: 'S', description: 'show errors even with -s'}),
    include: Flags.boolean({char: 'i', description: 'include the response headers in the output'}),
    head: Flags.boolean({char: 'I', description: 'HEAD request, headers only'}),
    verbose: Flags.boolean({char: 'v', description: 'show each hop (DNS, rules, endpoint, pod) and the response headers on stderr'}),
    fail: Flags.boolean({char: 'f', description: 'exit 22 on HTTP errors (status 400 and above), without the body'}),
    request: Flags.string({char: 'X', description: 'request method'}),
    header: Flags.string({char: 'H', description: 'extra header "Name: value"', multiple: true}),
    data: Flags.string({char: 'd', description: 'request body (POST unless -X says otherwise)'}),
    'connect-timeout': Flags.string({description: 'seconds to wait for the connection'}),
    'max-time': Flags.string({char: 'm', description: 'seconds the whole transfer may take'}),
    output: Flags.string({char: 'o', description: "write the body to this file instead of stdout ('/dev/null' drops it)"}),
    'write-out': Flags.string({char: 'w', description: "after each transfer print this text with curl's variables filled in (%{http_code}, %{remote_ip}, %{size_download}, %{content_type}, %{exitcode} …; \\n is a newline)"}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Curl)
    const headers: Record<string, string> = {}
    for (const header of flags.header ?? []) {
      const colon = header.indexOf(':')
      if (colon > 0) headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim()
    }
    const timeout = flags['connect-timeout'] ?? flags['max-time']
    const method = flags.request ?? (flags.head ? 'HEAD' : flags.data !== undefined ? 'POST' : 'GET')
    try {
      const results = await requestAll(process.env, flags.cluster, {kind: 'external'}, argv as string[], {method, headers, ...(flags.data !== undefined ? {body: flags.data} : {})})
      const output = formatCurl(results, {silent: flags.silent, showError: flags['show-error'], include: flags.include || flags.head, verbose: flags.verbose, fail: flags.fail, method, ...(flags.output !== undefined ? {output: flags.output} : {}), ...(flags['write-out'] !== undefined ? {writeOut: flags['write-out']} : {}), ...(timeout !== undefined ? {timeoutSeconds: Number(timeout)} : {})})
      for (const [file, text] of output.files ?? []) writeFileSync(file, text)
      process.stdout.write(output.stdout)
      process.stderr.write(output.stderr)
      if (output.exitCode !== 0) this.exit(output.exitCode)
    } catch (error) {
      if (error instanceof NetworkCommandError) fail(this, error.message)
      throw error
    }
  }
}
