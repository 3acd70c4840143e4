// `kubemu up` as a user starts it, a subprocess of the built CLI, for tests that point etcd client
// libraries at its etcd front door: free ports chosen once and kept across restarts (so clients
// reconnect to the same endpoints after a SIGKILL), its output kept and watched, member faults
// and the cluster clock driven through kubemu's own commands (or their core calls, where the
// command's start-up time would blur when a fault lands).
import {type ChildProcess, spawn} from 'node:child_process'
import {createServer} from 'node:net'
import {join} from 'node:path'
import {advanceClusterTime, applyFault} from '../../src/core/host/commands.js'
import {afterAll, afterEach, beforeAll} from 'vitest'
import {runShell, type ShellResult} from './shell.js'
import {temporaryFolder} from './temp.js'

export const kubemuBin = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

/** The etcd members of the default layout, in the order of `--etcd-ports`. */
export const memberNames = ['infra1', 'infra2', 'infra3'] as const

/** A port nothing listens on right now (the OS picks it; the test keeps it for `up`). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** How many sets of free ports the first launch tries before it reports the clash. */
const portAttemptsMax = 3

export class UpProcess {
  output = ''
  private readonly waiting: Array<{matches: () => boolean; resolve: () => void}> = []
  child: ChildProcess | null = null
  exited: Promise<number | null> = Promise.resolve(null)
  readonly environment: NodeJS.ProcessEnv
  /** Set while the test itself stops or kills `up`. */
  private ending = false

  private constructor(
    readonly home: string,
    /** The etcd client ports, by member in `memberNames` order. */
    readonly etcdPorts: readonly number[],
    readonly apiPort: number,
  ) {
    this.environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', ETCDCTL_API: '3'}
  }

  /** Starts `up` in `home` on fresh free ports; resolves once its etcd front door serves and a leader is elected. */
  static async start(home: string): Promise<UpProcess> {
    // A port free when chosen can be taken before `up` binds it (any process's outgoing connection
    // may get it as its ephemeral port): the first launch tries fresh ports a few times.
    for (let attempt = 1; ; attempt++) {
      const up = new UpProcess(home, [await freePort(), await freePort(), await freePort()], await freePort())
      try {
        await up.launch()
        return up
      } catch (error) {
        if (attempt >= portAttemptsMax || !/EADDRINUSE/.test(String(error))) throw error
      }
    }
  }

  /** Each member's endpoint, `127.0.0.1:PORT`, by member in `memberNames` order. */
  get endpoints(): string[] {
    return this.etcdPorts.map((port) => `127.0.0.1:${port}`)
  }

  endpointOf(member: string): string {
    return this.endpoints[memberNames.indexOf(member as (typeof memberNames)[number])]!
  }

  /** (Re)starts the process on the same ports; resolves once the control plane has elected its leaders (etcd serves by then). */
  async launch(): Promise<void> {
    const started = this.output.length
    const child = spawn(kubemuBin, ['up', '--port', String(this.apiPort), '--etcd-ports', this.etcdPorts.join(',')], {cwd: this.home, env: this.environment})
    this.child = child
    this.exited = new Promise((resolve) => child.on('exit', resolve))
    const take = (chunk: string) => {
      this.output += chunk
      for (const entry of [...this.waiting]) {
        if (entry.matches()) {
          this.waiting.splice(this.waiting.indexOf(entry), 1)
          entry.resolve()
        }
      }
    }
    child.stdout!.setEncoding('utf8').on('data', take)
    child.stderr!.setEncoding('utf8').on('data', take)
    const ready = this.until(/etcd v3 API at /, started)
    const failed = this.exited.then((code) => {
      throw new Error(`kubemu up exited (${code}) before serving:\n${this.output.slice(started)}`)
    })
    await Promise.race([ready, failed])
    failed.catch(() => undefined)
  }

  /** Resolves once the output from `from` on matches (the test's own timeout bounds the wait). */
  until(pattern: RegExp, from = 0): Promise<void> {
    const matches = () => pattern.test(this.output.slice(from))
    if (matches()) return Promise.resolve()
    return new Promise((resolve) => this.waiting.push({matches, resolve}))
  }

  /** Sends a signal to `up` itself. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal)
  }

  /** SIGKILL, as a crash: nothing is flushed or closed. Resolves once the process is gone. */
  async crash(): Promise<void> {
    this.ending = true
    this.signal('SIGKILL')
    await this.exited
    this.ending = false
  }

  /** Rejects if `up` exits without being told to (race a wait against it, to fail with up's last words instead of a timeout). */
  died(): Promise<never> {
    const child = this.child
    return this.exited.then((code) => {
      if (this.ending || child !== this.child) return new Promise<never>(() => undefined)
      throw new Error(`kubemu up exited (${code}) on its own; its last output:\n${this.output.slice(-3000)}`)
    })
  }

  /** Ctrl-C, then waits for a clean exit. */
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return
    this.ending = true
    this.signal('SIGCONT')
    this.signal('SIGINT')
    await this.exited
  }

  /** A kubemu command (`member stop infra1 --force`, `time advance 30s`) through `up`. */
  kubemu(line: string): Promise<ShellResult> {
    return runShell(`${kubemuBin} ${line}`, {cwd: this.home, env: this.environment})
  }

  /**
   * `kubemu member stop|start NAME` as the command does it (through up's control endpoint), without
   * the command's start-up time, so a fault lands where the test means it to.
   */
  async member(action: 'stop' | 'start', name: string): Promise<void> {
    await applyFault(this.environment, undefined, 'members', name, action, false)
  }

  /** `kubemu time advance`, as the command does it. */
  async advance(milliseconds: number): Promise<void> {
    await advanceClusterTime(this.environment, undefined, milliseconds)
  }

  /** Runs a kubemu command that must succeed. */
  async must(line: string): Promise<string> {
    const result = await this.kubemu(line)
    if (result.status !== 0) throw new Error(`kubemu ${line} failed (${result.status}): ${result.stderr}${result.stdout}`)
    return result.stdout
  }
}

/**
 * A `kubemu up` in a fresh home for the enclosing describe: started before its tests, stopped
 * after them (after `cleanUp`), its output printed when a test failed, with `label` first.
 */
export function upForDescribe(label = () => '', cleanUp = () => {}): () => UpProcess {
  let up: UpProcess | undefined
  let failed = false
  beforeAll(async () => {
    up = await UpProcess.start(temporaryFolder())
  })
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true
  })
  afterAll(async () => {
    cleanUp()
    if (failed || process.env.SHOW_UP) console.log(`--- ${label()}up\n${up?.output}`)
    await up?.stop()
  })
  return () => up!
}
