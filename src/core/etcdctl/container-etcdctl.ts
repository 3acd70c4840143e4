// etcdctl inside an etcd container (`kubectl exec -n kube-system etcd-control-plane -- etcdctl
// member list`, `… -- sh -c 'ETCDCTL_API=3 etcdctl get /registry/pods --prefix --keys-only'`): the
// etcd image ships etcdctl, and a learner reads the cluster's keys and its members from there.
// kubemu's etcdctl runs in this process against the cluster's members, as `kubemu etcdctl` would
// (through up's etcd front door while up runs), with the exec's ETCDCTL_* variables and piped
// input. What would outlive the exec (watch, lock, elect, an endless keep-alive) or write files
// (snapshot save) cannot run in a simulated container: it answers so, never hangs, never touches
// the host's files.
import {commandWordsOf, runEtcdctl} from './etcdctl.js'
import type {ContainerTools, ToolResult} from '../kubelet/shell/process-context.js'
import {outputBytesMax} from '../kubelet/shell/process-context.js'
import type {ServedEtcd} from '../host/cluster-host.js'

/** The verbs that stream until interrupted or write files where etcdctl runs. */
const hostOnlyVerbs = new Set(['watch', 'lock', 'elect', 'snapshot', 'make-mirror', 'check'])

/** Thrown by the standard input of a run that was given none: the shell reads the exec's and runs it again. */
const inputWanted = new Error('etcdctl reads its standard input')

/** Keeps the newest `outputBytesMax` characters, as the shell bounds what a command prints. */
function appendBounded(text: string, more: string): string {
  const joined = text + more
  return joined.length > outputBytesMax ? joined.slice(joined.length - outputBytesMax) : joined
}

/** etcdctl prints byte strings (one character per byte): the exec's streams carry text. */
const fromBytes = (text: string) => Buffer.from(text, 'latin1').toString('utf8')

/**
 * The etcdctl of the containers of the cluster `hostEnvironment` names (its KUBEMU_HOME and
 * KUBEMU_CLUSTER): the host's own ETCDCTL_* variables do not reach a container; its own do.
 * `servedEtcd`: the members' URLs of the etcd front door when `up` is the host.
 */
export function containerEtcdctl(hostEnvironment: NodeJS.ProcessEnv, servedEtcd: ServedEtcd = () => undefined): NonNullable<ContainerTools['etcdctl']> {
  const clusterEnvironment = Object.fromEntries(Object.entries(hostEnvironment).filter(([name]) => !name.startsWith('ETCDCTL_')))
  return async (argv, environment, stdin): Promise<ToolResult> => {
    const words = commandWordsOf(argv)
    const endless = words[0] === 'lease' && words[1] === 'keep-alive' && !argv.some((word) => /^--once(=true)?$/.test(word))
    if (hostOnlyVerbs.has(words[0] ?? '') || endless) {
      const command = endless ? 'lease keep-alive' : words[0]!
      return {stdout: '', stderr: `Error: kubemu runs "etcdctl ${command}" from the host only (it streams until interrupted, or writes files): run it as \`kubemu etcdctl ${command} …\`\n`, status: 1}
    }
    const containerVariables = Object.fromEntries([...environment].filter(([name]) => name.startsWith('ETCDCTL_')))
    let stdout = ''
    let stderr = ''
    const served = servedEtcd()
    try {
      const status = await runEtcdctl(argv, {
        ...(served ? {servedEtcd: served} : {}),
        stdout: (text) => (stdout = appendBounded(stdout, text)),
        stderr: (text) => (stderr = appendBounded(stderr, text)),
        // A verb reads its input before it sends anything: asked again with the input, it starts over.
        readStdin: async () => {
          if (stdin === null) throw inputWanted
          return new Uint8Array(Buffer.from(stdin, 'utf8'))
        },
        environment: {...clusterEnvironment, ...containerVariables},
      })
      return {stdout: fromBytes(stdout), stderr: fromBytes(stderr), status}
    } catch (error) {
      if (error === inputWanted) return {inputWanted: true}
      throw error
    }
  }
}

/** The host tools of a cluster's containers (given to the host that runs them: up, or a one-shot command's). */
export function containerTools(hostEnvironment: NodeJS.ProcessEnv, servedEtcd?: ServedEtcd): ContainerTools {
  return {etcdctl: containerEtcdctl(hostEnvironment, servedEtcd)}
}
