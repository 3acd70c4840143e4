import {KubemuCommand} from '../command-errors.js'
import {main} from '../kubectl-main.js'

export default class Kubectl extends KubemuCommand {
  static override description = 'kubectl 1.32 on the cluster: same verbs, flags, output, messages and exit codes'
  static override strict = false
  // kubectl parses its own flags (pflag syntax, global flags anywhere), so oclif passes everything through.
  static override flags = {}

  async run(): Promise<void> {
    this.parsed = true
    process.exitCode = await main(this.argv)
  }
}
