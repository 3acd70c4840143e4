import {Args, Flags} from '@oclif/core'
import {parseAdvanceDuration, TimeArgumentError} from '../../core/host/clock.js'
import {advanceClusterTime, HostCommandError} from '../../core/host/commands.js'
import {formatAdvance, formatAdvanceOutage} from '../../core/printers/host.js'
import {progressLine} from '../../core/printers/progress.js'
import {KubemuCommand, fail} from '../../command-errors.js'

export default class TimeAdvance extends KubemuCommand {
  static override description = 'Move the cluster clock forward by a Go duration (90s, 6m, 1h30m), running everything that happens in between in order: heartbeats, node lifecycle and evictions, CronJobs, Job deadlines, back-offs, etcd lease expiry, leader-election leases'
  static override args = {duration: Args.string({description: 'how far, as a Go duration (e.g. 6m, 1h30m)', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}
  static override examples = ['kubemu node stop worker-1 && kubemu time advance 6m && kubemu kubectl get pods -o wide']

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TimeAdvance)
    try {
      const milliseconds = parseAdvanceDuration(args.duration)
      const progress = progressLine(process.stderr)
      const result = await advanceClusterTime(process.env, flags.cluster, milliseconds, progress.update)
      progress.done()
      process.stdout.write(formatAdvance(result))
      const outage = formatAdvanceOutage(result)
      if (outage !== null) process.stderr.write(outage)
    } catch (error) {
      if (error instanceof HostCommandError || error instanceof TimeArgumentError) fail(this, error.message)
      throw error
    }
  }
}
