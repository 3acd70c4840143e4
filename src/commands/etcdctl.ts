import {KubemuCommand} from '../command-errors.js'
import {main} from '../etcdctl-main.js'

export default class Etcdctl extends KubemuCommand {
  static override description = 'etcdctl 3.4 on the embedded cluster: same verbs, flags, output and exit codes'
  static override strict = false
  // etcdctl parses its own flags (Go syntax, flags anywhere), so oclif passes everything through.
  static override flags = {}

  async run(): Promise<void> {
    // etcdctl's own parser reads the arguments; oclif's would reject Go-style flags it does not know.
    this.parsed = true
    process.exitCode = await main(this.argv)
  }
}
