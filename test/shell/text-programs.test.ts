// busybox's cut, tr, sed and awk in the simulated shell, as tutorials pipe them.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {runOverTime, type RunSpec} from '../../src/core/kubelet/shell/run.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const start = Date.parse('2026-01-01T00:00:00Z')

async function run(script: string): Promise<{lines: string[]; code: number | undefined}> {
  const fs = new SimulatedFileSystem()
  fs.makeDirectories('/tmp')
  fs.write('/tmp/users', 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n')
  fs.write('/tmp/sizes', 'web 3 120\napi 5 80\ndb 1 400\n')
  const spec: RunSpec = {argv: ['sh', '-c', script], environment: new Map(), fs, hostname: 'web-1', source: {kind: 'pod', namespace: 'default', name: 'web-1'}, unknownProgram: 'not-found', network: networkUnavailable}
  const result = await runOverTime(spec, start, start)
  return {lines: result.log.map((line) => line.text), code: result.exit?.code}
}

describe('text programs', () => {
  it('cut: fields with -d, characters with -c, ranges, and its errors', async () => {
    expect((await run("cut -d: -f1,3 /tmp/users; echo abcdef | cut -c2-4; echo a,b,c,d | cut -d , -f 2-; echo nodelim | cut -d: -f2")).lines).toEqual(['root:0', 'daemon:1', 'nobody:65534', 'bcd', 'b,c,d', 'nodelim'])
    expect(await run('echo x | cut')).toEqual({lines: ['cut: expected a list of bytes, characters, or fields'], code: 1})
  })

  it('uniq: adjacent repeats once, -c counts them, -d and -u keep the repeated or the single ones', async () => {
    expect((await run("printf 'b\\nb\\na\\nb\\n' | uniq; printf 'b\\nb\\na\\n' | uniq -c; printf 'b\\nb\\na\\n' | uniq -d; printf 'b\\nb\\na\\n' | uniq -u")).lines).toEqual(['b', 'a', 'b', '      2 b', '      1 a', 'b', 'a'])
  })

  it('tr: translates with ranges and classes, deletes and squeezes', async () => {
    expect((await run("echo Hello World | tr a-z A-Z; echo Hello | tr '[:upper:]' '[:lower:]'; echo 'a-b-c' | tr -d -; echo 'aa  bb' | tr -s ' '; echo 'one two' | tr ' ' '\\n'")).lines).toEqual(['HELLO WORLD', 'hello', 'abc', 'aa bb', 'one', 'two'])
  })

  it('sed: s///g, -n with p, d, line and regex addresses, & and groups, -i', async () => {
    expect((await run("echo hello hello | sed 's/hello/bye/'; echo hello hello | sed 's/hello/bye/g'; sed -n '2p' /tmp/sizes; sed '1d' /tmp/sizes; sed -n '/api/p' /tmp/sizes; sed -n '$p' /tmp/sizes")).lines).toEqual(['bye hello', 'bye bye', 'api 5 80', 'api 5 80', 'db 1 400', 'api 5 80', 'db 1 400'])
    expect((await run("echo 'key=value' | sed 's/\\(.*\\)=\\(.*\\)/\\2=\\1/'; echo abc | sed -E 's/(b)/[\\1]/'; echo x | sed 's/x/& &/'; sed -i 's/web/frontend/' /tmp/sizes; head -1 /tmp/sizes; sed -n '2,3p' /tmp/sizes | wc -l")).lines).toEqual(['value=key', 'a[b]c', 'x x', 'frontend 3 120', '2'])
    expect(await run("echo x | sed 'k'")).toEqual({lines: ['sed: unsupported command k'], code: 1})
  })

  it('awk: fields, -F, NR, $NF, patterns, sums in END and printf', async () => {
    expect((await run("awk '{print $1}' /tmp/sizes; awk -F: '{print $1, $NF}' /tmp/users; awk 'NR==2' /tmp/sizes; awk '$2 > 2 {print $1}' /tmp/sizes; awk '/db/ {print NR\": \"$0}' /tmp/sizes")).lines).toEqual([
      'web', 'api', 'db', 'root /bin/sh', 'daemon /bin/false', 'nobody /bin/false', 'api 5 80', 'web', 'api', '3: db 1 400',
    ])
    expect((await run("awk '{sum += $3} END {print \"total\", sum}' /tmp/sizes; awk 'BEGIN {printf \"%-5s|%5.1f\\n\", \"ab\", 3.14159}'; echo 'a b c' | awk '{print NF, length($0), toupper($2)}'")).lines).toEqual(['total 600', 'ab   |  3.1', '3 5 B'])
  })
})

describe("an image's programs", () => {
  const inImage = async (image: string | undefined, script: string) => {
    const fs = new SimulatedFileSystem()
    const spec: RunSpec = {argv: ['sh', '-c', script], environment: new Map(), fs, hostname: 'client', source: {kind: 'pod', namespace: 'default', name: 'client'}, unknownProgram: 'server', network: networkUnavailable, ...(image ? {image} : {})}
    const result = await runOverTime(spec, start, start + 3_600_000)
    return {lines: result.log.map((line) => line.text), code: result.exit?.code}
  }

  it('busybox has wget but no curl or bash; curlimages/curl has curl', async () => {
    const busybox = await inImage('busybox:1.36', 'curl -s http://web; echo status $?; bash -c true; echo status $?; wget -q -T 1 -O- http://web >/dev/null 2>&1; echo wget $?')
    expect(busybox.lines.slice(0, 4)).toEqual(['sh: curl: not found', 'status 127', 'sh: bash: not found', 'status 127'])
    expect(busybox.lines[4]).toMatch(/^wget (?!127$)\d+$/)
    expect(await inImage('docker.io/library/busybox', 'curl http://web')).toEqual({lines: ['sh: curl: not found'], code: 127})
    const curl = await inImage('curlimages/curl:8.11.1', 'curl -s --max-time 1 http://web; echo status $?')
    expect(curl.lines.at(-1)).not.toBe('status 127')
    const noImage = await inImage(undefined, 'curl -s --max-time 1 http://web; echo status $?')
    expect(noImage.lines.at(-1)).not.toBe('status 127')
  })
})
