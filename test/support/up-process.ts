// `kubemu up` as a subprocess, as a user runs it, with its output collected to wait on.
import {type ChildProcess, spawn} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, afterEach} from 'vitest'

export const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

export class UpProcess {
  output = ''
  private readonly waiting: Array<{pattern: RegExp; resolve: () => void}> = []
  readonly child: ChildProcess
  readonly exited: Promise<number | null>

  /** Free ports for the etcd front door by default: the real etcd of other tests may hold 2379, 22379 and 32379. */
  constructor(readonly home: string, extraArguments: readonly string[] = [], extraEnvironment: NodeJS.ProcessEnv = {}) {
    this.child = spawn(kubemu, ['up', '--port', '0', '--etcd-ports', '0,0,0', ...extraArguments], {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', ...extraEnvironment}})
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

  /** The etcd client URL of each member, as up's log names them. */
  etcdUrls(): Record<string, string> {
    const line = /etcd v3 API at (.*);/.exec(this.output)![1]!
    return Object.fromEntries([...line.matchAll(/(\S+) \((\w+)\)/g)].map((match) => [match[2]!, match[1]!]))
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGINT')
    await this.exited
  }
}

/**
 * The `up` processes a describe block starts (push them to the list it returns): stopped after
 * its tests, their output printed when a test failed (or SHOW_UP is set) to tell what they did.
 */
export function upProcessesOfSuite(): UpProcess[] {
  const processes: UpProcess[] = []
  let failed = false
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true
  })
  afterAll(async () => {
    if (process.env.SHOW_UP || failed) for (const up of processes) console.log(`--- up ${up.child.pid}\n${up.output}`)
    for (const up of processes) await up.stop()
  })
  return processes
}
