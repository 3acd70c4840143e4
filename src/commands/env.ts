import {KubemuCommand} from '../command-errors.js'
import {Flags} from '@oclif/core'
import {environmentLines} from '../core/env.js'

export default class Env extends KubemuCommand {
  static override description = 'Print shell lines that put etcdctl (and later kubectl) shims for this cluster first on PATH; while `kubemu up --etcd-tls` runs, they also set ETCDCTL_ENDPOINTS (https://) and ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY (the root client certificate)'
  static override examples = ['eval "$(kubemu env)"', 'eval "$(kubemu env --unset)"', 'kubemu env --shell fish | source']
  static override flags = {
    cluster: Flags.string({description: 'cluster name (default: $KUBEMU_CLUSTER or "default")'}),
    unset: Flags.boolean({description: 'print the lines that take the shims off PATH again', default: false}),
    shell: Flags.string({description: 'shell syntax to print', options: ['sh', 'fish'], default: 'sh'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Env)
    process.stdout.write(environmentLines(process.env, {clusterName: flags.cluster, unset: flags.unset, shell: flags.shell as 'sh' | 'fish'}))
  }
}
