// busybox's ls in the simulated shell: its long format (mode, links, owner, size, time, links'
// targets), the total line, dot files, sorts, -d/-R/-F/-h/-1, columns on a terminal, and the
// atomic writer's layout of a ConfigMap volume, with paths resolving through its links.
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {runOverTime, type RunSpec} from '../../src/core/kubelet/shell/run.js'
import {mountVolumeFiles} from '../../src/core/kubelet/volume-layout.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const setUp = Date.parse('2026-12-07T10:00:00Z')

function filesystem(): SimulatedFileSystem {
  const fs = new SimulatedFileSystem(setUp)
  for (const directory of ['/etc', '/tmp', '/data']) fs.makeDirectories(directory)
  fs.describe('/tmp', {mode: 0o1777})
  mountVolumeFiles(fs, {name: 'config', mountPath: '/etc/config'}, {name: 'config', configMap: {name: 'settings'}}, new Map([['motd', {content: 'hello\n'}], ['color', {content: 'blue'}]]), setUp, 'seed', true)
  mountVolumeFiles(fs, {name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount'}, {name: 'token', projected: {sources: []}}, new Map([['ca.crt', {content: 'CA'}], ['namespace', {content: 'default'}], ['token', {content: 'x'}]]), setUp, 'seed', true)
  return fs
}

async function run(script: string, fs = filesystem(), options: {at?: number; terminal?: boolean} = {}): Promise<{out: string; code: number | undefined}> {
  const spec: RunSpec = {argv: ['sh', '-c', script], environment: new Map(), fs, hostname: 'p', source: {kind: 'pod', namespace: 'default', name: 'p'}, unknownProgram: 'server', network: networkUnavailable, terminal: options.terminal === true}
  const at = options.at ?? setUp + 60_000
  const result = await runOverTime(spec, at, at + 3_600_000)
  return {out: result.log.map((line) => `${line.text}${line.partial ? '' : '\n'}`).join(''), code: result.exit?.code}
}

describe('ls', () => {
  it("lists a ConfigMap volume as the atomic writer leaves it: a timestamped directory, ..data and a link per key", async () => {
    const {out} = await run('ls -la /etc/config')
    const directory = /\.\.2026_12_07_10_00_00\.\d{1,10}/.exec(out)?.[0]
    expect(directory).toBeDefined()
    expect(out).toBe(
      [
        'total 12',
        'drwxrwxrwx    3 root     root          4096 Dec  7 10:00 .',
        'drwxr-xr-x    3 root     root          4096 Dec  7 10:00 ..',
        `drwxr-xr-x    2 root     root          4096 Dec  7 10:00 ${directory}`,
        `lrwxrwxrwx    1 root     root      ${String(directory!.length).padStart(8)} Dec  7 10:00 ..data -> ${directory}`,
        'lrwxrwxrwx    1 root     root            12 Dec  7 10:00 color -> ..data/color',
        'lrwxrwxrwx    1 root     root            11 Dec  7 10:00 motd -> ..data/motd',
        '',
      ].join('\n'),
    )
    // Without -a: only the keys' links, and no blocks.
    expect((await run('ls -l /etc/config')).out).toBe('total 0\nlrwxrwxrwx    1 root     root            12 Dec  7 10:00 color -> ..data/color\nlrwxrwxrwx    1 root     root            11 Dec  7 10:00 motd -> ..data/motd\n')
    // Paths resolve through the links.
    expect((await run('cat /etc/config/motd /etc/config/..data/color; ls /etc/config/..data')).out).toBe('hello\nbluecolor\nmotd\n')
    expect((await run('ls -l /etc/config/..data/')).out).toBe('total 8\n-rw-r--r--    1 root     root             4 Dec  7 10:00 color\n-rw-r--r--    1 root     root             6 Dec  7 10:00 motd\n')
  })

  it('shows a projected volume on tmpfs: a sticky mount, directory sizes by entries, no blocks', async () => {
    const {out} = await run('ls -la /var/run/secrets/kubernetes.io/serviceaccount')
    expect(out.split('\n').slice(0, 3)).toEqual(['total 4', 'drwxrwxrwt    3 root     root           140 Dec  7 10:00 .', 'drwxr-xr-x    3 root     root          4096 Dec  7 10:00 ..'])
    expect(out).toMatch(/\ndrwxr-xr-x    2 root     root           100 Dec  7 10:00 \.\.2026_12_07_10_00_00\.\d+\n/)
    expect(out).toContain('lrwxrwxrwx    1 root     root            12 Dec  7 10:00 token -> ..data/token\n')
  })

  it("stamps what a command writes with the run's time, and shows old files with their year", async () => {
    const fs = filesystem()
    const {out} = await run('echo hi > /tmp/new; mkdir /tmp/dir; sleep 90; ls -l /tmp; ls -ld /tmp', fs)
    expect(out).toBe('total 8\ndrwxr-xr-x    2 root     root          4096 Dec  7 10:01 dir\n-rw-r--r--    1 root     root             3 Dec  7 10:01 new\ndrwxrwxrwt    3 root     root          4096 Dec  7 10:01 /tmp\n')
    // Half a year later the time gives way to the year.
    expect((await run('ls -l /tmp/new', fs, {at: setUp + 200 * 86_400_000})).out).toBe('-rw-r--r--    1 root     root             3 Dec  7  2026 /tmp/new\n')
  })

  it('takes busybox flags: -1, -A, -d, -F, -n, -R, sorts, several operands, and refuses unknown ones', async () => {
    const fs = filesystem()
    await run('mkdir -p /data/sub; echo 1234567 > /data/big; echo 1 > /data/small; touch /data/.hidden', fs)
    expect((await run('ls -1 /data', fs)).out).toBe('big\nsmall\nsub\n')
    expect((await run('ls -A /data', fs)).out).toBe('.hidden\nbig\nsmall\nsub\n')
    expect((await run('ls -S /data', fs)).out).toBe('sub\nbig\nsmall\n')
    expect((await run('ls -r /data', fs)).out).toBe('sub\nsmall\nbig\n')
    expect((await run('ls -F /data /etc/config', fs)).out).toBe('/data:\nbig\nsmall\nsub/\n\n/etc/config:\ncolor@\nmotd@\n')
    expect((await run('ls -d /data /tmp', fs)).out).toBe('/data\n/tmp\n')
    expect((await run('ls -n /data/small', fs)).out).toBe('-rw-r--r--    1 0        0                2 Dec  7 10:01 /data/small\n')
    expect((await run('ls -R /data', fs)).out).toBe('/data:\nbig\nsmall\nsub\n\n/data/sub:\n')
    // As busybox, a missing operand is told as it is looked at, before anything is listed.
    expect((await run('ls /data/small /missing; echo $?', fs)).out).toBe('ls: /missing: No such file or directory\n/data/small\n1\n')
    expect(await run('ls -lz /data', fs)).toEqual({out: "ls: invalid option -- 'z'\n", code: 1})
  })

  it('lays names out in columns on a terminal, down each column first', async () => {
    const fs = filesystem()
    await run(`cd /data; for n in ${Array.from({length: 12}, (_, index) => `file-${String(index).padStart(2, '0')}`).join(' ')}; do touch $n; done`, fs)
    const {out} = await run('ls /data', fs, {terminal: true})
    const lines = out.replace(/\r/g, '').split('\n').filter(Boolean)
    expect(lines.length).toBe(2)
    expect(lines[0]!.startsWith('file-00  file-02')).toBe(true)
    expect(lines[1]!.startsWith('file-01  file-03')).toBe(true)
  })

  it('acts through links in the directories on the way, on a link itself as the last name, and ends a link loop', async () => {
    const fs = filesystem()
    const copy = await run('tar cf - -C /etc config | tar xf - -C /data; mkdir /data/config/..data/new; mkdir -p /data/config/..data/p/q; rm /data/config/..data/motd; ls /data/config/..data/', fs)
    expect(copy.out).toBe('color\nnew\np\n')
    // A dangling link is removed itself; writing through one whose directory is gone fails.
    fs.symlink('/data/dangling', '/nowhere/file')
    expect((await run('echo x > /data/dangling; echo $?; rm /data/dangling; ls /data', fs)).out).toBe("sh: can't create /data/dangling: nonexistent directory\n1\nconfig\n")
    // A loop through .. under -L ends at the 40-link limit.
    fs.makeDirectories('/data/loop')
    fs.symlink('/data/loop/up', '..')
    const looped = await run('ls -RL /data/loop > /dev/null; echo $?', fs)
    expect(looped.out).toMatch(/Too many levels of symbolic links\n1\n$/)
  })

  it('follows operands as busybox does, and lets the last of -t and -S decide the sort', async () => {
    const fs = filesystem()
    expect((await run('ls -F /etc/config/motd /etc/config/..data', fs)).out).toBe('/etc/config/..data@\n/etc/config/motd@\n')
    expect((await run('ls -H /etc/config/..data', fs)).out).toBe('color\nmotd\n')
    await run('echo 1234567 > /data/old; sleep 5; echo 1 > /data/new', fs)
    expect((await run('ls -St /data', fs)).out).toBe('new\nold\n')
    expect((await run('ls -tS /data', fs)).out).toBe('old\nnew\n')
    expect((await run('ls -rt /data', fs)).out).toBe('old\nnew\n')
    expect((await run('ls -g /data/new', fs)).out).toBe('-rw-r--r--    1 root             2 Dec  7 10:01 /data/new\n')
    expect((await run('ls -w 40 -1 /data', fs)).out).toBe('new\nold\n')
  })
})
