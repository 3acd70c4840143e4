// One real etcd 3.4 member on free loopback ports, for side-by-side comparisons that must not
// take the Procfile ports other tests use.
import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {runShell} from './shell.js'

/** Health probes before giving up on a member that does not come up (each is bounded by etcdctl's timeout). */
const healthProbesMax = 300

/** A port nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export class RealEtcdMember {
  private constructor(
    private readonly child: ChildProcess,
    private readonly folder: string,
    /** host:port of its client URL. */
    readonly endpoint: string,
  ) {}

  static async start(extraFlags: readonly string[] = []): Promise<RealEtcdMember> {
    const folder = mkdtempSync(join(tmpdir(), 'kubemu-real-etcd-member-'))
    const clientPort = await freePort()
    const peerPort = await freePort()
    const client = `http://127.0.0.1:${clientPort}`
    const peer = `http://127.0.0.1:${peerPort}`
    const child = spawn(
      'etcd',
      [
        '--name=solo',
        `--data-dir=${join(folder, 'data')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=solo=${peer}`,
        '--logger=zap',
        '--log-outputs=stderr',
        '--log-level=error',
        ...extraFlags,
      ],
      {stdio: ['ignore', 'ignore', 'ignore']},
    )
    const member = new RealEtcdMember(child, folder, `127.0.0.1:${clientPort}`)
    for (let probe = 0; probe < healthProbesMax; probe++) {
      if ((await member.etcdctl('--command-timeout=1s endpoint health')).status === 0) return member
      if (child.exitCode !== null) break
    }
    await member.stop()
    throw new Error('the real etcd member did not become healthy')
  }

  /** The real etcdctl against this member. */
  etcdctl(line: string, stdin?: string) {
    return runShell(`etcdctl --endpoints=${this.endpoint} ${line}`, {cwd: this.folder, env: {...process.env, ETCDCTL_API: '3'}, ...(stdin === undefined ? {} : {stdin})})
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
