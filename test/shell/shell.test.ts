import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {runOverTime, runToEnd, type RunSpec} from '../../src/core/kubelet/shell/run.js'
import {networkUnavailable, type PodNetwork} from '../../src/core/network/types.js'

const start = Date.parse('2026-01-01T00:00:00Z')

function spec(argv: string[], overrides: Partial<RunSpec> = {}): RunSpec {
  const fs = new SimulatedFileSystem()
  fs.makeDirectories('/tmp')
  return {argv, environment: new Map([['GREETING', 'hello world']]), fs, hostname: 'web-1', source: {kind: 'pod', namespace: 'default', name: 'web-1'}, unknownProgram: 'server', network: networkUnavailable, ...overrides}
}

const sh = (script: string) => ['sh', '-c', script]
const texts = (result: {log: ReadonlyArray<{text: string}>}) => result.log.map((line) => line.text)

describe('the simulated shell', () => {
  it('echoes with variable expansion, quoting and exits with the status', async () => {
    const result = await runOverTime(spec(sh(`echo $GREETING; echo "\${GREETING}!"; echo 'single $GREETING'; echo -n a; echo b; exit 3`)), start, start)
    expect(texts(result)).toEqual(['hello world', 'hello world!', 'single $GREETING', 'ab'])
    expect(result.exit).toEqual({code: 3, atMilliseconds: start})
  })

  it('sleeps in virtual time and stamps each line with the time it was written', async () => {
    const result = await runOverTime(spec(sh('echo one; sleep 5; echo two; sleep 10; echo three')), start, start + 7_000)
    expect(result.log.map((line) => [line.text, line.atMilliseconds - start])).toEqual([['one', 0], ['two', 5_000]])
    expect(result.exit).toBeNull()
    expect(result.wakesAtMilliseconds).toBe(start + 15_000)
    const finished = await runOverTime(spec(sh('echo one; sleep 5; echo two; sleep 10; echo three')), start, start + 60_000)
    expect(finished.exit).toEqual({code: 0, atMilliseconds: start + 15_000})
  })

  it('runs &&, ||, if, while, for and files', async () => {
    const script = [
      'false && echo no || echo yes',
      'touch /tmp/x; if [ -f /tmp/x ]; then echo has; else echo none; fi',
      'rm /tmp/x; test -f /tmp/x || echo gone',
      'for n in a b c; do echo item $n; done',
      'i=0; while [ $i -lt 3 ]; do echo loop $i; i=$(echo 3); done',
      'echo saved > /tmp/f; echo more >> /tmp/f; cat /tmp/f',
      'mkdir -p /data/a; ls /data',
      'cat /nope',
      'echo status $?',
      'echo $(hostname)',
    ].join('\n')
    const result = await runOverTime(spec(sh(script)), start, start)
    expect(texts(result)).toEqual(['yes', 'has', 'gone', 'item a', 'item b', 'item c', 'loop 0', 'saved', 'more', 'a', "cat: can't open '/nope': No such file or directory", 'status 1', 'web-1'])
  })

  it('stops a loop without sleep as a runaway, with a clear message', async () => {
    const result = await runOverTime(spec(sh('while true; do echo spin; done')), start, start + 1_000)
    expect(result.exit?.code).toBe(137)
    expect(texts(result).at(-1)).toMatch(/runaway process: more than 10000 commands without time passing/)
  })

  it('keeps a loop with sleep going, bounded in the lines it keeps', async () => {
    const result = await runOverTime(spec(sh('while true; do date; sleep 1; done')), start, start + 3_000)
    expect(texts(result)).toEqual(['Thu Jan  1 00:00:00 UTC 2026', 'Thu Jan  1 00:00:01 UTC 2026', 'Thu Jan  1 00:00:02 UTC 2026', 'Thu Jan  1 00:00:03 UTC 2026'])
    expect(result.exit).toBeNull()
  })

  it('runs an unknown program as a server, for ever', async () => {
    const result = await runOverTime(spec(['nginx', '-g', 'daemon off;']), start, start + 3_600_000)
    expect(result.exit).toBeNull()
    expect(result.wakesAtMilliseconds).toBeNull()
  })

  it('applies events from outside at their time (an exec that removes a file)', async () => {
    const run = spec(sh('touch /tmp/healthy; sleep 30; if [ -f /tmp/healthy ]; then echo still; else echo removed; fi'))
    const result = await runOverTime(run, start, start + 60_000, [{atMilliseconds: start + 10_000, apply: (fs) => fs.remove('/tmp/healthy', false)}])
    expect(texts(result)).toEqual(['removed'])
  })

  it('answers an exec to its end, with not-found for unknown programs in a script', async () => {
    expect(await runToEnd(spec(sh('echo hi; nope'), {unknownProgram: 'not-found'}), start)).toEqual({stdout: 'hi\n', stderr: 'sh: nope: not found\n', code: 127})
    expect(await runToEnd(spec(['printenv', 'GREETING'], {unknownProgram: 'not-found'}), start)).toEqual({stdout: 'hello world\n', stderr: '', code: 0})
    expect(await runToEnd(spec(sh('echo "unterminated'), {unknownProgram: 'not-found'}), start)).toEqual({stdout: '', stderr: 'sh: unterminated quoted string\n', code: 2})
  })

  it('prints curl, wget and nslookup failures as the tools do', async () => {
    const refusing: PodNetwork = {
      ...networkUnavailable,
      async request(_from, url) {
        return url.includes('nowhere') ? {outcome: 'unresolved', hops: []} : {outcome: 'refused', hops: [], destination: {ip: '10.96.0.20', port: 80}}
      },
    }
    expect(await runToEnd(spec(['curl', '-s', 'http://nowhere'], {network: refusing}), start)).toEqual({stdout: '', stderr: '', code: 6})
    // Without -s and not on a terminal, curl draws its progress meter; the error ends its first line.
    const meter = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0'
    expect(await runToEnd(spec(['curl', 'http://nowhere'], {network: refusing}), start)).toEqual({stdout: '', stderr: `${meter}curl: (6) Could not resolve host: nowhere\n`, code: 6})
    expect(await runToEnd(spec(['curl', '-S', 'http://nowhere'], {network: refusing, terminal: true}), start)).toEqual({stdout: '', stderr: 'curl: (6) Could not resolve host: nowhere\n', code: 6})
    expect((await runToEnd(spec(['curl', 'http://web'], {network: refusing}), start)).code).toBe(7)
    expect(await runToEnd(spec(['wget', '-qO-', 'http://web'], {network: refusing}), start)).toEqual({stdout: '', stderr: "wget: can't connect to remote host (10.96.0.20): Connection refused\n", code: 1})
    const timing = await runOverTime(spec(sh('curl -sS -m 5 http://web; echo $?')), start, start + 10_000)
    // curl's own clock ends a connection given -m, one millisecond past it, as curl's multi loop sees it.
    expect(texts(timing)).toEqual(['curl: (28) Connection timed out after 5001 milliseconds', '28'])
    expect(timing.log[0]!.atMilliseconds).toBe(start + 5_001)
    // Without a timeout the kernel gives up on the SYNs first; curl names the connect failure and exits 28.
    const kernel = await runOverTime(spec(sh('curl -sS http://web:81; echo $?')), start, start + 200_000)
    expect(texts(kernel)).toEqual(["curl: (28) Failed to connect to web port 81 after 130000 ms: Couldn't connect to server", '28'])
    // wget the same: its -T alarm when shorter, else the kernel's give-up (not its 900 s default).
    const wgetAlarm = await runOverTime(spec(sh('wget -q -T 5 http://web:81; echo $?')), start, start + 10_000)
    expect(texts(wgetAlarm)).toEqual(['wget: download timed out', '1'])
    expect(wgetAlarm.log[0]!.atMilliseconds).toBe(start + 5_000)
    const wgetKernel = await runOverTime(spec(sh('wget -q http://web:81; echo $?')), start, start + 200_000)
    expect(texts(wgetKernel)).toEqual(["wget: can't connect to remote host (web): Connection timed out", '1'])
    expect(wgetKernel.log[0]!.atMilliseconds).toBe(start + 130_000)
  })

  it("reads curl's command line as curl does: bundled flags, -o, -w, unknown options", async () => {
    const answering: PodNetwork = {
      ...networkUnavailable,
      async request(_from, url) {
        if (url.includes('nowhere')) return {outcome: 'unresolved', hops: []}
        return {outcome: 'connected', hops: [], destination: {ip: '10.244.1.5', port: 80}, response: {status: 200, reason: 'OK', headers: {'Content-Type': 'text/plain'}, body: 'hello\n'}}
      },
    }
    const exec = (script: string) => runToEnd(spec(sh(script), {network: answering, unknownProgram: 'not-found'}), start)
    expect(await exec("curl -s -o /dev/null -w '%{http_code}\\n' http://web")).toEqual({stdout: '200\n', stderr: '', code: 0})
    expect(await exec("curl -sw '%{http_code} %{remote_ip} %{size_download} %{content_type}' http://web/")).toEqual({stdout: 'hello\n200 10.244.1.5 6 text/plain', stderr: '', code: 0})
    expect(await exec('curl -so/tmp/page http://web && cat /tmp/page')).toEqual({stdout: 'hello\n', stderr: '', code: 0})
    expect(await exec("curl -s -w '%{http_code} %{exitcode}' http://nowhere")).toEqual({stdout: '000 6', stderr: '', code: 6})
    expect(await exec('curl --bogus http://web')).toEqual({stdout: '', stderr: "curl: option --bogus: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n", code: 2})
    expect(await exec('curl -s')).toEqual({stdout: '', stderr: "curl: no URL specified\ncurl: try 'curl --help' or 'curl --manual' for more information\n", code: 2})
    expect(await exec('curl -sL -H "Accept: text/plain" --data-raw x http://web http://web')).toEqual({stdout: 'hello\nhello\n', stderr: '', code: 0})
  })
})

