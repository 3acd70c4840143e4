// A process's standard input as its commands read it: what a command that is neither in a pipe
// nor redirected reads (`cat`, `read line`, a shell reading commands), consumed as it is read,
// so `read a; read b` gets two lines and `sh -c 'cat > f'` under `exec -i` gets what was sent.
// A container's open stdin (stdin: true) comes in pieces as attaches send them: reading waits
// for the next one (the driver's `input` effect), so each line typed is read when it comes.
import {limited, type ShellEffect} from './process-context.js'

/** Pieces one read may wait for before it gives up as at the input's end. */
export const inputPiecesPerReadMax = 100_000

export class StandardInput {
  private ended: boolean

  /** `pending`: what is there already; `open`: more comes as `input` effects until their end. */
  constructor(private pending: string, open: boolean) {
    this.ended = !open
  }

  /** Waits for one more piece; false at the end. */
  private *more(): Generator<ShellEffect, boolean, unknown> {
    if (this.ended) return false
    const text = (yield {kind: 'input'}) as string | null
    if (text === null) {
      this.ended = true
      return false
    }
    this.pending = limited(this.pending + text)
    return true
  }

  /** The next line without its newline; at the end the text left (a last line without one), or null when none is. */
  *line(): Generator<ShellEffect, string | null, unknown> {
    for (let piece = 0; piece < inputPiecesPerReadMax; piece++) {
      const end = this.pending.indexOf('\n')
      if (end >= 0) {
        const line = this.pending.slice(0, end)
        this.pending = this.pending.slice(end + 1)
        return line
      }
      if (!(yield* this.more())) break
    }
    if (this.pending === '') return null
    const rest = this.pending
    this.pending = ''
    return rest
  }

  /** What is there now, or else the next piece as it comes; null at the end. */
  *piece(): Generator<ShellEffect, string | null, unknown> {
    if (this.pending === '' && !(yield* this.more())) return null
    const text = this.pending
    this.pending = ''
    return text
  }

  /** Everything to the end (an open stdin: until it closes). */
  *all(): Generator<ShellEffect, string, unknown> {
    for (let piece = 0; piece < inputPiecesPerReadMax && (yield* this.more()); piece++);
    const text = this.pending
    this.pending = ''
    return text
  }

  /** What a program that reads its input whole gets without waiting: all of a closed input, what has come of an open one. */
  available(): string {
    const text = this.pending
    this.pending = ''
    return text
  }

  get isOpen(): boolean {
    return !this.ended
  }
}
