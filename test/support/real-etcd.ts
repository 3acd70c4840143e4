// A real 3-member etcd 3.4 on loopback in the layout of etcd's Procfile, for comparisons.
import {machineTmpdirVariable} from './memory-temp.js'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {procfileMembers, procfileToken} from '../../src/core/etcd/layout.js'
import {runShell, type ShellResult} from './shell.js'
import {processAlive} from '../../src/core/util/process-alive.js'

/** How many health probes to make before giving up on a cluster that does not come up. */
const healthProbesMax = 600

export class RealEtcdCluster {
  private constructor(
    private readonly processes: ChildProcess[],
    private readonly folder: string,
    /** Each member's client URL, in the Procfile's order. */
    readonly clientUrls: readonly string[],
    private readonly holdsPortsLock: boolean,
  ) {}

  /** The members' process ids (a bench reads their CPU time). */
  get pids(): number[] {
    return this.processes.map((child) => child.pid).filter((pid): pid is number => pid !== undefined)
  }

  static available(): boolean {
    try {
      execFileSync('etcd', ['--version'], {stdio: 'ignore'})
      return true
    } catch {
      return false
    }
  }

  /**
   * `freePorts`: the members listen on free loopback ports instead of the Procfile's (their member
   * IDs then differ from kubemu's), beside anything else using those (benchmarks on a shared machine).
   */
  static async start(options: {freePorts?: boolean} = {}): Promise<RealEtcdCluster> {
    const members = options.freePorts
      ? await Promise.all(procfileMembers.map(async (member) => ({...member, clientUrl: `http://127.0.0.1:${await freePort()}`, peerUrl: `http://127.0.0.1:${await freePort()}`})))
      : procfileMembers
    if (!options.freePorts) await takePortsLock()
    const folder = mkdtempSync(join(tmpdir(), 'kubemu-real-etcd-'))
    const initialCluster = members.map((member) => `${member.name}=${member.peerUrl}`).join(',')
    const processes = members.map((member) =>
      spawn(
        'etcd',
        [
          `--name=${member.name}`,
          `--data-dir=${join(folder, member.name)}`,
          `--listen-client-urls=${member.clientUrl}`,
          `--advertise-client-urls=${member.clientUrl}`,
          `--listen-peer-urls=${member.peerUrl}`,
          `--initial-advertise-peer-urls=${member.peerUrl}`,
          `--initial-cluster-token=${procfileToken}`,
          `--initial-cluster=${initialCluster}`,
          '--initial-cluster-state=new',
          '--logger=zap',
          '--log-outputs=stderr',
          '--log-level=error',
        ],
        {stdio: ['ignore', 'ignore', 'ignore']},
      ),
    )
    const cluster = new RealEtcdCluster(processes, folder, members.map((member) => member.clientUrl), !options.freePorts)
    try {
      await cluster.waitHealthy()
    } catch (error) {
      await cluster.stop()
      throw error
    }
    return cluster
  }

  /** Polls `etcdctl endpoint health` until every member answers; each probe is itself bounded. */
  private async waitHealthy(): Promise<void> {
    const endpoints = this.clientUrls.join(',')
    for (let probe = 0; probe < healthProbesMax; probe++) {
      const healthy = await new Promise<boolean>((resolve) => {
        const child = spawn('etcdctl', ['--endpoints', endpoints, '--command-timeout=1s', 'endpoint', 'health'], {
          stdio: 'ignore',
          env: {...process.env, ETCDCTL_API: '3'},
        })
        child.on('exit', (code) => resolve(code === 0))
      })
      if (healthy) return
      for (const child of this.processes) {
        if (child.exitCode !== null) throw new Error(`etcd exited with code ${child.exitCode} while starting (is port 2379 in use?)`)
      }
    }
    throw new Error('the real etcd cluster did not become healthy')
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.processes.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGKILL')
          }),
      ),
    )
    rmSync(this.folder, {recursive: true, force: true})
    if (this.holdsPortsLock) releasePortsLock()
  }
}

