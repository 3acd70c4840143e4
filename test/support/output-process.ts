// A long-running command (a watch, `kubemu up`) whose standard output a test waits on.
import {type ChildProcess, spawn} from 'node:child_process'

/** A long-running command whose standard output a test waits on. */
export class OutputProcess {
  output = ''
  /** What it wrote on stderr so far. */
  errorOutput = ''
  private readonly child: ChildProcess
  private readonly exited: Promise<unknown>
  private readonly waiters: Array<() => void> = []

  /** `writesStdin`: its stdin is a pipe the test writes to (`write`, `endInput`). */
  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv, writesStdin = false) {
    this.child = spawn(command, args, {env, stdio: [writesStdin ? 'pipe' : 'ignore', 'pipe', 'pipe']})
    this.exited = new Promise((resolve) => this.child.on('exit', resolve))
    const wake = () => {
      for (const waiter of this.waiters.splice(0)) waiter()
    }
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk
      wake()
    })
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.errorOutput += chunk
      wake()
    })
    void this.exited.then(wake)
  }

  /** Its exit status once it has exited by itself. */
  async exitCode(): Promise<number | null> {
    await this.exited
    return this.child.exitCode
  }

  /** Resolves once `done` holds, the process exits, or `chunksMax` more chunks (of either stream) came without it. */
  async until(done: (output: string) => boolean, chunksMax = Number.POSITIVE_INFINITY): Promise<void> {
    for (let chunks = 0; !done(this.output) && chunks < chunksMax && this.child.exitCode === null; chunks++) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  /** Resolves once `done` holds of what it wrote on stderr, or the process exits. */
  async untilErrorOutput(done: (errorOutput: string) => boolean): Promise<void> {
    while (!done(this.errorOutput) && this.child.exitCode === null) {
      await new Promise<void>((resolve) => this.waiters.push(resolve))
    }
  }

  write(text: string): void {
    this.child.stdin!.write(text)
  }

  endInput(): void {
    this.child.stdin!.end()
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT')
    await this.exited
  }
}
