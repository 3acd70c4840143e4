// A container with a terminal (tty: true, stdin: true) from a real terminal (a pty `script`
// opens), with the real kubectl 1.32 and kubemu's, under `kubemu up` and one-shot: `run -it --rm
// … -- sh` and `attach -it` echo each key, run the line on Enter, stop `sleep 100` on Ctrl-C (the
// shell goes on), end the shell on Ctrl-D, and print kubectl's lines around the session; the
// container's log holds what its terminal showed, as containerd writes it. Also: time runs in an
// exec session (`date` prints the moment its line ran, `sleep` takes its time).
import {describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl, upWithRealKubectl} from '../support/up-with-real-kubectl.js'
import {interruptsThenEnds, type KubectlClient, onTerminal, terminalAnswerMillisecondsMax as answerMillisecondsMax} from '../support/terminal-session.js'

type Client = KubectlClient

/** run -it --rm NAME -- sh: type a line, Ctrl-C a sleep, Ctrl-D ends the shell; kubectl's whole transcript. */
async function shellSession(client: Client, name: string, env: NodeJS.ProcessEnv): Promise<string> {
  const session = onTerminal(client, `run -it --rm ${name} --image=busybox -- sh`, env)
  await session.shows('/ # ')
  session.terminal.write('echo hi\r')
  await session.shows('/ # echo hi\nhi\n/ # ')
  await interruptsThenEnds(session, 'kubectl 0')
  return session.shown()
}

const sessionTranscript = (name: string) => [
  "If you don't see a command prompt, try pressing enter.",
  '/ # echo hi', 'hi', '/ # sleep 100', '^C', '/ # echo "status $?"', 'status 130', '/ # ',
  `Session ended, resume using 'kubectl attach ${name} -c ${name} -i -t' command when the pod is running`,
  `pod "${name}" deleted`, 'kubectl 0', '',
].join('\n')

