// Command substitution with backquotes, as sh does it: the old form of $(…), inside and outside
// double quotes, nested with escaped backquotes, and sh's error for one left open.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {runOverTime, runToEnd, type RunSpec} from '../../src/core/kubelet/shell/run.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const start = Date.parse('2026-01-01T00:00:00Z')

function spec(script: string): RunSpec {
  const fs = new SimulatedFileSystem()
  fs.makeDirectories('/tmp')
  return {argv: ['sh', '-c', script], environment: new Map([['NAME', 'world']]), fs, hostname: 'web-1', source: {kind: 'pod', namespace: 'default', name: 'web-1'}, unknownProgram: 'server', network: networkUnavailable}
}

describe('backquote substitution in the simulated shell', () => {
  it('substitutes a command inside and outside double quotes, as sh does', async () => {
    expect(await runToEnd(spec('echo "now `date`"'), start)).toEqual({stdout: 'now Thu Jan  1 00:00:00 UTC 2026\n', stderr: '', code: 0})
    expect(await runToEnd(spec('echo `hostname`-`echo $NAME`'), start)).toMatchObject({stdout: 'web-1-world\n', code: 0})
    // Unquoted, the output is split into fields; quoted, it stays one.
    expect(await runToEnd(spec("for word in `echo 'a b'`; do echo [$word]; done"), start)).toMatchObject({stdout: '[a]\n[b]\n'})
    expect(await runToEnd(spec("for word in \"`echo 'a b'`\"; do echo [$word]; done"), start)).toMatchObject({stdout: '[a b]\n'})
  })

  it('takes the backslash off \\$, \\` and \\\\ inside, so substitutions nest; \\" only inside double quotes', async () => {
    expect(await runToEnd(spec('echo `echo \\`echo nested\\``'), start)).toMatchObject({stdout: 'nested\n', code: 0})
    expect(await runToEnd(spec('echo "`echo \\"q\\"`"'), start)).toMatchObject({stdout: 'q\n'})
    expect(await runToEnd(spec('echo `echo \\$NAME`'), start)).toMatchObject({stdout: 'world\n'})
    expect(await runToEnd(spec("echo '`not run`'"), start)).toMatchObject({stdout: '`not run`\n'})
    expect(await runToEnd(spec('echo \\`hostname\\`'), start)).toMatchObject({stdout: '`hostname`\n'})
  })

  it('passes the exit status of the substituted command on, and keeps its output in the log at its time', async () => {
    expect(await runToEnd(spec('x=`false`; echo $?'), start)).toMatchObject({stdout: '1\n'})
    const result = await runOverTime(spec('sleep 5; echo "at `date`"'), start, start + 10_000)
    expect(result.log.map((line) => [line.text, line.atMilliseconds - start])).toEqual([['at Thu Jan  1 00:00:05 UTC 2026', 5_000]])
  })

  it('fails an unterminated backquote with sh\'s syntax error and status 2, running nothing', async () => {
    expect(await runToEnd(spec('echo start; echo `date'), start)).toEqual({stdout: '', stderr: 'sh: syntax error: EOF in backquote substitution\n', code: 2})
    expect(await runToEnd(spec('echo "a `date"'), start)).toMatchObject({stderr: expect.stringContaining('sh: syntax error:'), code: 2})
  })
})
