import {Flags} from '@oclif/core'
import type {ClusterStatus} from '../core/status/model.js'
import {hostCore} from '../command-cores.js'
import {KubemuCommand, fail} from '../command-errors.js'

/** ANSI: cursor to the top left, clear the screen (a redraw in place). */
const redraw = '\u001b[H\u001b[2J'

export default class Status extends KubemuCommand {
  static override description = `The cluster in one screen: cluster time, the masters (running or stopped, who leads the scheduler and the controller manager), etcd members (role, term, commit and applied index, log entries since the last snapshot, snapshot index, health), the leader-election Leases, nodes with their pods and requests, pending pods and why, the controllers' work-queue depths and the last events.

-o json prints the same as one JSON object (kind ClusterStatus, apiVersion kubemu.io/v1alpha1; field names are stable, see the README) with, in addition, each member's newest raft log entries, the Services with their endpoints and the events of the latest change.

--watch follows a running \`kubemu up\` (the only process that runs the cluster between commands; without it --watch says so and exits 1): on a terminal it redraws in place; otherwise it prints one snapshot per change (besides the clock, the Leases' renewals and the raft indexes those writes move), separated by a blank line, without colours. With -o json it prints every snapshot up sends (on a change, and at least every 5 seconds). NO_COLOR turns colours off. Ctrl-C or a closed pipe ends it.`

  static override flags = {
    output: Flags.string({char: 'o', description: 'output format: json', options: ['json']}),
    watch: Flags.boolean({char: 'w', description: 'follow the cluster as it changes (needs kubemu up)', default: false}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const {changeKey, clusterStatus, formatStatus, KubernetesUnavailableError, StatusUnavailableError, StatusWatchNeedsUpError, watchStatus} = await hostCore()
    const colours = process.stdout.isTTY === true && !process.env.NO_COLOR
    const render = (status: ClusterStatus) => (flags.output === 'json' ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, {colours}))
    try {
      if (!flags.watch) {
        const status = await clusterStatus(process.env)
        process.stdout.write(render(status))
        // Under up the members show even when the API server cannot answer; the command still fails.
        if (status.unavailable) fail(this, status.unavailable)
        return
      }
      const stop = new AbortController()
      const interrupted = () => stop.abort()
      process.once('SIGINT', interrupted)
      process.once('SIGTERM', interrupted)
      let lastKey: string | null = null
      try {
        for await (const status of watchStatus(process.env, stop.signal)) {
          // JSON goes out for every snapshot up sends (a change, or its heartbeat): scripts see the clock move.
          if (flags.output === 'json' || process.stdout.isTTY) {
            process.stdout.write((flags.output === 'json' ? '' : redraw) + render(status))
            continue
          }
          const key = changeKey(status)
          if (key === lastKey) continue
          process.stdout.write((lastKey === null ? '' : '\n') + render(status))
          lastKey = key
        }
      } finally {
        process.off('SIGINT', interrupted)
        process.off('SIGTERM', interrupted)
      }
    } catch (error) {
      // The API server cannot read its store (no etcd quorum): its error line, exit 1.
      if (error instanceof KubernetesUnavailableError) fail(this, error.message.replace(/^Error: /, ''))
      if (error instanceof StatusUnavailableError || error instanceof StatusWatchNeedsUpError) fail(this, error.message)
      throw error
    }
  }
}