const ttyPod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  restartPolicy: Never\n  containers:\n  - {name: main, image: busybox, command: [sh], stdin: true, tty: true}\n`

/** Lines of `date +%s` the process printed after `from`. */
function dates(output: string, from: number): number[] {
  return output.slice(from).split('\n').filter((line) => /^\d{9,}$/.test(line)).map(Number)
}

/** exec -i sh: `date` prints the moment its line ran (after `time advance`, an hour later), and `sleep 2` takes 2 s. */
async function clockRunsInExec(client: Client, env: NodeJS.ProcessEnv, advance: (() => Promise<void>) | null): Promise<void> {
  const exec = new OutputProcess(client.command, [...client.args, 'exec', '-i', 'box', '--', 'sh'], env, true)
  const datesShown = async (count: number, from: number) => {
    await Promise.race([exec.until((output) => dates(output, from).length >= count), new Promise((resolve) => setTimeout(resolve, answerMillisecondsMax))])
    const shown = dates(exec.output, from)
    expect(shown.length, `${client.name}: ${exec.output} ${exec.errorOutput}`).toBeGreaterThanOrEqual(count)
    return shown
  }
  exec.write('date +%s\n')
  const [first] = await datesShown(1, 0)
  if (advance) {
    await advance()
    const from = exec.output.length
    exec.write('date +%s\n')
    const [later] = await datesShown(1, from)
    expect(later! - first!, client.name).toBeGreaterThanOrEqual(3600)
    expect(later! - first!, client.name).toBeLessThan(3600 + 120)
  }
  const from = exec.output.length
  const sent = Date.now()
  exec.write('date +%s; sleep 2; date +%s\n')
  const [before, after] = await datesShown(2, from)
  // The second date comes only once 2 s have passed, and says so.
  expect(Date.now() - sent, client.name).toBeGreaterThanOrEqual(2000)
  expect(after! - before!, client.name).toBeGreaterThanOrEqual(2)
  expect(after! - before!, client.name).toBeLessThan(2 + 30)
  exec.endInput()
  expect(await exec.exitCode(), `${client.name}: ${exec.errorOutput}`).toBe(0)
}

const sleeper = 'apiVersion: v1\nkind: Pod\nmetadata: {name: box}\nspec:\n  containers:\n  - {name: main, image: busybox, command: [sleep, "86400"]}\n'

describe('a container with a terminal, from a terminal', {timeout: 400_000}, () => {
  const processes = upProcessesOfSuite()

  it('against kubemu up: run -it and attach -it echo, run lines, stop a sleep on Ctrl-C and end on Ctrl-D, with the real kubectl and kubemu\'s alike; the log is what the terminal showed; time runs in exec -i', async () => {
    const {home, env, kubeconfig, real} = await upWithRealKubectl(processes)
    const clients: Client[] = [{name: 'real', command: realKubectl, args: [`--kubeconfig=${kubeconfig}`]}, {name: 'ours', command: kubemu, args: ['kubectl']}]
    for (const client of clients) {
      const name = `sh-${client.name}`
      expect(await shellSession(client, name, env)).toBe(sessionTranscript(name))
      // Deleted: gone, or going (sh ignores SIGTERM, so the grace period runs out first).
      const left = await real(`get pod ${name} -o jsonpath={.metadata.deletionTimestamp}`)
      expect(left.stderr.includes('not found') || /^\d{4}-/.test(left.stdout), `${left.stdout} ${left.stderr}`).toBe(true)
    }
    for (const client of clients) {
      const pod = `tty-${client.name}`
      expect((await real('apply -f -', ttyPod(pod))).status).toBe(0)
      expect((await real(`wait --for=condition=Ready pod/${pod} --timeout=50s`)).status).toBe(0)
      const {terminal, shows} = onTerminal(client, `attach -it ${pod}`, env)
      await shows("If you don't see a command prompt, try pressing enter.\n/ # ")
      terminal.write('echo hi\r')
      await shows('/ # echo hi\nhi\n/ # ')
      // While the shell waits, its log holds the lines ended so far (the prompt waits for its newline).
      expect((await real(`logs ${pod}`)).stdout).toBe('/ # echo hi\nhi\n')
      terminal.write('\u0004')
      // restartPolicy Never: the session cannot be resumed, so kubectl says nothing of it.
      await shows('/ # echo hi\nhi\n/ # \nkubectl 0\n')
      terminal.endInput()
      expect((await real(`wait --for=jsonpath={.status.phase}=Succeeded pod/${pod} --timeout=50s`)).status).toBe(0)
      expect((await real(`logs ${pod}`)).stdout).toBe('/ # echo hi\nhi\n/ # \n')
    }
    expect((await real('apply -f -', sleeper)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/box --timeout=50s')).status).toBe(0)
    const advance = async () => {
      expect((await runShell(`${kubemu} time advance 1h`, {cwd: home, env})).status).toBe(0)
    }
    for (const client of clients) await clockRunsInExec(client, env, advance)
    // exec -it: the echo shows at once, what follows a sleep shows once it ended (the session is
    // asked for it while no key comes) and a Ctrl-C typed during a sleep stops it, with both kubectls.
    for (const client of clients) {
      const session = onTerminal(client, 'exec -it box -- sh', env)
      await session.shows('/ # ')
      session.terminal.write('sleep 1; echo woke\r')
      await session.shows('/ # sleep 1; echo woke\nwoke\n/ # ')
      await interruptsThenEnds(session, 'kubectl 0')
    }
  })

  it('one-shot: kubemu\'s run -it shows the same session, and sleep takes its time in exec -i', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const ours: Client = {name: 'one-shot', command: kubemu, args: ['kubectl']}
    expect(await shellSession(ours, 'sh-one-shot', env)).toBe(sessionTranscript('sh-one-shot'))
    expect((await runShell(`${kubemu} kubectl apply -f -`, {cwd: home, env, stdin: sleeper})).status).toBe(0)
    await clockRunsInExec(ours, env, null)
  })
})
