// The exec sessions of the container runtime: an exec with stdin (`kubectl exec -i`) that runs as
// its input comes, piece by piece, in the process that runs the kubelets (`kubemu up`, or the
// one-shot command itself), until the command ends. What the command changes in the container's
// files is recorded as it goes, as an exec without stdin records it at its end. Sessions are
// named by a random id that only their client learns; a bounded number stand at once.
// Time runs in a session as in a real container: a line runs at the moment it came, and a command
// that sleeps holds its answer until the cluster clock has passed the sleep's end (waiting, a
// bounded time, on the clock of the process that runs the kubelets); on a terminal (exec -it) the
// answer, the keys' echo, comes at once, and the sleep's end shows with a later piece.
import {randomUUID} from 'node:crypto'
import type {ExecSessionAnswer} from '../api/wire.js'
import {type Clock, systemClock} from '../util/clock.js'
import type {SimulatedFileSystem} from './shell/filesystem.js'
import type {OutputChunk, ShellSession} from './shell/session.js'
import {TerminalLineDiscipline} from './terminal.js'

/** Exec sessions that stand at once (the least recently used ends when one more starts). */
export const execSessionsMax = 64
/** How long one piece's answer waits for a sleeping command to wake (it goes on sleeping after; the next piece looks again). */
export const sessionSleepWaitMillisecondsMax = 3_600_000
/** How often a wait for a sleeping command looks at the cluster clock again (`kubemu time advance` may have moved it). */
export const sessionClockLookMilliseconds = 100

/** Where one session's changes to the container's files are recorded. */
export interface SessionRecorder {
  record(atMilliseconds: number, changes: ReturnType<SimulatedFileSystem['changesSince']>): void
}

interface StandingSession {
  readonly podUid: string
  readonly container: string
  readonly shell: ShellSession
  readonly fs: SimulatedFileSystem
  /** The files as last recorded (what the next record is measured against). */
  recorded: SimulatedFileSystem
  readonly recorder: SessionRecorder
  /** The exec's terminal (tty), which turns keystrokes into lines and echoes them; null without one. */
  readonly terminal: TerminalLineDiscipline | null
  /** Pieces are handled one at a time, in the order they came. */
  queue: Promise<unknown>
  /** Ends the wait of the piece whose command sleeps: one more piece has come (a Ctrl-C may stop the sleep). */
  waiting: AbortController | null
}

export class ExecSessions {
  private readonly sessions = new Map<string, StandingSession>()

  /**
   * `clusterClock`: the cluster's time, when this process has it (it may jump forward: `time
   * advance`); `wall`: what waiting waits on. A session's time runs at least as fast as `wall` from
   * the moment each piece came, so a one-shot kubectl whose clock stands still sees its sleeps end.
   */
  constructor(
    private readonly clusterClock: Clock | null = null,
    private readonly wall: Clock = systemClock,
  ) {}

  /** Takes a started session: what it printed so far and its exit, and its id while it runs. */
  async open(podUid: string, container: string, shell: ShellSession, files: {readonly fs: SimulatedFileSystem; readonly before: SimulatedFileSystem}, recorder: SessionRecorder, now: number, terminal: boolean): Promise<ExecSessionAnswer> {
    const standing: StandingSession = {
      podUid, container, shell, fs: files.fs, recorded: files.before, recorder, queue: Promise.resolve(), waiting: null,
      terminal: terminal ? new TerminalLineDiscipline() : null,
    }
    const id = randomUUID()
    // On a terminal the session stands at once, so a Ctrl-C can reach a command that sleeps from its start.
    if (!terminal) await this.waitWhileAsleep(standing, now)
    this.recordChanges(standing, now)
    if (shell.exitCode === null) {
      this.sessions.set(id, standing)
      for (const [oldest] of this.sessions) {
        if (this.sessions.size <= execSessionsMax) break
        this.sessions.delete(oldest)
      }
    }
    return {session: id, output: this.shown(standing, []), exitCode: shell.exitCode, notFound: false}
  }

