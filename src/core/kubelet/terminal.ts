// The terminal an exec with tty (`kubectl exec -it`) gets: what a pty's line discipline does
// between the client's raw keystrokes and the command, in its default (canonical) mode. Typed
// characters are echoed and collected into a line the command reads when Enter (CR, or NL) ends
// it; backspace erases; Ctrl-C interrupts the command; Ctrl-D on an empty line is the input's end.
// What the command prints goes out with each NL as CR NL.

/** Characters one line may hold before more are dropped (a pty's line buffer is as bounded). */
export const terminalLineCharactersMax = 4096

/** What a piece of keystrokes gave: lines for the command, the echo, and the keys that act. */
export interface TerminalInput {
  /** Complete lines (each ending in NL) the command reads now. */
  readonly lines: string
  /** What the terminal shows of the keys. */
  readonly echo: string
  /** Ctrl-C: the command is interrupted. */
  readonly interrupted: boolean
  /** Ctrl-D on an empty line: the input's end. */
  readonly ended: boolean
}

export class TerminalLineDiscipline {
  private line = ''

  /** Takes a piece of raw keystrokes. */
  input(keys: string): TerminalInput {
    let lines = ''
    let echo = ''
    for (const key of keys) {
      if (key === '\r' || key === '\n') {
        lines += `${this.line}\n`
        this.line = ''
        echo += '\r\n'
      } else if (key === '\u007f' || key === '\b') {
        if (this.line.length === 0) continue
        this.line = [...this.line].slice(0, -1).join('')
        echo += '\b \b'
      } else if (key === '\u0003') {
        this.line = ''
        return {lines, echo: `${echo}^C\r\n`, interrupted: true, ended: false}
      } else if (key === '\u0004') {
        // Ctrl-D sends what is typed so far without a newline; on an empty line it is the end.
        if (this.line.length === 0) return {lines, echo, interrupted: false, ended: true}
        lines += this.line
        this.line = ''
      } else if (this.line.length < terminalLineCharactersMax) {
        this.line += key
        echo += key
      }
    }
    return {lines, echo, interrupted: false, ended: false}
  }

  /** What the command printed, as the terminal shows it. */
  output(text: string): string {
    return text.replace(/\r?\n/g, '\r\n')
  }
}
