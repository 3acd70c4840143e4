import {Args, Flags} from '@oclif/core'
import {hostCore} from '../../command-cores.js'
import {KubemuCommand, fail} from '../../command-errors.js'
// Small, and checked before the core's bundle loads: a bad duration is refused at once.
import {parseAdvanceDuration, TimeArgumentError} from '../../core/host/clock.js'

export default class TimeAdvance extends KubemuCommand {
  static override description = 'Move the cluster clock forward by a Go duration (90s, 6m, 1h30m), running everything that happens in between in order: heartbeats, node lifecycle and evictions, CronJobs, Job deadlines, back-offs, etcd lease expiry, leader-election leases'
  static override args = {duration: Args.string({description: 'how far, as a Go duration (e.g. 6m, 1h30m)', required: true})}
  static override flags = {cluster: Flags.string({description: 'cluster name', default: 'default'})}
  static override examples = ['kubemu node stop worker-1 && kubemu time advance 6m && kubemu kubectl get pods -o wide']

  async run(): Promise<void> {
    const {args, flags} = await this.parse(TimeAdvance)
    let milliseconds: number
    try {
      milliseconds = parseAdvanceDuration(args.duration)
    } catch (error) {
      if (error instanceof TimeArgumentError) fail(this, error.message)
      throw error
    }
    const core = await hostCore()
    try {
      const progress = core.progressLine(process.stderr)
      const result = await core.advanceClusterTime(process.env, flags.cluster, milliseconds, progress.update)
      progress.done()
      process.stdout.write(core.formatAdvance(result))
      const outage = core.formatAdvanceOutage(result)
      if (outage !== null) process.stderr.write(outage)
    } catch (error) {
      if (error instanceof core.HostCommandError || error instanceof core.TimeArgumentError) fail(this, error.message)
      throw error
    }
  }
}