  /** One more piece of the session's input (`closes`: then its end): what the command printed on it, and its exit once it ended; null for a session not (or no longer) there. */
  async send(podUid: string, container: string, id: string, text: string, closes: boolean, now: number): Promise<ExecSessionAnswer | null> {
    const standing = this.sessions.get(id)
    if (!standing || standing.podUid !== podUid || standing.container !== container) return null
    // Most recently used last: the oldest is the first to go.
    this.sessions.delete(id)
    this.sessions.set(id, standing)
    // The piece before answers now with what it has, its command still asleep: this one may wake it.
    standing.waiting?.abort()
    const step = standing.queue.then(async () => {
      const echo: OutputChunk[] = []
      if (standing.terminal) {
        const keys = standing.terminal.input(text)
        if (keys.echo) echo.push({stream: 'stdout', text: keys.echo})
        await standing.shell.send(keys.lines, now)
        // Ctrl-C stops the command that runs (a shell reading commands goes on with the next).
        if (keys.interrupted) await standing.shell.interrupt(now)
        if (keys.ended) await standing.shell.send(null, now)
      } else await standing.shell.send(text, now)
      if (closes) await standing.shell.send(null, now)
      // On a terminal the echo shows at once: what the command prints after its sleep comes with a later piece (kubemu's kubectl sends empty ones meanwhile).
      const until = standing.terminal ? now : await this.waitWhileAsleep(standing, now)
      this.recordChanges(standing, until)
      const exitCode = standing.shell.exitCode
      if (exitCode !== null) this.sessions.delete(id)
      return {session: id, output: this.shown(standing, echo), exitCode, notFound: false}
    })
    standing.queue = step.catch(() => {})
    return step
  }

  /**
   * While the command sleeps, waits until the clock passes its end and lets it run on; returns the
   * session's time then. Gives up (the command still asleep) after `sessionSleepWaitMillisecondsMax`.
   */
  private async waitWhileAsleep(standing: StandingSession, now: number): Promise<number> {
    const waiting = new AbortController()
    standing.waiting = waiting
    try {
      return await this.waitUntilAwake(standing, now, waiting.signal)
    } finally {
      if (standing.waiting === waiting) standing.waiting = null
    }
  }

  private async waitUntilAwake(standing: StandingSession, now: number, signal: AbortSignal): Promise<number> {
    const wallAtStart = this.wall.nowMilliseconds()
    const sessionNow = () => Math.max(now + this.wall.nowMilliseconds() - wallAtStart, this.clusterClock?.nowMilliseconds() ?? now)
    const looksMax = Math.ceil(sessionSleepWaitMillisecondsMax / sessionClockLookMilliseconds) + 1
    for (let look = 0; look < looksMax; look++) {
      const wake = standing.shell.sleepsUntil
      if (wake === null) break
      const current = sessionNow()
      if (current >= wake) {
        await standing.shell.proceed(current)
        continue
      }
      if (signal.aborted || this.wall.nowMilliseconds() - wallAtStart >= sessionSleepWaitMillisecondsMax) break
      await this.wall.sleep(Math.min(wake - current, sessionClockLookMilliseconds), signal)
    }
    return sessionNow()
  }

  /** What the client sees: the output as printed, or on a terminal its one stream after the echo, each NL as CR NL. */
  private shown(standing: StandingSession, echo: readonly OutputChunk[]): OutputChunk[] {
    const output = standing.shell.take()
    if (!standing.terminal) return output
    const text = echo.map((chunk) => chunk.text).join('') + standing.terminal.output(output.map((chunk) => chunk.text).join(''))
    return text ? [{stream: 'stdout', text}] : []
  }

  private recordChanges(standing: StandingSession, now: number): void {
    const changes = standing.fs.changesSince(standing.recorded)
    if (changes.length === 0) return
    standing.recorder.record(now, changes)
    standing.recorded = standing.fs.clone()
  }
}
