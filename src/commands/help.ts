import {loadHelpClass} from '@oclif/core'
import {KubemuCommand} from '../command-errors.js'

export default class HelpCommand extends KubemuCommand {
  static override description = 'Show help for kubemu, or for one of its commands (`kubemu help up`, `kubemu help time advance`)'
  static override strict = false
  static override examples = ['kubemu help', 'kubemu help up', 'kubemu help member stop']

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand)
    // kubemu's own help class (oclif's, plus the flags that come before any command).
    const KubemuHelp = await loadHelpClass(this.config)
    await new KubemuHelp(this.config).showHelp(argv as string[])
  }
}
