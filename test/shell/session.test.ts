// A command run on an input that comes in pieces (exec -i): it answers each piece as it reads it,
// a program that reads its input whole waits for the end, Ctrl-C stops the running command (a
// shell reading commands goes on), and a terminal's line discipline echoes and edits lines.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {type RunSpec, runOverTime, startSession} from '../../src/core/kubelet/shell/run.js'
import {ExecSessions} from '../../src/core/kubelet/exec-sessions.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {TerminalLineDiscipline} from '../../src/core/kubelet/terminal.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const start = Date.parse('2026-01-01T00:00:00Z')

function spec(argv: string[], terminal = false, stdinOpen = false): RunSpec {
  const fs = new SimulatedFileSystem()
  fs.makeDirectories('/tmp')
  return {argv, environment: new Map(), fs, hostname: 'box', source: {kind: 'pod', namespace: 'default', name: 'box'}, unknownProgram: 'not-found', network: networkUnavailable, terminal, stdinOpen}
}

const seconds = (milliseconds: number) => `${Math.floor(milliseconds / 1000)}\n`

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

  it('runs with the clock it is given: each line at its moment, a sleep until the clock has passed its end', async () => {
    const shell = await startSession(spec(['sh']), start, {text: '', open: true}, true)
    await shell.send('date +%s; sleep 2; date +%s\n', start + 1000)
    expect(printed(shell.take())).toBe(seconds(start + 1000))
    expect(shell.sleepsUntil).toBe(start + 3000)
    await shell.proceed(start + 2999)
    expect(printed(shell.take())).toBe('')
    // A line that comes while the command sleeps waits for it to read it.
    await shell.send('date +%s\n', start + 2500)
    expect(printed(shell.take())).toBe('')
    await shell.proceed(start + 3000)
    expect(printed(shell.take())).toBe(`${seconds(start + 3000)}${seconds(start + 3000)}`)
    await shell.send('date +%s\n', start + 60_000)
    expect(printed(shell.take())).toBe(seconds(start + 60_000))
    // Ctrl-C ends a sleep at its moment; the shell reads on.
    await shell.send('sleep 100; echo slept\n', start + 61_000)
    await shell.interrupt(start + 62_000)
    await shell.send('echo "after $?"; date +%s\n', start + 62_000)
    expect(printed(shell.take())).toBe(`after 130\n${seconds(start + 62_000)}`)
    expect(shell.sleepsUntil).toBeNull()
  })

  it("holds a piece's answer while the command sleeps, for the sleep's time, and records the time the lines ran", async () => {
    const wall = new ManualClock(start)
    const sessions = new ExecSessions(null, wall)
    const fs = new SimulatedFileSystem()
    const shell = await startSession({...spec(['sh']), fs}, start, {text: '', open: true}, true)
    const recorded: number[] = []
    const opened = await sessions.open('uid', 'main', shell, {fs, before: fs.clone()}, {record: (at) => recorded.push(at)}, start, false)
    const answer = await sessions.send('uid', 'main', opened.session, 'date +%s; sleep 5; touch /done; date +%s\n', false, start)
    expect(answer?.output.map((chunk) => chunk.text).join('')).toBe(`${seconds(start)}${seconds(start + 5000)}`)
    expect(wall.nowMilliseconds() - start).toBeGreaterThanOrEqual(5000)
    expect(wall.nowMilliseconds() - start).toBeLessThan(5200)
    expect(recorded).toEqual([wall.nowMilliseconds()])
    const ended = await sessions.send('uid', 'main', opened.session, '', true, wall.nowMilliseconds())
    expect(ended?.exitCode).toBe(0)
  })

  it('gives a container with a terminal its keys through the line discipline: echo in its log, Enter runs the line, Ctrl-C stops a sleep, Ctrl-D ends the shell', async () => {
    const keys = (at: number, text: string | null) => ({atMilliseconds: start + at, text})
    const inputs = [
      ...[...'echo hi'].map((key, index) => keys(1000 + index, key)), keys(1100, '\r'),
      keys(2000, 'sleep 100\r'), keys(5000, 'ignored'), keys(6000, '\u0003'),
      keys(7000, 'echo $?\r'), keys(8000, '\u0004'),
    ]
    const run = await runOverTime(spec(['sh'], true, true), start, start + 9000, [], inputs)
    expect(run.exit).toEqual({code: 0, atMilliseconds: start + 8000})
    expect(run.log.map((line) => line.text)).toEqual(['/ # echo hi', 'hi', '/ # sleep 100', 'ignored^C', '/ # echo $?', '130', '/ # '])
    expect(run.log.map((line) => line.stream)).toEqual(Array(7).fill('stdout'))
    expect(run.log.some((line) => line.partial)).toBe(false)
    expect(run.log[1]?.atMilliseconds).toBe(start + 1100)
    expect(run.log[3]?.atMilliseconds).toBe(start + 6000)
    // Before Enter the typed keys are the partial last line.
    const typing = await runOverTime(spec(['sh'], true, true), start, start + 1003, [], inputs)
    expect(typing.log.map((line) => [line.text, line.partial ?? false])).toEqual([['/ # echo', true]])
    expect(typing.exit).toBeNull()
  })
})
