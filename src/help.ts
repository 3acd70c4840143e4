// kubemu's help: oclif's, plus the flags that come before any command (they are not a command's own).
import {Help} from '@oclif/core'

/** `kubemu --seed N COMMAND …`: read by bin/kubemu before the command runs. */
const globalFlags: Array<[string, string]> = [
  ['--seed N', 'create the cluster this command creates with seed N (a whole number; the same as KUBEMU_SEED=N, or `kubemu up --seed N`): UIDs, generated names, IPs, node ports, scheduling tie-breaks, election timeouts and leader identities follow it, and the cluster clock starts at 2025-01-01T00:00:00Z and moves only with `kubemu time advance` (and while `up` runs, unless `up --manual-clock`), so the same commands print the same output, byte for byte. The seed is kept with the cluster: later commands continue it'],
]

export default class KubemuHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log(this.section('GLOBAL FLAGS', this.renderList(globalFlags, {indentation: 2, spacer: '\n', stripAnsi: this.opts.stripAnsi})))
  }
}
