// The real kubectl 1.32's attach and cp against `kubemu up` (its clock moved by hand), and kubemu's
// kubectl beside it: attach shows what a running container prints from then on, as the cluster
// clock moves, and ends with the container's run; cp copies a file out of a pod (tar's notice on
// stdout, as kubectl passes it on) and a file, a folder and a binary file into one, through the container's tar;
// run -i … -- sh feeds the shell what kubectl reads.
import {randomBytes} from 'node:crypto'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/real-kubectl.js'


describe('the real kubectl attach and cp against kubemu up', {timeout: 240_000}, () => {
  const processes = upProcessesOfSuite()
  let home = ''
  const env = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const kubeconfig = () => join(home, 'default', 'kubeconfig')
  // A bounded wait: a hang shows as timeout's exit code 124.
  const real = (line: string, stdin?: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig()} ${line}`, {cwd: home, env: env(), stdin})
  const ours = (line: string, stdin?: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env: env(), stdin})
  const advance = async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: home, env: env()})).status).toBe(0)
  /** An attach started, once it has said it is attaching (and had a moment to connect: bounded waits, no signal comes from it). */
  const attached = async (command: string, args: readonly string[]) => {
    const attach = new OutputProcess(command, args, env())
    for (let look = 0; look < 100 && !attach.errorOutput.includes('command prompt'); look++) await new Promise((resolve) => setTimeout(resolve, 100))
    await within(attach, () => false, 1_000)
    return attach
  }
  /** Waits until the output satisfies `done`, at most `milliseconds`. */
  const within = (process: OutputProcess, done: (output: string) => boolean, milliseconds: number) => Promise.race([process.until(done), new Promise<void>((resolve) => setTimeout(resolve, milliseconds))])
  const ticker = "sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 10; done'"

  it('attach shows the output from the attach on, as the clock moves, until the run ends; its errors are kubectl 1.32s', async () => {
    home = temporaryFolder()
    const up = new UpProcess(home, ['--seed', '42', '--manual-clock'])
    processes.push(up)
    await up.until(/leader election: \S+ leads kube-controller-manager/)
    expect((await real(`run ticker --image=busybox -- ${ticker}`)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/ticker --timeout=50s')).status).toBe(0)
    for (const kubectl of [{name: 'real', command: realKubectl, args: [`--kubeconfig=${kubeconfig()}`]}, {name: 'ours', command: kubemu, args: ['kubectl']}]) {
      const attach = await attached(kubectl.command, [...kubectl.args, 'attach', 'ticker'])
      // The clock moves 10 s at a time until the attach has shown a line (it connects meanwhile).
      for (let step = 0; step < 20 && !attach.output.includes('\n'); step++) {
        await advance('10s')
        await within(attach, (output) => output.includes('\n'), 1_500)
      }
      await advance('20s')
      await within(attach, (output) => output.split('\n').length >= 4, 10_000)
      const ticks = attach.output.split('\n').filter(Boolean).map((line) => Number(/^tick (\d+)$/.exec(line)?.[1]))
      // What was printed before the attach is not shown; after it, every line in order.
      expect(ticks[0], `${kubectl.name}: ${attach.output}`).toBeGreaterThan(1)
      expect(ticks.slice(0, 3)).toEqual([ticks[0], ticks[0]! + 1, ticks[0]! + 2])
      await attach.stop()
      expect(attach.errorOutput).toBe("If you don't see a command prompt, try pressing enter.\n")
    }
    // A pod whose run ends: the attach ends with it, after the rest of its output.
    expect((await real("run finite --image=busybox --restart=Never -- sh -c 'sleep 5; echo one; sleep 10; echo two'")).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/finite --timeout=50s')).status).toBe(0)
    const finite = await attached(realKubectl, [`--kubeconfig=${kubeconfig()}`, 'attach', 'finite'])
    for (let step = 0; step < 10 && !finite.output.includes('two'); step++) {
      await advance('5s')
      await within(finite, (output) => output.includes('two'), 1_500)
    }
    expect(await finite.exitCode()).toBe(0)
    expect(finite.output).toMatch(/two\n$/)
    // -i: stdin goes to a container that keeps one open (stdin: true) and reads it; stdinOnce
    // closes it with the attach's, so the shell ends there and the attach with it.
    for (const [name, command] of [['reader-real', `timeout 60 ${realKubectl} --kubeconfig=${kubeconfig()}`], ['reader-ours', `timeout 60 ${kubemu} kubectl`]] as const) {
      expect((await real('apply -f -', `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: main, image: busybox, command: [sh], stdin: true, stdinOnce: true}\n`)).status).toBe(0)
      expect((await real(`wait --for=condition=Ready pod/${name} --timeout=50s`)).status).toBe(0)
      const attached = await runShell(`${command} attach -i ${name}`, {cwd: home, env: env(), stdin: 'greeting=hello\necho "$greeting from stdin"\nexit 3\n'})
      expect(attached, name).toMatchObject({status: 0, stdout: 'hello from stdin\n'})
      expect((await real(`wait --for=jsonpath={.status.phase}=Failed pod/${name} --timeout=50s`)).status).toBe(0)
      expect((await real(`get pod ${name} -o jsonpath='{.status.containerStatuses[0].state.terminated.exitCode}'`)).stdout).toBe('3')
      expect((await real(`logs ${name}`)).stdout).toBe('hello from stdin\n')
    }
    // run -i … -- sh: the shell reads what kubectl reads, ends with it, and --rm deletes the pod.
    const ran = await real("run -i --rm --restart=Never once --image=busybox -- sh", 'x=4\necho "run -i got $((x * 10))"\n')
    expect(ran).toMatchObject({status: 0, stdout: 'run -i got 40\npod "once" deleted\n'})
    expect(await ours("run -i --rm --restart=Never twice --image=busybox -- sh", 'echo from ours\n')).toMatchObject({status: 0, stdout: 'from ours\npod "twice" deleted\n'})
    // A completed pod, several containers, bad arguments: kubectl's words, the same from kubemu's.
    expect((await real('wait --for=jsonpath={.status.phase}=Succeeded pod/finite --timeout=50s')).status).toBe(0)
    for (const line of ['attach finite', 'attach', 'attach a b c', 'attach missing']) {
      const printed = await real(line)
      expect(await ours(line), line).toMatchObject({status: printed.status, stdout: printed.stdout, stderr: printed.stderr})
    }
    expect((await real('attach finite')).stderr).toBe('error: cannot attach a container in a completed pod; current phase is Succeeded\n')
  })

  it('cp copies a file from a pod and a file and a folder into one, with the real kubectl and kubemu s', async () => {
    expect((await real('run box --image=busybox -- sleep 3600')).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/box --timeout=50s')).status).toBe(0)
    for (const [name, kubectl] of [['real', real], ['ours', ours]] as const) {
      const out = await kubectl(`cp box:/etc/hostname ${join(home, `${name}-hostname`)}`)
      expect(out, name).toMatchObject({status: 0, stdout: "tar: removing leading '/' from member names\n"})
      expect(readFileSync(join(home, `${name}-hostname`), 'utf8')).toBe('box\n')
      writeFileSync(join(home, `${name}-notes.txt`), `notes from ${name}\nline two\n`)
      expect(await kubectl(`cp ${join(home, `${name}-notes.txt`)} box:/tmp/${name}-notes.txt`), name).toMatchObject({status: 0, stdout: '', stderr: ''})
      expect((await real(`exec box -- cat /tmp/${name}-notes.txt`)).stdout).toBe(`notes from ${name}\nline two\n`)
      // A folder into a directory that exists goes under its own name.
      const site = join(home, `${name}-site`)
      mkdirSync(join(site, 'css'), {recursive: true})
      writeFileSync(join(site, 'index.html'), `<h1>${name}</h1>\n`)
      writeFileSync(join(site, 'css', 'main.css'), 'h1 {}\n')
      expect((await kubectl(`cp ${site} box:/tmp`)).status, name).toBe(0)
      expect((await real(`exec box -- sh -c 'cat /tmp/${name}-site/index.html /tmp/${name}-site/css/main.css'`)).stdout).toBe(`<h1>${name}</h1>\nh1 {}\n`)
      // And back out.
      expect((await kubectl(`cp box:/tmp/${name}-site ${join(home, `${name}-back`)}`)).status).toBe(0)
      expect(readFileSync(join(home, `${name}-back`, 'css', 'main.css'), 'utf8')).toBe('h1 {}\n')
      // Bytes: a MiB of random bytes with NUL and invalid UTF-8, in and back out byte for byte.
      const image = Buffer.concat([randomBytes(1024 * 1024), Buffer.from([0x00, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80])])
      writeFileSync(join(home, `${name}-img.png`), image)
      expect(await kubectl(`cp ${join(home, `${name}-img.png`)} box:/tmp/img.png`), name).toMatchObject({status: 0, stdout: '', stderr: ''})
      expect((await kubectl(`cp box:/tmp/img.png ${join(home, `${name}-back.png`)}`)).status, name).toBe(0)
      expect(readFileSync(join(home, `${name}-back.png`)).equals(image), name).toBe(true)
    }
    for (const line of ['cp', 'cp a b', 'cp box:/x other:/y', `cp ${join(home, 'absent')} box:/tmp/x`]) {
      const printed = await real(line)
      expect(await ours(line), line).toMatchObject({status: printed.status, stdout: printed.stdout, stderr: printed.stderr})
    }
  })
})
