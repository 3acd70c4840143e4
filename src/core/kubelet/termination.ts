// How a container's process takes the SIGTERM the kubelet sends when its pod is deleted, as a
// real process does. The process is PID 1 of its container, and the kernel delivers no signal to
// PID 1 whose action is the default one: only a process that installs a TERM handler ends on it.
// So a shell running a script (`sh -c 'sleep 3600'`), or `sleep` itself, ignores SIGTERM and the
// pod waits out its grace period until the kubelet's SIGKILL; servers that handle TERM (nginx,
// httpd, redis, the pause container, Go programs) end at once. A script that traps TERM runs its
// handler when the command in the foreground ends (sh waits for it first), so a
// `trap 'exit 0' TERM; while true; do sleep 1; done` loop ends within the second.
// One table below holds every rule, each with why it behaves so.
import {parseImage} from '../network/image-reference.js'
import type {Container} from '../api/kinds.js'
import {type CommandList, parseScript, ShellSyntaxError, type Word} from './shell/syntax.js'

export type TermReaction =
  /** The process ends as the signal arrives, with this status. */
  | {readonly kind: 'exits'; readonly exitCode: number; readonly why: string}
  /** The script's TERM trap runs once the foreground command ends (then the script exits with this status). */
  | {readonly kind: 'trap'; readonly exitCode: number; readonly why: string}
  /** Nothing happens: the kubelet kills the process when the grace period ends. */
  | {readonly kind: 'ignores'; readonly why: string}

interface ProgramRule {
  /** Program names (the last part of the path) or image repositories' last part. */
  readonly names: readonly string[]
  readonly reaction: 'exits' | 'ignores'
  /** Its status when it exits on TERM (0 unless said). */
  readonly exitCode?: number
  readonly why: string
}

/** The grace period of a pod that sets no terminationGracePeriodSeconds (the API's default). */
export const defaultGracePeriodSeconds = 30

/** The status of a process the kubelet killed when the grace period ended: 128 + SIGKILL's 9. */
export const killedExitCode = 137

