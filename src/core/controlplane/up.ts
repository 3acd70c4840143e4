// `kubemu up`: the control plane in the foreground until interrupted. The first `up` of a cluster
// opens its store, serves the Kubernetes API over HTTP on loopback (one-shot commands then go
// through it) and runs the loops with real delays; a second `up` is a standby on the first's API.
// Either acts only while it holds the kube-scheduler and kube-controller-manager Leases.
import {hostname} from 'node:os'
import type {KubeObject} from '../api/object.js'
import {FileCredentials} from '../apiserver/authentication/credentials.js'
import {apiServerUser} from '../apiserver/authentication/user.js'
import {runCompactor} from '../apiserver/compactor.js'
import {openKubernetes} from '../apiserver/open.js'
import {pointAdminKubeconfigAt} from '../apiserver/kubeconfig.js'
import {ApiClient, type RequestHandler} from '../client/client.js'
import {HttpRequestHandler} from '../client/http-handler.js'
import {clusterFolder} from '../home.js'
import {currentLayout} from '../etcd/cluster.js'
import type {MemberLayout} from '../etcd/layout.js'
import {type EtcdEndpoint, type EtcdFrontDoor, FrontDoorError, startEtcdFrontDoor} from '../server/etcd-grpc.js'
import {type HttpApi, startHttpApi} from '../server/http-api.js'
import {LazyEmbeddedStore} from '../store/lazy-embedded-store.js'
import type {Clock} from '../util/clock.js'
import {ControlPlane} from './control-plane.js'
import {staticPodHealthFromFolder} from './static-pod-health.js'
import {LeaderElector} from './leader-election.js'
import {removeUpMarker, runningUp, writeUpMarker} from './up-marker.js'

/** How often the loops look for due work when nothing wakes them (watch events arrive sooner). */
export const upTickMilliseconds = 250

export interface UpOptions {
  readonly environment: NodeJS.ProcessEnv
  readonly port: number
  /** Ports of the etcd front door, one per member in order (0: any free one); null: the members' client URLs; 'off': none. */
  readonly etcdPorts?: readonly number[] | null | 'off'
  readonly clock: Clock
  readonly signal: AbortSignal
  readonly log: (line: string) => void
}

function time(milliseconds: number): string {
  return new Date(milliseconds).toISOString().slice(11, 19)
}

/** One line per event: time, component, reason, object, message. */
export function eventLine(event: {component: string; object: KubeObject; type: string; reason: string; message: string; at: number}): string {
  const kind = String(event.object.kind ?? '').toLowerCase()
  const where = event.object.metadata.namespace ? `${event.object.metadata.namespace}/` : ''
  return `${time(event.at)} ${event.component.padEnd(24)} ${event.type === 'Warning' ? '!' : ' '} ${event.reason.padEnd(18)} ${kind}/${where}${event.object.metadata.name}: ${event.message}`
}

/** `--etcd-ports`: one port per member (0: any free one), "off", or empty for the members' client URLs. */
export function parseEtcdPorts(text: string): readonly number[] | null | 'off' {
  if (text === '') return null
  if (text === 'off') return 'off'
  return text.split(',').map((part) => {
    const port = Number(part.trim())
    if (!/^\d+$/.test(part.trim()) || port > 65_535) throw new UpFlagError(`invalid --etcd-ports ${JSON.stringify(text)}: give ports (0 for any free one) by member, comma-separated, or "off"`)
    return port
  })
}

export class UpFlagError extends Error {}

/** Where each member's front door listens: its client URL, or the port given for it by position. */
export function etcdEndpoints(members: readonly MemberLayout[], ports: readonly number[] | null): EtcdEndpoint[] {
  return members.flatMap((member, position) => {
    const given = ports?.[position]
    if (given === undefined && !member.clientUrl) return []
    const url = member.clientUrl ? new URL(member.clientUrl) : null
    return [{member: member.name, host: url?.hostname ?? '127.0.0.1', port: given ?? Number(url!.port)}]
  })
}

