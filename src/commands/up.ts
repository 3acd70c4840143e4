import {Flags} from '@oclif/core'
import {upCore} from '../command-cores.js'
import {parseEtcdPorts, UpFlagError} from '../core/host/up-flags.js'
import {LineBatch} from '../core/util/line-batch.js'
import {clusterFolder} from '../core/home.js'
import {applySeed, parseSeed, SeedError, seedVariable} from '../core/seed.js'
import {KubemuCommand, fail} from '../command-errors.js'

export default class Up extends KubemuCommand {
  static override description = 'Run the whole cluster in the foreground until Ctrl-C: three masters (etcd members infra1..3, kube-apiservers behind one front port, kube-schedulers and kube-controller-managers electing leaders), kubelets with real delays on the cluster clock, the Kubernetes API over HTTPS and the etcd v3 API (gRPC, and /health, /version, /metrics over HTTP on the same ports) on loopback, and a live web page at /ui (its link, with the cluster admin\'s token, is among the first lines; the page draws the members\' Raft logs, the Leases, nodes and pods, Services and endpoints, the latest change\'s events; requests without the token get 403). Every other kubemu command goes through it while it runs. KUBEMU_MEMBER_THREADS=1 (experimental) runs each etcd member\'s SQLite work (persisting raft entries, applying committed ones) in a thread of its own; a seeded cluster keeps its members in-process'
  static override flags = {
    port: Flags.integer({description: 'port of the Kubernetes API over HTTPS (the cluster\'s kubeconfig is pointed at it)', default: 6443}),
    'etcd-tls': Flags.boolean({description: 'serve the etcd v3 API over https:// as kubeadm runs etcd: certificates under <cluster>/pki/etcd (ca.crt, server.crt, root.crt, healthcheck-client.crt, apiserver-etcd-client.crt with their keys), client certificates required and their CN taken as the etcd user once auth is enabled', default: false}),
    'etcd-ports': Flags.string({description: 'ports of the etcd v3 API, one per member, comma-separated (0: any free one; default: the members\' client URLs, 2379,22379,32379; "off": none)', default: ''}),
    'scheduler-config': Flags.string({description: 'a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) for the masters\' schedulers: checked as kube-scheduler checks it (up refuses to start on an error) and kept as <cluster>/scheduler-config.yaml, which one-shot commands use too'}),
    seed: Flags.string({description: 'create the cluster with this seed (a whole number; as KUBEMU_SEED): UIDs, generated names, IPs, ports, tie-breaks and election timeouts follow it, and the cluster clock starts at 2025-01-01T00:00:00Z'}),
    'manual-clock': Flags.boolean({description: 'on a seeded cluster: the cluster clock stands still, as between one-shot commands, and moves only with `kubemu time advance`; the kubelets\' simulated delays collapse as in one-shot commands and a client\'s write is answered once the loops have settled it, so the same script gives the same output, timestamps and ages included (without it, a seeded up repeats UIDs, names, IPs, node choices and leaders, but timestamps follow real time and so do the decisions that read them)', default: false}),
    'auth-token-ttl': Flags.integer({description: 'seconds an etcd auth token lives unused on the cluster clock, as etcd\'s --auth-token-ttl', default: 300, min: 1}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Up)
    let etcdPorts: ReturnType<typeof parseEtcdPorts>
    try {
      etcdPorts = parseEtcdPorts(flags['etcd-ports'])
    } catch (error) {
      if (error instanceof UpFlagError) this.error(error.message, {exit: 2})
      throw error
    }
    let environment = process.env
    if (flags.seed !== undefined) {
      try {
        environment = {...process.env, [seedVariable]: String(parseSeed(flags.seed, '--seed'))}
        applySeed(environment, clusterFolder(environment))
      } catch (error) {
        if (error instanceof SeedError) fail(this, error.message)
        throw error
      }
    }
    // Loaded once the flags and the seed are good: a typo costs no start-up.
    const core = await upCore()
    // up's log: every line reaches stdout by the end of its turn of the event loop, and before exit.
    const output = new LineBatch((text) => process.stdout.write(text))
    process.once('exit', () => output.flush())
    const stop = new AbortController()
    const interrupt = (signal: NodeJS.Signals) => {
      output.line(`${new Date().toISOString().slice(11, 19)} ${signal}: stopping the loops and the front doors`)
      stop.abort()
    }
    process.once('SIGINT', interrupt)
    process.once('SIGTERM', interrupt)
    try {
      await core.runUp({environment, port: flags.port, etcdPorts, authTokenTtlSeconds: flags['auth-token-ttl'], etcdTls: flags['etcd-tls'], schedulerConfig: flags['scheduler-config'], clock: core.systemClock, manualClock: flags['manual-clock'], signal: stop.signal, log: (line) => output.line(line), webPage: core.mountWebPage, containerTools: (servedEtcd) => core.containerTools(environment, servedEtcd)})
    } catch (error) {
      if (error instanceof core.FrontDoorError) fail(this, error.message)
      throw error
    }
    // Stopped and cleaned up: a timer left by a client that went away must not keep the process.
    this.exit(0)
  }
}