/** Programs as PID 1, by name: the image's entrypoint, or a command that replaces it. */
const programRules: readonly ProgramRule[] = [
  {names: ['nginx', 'nginx-debug'], reaction: 'exits', why: "nginx's master process takes TERM as fast shutdown and exits"},
  {names: ['httpd', 'httpd-foreground', 'apache2'], reaction: 'exits', why: 'httpd stops its children and exits on TERM'},
  {names: ['redis', 'redis-server'], reaction: 'exits', why: 'redis-server installs a TERM handler that shuts the server down'},
  {names: ['pause'], reaction: 'exits', why: 'the pause container exits on TERM and INT (its sigdown handler)'},
  {names: ['memcached'], reaction: 'exits', why: 'memcached exits on TERM'},
  {names: ['postgres', 'mysqld', 'mysql', 'mariadb', 'mongod', 'mongo'], reaction: 'exits', why: 'the database server installs a TERM handler and shuts down'},
  {
    names: ['agnhost', 'http-echo', 'coredns', 'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'traefik', 'prometheus', 'registry'],
    reaction: 'exits',
    exitCode: 2,
    why: "a Go program: the Go runtime handles TERM by exiting (as PID 1 it exits with status 2)",
  },
  {names: ['sleep', 'tail', 'cat', 'yes', 'top', 'watch'], reaction: 'ignores', why: 'it installs no TERM handler, and PID 1 gets no default action'},
  {names: ['node', 'python', 'python3', 'java', 'ruby', 'perl'], reaction: 'ignores', why: 'the interpreter installs no TERM handler unless the program does, and PID 1 gets no default action'},
]

/** Programs that are shells: PID 1 runs a script (or waits on stdin). */
const shells = new Set(['sh', 'bash', 'ash', 'dash', 'zsh'])
/** Images whose default command is a shell. */
const shellImages = new Set(['busybox', 'alpine', 'ubuntu', 'debian', 'centos', 'fedora', 'rockylinux', 'almalinux', 'amazonlinux', 'curl', 'netshoot', 'dnsutils', 'jessie-dnsutils'])
/** Images whose ENTRYPOINT is the program itself, so `args` are its arguments and not a command. */
const entrypointImages = new Set(['pause', 'agnhost', 'http-echo', 'coredns', 'kube-proxy', 'traefik', 'prometheus'])

const unknownProgram = 'kubemu cannot tell whether it handles TERM, so it waits the grace period out as for a process that does not'

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

function byName(name: string): TermReaction | null {
  const rule = programRules.find((entry) => entry.names.includes(name))
  if (!rule) return null
  const why = `${name}: ${rule.why}`
  return rule.reaction === 'exits' ? {kind: 'exits', exitCode: rule.exitCode ?? 0, why} : {kind: 'ignores', why}
}

function wordText(word: Word): string | null {
  return word.every((part) => part.kind === 'text') ? word.map((part) => (part.kind === 'text' ? part.text : '')).join('') : null
}

/** The action of the script's last `trap ACTION … TERM …`, or null when it sets none. */
function termTrap(list: CommandList): string | null {
  let action: string | null = null
  const visit = (commands: CommandList) => {
    for (const andOr of commands) {
      for (const pipeline of [andOr.first, ...andOr.rest.map((entry) => entry.pipeline)]) {
        for (const command of pipeline.commands) {
          if (command.kind === 'simple') {
            const words = command.words.map(wordText)
            if (words[0] !== 'trap' || words.length < 3) continue
            if (words.slice(2).some((signal) => signal !== null && ['TERM', 'SIGTERM', '15'].includes(signal.toUpperCase()))) action = words[1] ?? ''
          } else if (command.kind === 'if') {
            for (const branch of command.branches) visit(branch.body)
            if (command.otherwise) visit(command.otherwise)
          } else if (command.kind === 'group' || command.kind === 'loop' || command.kind === 'for') visit(command.body)
        }
      }
    }
  }
  visit(list)
  return action
}

function scriptReaction(shell: string, script: string): TermReaction {
  let list: CommandList
  try {
    list = parseScript(script)
  } catch (error) {
    if (error instanceof ShellSyntaxError) return {kind: 'exits', exitCode: 2, why: `${shell}: the script does not parse, the shell has exited`}
    throw error
  }
  const action = termTrap(list)
  if (action === null || action === '-') return {kind: 'ignores', why: `${shell} runs the script as PID 1 with no TERM trap: PID 1 gets no default action, so the signal is ignored`}
  if (action === '') return {kind: 'ignores', why: `${shell}: the script traps TERM with an empty action, which ignores it`}
  if (!/\b(exit|kill)\b/.test(action)) return {kind: 'ignores', why: `${shell}: the script's TERM trap ('${action}') does not end it, so the script goes on after it`}
  // `exit N` gives N; `exit` alone, the status of the command the trap interrupted: a foreground
  // command's (sleep's, 0), a `wait`'s (128 + TERM's 15); a kill, TERM's 143.
  const exited = /\bexit\b(?:\s+(\d+))?/.exec(action)
  const exitCode = exited ? (exited[1] !== undefined ? Number(exited[1]) : /\bwait\b/.test(script) ? 143 : 0) : 143
  return {kind: 'trap', exitCode, why: `${shell}: the script traps TERM ('${action}'); sh runs the trap when the foreground command ends`}
}

/** What the argv run as PID 1 does with SIGTERM. */
function argvReaction(argv: readonly string[]): TermReaction {
  const name = basename(argv[0] ?? '')
  if (shells.has(name)) {
    const flag = argv.indexOf('-c')
    if (flag >= 0 && argv[flag + 1] !== undefined) return scriptReaction(name, argv[flag + 1]!)
    return {kind: 'ignores', why: `${name} as PID 1 has no TERM trap: PID 1 gets no default action, so the signal is ignored`}
  }
  return byName(name) ?? {kind: 'ignores', why: `${name}: ${unknownProgram}`}
}

/** The container runs its image's default command and that is a shell (busybox, alpine…): with no stdin open it reads nothing and exits 0 at once. */
export function runsDefaultShell(container: Container): boolean {
  if ((container.command ?? []).length > 0 || (container.args ?? []).length > 0) return false
  return shellImages.has(basename(parseImage(container.image ?? '').repository))
}

/** How the container's process reacts to SIGTERM, from its image and its command and args. */
export function termReaction(container: Container): TermReaction {
  const command = container.command ?? []
  const args = container.args ?? []
  if (command.length > 0) return argvReaction([...command, ...args])
  const image = basename(parseImage(container.image ?? '').repository)
  if (entrypointImages.has(image)) return byName(image) ?? {kind: 'ignores', why: `${image}: ${unknownProgram}`}
  // An entrypoint script (nginx's, redis's) ends with `exec "$@"`: args replace the image's command.
  if (args.length > 0) return argvReaction(args)
  if (shellImages.has(image)) return {kind: 'ignores', why: `${image}: its command is a shell, PID 1 with no TERM trap ignores the signal`}
  return byName(image) ?? {kind: 'ignores', why: `${image}: ${unknownProgram}`}
}