describe('redirections', () => {
  it('sends stdout to stderr, to files and to /dev/null', async () => {
    expect(await runToEnd(spec(sh('echo to stderr >&2; echo quiet > /dev/null; echo kept > /tmp/k 2>&1; cat /tmp/k'), {unknownProgram: 'not-found'}), start)).toEqual({stdout: 'kept\n', stderr: 'to stderr\n', code: 0})
  })

  it('takes a number as the descriptor only when it touches the operator: echo 1 > f writes 1', async () => {
    expect(await runToEnd(spec(sh('echo 1 > /tmp/a; echo a 2 >/tmp/b; echo err 2>/tmp/c; echo out 1>/tmp/d; cat /tmp/a /tmp/b /tmp/c /tmp/d')), start)).toEqual({stdout: 'err\n1\na 2\nout\n', stderr: '', code: 0})
  })
})

describe('standard input', () => {
  it("a container's open stdin is read as it comes: read in a loop, cat and a shell answer each line at the time it arrives", async () => {
    const inputs = [{atMilliseconds: start + 1_000, text: 'alpha\n'}, {atMilliseconds: start + 2_000, text: 'beta one\ngamma\n'}, {atMilliseconds: start + 3_000, text: null}]
    const stamped = (result: {log: ReadonlyArray<{text: string; atMilliseconds: number}>}) => result.log.map((line) => [line.text, line.atMilliseconds - start])
    const reader = await runOverTime(spec(sh('while read word rest; do echo "got $word ($rest)"; done; echo bye'), {stdinOpen: true}), start, start + 10_000, [], inputs)
    expect(stamped(reader)).toEqual([['got alpha ()', 1_000], ['got beta (one)', 2_000], ['got gamma ()', 2_000], ['bye', 3_000]])
    expect(reader.exit).toEqual({code: 0, atMilliseconds: start + 3_000})
    const cat = await runOverTime(spec(['cat'], {stdinOpen: true}), start, start + 10_000, [], inputs)
    expect(stamped(cat)).toEqual([['alpha', 1_000], ['beta one', 2_000], ['gamma', 2_000]])
    const shell = await runOverTime(spec(['sh'], {stdinOpen: true}), start, start + 2_500, [], inputs)
    expect(shell.log.length).toBe(0)
    expect(shell.exit).toBeNull()
    const answering = await runOverTime(spec(['sh'], {stdinOpen: true}), start, start + 2_500, [], [{atMilliseconds: start + 1_000, text: 'echo first\n'}, {atMilliseconds: start + 2_000, text: 'read x; echo "then $x"\nsecond\n'}])
    expect(stamped(answering)).toEqual([['first', 1_000], ['then second', 2_000]])
    // Before its input comes, a reader waits (the run goes on past `until`).
    expect((await runOverTime(spec(sh('read line; echo "$line"'), {stdinOpen: true}), start, start + 500, [], inputs)).exit).toBeNull()
  })

  it("an exec's stdin is the script's: each read takes the next line, cat the rest, and a pipe feeds a loop", async () => {
    expect(await runToEnd(spec(sh('read a; read -r b c; cat > /tmp/rest; echo "$a|$b|$c"; cat /tmp/rest; read d || echo end')), start, 'one\ntwo three four\nfive\nsix\n')).toEqual({stdout: 'one|two|three four\nfive\nsix\nend\n', stderr: '', code: 0})
    expect(await runToEnd(spec(sh("printf 'x\\ny\\n' | while read l; do echo \"[$l]\"; done; echo | read v || echo none")), start)).toEqual({stdout: '[x]\n[y]\n', stderr: '', code: 0})
    expect(await runToEnd(spec(sh('grep b; echo after')), start, 'a\nb\nc\n')).toEqual({stdout: 'b\nafter\n', stderr: '', code: 0})
  })
})
