import {formatStatus} from '../core/printers/status.js'
import {clusterStatus} from '../core/status/status.js'
import {KubernetesUnavailableError} from '../core/apiserver/open.js'
import {KubemuCommand, fail} from '../command-errors.js'

export default class Status extends KubemuCommand {
  static override description = 'The cluster in one screen: cluster time, the masters (running or stopped, who leads the scheduler and the controller manager), etcd members (ports served, leader, term, index, health), nodes with their pods and requests, pending pods and why'

  async run(): Promise<void> {
    try {
      process.stdout.write(formatStatus(await clusterStatus(process.env)))
    } catch (error) {
      // The API server cannot read its store (no etcd quorum): its error line, exit 1.
      if (error instanceof KubernetesUnavailableError) fail(this, error.message.replace(/^Error: /, ''))
      throw error
    }
  }
}
