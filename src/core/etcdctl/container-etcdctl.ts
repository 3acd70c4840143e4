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
import {limited} from '../kubelet/shell/process-context.js'
import type {ServedEtcd} from '../host/cluster-host.js'

/** The verbs that stream until interrupted or write files where etcdctl runs. */
const hostOnlyVerbs = new Set(['watch', 'lock', 'elect', 'snapshot', 'make-mirror', 'check'])

/** etcdctl's TLS file flags (read as etcdctl reads them: in its order, the flag before its variable). */
const tlsFileFlags = ['cacert', 'cert', 'key'] as const

/** The value of `--NAME=V` or `--NAME V` (the last given), if any. */
function flagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index]!
    if (word === '--') break
    if (word.startsWith(`--${name}=`)) value = word.slice(name.length + 3)
    else if (word === `--${name}`) value = argv[++index]
  }
  return value
}

/** `user add NAME` and `user passwd NAME` prompt on the terminal unless the password is given (NAME:PASSWORD, --new-user-password) or --interactive=false. */
function promptsForPassword(argv: readonly string[], words: readonly string[]): boolean {
  if (words[0] !== 'user' || (words[1] !== 'add' && words[1] !== 'passwd')) return false
  if (argv.some((word) => word.startsWith('--new-user-password') || /^--interactive=(false|0|f|F|FALSE|False)$/.test(word))) return false
  const name = argv.slice(argv.indexOf(words[1]) + 1).find((word) => !word.startsWith('-'))
  return words[1] === 'passwd' || name === undefined || !name.includes(':')
}

/** Thrown by the standard input of a run that was given none: the shell reads the exec's and runs it again. */
const inputWanted = new Error('etcdctl reads its standard input')

/** etcdctl prints byte strings (one character per byte): the exec's streams carry text. */
const fromBytes = (text: string) => Buffer.from(text, 'latin1').toString('utf8')

/**
 * The etcdctl of the containers of the cluster `hostEnvironment` names (its KUBEMU_HOME and
 * KUBEMU_CLUSTER): the host's own ETCDCTL_* variables do not reach a container; its own do.
 * `servedEtcd`: the members' URLs of the etcd front door when `up` is the host.
 */
export function containerEtcdctl(hostEnvironment: NodeJS.ProcessEnv, servedEtcd?: ServedEtcd): NonNullable<ContainerTools['etcdctl']> {
  // Given the front door's URLs, this runs inside up's own process.
  const insideUp = servedEtcd !== undefined
  const clusterEnvironment = Object.fromEntries(Object.entries(hostEnvironment).filter(([name]) => !name.startsWith('ETCDCTL_')))
  return async (argv, environment, stdin, readFile): Promise<ToolResult> => {
    const words = commandWordsOf(argv)
    const endless = words[0] === 'lease' && words[1] === 'keep-alive' && !argv.some((word) => /^--once(=true)?$/.test(word))
    // defrag --data-dir works on a data folder where etcdctl runs; a password prompt needs the exec's terminal line by line.
    const filesOrPrompt = (words[0] === 'defrag' && argv.some((word) => word.startsWith('--data-dir'))) || promptsForPassword(argv, words)
    if (hostOnlyVerbs.has(words[0] ?? '') || endless || filesOrPrompt) {
      const command = endless ? 'lease keep-alive' : filesOrPrompt ? words.slice(0, words[0] === 'user' ? 2 : 1).join(' ') : words[0]!
      return {stdout: '', stderr: `Error: kubemu runs "etcdctl ${command}" from the host only (it streams until interrupted, writes files or prompts): run it as \`kubemu etcdctl ${command} …\`\n`, status: 1}
    }
    const containerVariables = Object.fromEntries([...environment].filter(([name]) => name.startsWith('ETCDCTL_')))
    // The TLS files are the container's: the etcd pods mount kubeadm's pki/etcd only while up serves etcd over TLS.
    const missingTlsFile = tlsFileFlags.map((flag) => flagValue(argv, flag) ?? containerVariables[`ETCDCTL_${flag.toUpperCase()}`]).find((path) => path !== undefined && path !== '' && readFile(path) === null)
    if (missingTlsFile !== undefined) return {stdout: '', stderr: `Error: open ${missingTlsFile}: no such file or directory\n`, status: 128}
    const served = servedEtcd?.()
    // Inside up without an etcd front door (--etcd-ports off, or before it serves), opening the members here would wait on up's own writer lock.
    if (insideUp && !served) return {stdout: '', stderr: 'Error: kubemu up serves no etcd client ports (--etcd-ports off): an etcdctl in a container reaches the members through them\n', status: 1}
    let stdout = ''
    let stderr = ''
    try {
      const status = await runEtcdctl(argv, {
        ...(served ? {servedEtcd: served} : {}),
        // Bounded as the shell bounds what a command prints (the newest part kept).
        stdout: (text) => (stdout = limited(stdout + text)),
        stderr: (text) => (stderr = limited(stderr + text)),
        // A verb reads its input before it sends anything: asked again with the input, it starts over.
        readStdin: async () => {
          if (stdin === null) throw inputWanted
          return new Uint8Array(Buffer.from(stdin, 'utf8'))
        },
        environment: {...clusterEnvironment, ...containerVariables},
        readFile: (path) => {
          const content = readFile(path)
          return content === null ? null : Buffer.from(content, 'utf8')
        },
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
