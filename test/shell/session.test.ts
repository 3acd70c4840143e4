// A command run on an input that comes in pieces (exec -i): it answers each piece as it reads it,
// a program that reads its input whole waits for the end, Ctrl-C stops the running command (a
// shell reading commands goes on), and a terminal's line discipline echoes and edits lines.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {type RunSpec, startSession} from '../../src/core/kubelet/shell/run.js'
import {TerminalLineDiscipline} from '../../src/core/kubelet/terminal.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const start = Date.parse('2026-01-01T00:00:00Z')

function spec(argv: string[], terminal = false): RunSpec {
  const fs = new SimulatedFileSystem()
  fs.makeDirectories('/tmp')
  return {argv, environment: new Map(), fs, hostname: 'box', source: {kind: 'pod', namespace: 'default', name: 'box'}, unknownProgram: 'not-found', network: networkUnavailable, terminal}
}

const printed = (chunks: ReadonlyArray<{text: string}>) => chunks.map((chunk) => chunk.text).join('')

describe('an exec session', () => {
  it('answers each line as it comes and ends with the input', async () => {
    const session = await startSession(spec(['sh', '-c', 'while read l; do echo "got $l"; done; echo bye']), start, {text: '', open: true})
    expect(session.exitCode).toBeNull()
    await session.send('one\n')
    expect(printed(session.take())).toBe('got one\n')
    await session.send('tw')
    expect(printed(session.take())).toBe('')
    await session.send('o\n')
    expect(printed(session.take())).toBe('got two\n')
    await session.send(null)
    expect(printed(session.take())).toBe('bye\n')
    expect(session.exitCode).toBe(0)
  })

  it('gives a program that reads its input whole all of it at its end', async () => {
    const session = await startSession(spec(['sort']), start, {text: '', open: true})
    await session.send('c\nb\n')
    expect(printed(session.take())).toBe('')
    await session.send('a\n')
    await session.send(null)
    expect(printed(session.take())).toBe('a\nb\nc\n')
    expect(session.exitCode).toBe(0)
  })

  it('stops the running command on Ctrl-C; a shell reading commands prompts again on a terminal, and exits at the end', async () => {
    const shell = await startSession(spec(['sh'], true), start, {text: '', open: true})
    expect(printed(shell.take())).toBe('/ # ')
    await shell.send('cat\n')
    await shell.send('typed\n')
    expect(printed(shell.take())).toBe('typed\n')
    await shell.interrupt()
    await shell.send('echo $?\n')
    expect(printed(shell.take())).toBe('/ # 130\n/ # ')
    await shell.send('exit 4\n')
    expect(shell.exitCode).toBe(4)
    const cat = await startSession(spec(['cat']), start, {text: '', open: true})
    await cat.interrupt()
    expect(cat.exitCode).toBe(130)
  })

  it("has a terminal that echoes keys, runs a line on Enter, erases with backspace and knows Ctrl-C and Ctrl-D", () => {
    const terminal = new TerminalLineDiscipline()
    expect(terminal.input('ecko\u007f\u007fho hi')).toEqual({lines: '', echo: 'ecko\b \b\b \bho hi', interrupted: false, ended: false})
    expect(terminal.input('\r')).toEqual({lines: 'echo hi\n', echo: '\r\n', interrupted: false, ended: false})
    expect(terminal.input('half\u0003')).toEqual({lines: '', echo: 'half^C\r\n', interrupted: true, ended: false})
    expect(terminal.input('\u0004')).toEqual({lines: '', echo: '', interrupted: false, ended: true})
    expect(terminal.output('a\nb\r\n')).toBe('a\r\nb\r\n')
  })
})
