import {Command, Flags} from '@oclif/core'
import {runUp} from '../core/controlplane/up.js'
import {systemClock} from '../core/util/clock.js'

export default class Up extends Command {
  static override description = 'Run the control plane in the foreground until Ctrl-C: scheduler, controllers and kubelets with real delays, and the Kubernetes API over HTTP on loopback'
  static override flags = {
    port: Flags.integer({description: 'port of the Kubernetes API (the kubeconfig says 6443)', default: 6443}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Up)
    const stop = new AbortController()
    const interrupt = () => stop.abort()
    process.once('SIGINT', interrupt)
    process.once('SIGTERM', interrupt)
    await runUp({environment: process.env, port: flags.port, clock: systemClock, signal: stop.signal, log: (line) => process.stdout.write(`${line}\n`)})
  }
}
