// kubectl logs -f against `kubemu up`, with the real kubectl 1.32 and kubemu's: the log streams
// what the container writes as the cluster clock runs (a counter's next lines arrive while the
// command runs), ends by itself when the container's run ends, and several followed logs at once
// are bounded by --max-log-requests with kubectl's error.
import {afterAll, describe, expect, it} from 'vitest'
import {OutputProcess} from '../support/output-process.js'
import {runShell} from '../support/shell.js'
import {type UpProcess, kubemu} from '../support/up-process.js'
import {realKubectl, upWithRealKubectl} from '../support/up-with-real-kubectl.js'

/** How long the next lines may take to arrive (a bound, not a wait: the test goes on as soon as they do). */
const linesMillisecondsMax = 20_000

describe('kubectl logs -f through up', () => {
  const processes: UpProcess[] = []
  afterAll(() => Promise.all(processes.map((up) => up.stop())))

  it('streams a running container, ends with a finished one, and refuses more streams than --max-log-requests', async () => {
    const up = await upWithRealKubectl(processes)
    const clients = [
      {name: 'real kubectl', command: realKubectl, args: [`--kubeconfig=${up.kubeconfig}`]},
      {name: 'kubemu kubectl', command: kubemu, args: ['kubectl']},
    ]
    const counter = await up.real(`run counter --image=busybox --labels=app=count -- sh -c 'i=0; while true; do echo "n $i"; i=$((i+1)); sleep 1; done'`)
    expect(counter.status, counter.stderr).toBe(0)
    expect((await up.real('run twice --image=busybox --restart=Never --labels=app=count -- sh -c "echo first; sleep 3; echo second"')).status).toBe(0)
    expect((await up.real('wait --for=condition=Ready pod/counter --timeout=60s')).status).toBe(0)
    for (const client of clients) {
      const follow = new OutputProcess(client.command, [...client.args, 'logs', '-f', 'counter', '--tail=1'], up.env)
      // Three lines that were not written when the command started arrive while it runs.
      const counted = () => follow.output.split('\n').filter((line) => line.startsWith('n ')).map((line) => Number(line.slice(2)))
      await Promise.race([follow.until(() => counted().length >= 4), new Promise((resolve) => setTimeout(resolve, linesMillisecondsMax))])
      await follow.stop()
      const numbers = counted()
      expect(numbers.length, `${client.name}: ${follow.output}${follow.errorOutput}`).toBeGreaterThanOrEqual(4)
      for (let index = 1; index < numbers.length; index++) expect(numbers[index], `${client.name}: ${numbers.join(' ')}`).toBe(numbers[index - 1]! + 1)
    }
    // A container that ends: -f prints its whole log and returns by itself.
    expect((await up.real('wait --for=jsonpath={.status.phase}=Succeeded pod/twice --timeout=60s')).status).toBe(0)
    for (const client of clients) {
      const ended = await runShell(`timeout 30 ${client.command} ${client.args.join(' ')} logs -f twice`, {cwd: up.home, env: up.env})
      expect({status: ended.status, stdout: ended.stdout}, client.name).toEqual({status: 0, stdout: 'first\nsecond\n'})
    }
    // A container that crashes and restarts at once: -f prints what it wrote up to its exit, then returns.
    expect((await up.real(`run dies --image=busybox --labels=app=dies -- sh -c 'echo start; sleep 3; echo dying-now; exit 1'`)).status).toBe(0)
    expect((await up.real('wait --for=condition=Ready pod/dies --timeout=60s')).status).toBe(0)
    const dying = await Promise.all(clients.map((client) => runShell(`timeout 60 ${client.command} ${client.args.join(' ')} logs -f dies`, {cwd: up.home, env: up.env})))
    for (const [index, ended] of dying.entries()) expect({status: ended.status, stdout: ended.stdout}, clients[index]!.name).toEqual({status: 0, stdout: 'start\ndying-now\n'})
    // Two followed logs with a limit of one: kubectl's error, before any request for a log.
    const refusals = await Promise.all(clients.map((client) => runShell(`timeout 30 ${client.command} ${client.args.join(' ')} logs -f -l app=count --max-log-requests=1`, {cwd: up.home, env: up.env})))
    for (const refusal of refusals) expect(refusal.status).toBe(1)
    expect(refusals[1]!.stderr).toBe(refusals[0]!.stderr)
    expect(refusals[0]!.stderr).toBe('error: you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, use --max-log-requests to increase the limit\n')
  }, 180_000)
})
