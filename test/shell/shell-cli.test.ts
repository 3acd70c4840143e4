// The shell's expansions, here-documents and text filters through the real CLI: a container's
// `sh -c` script as `kubemu kubectl run` starts it, read back with logs, and the same in an exec.
import {randomBytes} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {tarArchive} from '../../src/core/util/tar.js'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

describe('the shell through kubemu kubectl', () => {
  let home: string
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin})

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('a container counts with $((…)), defaults with ${VAR:-x}, writes a here-document and filters it', async () => {
    const script = [
      'i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo "tick $i"; done',
      'echo "name=${NAME:-anonymous} len=${#HOSTNAME_SET}"',
      'cat > /tmp/rows <<EOF',
      'web 3 ${UNIT:=MiB}',
      'db 2 $UNIT',
      'EOF',
      "awk '{sum += $2} END {print \"replicas\", sum}' /tmp/rows",
      "sed -n '/db/p' /tmp/rows | cut -d' ' -f1,3 | tr a-z A-Z",
    ].join('\n')
    const created = await kubectl(`run counter --image=busybox --restart=Never --env=HOSTNAME_SET=abcd -- sh -c '${script.replace(/'/g, "'\\''")}'`)
    expect(created).toMatchObject({status: 0, stdout: 'pod/counter created\n'})
    expect((await kubectl('logs counter')).stdout).toBe('tick 1\ntick 2\ntick 3\nname=anonymous len=4\nreplicas 5\nDB MIB\n')
    expect((await kubectl('get pod counter --no-headers')).stdout).toMatch(/^counter +0\/1 +Completed +0 /)
  })

  it('exec runs the same shell in a running container; an arithmetic error ends it with status 2', async () => {
    expect((await kubectl("run box --image=busybox -- sh -c 'sleep 3600'")).status).toBe(0)
    expect((await kubectl(`exec box -- sh -c 'echo $((6 * 7)); x=v1.2.3; echo \${x#v} \${x%.*}; printf "a:b\\nc:d\\n" | awk -F: "{print \\$2}"'`)).stdout).toBe('42\n1.2.3 v1.2\nb\nd\n')
    const failed = await kubectl("exec box -- sh -c 'echo $((1/0)); echo never'")
    expect(failed).toMatchObject({stdout: '', stderr: 'sh: divide by zero\ncommand terminated with exit code 2\n', status: 2})
  })

  it('exec -i gives the command what kubectl reads on stdin; tar archives files and lists or unpacks an archive', async () => {
    expect(await kubectl('exec -i box -- sh', 'echo from-stdin\ncat /etc/hostname\n')).toMatchObject({status: 0, stdout: 'from-stdin\nbox\n'})
    const script = 'mkdir -p /data/sub; echo one > /data/a; echo two > /data/sub/b; tar cf - /data | tar tf -; cd /tmp && tar cf - /data | tar xf - && cat /tmp/data/sub/b'
    expect(await kubectl(`exec box -- sh -c '${script}'`)).toMatchObject({status: 0, stdout: 'data/\ndata/a\ndata/sub/\ndata/sub/b\ntwo\n', stderr: "tar: removing leading '/' from member names\ntar: removing leading '/' from member names\n"})
    expect(await kubectl("exec box -- tar cf - /absent")).toMatchObject({status: 1, stderr: 'tar: /absent: No such file or directory\ntar: error exit delayed from previous errors\ncommand terminated with exit code 1\n'})
    // tail -c: bytes from the start (+N, as kubectl cp --retries resumes) or the end.
    expect(await kubectl("exec box -- sh -c 'echo abcdef | tail -c +3; echo abcdef | tail -c 3'")).toMatchObject({status: 0, stdout: 'cdef\nef\n'})
    expect(await kubectl("exec box -- tar tf /etc/hostname")).toMatchObject({status: 1, stderr: 'tar: short read\ncommand terminated with exit code 1\n'})
  })

  it('cp carries bytes: a MiB of random bytes with NUL and invalid UTF-8 goes into the pod and back out byte for byte', {timeout: 300_000}, async () => {
    const image = Buffer.concat([randomBytes(1024 * 1024), Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x0a])])
    writeFileSync(join(home, 'img.png'), image)
    expect(await kubectl('cp ./img.png box:/tmp/img.png')).toMatchObject({status: 0, stdout: '', stderr: ''})
    expect(await kubectl('cp box:/tmp/img.png ./back.png')).toMatchObject({status: 0, stdout: "tar: removing leading '/' from member names\n"})
    expect(readFileSync(join(home, 'back.png')).equals(image)).toBe(true)
    // exec's stdout carries the same bytes (cat of the file), and exec -i's stdin does too.
    expect((await kubectl('exec box -- cat /tmp/img.png > cat.png')).status).toBe(0)
    expect(readFileSync(join(home, 'cat.png')).equals(image)).toBe(true)
    writeFileSync(join(home, 'archive.tar'), tarArchive([{name: 'raw.bin', directory: false, content: image}], 0))
    expect((await kubectl('exec -i box -- tar xf - -C /tmp < archive.tar')).status).toBe(0)
    expect((await kubectl('cp box:/tmp/raw.bin ./raw.bin')).status).toBe(0)
    expect(readFileSync(join(home, 'raw.bin')).equals(image)).toBe(true)
  })

  it('run -i gives a shell that reads its stdin what kubectl reads, and ends with it (stdinOnce)', async () => {
    const ran = await kubectl('run -i --rm --restart=Never reader --image=busybox -- sh', 'n=6\necho "reads $((n * 7))"\n')
    expect(ran).toMatchObject({status: 0, stdout: 'reads 42\npod "reader" deleted\n'})
  })
})
