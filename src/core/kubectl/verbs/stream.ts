// `kubectl exec POD -- COMMAND`: kubectl's checks of the pod
// (a completed pod, a pod not running), then the streaming request: exec runs the command in the
// simulated container and prints its output, and its exit status as kubectl reports it; with -i
// the command reads this process's stdin as it comes, answering each line before the next.
import {errorStatus, isStatusBody, KubectlError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {containerFor, podForTarget} from '../pod-target.js'
import type {KubectlSession} from '../session.js'
import {rawTerminalText} from './attach.js'
import type {ExecAnswer, ExecSessionAnswer} from '../../api/wire.js'

/** Pieces of stdin one exec -i passes on (a bound; a terminal's keys come one a piece). */
export const execStdinPiecesMax = 10_000_000
/** How often exec -it asks a command for what it printed while no key comes (a sleep's end). */
export const terminalPollMilliseconds = 250

export const execFlags: readonly KubectlFlag[] = [
  {name: 'container', shorthand: 'c', kind: 'string'},
  {name: 'stdin', shorthand: 'i', kind: 'bool'},
  {name: 'tty', shorthand: 't', kind: 'bool'},
  {name: 'quiet', shorthand: 'q', kind: 'bool'},
  {name: 'pod-running-timeout', kind: 'duration', defaultValue: '1m0s'},
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
  // -t is a terminal only with -i and a terminal to read (kubectl's SetupTTY); stderr then comes on stdout.
  const terminal = session.flag('tty') === 'true' && session.flag('stdin') === 'true' && session.io.terminalInput !== undefined && session.io.stdinPieces !== undefined
  if (session.flag('tty') === 'true' && session.flag('stdin') === 'true' && !terminal && session.flag('quiet') !== 'true') session.io.stderr('Unable to use a TTY - input is not a terminal or the right kind of file\n')
  if (terminal) {
    query.tty = 'true'
    query.stderr = 'false'
  }
  const execPath = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/exec`
  if (session.flag('stdin') === 'true') {
    query.stdin = 'true'
    // -i: this process's stdin goes to the command as it comes, each piece answered before the next.
    if (session.io.stdinPieces) return execAsInputComes(session, execPath, query, command[0]!)
    // No way to read it piece by piece (a caller that hands the whole input): all of it, to its end.
    const stdin = await session.io.readStdin()
    return printExecAnswer(session, await execRequest(session, execPath, {query, body: stdin, contentType: 'application/octet-stream'}), command[0]!)
  }
  return printExecAnswer(session, await execRequest(session, execPath, {query}), command[0]!)
}

/**
 * One exec request. The kubelet refuses a stream it cannot start (a container that does not run)
 * before the upgrade, with a plain-text error the client reports as kubectl's SPDY client does.
 */
async function execRequest<T extends ExecAnswer | ExecSessionAnswer = ExecAnswer>(session: KubectlSession, execPath: string, options: {query: Record<string, string>; body?: string; contentType?: string}): Promise<T> {
  const response = await session.request('POST', execPath, {...options, allow: [500]})
  if (response.status === 500) {
    if (typeof response.body === 'string') throw new KubectlError(`unable to upgrade connection: ${response.body.trim()}`)
    throw new ServerError(errorStatus(response.status, response.body, 'POST', response.contentType))
  }
  return response.body as T
}

/**
 * exec -i: the command starts at once in the container (an exec session of the runtime, in the
 * process that runs the kubelets: `kubemu up`'s, or this one's) and each piece read on stdin goes
 * to it as it comes, its output printed when the command prints it; stdin's end lets it finish.
 */
async function execAsInputComes(session: KubectlSession, execPath: string, query: Record<string, string>, program: string): Promise<number> {
  const opened = await execRequest<ExecSessionAnswer>(session, execPath, {query: {...query, session: 'open'}})
  if (opened.notFound) return printExecAnswer(session, {stdout: '', stderr: '', exitCode: opened.exitCode ?? 126, notFound: true}, program)
  // Waiting on this process's stdin holds no lock: other kubemu commands run meanwhile.
  await session.releaseWriter()
  // On a terminal each key goes as typed (raw mode); the container's terminal echoes and edits the line.
  const terminal = query.tty === 'true' ? session.io.terminalInput : undefined
  const show = (answer: ExecSessionAnswer): number | null => {
    for (const piece of answer.output) {
      if (piece.stream === 'stdout') session.io.stdout(terminal ? rawTerminalText(piece.text) : piece.text)
      else session.io.stderr(piece.text)
    }
    return answer.exitCode
  }
  terminal?.setRaw(true)
  let exitCode: number
  try {
    exitCode = await sendAsInputComes(session, execPath, query, opened, show)
  } finally {
    terminal?.setRaw(false)
  }
  if (exitCode !== 0) session.io.stderr(`command terminated with exit code ${exitCode}\n`)
  return exitCode
}

async function sendAsInputComes(session: KubectlSession, execPath: string, query: Record<string, string>, opened: ExecSessionAnswer, show: (answer: ExecSessionAnswer) => number | null): Promise<number> {
  const send = async (text: string, closes: boolean) => (await session.request('POST', execPath, {query: {container: query.container!, session: opened.session, ...(closes ? {close: 'true'} : {})}, body: text, contentType: 'application/octet-stream'})).body as ExecSessionAnswer
  let exitCode = show(opened)
  if (exitCode !== null) return exitCode
  // Each piece goes as it comes, not after the answer before (which waits while the command
  // sleeps): a Ctrl-C typed during `sleep 100` reaches it at once. The answers show in order.
  let failure: unknown = null
  let ended: () => void = () => {}
  const exited = new Promise<null>((resolve) => {
    ended = () => resolve(null)
  })
  let shown: Promise<void> = Promise.resolve()
  const answerInOrder = (answer: Promise<ExecSessionAnswer>) => {
    // A failed request is the exec's failure: shown at the end, not an unhandled rejection now.
    answer.catch(() => {})
    shown = shown.then(async () => {
      if (exitCode !== null || failure !== null) return
      try {
        exitCode = show(await answer)
      } catch (error) {
        failure = error
      }
      if (exitCode !== null || failure !== null) ended()
    })
  }
  const pieces = session.io.stdinPieces!()[Symbol.asyncIterator]()
  // On a terminal the container answers each key at once, a sleeping command's later output with
  // a later piece: while no key comes, an empty piece now and then asks for it.
  const polls = query.tty === 'true'
  let next = pieces.next()
  for (let count = 0; count < execStdinPiecesMax; count++) {
    const stop = new AbortController()
    const came = await Promise.race([next, exited, ...(polls ? [session.clock.sleep(terminalPollMilliseconds, stop.signal).then(() => 'poll' as const)] : [])])
    stop.abort()
    // The command ended before its input did: what stdin still holds has nowhere to go.
    if (came === null) break
    if (came === 'poll') {
      answerInOrder(send('', false))
      await shown
      continue
    }
    if (came.done) break
    answerInOrder(send(came.value, false))
    next = pieces.next()
  }
  if (exitCode === null && failure === null) answerInOrder(send('', true))
  await shown
  if (failure !== null) throw failure
  return exitCode ?? 0
}

/** What kubectl prints of an exec's streams and status, and its exit code. */
export function printExecAnswer(session: KubectlSession, answer: ExecAnswer, program: string): number {
  if (answer.notFound) {
    session.io.stdout(`OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(program)}: executable file not found in $PATH: unknown\r\n`)
  }
  if (answer.stdout) session.io.stdout(answer.stdout)
  if (answer.stderr) session.io.stderr(answer.stderr)
  if (answer.exitCode !== 0) {
    session.io.stderr(`command terminated with exit code ${answer.exitCode}\n`)
    return answer.exitCode
  }
  return 0
}