// The cluster listens on etcd's Procfile ports (its member IDs come from those URLs, and tests
// compare them with kubemu's), so test files that run in parallel take turns: a lock file names
// the process that holds the ports; one whose process has ended is taken over. In the machine's
// temporary folder, not the run's own: two runs side by side (a worktree's and main's) share the ports.
const portsLockPath = join(process.env[machineTmpdirVariable] ?? tmpdir(), 'kubemu-real-etcd-ports.lock')
/** How long a test file waits for another to finish with the ports (under the hook timeout). */
const portsLockWaitMillisecondsMax = 100_000
const portsLockPollMilliseconds = 200


async function takePortsLock(): Promise<void> {
  const deadline = Date.now() + portsLockWaitMillisecondsMax
  for (;;) {
    try {
      writeFileSync(portsLockPath, String(process.pid), {flag: 'wx'})
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    let holder = Number.NaN
    try {
      holder = Number(readFileSync(portsLockPath, 'utf8'))
    } catch {
      continue
    }
    if (!Number.isInteger(holder) || holder <= 0 || !processAlive(holder)) {
      rmSync(portsLockPath, {force: true})
      continue
    }
    if (Date.now() > deadline) throw new Error(`the real etcd cluster's ports stayed held by process ${holder} for ${portsLockWaitMillisecondsMax} ms`)
    await new Promise((resolve) => setTimeout(resolve, portsLockPollMilliseconds))
  }
}

function releasePortsLock(): void {
  try {
    if (Number(readFileSync(portsLockPath, 'utf8')) === process.pid) rmSync(portsLockPath, {force: true})
  } catch {
    // Not held.
  }
}

/** A free loopback port (closed again at once, for a process about to listen on it). */
export async function freePort(): Promise<number> {
  const {createServer} = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as {port: number}).port
      server.close(() => resolve(port))
    })
  })
}

export interface RealEtcdTls {
  readonly certificate: string
  readonly key: string
  readonly authority: string
}

/** A real single-member etcd 3.4 (infra1) on free loopback ports (with TLS as kubeadm runs it, when given), for side-by-side answers. */
export class RealEtcdMember {
  private constructor(
    private readonly child: ChildProcess,
    private readonly folder: string,
    /** `http://127.0.0.1:<client port>` (`https://` with TLS) */
    readonly url: string,
  ) {}

  get clientUrl(): string {
    return this.url
  }

  /** host:port of its client URL. */
  get endpoint(): string {
    return this.url.replace(/^https?:\/\//, '')
  }

  /** The real etcdctl against this member (plain HTTP). */
  etcdctl(line: string, stdin?: string): Promise<ShellResult> {
    return runShell(`etcdctl --endpoints=${this.endpoint} ${line}`, {cwd: this.folder, env: {...process.env, ETCDCTL_API: '3'}, ...(stdin === undefined ? {} : {stdin})})
  }

  static async start(tls?: RealEtcdTls): Promise<RealEtcdMember> {
    const folder = mkdtempSync(join(tmpdir(), 'kubemu-real-etcd-'))
    const [clientPort, peerPort] = [await freePort(), await freePort()]
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${clientPort}`
    const peer = `http://127.0.0.1:${peerPort}`
    const tlsFlags = tls ? [`--cert-file=${tls.certificate}`, `--key-file=${tls.key}`, `--trusted-ca-file=${tls.authority}`, '--client-cert-auth'] : []
    // Logged at info level once the client port serves: waited for on stderr, not polled.
    const child = spawn(
      'etcd',
      ['--name=infra1', `--data-dir=${join(folder, 'infra1')}`, `--listen-client-urls=${url}`, `--advertise-client-urls=${url}`, `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`, `--initial-cluster=infra1=${peer}`, '--logger=zap', '--log-outputs=stderr', '--log-level=info', ...tlsFlags],
      {stdio: ['ignore', 'ignore', 'pipe']},
    )
    const member = new RealEtcdMember(child, folder, url)
    const serving = await new Promise<boolean>((resolve) => {
      let log = ''
      child.stderr!.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString('utf8')).slice(-4096)
        if (log.includes('serving client traffic')) resolve(true)
      })
      child.once('exit', () => resolve(false))
    })
    child.stderr!.resume()
    if (serving) return member
    await member.stop()
    throw new Error(`the real etcd at ${url} exited while starting`)
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve))
      this.child.kill('SIGKILL')
      await exited
    }
    rmSync(this.folder, {recursive: true, force: true})
  }
}

