// `kubemu up` through the CLI: it serves the API and runs the loops with real delays; one-shot
// commands go through it; a second `up` stands by and takes over when the first stops.
import {type ChildProcess, spawn} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

class UpProcess {
  output = ''
  private readonly waiting: Array<{pattern: RegExp; resolve: () => void}> = []
  readonly child: ChildProcess
  readonly exited: Promise<number | null>

  constructor(home: string) {
    this.child = spawn(kubemu, ['up', '--port', '0'], {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    this.exited = new Promise((resolve) => this.child.on('exit', resolve))
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.output += chunk
      for (const entry of [...this.waiting]) {
        if (entry.pattern.test(this.output)) {
          this.waiting.splice(this.waiting.indexOf(entry), 1)
          entry.resolve()
        }
      }
    })
  }

  /** Resolves once the output matches (the test's own timeout bounds the wait). */
  until(pattern: RegExp): Promise<void> {
    if (pattern.test(this.output)) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push({pattern, resolve}))
  }
}

describe('kubemu up', () => {
  const processes: UpProcess[] = []
  afterAll(async () => {
    if (process.env.SHOW_UP) for (const up of processes) console.log(`--- up ${up.child.pid}\n${up.output}`)
    for (const up of processes) {
      up.child.kill('SIGINT')
      await up.exited
    }
  })

  it('serves one-shot commands, runs the loops with real delays, and a standby takes over', async () => {
    const home = temporaryFolder()
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    const first = new UpProcess(home)
    processes.push(first)
    await first.until(/leader election: \S+ leads/)
    expect(first.output).toMatch(/Kubernetes API at http:\/\/127\.0\.0\.1:\d+ /)
    expect((await kubectl('create deployment web --image=nginx --replicas=2')).stdout).toBe('deployment.apps/web created\n')
    expect((await kubectl('wait --for=condition=Available deployment/web --timeout=60s')).stdout).toBe('deployment.apps/web condition met\n')
    await first.until(/kubelet\/worker-\d +Started +pod\/default\/web-/)
    expect(first.output).toMatch(/deployment-controller +ScalingReplicaSet +deployment\/default\/web: Scaled up replica set web-\w+ from 0 to 2/)
    const holder = await kubectl("get lease kube-scheduler -n kube-system -o jsonpath='{.spec.holderIdentity}'")
    expect(holder.stdout).toMatch(new RegExp(`_kubemu-up-${first.child.pid}$`))

    const second = new UpProcess(home)
    processes.push(second)
    await second.until(/standing by on its API/)
    first.child.kill('SIGINT')
    expect(await first.exited).toBe(0)
    await second.until(/leader election: \S+ leads/)
    expect((await kubectl('scale deployment web --replicas=3')).status).toBe(0)
    expect((await kubectl('wait --for=jsonpath={.status.readyReplicas}=3 deployment/web --timeout=60s')).status).toBe(0)
    const taken = await kubectl("get lease kube-controller-manager -n kube-system -o jsonpath='{.spec.holderIdentity} {.spec.leaseTransitions}'")
    expect(taken.stdout).toMatch(new RegExp(`_kubemu-up-${second.child.pid} 1$`))
  }, 60_000)
})
