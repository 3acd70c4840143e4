import {KubemuCommand} from '../command-errors.js'
export default class Version extends KubemuCommand {
  static override description = 'Print the kubemu version'

  async run(): Promise<void> {
    this.log(`kubemu ${this.config.version}`)
  }
}
