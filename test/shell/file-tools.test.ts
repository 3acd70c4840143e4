// busybox's ln, cp, mv, chmod, stat, find and du in the simulated shell. Each expectation is what
// busybox (1.35, its applets called directly) printed for the same script in a scratch directory,
// except the device and inode numbers, times and hard-link counts the simulated files do not keep,
// and find lists a directory in name order (busybox in the order the directory holds its names).
import {describe, expect, it} from 'vitest'
import {SimulatedFileSystem} from '../../src/core/kubelet/shell/filesystem.js'
import {runOverTime} from '../../src/core/kubelet/shell/run.js'
import {networkUnavailable} from '../../src/core/network/types.js'

const at = Date.parse('2026-12-07T10:00:00Z')

async function run(script: string, fs = new SimulatedFileSystem(at), user?: {uid: number; gid: number; groups: number[]}): Promise<string> {
  const result = await runOverTime({argv: ['sh', '-c', script], environment: new Map(), fs, hostname: 'p', source: {kind: 'pod', namespace: 'default', name: 'p'}, unknownProgram: 'not-found', network: networkUnavailable, ...(user ? {user} : {})}, at, at + 60_000)
  return result.log.map((line) => `${line.text}${line.partial ? '' : '\n'}`).join('')
}

describe('busybox file tools', () => {
  it('links, copies and moves as busybox does, with its refusals', async () => {
    const script = [
      'mkdir -p d/sub; echo hello > d/a; echo x > d/sub/b',
      'ln -s a d/l; ln -s a d/l; echo "ln $?"; ln d/none d/h; echo "ln $?"; ln -sf a d/l && echo relinked; cat d/l',
      'cp d/a d/c; cp d e; echo "cp $?"; cp -r d e && ls e; cp nope x; echo "cp $?"',
      'cp -a d f && ls -l f | cut -c1-10',
      'mv d/c d/moved && ls d; mv nope x; echo "mv $?"; mv d d/sub; echo "mv $?"',
      'mkdir g; cp d/a d/moved g; ls g; cp d/a d/moved nofile; echo "cp $?"; mv g/a g/moved d/sub; ls d/sub g',
      'ln -s /nowhere dang; cp dang x; echo "cp $?"; cp -d dang y; stat -c %N y',
      'cp -r d d/inside; echo "cp $?"; ls d/inside; cp d/a d/a; echo "cp $?"',
    ].join('\n')
    expect(await run(script)).toBe(
      [
        'ln: d/l: File exists', 'ln 1', 'ln: d/none: No such file or directory', 'ln 1', 'relinked', 'hello', "cp: omitting directory 'd'", 'cp 1', 'a', 'c', 'l', 'sub', "cp: can't stat 'nope': No such file or directory", 'cp 1', 'total 12', '-rw-r--r--', '-rw-r--r--', 'lrwxrwxrwx', 'drwxr-xr-x', 'a', 'l', 'moved', 'sub', "mv: can't rename 'nope': No such file or directory", 'mv 1', "mv: can't rename 'd': Invalid argument", 'mv 1', 'a', 'moved', "cp: can't create 'nofile/a': No such file or directory", "cp: can't create 'nofile/moved': No such file or directory", 'cp 1', 'd/sub:', 'a', 'b', 'moved', '', 'g:', "cp: can't stat 'dang': No such file or directory", 'cp 1', "'y' -> '/nowhere'", "cp: recursion detected, omitting directory 'd/inside'", 'cp 1', 'a', 'l', 'moved', 'sub', "cp: 'd/a' and 'd/a' are the same file", 'cp 1', '',
      ].join('\n'),
    )
  })

  it('changes modes as busybox does: octal, clauses, the umask without a who list, -v and -c', async () => {
    const script = [
      'mkdir d; echo hello > d/a',
      'chmod 600 d/a && ls -l d/a | cut -c1-10; chmod u+x,g+r d/a && ls -l d/a | cut -c1-10; chmod -x d/a && ls -l d/a | cut -c1-10',
      'chmod +x d/a && ls -l d/a | cut -c1-10; chmod 9 d/a; echo "chmod $?"; chmod 644 nope; echo "chmod $?"; chmod -v 755 d/a; chmod -c 755 d/a',
      'chmod a=r,u+w d/a && ls -l d/a | cut -c1-10; chmod g=u d/a && ls -l d/a | cut -c1-10',
      "chmod go-rwx,u=rwx d/a; stat -c %a d/a; chmod 4755 d/a; stat -c '%A %a' d/a; chmod g+s,o+t d; stat -c '%A' d",
    ].join('\n')
    expect(await run(script)).toBe(
      [
        '-rw-------', '-rwxr-----', '-rw-r-----', '-rwxr-x--x', "chmod: invalid mode '9'", 'chmod 1', 'chmod: nope: No such file or directory', 'chmod 1', "mode of 'd/a' changed to 0755 (rwxr-xr-x)", '-rw-r--r--', '-rw-rw-r--', '700', '-rwsr-xr-x 4755', 'drwxr-sr-x', '',
      ].join('\n'),
    )
  })

  it('states, finds and sizes as busybox does', async () => {
    const script = [
      'mkdir -p d/sub; echo hello > d/a; : > d/empty; ln -s a d/l; echo x > d/sub/b',
      "stat -c '%a %A %F %n %s %h %U %G' d/a d d/l d/empty; stat -c '%N' d/l; stat nope; echo \"stat $?\"; stat -L -c %F d/l",
      'stat d/a | sed -n "1,2p;4p"',
      "find d; find d -type f; find d -name 'a*'; find d -maxdepth 1 -type d; find nope; echo \"find $?\"; find d ! -type d; find d -type q; echo \"find $?\"",
      "find d -path '*sub*'; find d -iname 'A'; find d/ -type l; find d -mindepth 2; find d -bogus 2>&1 | head -1",
      'du -s d; du d; du -sh d; du -a d/sub; du -c d d/sub | tail -1',
    ].join('\n')
    expect(await run(script)).toBe(
      [
        '644 -rw-r--r-- regular file d/a 6 1 root root', '755 drwxr-xr-x directory d 4096 3 root root', '777 lrwxrwxrwx symbolic link d/l 1 1 root root', '644 -rw-r--r-- regular empty file d/empty 0 1 root root', "'d/l' -> 'a'", "stat: can't stat 'nope': No such file or directory", 'stat 1', 'regular file', '  File: d/a', '  Size: 6         \tBlocks: 8          IO Block: 4096   regular file', 'Access: (0644/-rw-r--r--)  Uid: (    0/    root)   Gid: (    0/    root)', 'd', 'd/a', 'd/empty', 'd/l', 'd/sub', 'd/sub/b', 'd/a', 'd/empty', 'd/sub/b', 'd/a', 'd', 'd/sub', 'find: nope: No such file or directory', 'find 1', 'd/a', 'd/empty', 'd/l', 'd/sub/b', "find: invalid argument 'q' to '-type'", 'find 1', 'd/sub', 'd/sub/b', 'd/a', 'd/l', 'd/sub/b', 'find: unrecognized: -bogus', '16\td', '8\td/sub', '16\td', '16.0K\td', '4\td/sub/b', '8\td/sub', '16\ttotal', '',
      ].join('\n'),
    )
  })

  it('keeps a user not root to its own files and the directories it may search', async () => {
    const fs = new SimulatedFileSystem(at)
    fs.makeDirectories('/w/rootdir')
    fs.makeDirectories('/w/closed/inner')
    fs.describe('/w', {mode: 0o777})
    fs.write('/w/rootfile', 'r\n')
    fs.write('/w/rootdir/f', 'f\n')
    fs.write('/w/rootdir/secret', 's\n', false, false, 0o600)
    fs.describe('/w/closed', {mode: 0o700})
    const script = [
      'cd /w',
      'chmod 644 rootfile; echo "chmod $?"; mv rootdir/f mine; echo "mv $?"; cp rootfile rootdir/g; echo "cp $?"; cp rootdir/secret x; echo "cp $?"',
      'find closed; echo "find $?"; ln -s a rootdir/l; echo "ln $?"; du closed; echo "du $?"; stat -c %U closed/inner',
      "mkdir own; chmod 700 own; stat -c '%a %u' own; cp rootfile own/copy; stat -c '%a %u %g' own/copy",
    ].join('\n')
    expect(await run(script, fs, {uid: 1000, gid: 1000, groups: [1000]})).toBe(
      [
        'chmod: rootfile: Operation not permitted', 'chmod 1', "mv: can't rename 'rootdir/f': Permission denied", 'mv 1',
        "cp: can't create 'rootdir/g': Permission denied", 'cp 1', "cp: can't open 'rootdir/secret': Permission denied", 'cp 1',
        'closed', 'find: closed: Permission denied', 'find 1', 'ln: rootdir/l: Permission denied', 'ln 1',
        "du: can't open 'closed': Permission denied", 'du 1', "stat: can't stat 'closed/inner': Permission denied", '700 1000', '644 1000 1000', '',
      ].join('\n'),
    )
  })

  it('keeps to what the review of the tools found busybox doing: links not followed, globs, -print0, du -d, grep per file, wc columns', async () => {
    const script = [
      "mkdir -p a/b/c g; touch a/b/g; ln -s b a/lb; echo hi > a/f; ln -s f a/lf; ln a/lf a/hl; ls -l a/hl | cut -c1-10",
      "find a/lb; find a/lb/ -name g; find a -maxdepth 1 -name f -print0 | wc -c",
      "touch 'g/a*b' g/axb g/f; find g -name '[!fa]*'; find g -name 'a\\*b'",
      "du a/lb; du -d 0 a; du -c a a/b | tail -1; du -s a/f a/f",
      "mkdir -p c/a/b; chmod 700 c/a; chmod 750 a; cp -r a c; stat -c '%n %a' c/a",
      "cp -r a a; echo $?; stat -c 'x%qy' a/f",
      "echo a > f1; echo b > f2; grep a nofile; echo $?; grep a f1 f2; grep -c a f1 f2; grep -q a f1 nofile; echo $?",
    ].join('\n')
    expect(await run(script)).toBe("lrwxrwxrwx\na/lb\na/lb/g\n4\ng\ng/a*b\n0\ta/lb\n16\ta\n16\ttotal\n4\ta/f\n4\ta/f\nc/a 700\ncp: recursion detected, omitting directory 'a/a'\n1\nxqy\ngrep: nofile: No such file or directory\n2\nf1:a\nf1:1\nf2:0\n0\n")
  })

  it('checks search permission through links and on every directory on the way, chmod -R on what it may read, cp -f', async () => {
    const fs = new SimulatedFileSystem(at)
    fs.makeDirectories('/w')
    fs.describe('/w', {mode: 0o777})
    const script = [
      'cd /w',
      "echo pub > pub; mkdir s; ln -s ../pub s/l2; mkdir s/sub; echo in > s/sub/f; chmod 600 s",
      "cat s/l2; echo $?; head -n1 s/l2; echo $?; stat -c %n s/sub/f; echo $?; find s/sub; echo $?",
      "mkdir -p d/e; touch d/e/f; chmod -R 300 d; echo $?; chmod 700 d; stat -c %a d/e/f",
      "echo old > ro; chmod 444 ro; echo new > new; cp -f new ro; echo $?; cat ro",
    ].join('\n')
    expect(await run(script, fs, {uid: 1000, gid: 1000, groups: [1000]})).toBe("cat: can't open 's/l2': Permission denied\n1\nhead: s/l2: Permission denied\n1\nstat: can't stat 's/sub/f': Permission denied\n1\nfind: s/sub: Permission denied\n1\nchmod: d: Permission denied\n1\n644\n0\nnew\n")
  })
})
