import {Command} from '@oclif/core'

export default class Version extends Command {
  static override description = 'Print the kubemu version'

  async run(): Promise<void> {
    this.log(`kubemu ${this.config.version}`)
  }
}
