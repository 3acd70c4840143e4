// Lines written together, once per turn of the event loop: `up` logs every event and every leader
// change, and stdout on a pipe or a file is written synchronously, one system call per write; at a
// few hundred nodes one write per line cost up more CPU than some of its control loops.

/** Lines held before they are written without waiting for the turn to end. */
export const batchedLinesMax = 1_000

export class LineBatch {
  private lines: string[] = []
  private flushScheduled = false

  constructor(private readonly write: (text: string) => void) {}

  /** Queues one line (without its newline); it is written by the end of this turn of the event loop. */
  line(text: string): void {
    this.lines.push(text)
    if (this.lines.length >= batchedLinesMax) return this.flush()
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /** Writes every queued line now (before the process exits, or another write must follow them). */
  flush(): void {
    if (this.lines.length === 0) return
    const text = `${this.lines.join('\n')}\n`
    this.lines = []
    this.write(text)
  }
}