async function runLoops(server: RequestHandler, options: UpOptions, stillValid: () => boolean): Promise<void> {
  const identity = `${hostname()}_kubemu-up-${process.pid}`
  const client = new ApiClient(server, apiServerUser, 'kubemu-up')
  const electors = [new LeaderElector(client, 'kube-scheduler', identity), new LeaderElector(client, 'kube-controller-manager', identity)]
  let plane: ControlPlane | null = null
  try {
    while (!options.signal.aborted && stillValid()) {
      const now = options.clock.nowMilliseconds()
      let leading = true
      try {
        for (const elector of electors) leading = (await elector.tryAcquireOrRenew(now)) && leading
      } catch (error) {
        // The `up` whose API this standby uses went away between two looks at its marker.
        if (server instanceof HttpRequestHandler && error instanceof TypeError) break
        throw error
      }
      if (leading && !plane) {
        options.log(`${time(now)} leader election: ${identity} leads (kube-scheduler, kube-controller-manager)`)
        plane = new ControlPlane(server, options.clock, Math.random, (event) => options.log(eventLine(event)), staticPodHealthFromFolder(clusterFolder(options.environment)))
      } else if (!leading && plane) {
        options.log(`${time(now)} leader election: lost the lead; standing by`)
        plane.stop()
        plane = null
      }
      if (plane) {
        const result = await plane.settle(false)
        if (!result.settled) options.log(`${time(options.clock.nowMilliseconds())} warning: the loops did not settle within ${result.rounds} rounds`)
      }
      await options.clock.sleep(upTickMilliseconds, options.signal)
    }
  } finally {
    plane?.stop()
    for (const elector of electors) await elector.release(options.clock.nowMilliseconds()).catch(() => {})
  }
}

export async function runUp(options: UpOptions): Promise<void> {
  const folder = clusterFolder(options.environment)
  while (!options.signal.aborted) {
    const other = runningUp(folder)
    if (other) {
      options.log(`${time(options.clock.nowMilliseconds())} kubemu up (pid ${other.pid}) serves this cluster at ${other.url}: standing by on its API`)
      await runLoops(new HttpRequestHandler(other.url, new FileCredentials(folder).adminToken()), options, () => runningUp(folder)?.pid === other.pid)
      continue
    }
    const connection = await openKubernetes({environment: options.environment, clock: options.clock})
    let http: HttpApi | null = null
    let secure: HttpApi | null = null
    let etcd: EtcdFrontDoor | null = null
    try {
      // HTTPS for kubectl and client libraries (the kubeconfig trusts the cluster's CA); plain
      // HTTP on a free loopback port for kubemu's own one-shot commands, which up.json names.
      const certificates = new FileCredentials(folder).certificates(options.clock.nowMilliseconds())
      secure = await startHttpApi(connection.api, {port: options.port, tls: certificates.serving}).catch((error: unknown) => {
        throw new FrontDoorError(`cannot serve the Kubernetes API on 127.0.0.1:${options.port} (${error instanceof Error ? error.message : String(error)}): --port moves it`)
      })
      http = await startHttpApi(connection.api)
      const store = connection.store
      if (options.etcdPorts !== 'off' && store instanceof LazyEmbeddedStore) {
        etcd = await startEtcdFrontDoor(await store.embeddedClient(), etcdEndpoints(currentLayout(folder).members, options.etcdPorts ?? null))
      }
      writeUpMarker(folder, {pid: process.pid, url: http.url, secureUrl: secure.url, started: new Date(options.clock.nowMilliseconds()).toISOString(), ...(etcd ? {etcd: Object.fromEntries(etcd.urls)} : {})})
      const moved = pointAdminKubeconfigAt(connection.kubeconfig, secure.url) ? ', now pointing there' : ''
      options.log(`${time(options.clock.nowMilliseconds())} Kubernetes API at ${secure.url} (kubeconfig: ${connection.kubeconfig}${moved}); Ctrl-C stops`)
      if (etcd) {
        const endpoints = [...etcd.urls.values()].map((url) => url.replace(/^http:\/\//, '')).join(',')
        options.log(`${time(options.clock.nowMilliseconds())} etcd v3 API at ${[...etcd.urls].map(([name, url]) => `${url} (${name})`).join(', ')}; etcdctl --endpoints=${endpoints}`)
      }
      // kube-apiserver's compactor, beside the loops, until `up` stops.
      const compaction = new AbortController()
      const compactor = runCompactor(connection.store, options.clock, AbortSignal.any([options.signal, compaction.signal]), (message) => options.log(`${time(options.clock.nowMilliseconds())} ${message}`))
      try {
        await runLoops(connection.api, options, () => true)
      } finally {
        compaction.abort()
        await compactor
      }
    } finally {
      removeUpMarker(folder)
      await etcd?.close()
      await http?.close()
      await secure?.close()
      await connection.close()
    }
  }
}
