import {Command} from '@oclif/core'
import {formatStatus} from '../core/printers/status.js'
import {clusterStatus} from '../core/status/status.js'

export default class Status extends Command {
  static override description = 'The cluster in one screen: etcd members (leader, term, index, health), nodes with their pods and requests, pending pods and why'

  async run(): Promise<void> {
    process.stdout.write(formatStatus(await clusterStatus(process.env)))
  }
}
