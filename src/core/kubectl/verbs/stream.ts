// `kubectl exec POD -- COMMAND`: kubectl's checks of the pod
// (a completed pod, a pod not running), then the streaming request: exec runs the command in the
// simulated container (with -i, this process's stdin to its end as the command's) and prints its
// output, and its exit status as kubectl reports it.
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {containerFor, podForTarget} from '../pod-target.js'
import type {KubectlSession} from '../session.js'
import type {ExecAnswer} from '../../api/wire.js'

export const execFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'stdin', shorthand: 'i', kind: 'bool'},
  {name: 'tty', shorthand: 't', kind: 'bool'},
  {name: 'quiet', shorthand: 'q', kind: 'bool'},
  {name: 'pod-running-timeout', kind: 'string', defaultValue: '1m0s'},
]

export async function runExec(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [target, ...command] = args
  // Words after a bare `--` are the command only: no pod was named before it.
  const rest = session.flags.rest
  if (!target || (rest.length > 0 && rest.length === args.length)) throw new KubectlError('pod, type/name or --filename must be specified')
  if (rest.length === 0 && command.length > 0) throw new KubectlError("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples")
  if (command.length === 0) throw new KubectlError('you must specify at least one command for the container')
  const {pod} = await podForTarget(session, target, 'exec into')
  const phase = pod.status?.phase
  if (phase === 'Succeeded' || phase === 'Failed') throw new KubectlError(`cannot exec into a container in a completed pod; current phase is ${phase}`)
  const container = containerFor(session, pod, session.flag('container'), session.flag('quiet') === 'true')
  // Each word is a `command` value; argv words cannot hold NUL, so one value carries them all.
  const query: Record<string, string> = {container, command: command.join('\0'), stdout: 'true', stderr: 'true'}
  if (session.flag('tty') === 'true') query.tty = 'true'
  // -i: what this process reads on stdin, to its end, is the command's standard input.
  let stdin: string | undefined
  if (session.flag('stdin') === 'true') {
    query.stdin = 'true'
    stdin = await session.io.readStdin()
  }
  const answer = (await session.request('POST', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/exec`, {query, ...(stdin !== undefined ? {body: stdin, contentType: 'application/octet-stream'} : {})})).body as ExecAnswer
  return printExecAnswer(session, answer, command[0]!)
}

/** What kubectl prints of an exec's streams and status, and its exit code. */
export function printExecAnswer(session: KubectlSession, answer: ExecAnswer, program: string): number {
  if (answer.notFound) {
    session.io.stdout(`OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(program)}: executable file not found in $PATH: unknown\n`)
  }
  if (answer.stdout) session.io.stdout(answer.stdout)
  if (answer.stderr) session.io.stderr(answer.stderr)
  if (answer.exitCode !== 0) {
    session.io.stderr(`command terminated with exit code ${answer.exitCode}\n`)
    return answer.exitCode
  }
  return 0
}
