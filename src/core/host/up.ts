// `kubemu up`: the whole cluster in the foreground until interrupted. This process alone drives
// the etcd members; it serves the Kubernetes API (HTTPS for kubectl and client libraries, one
// front port balancing over the running masters' API servers), plain HTTP on loopback for
// kubemu's own commands with the host's control endpoints beside it, and the etcd v3 API per
// member. The masters' schedulers and controller managers are active-passive through their
// Leases; the loops run with real delays on the cluster clock.
import type {ServedEtcd} from './cluster-host.js'
import type {ContainerTools} from '../kubelet/shell/process-context.js'
import {ComponentLogFile, ComponentLogStreams, memberLogToComponentLogs} from './component-logs.js'
import {sendMemberLogOf} from '../etcd/cluster.js'
import {FileKubeletCredentials, joinDefaultKubelets} from '../kubelet/client-credentials.js'
import {boundHeapGrowth} from './heap-growth.js'
import type {KubeObject} from '../api/object.js'
import {FileCredentials} from '../apiserver/authentication/credentials.js'
import {crdKeyPrefix} from '../apiserver/custom-resource-serving.js'
import {watchCachedChanges} from '../apiserver/cached-changes.js'
import {rbacKeyPrefixes} from '../apiserver/authorization/rbac-cache.js'
import {admissionCachedKeyPrefixes} from '../apiserver/admission/cached-objects.js'
import {apiServicesKeyPrefix} from '../apiserver/aggregation.js'
import {registerAtStart} from './autoregistration.js'
import {BootstrapController, runBootstrapController} from '../apiserver/bootstrap-controller.js'
import {runCompactor} from '../apiserver/compactor.js'
import {openKubernetes} from '../apiserver/open.js'
import {pointAdminKubeconfigAt} from '../apiserver/kubeconfig.js'
import {ControlPlane} from '../controlplane/control-plane.js'
import {currentLayout} from '../etcd/cluster-files.js'
import type {MemberLayout} from '../etcd/layout.js'
import {clusterFolder} from '../home.js'
import {etcdctlCommandLine, etcdServingTls} from '../apiserver/authentication/etcd-certificates.js'
import {serveEtcdGateway} from '../server/etcd-gateway.js'
import {type EtcdEndpoint, type EtcdFrontDoor, FrontDoorError, startEtcdFrontDoor} from '../server/etcd-grpc.js'
import {type HttpApi, startHttpApi} from '../server/http-api.js'
import {LazyEmbeddedStore} from '../store/lazy-embedded-store.js'
import type {Clock} from '../util/clock.js'
import {type ClusterClock, openClusterClock} from './clock.js'
import {withControlEndpoints, withFolderEndpoint} from './control-api.js'
import {defaultMasters} from '../api/masters.js'
import {isMasterStopped} from './faults.js'
import type {AuthenticatingHandler, KubernetesHandler} from './cluster-host.js'
import {UpRuntime} from './up-runtime.js'
import {clusterRandomness, clusterSeed, seedVariable} from '../seed.js'
import {enableMemberThreads, memberThreadsVariable} from '../etcd/member-thread.js'
import {removeUpMarker, runningUp, type UpMarker, writeUpMarker} from './up-marker.js'
import {clusterContainers} from '../kubelet/containers.js'
import {masterPkiFiles} from './master-files.js'
import {ApiServerLog} from './apiserver-log.js'
import {hostPodNetwork} from './pod-network.js'
import type {Profile} from '../scheduler/profile.js'
import {clusterSchedulerProfiles, installSchedulerConfiguration, schedulerConfigurationFileName} from './scheduler-config.js'
import {FileSyncedRules} from '../proxy/synced-rules.js'
import {FileSchedulingReports} from '../scheduler/reports.js'
import {FileAutoscalerMemory} from '../controllers/autoscaler-memory.js'
import type {MountedWebPage, WebPageMounter} from './web-page.js'

/** How often the loops look for due work when nothing wakes them (watch events arrive sooner). */
export const upTickMilliseconds = 250

export interface UpOptions {
  readonly environment: NodeJS.ProcessEnv
  readonly port: number
  /** Ports of the etcd front door, one per member in order (0: any free one); null: the members' client URLs; 'off': none. */
  readonly etcdPorts?: readonly number[] | null | 'off'
  /** etcd's --auth-token-ttl for the front door's tokens. */
  readonly authTokenTtlSeconds?: number
  /** Serve the etcd front door over TLS with client certificates (pki/etcd), as kubeadm runs etcd. */
  readonly etcdTls?: boolean
  /** A KubeSchedulerConfiguration file to check and make the cluster's (`--scheduler-config`). */
  readonly schedulerConfig?: string
  /** The wall clock under the cluster clock. */
  readonly clock: Clock
  /** A seeded cluster's clock stands still and moves only with `kubemu time advance` (`--manual-clock`). */
  readonly manualClock?: boolean
  readonly signal: AbortSignal
  readonly log: (line: string) => void
  /** The web page and status snapshots served on the loopback port (src/core/ui's mountWebPage). */
  readonly webPage: WebPageMounter
  /** The tools an exec may run in the containers (src/core/etcdctl's containerTools: etcdctl in etcd's images), given the front door's URLs. */
  readonly containerTools?: (servedEtcd: ServedEtcd) => ContainerTools
}

/** `up` cannot start: another one runs, or a port is taken. */
export class UpError extends FrontDoorError {}

function time(milliseconds: number): string {
  return new Date(milliseconds).toISOString().slice(11, 19)
}

/** One line per event: time, component, reason, object, message. */
export function eventLine(event: {component: string; object: KubeObject; type: string; reason: string; message: string; at: number}): string {
  const kind = String(event.object.kind ?? '').toLowerCase()
  const where = event.object.metadata.namespace ? `${event.object.metadata.namespace}/` : ''
  return `${time(event.at)} ${event.component.padEnd(24)} ${event.type === 'Warning' ? '!' : ' '} ${event.reason.padEnd(18)} ${kind}/${where}${event.object.metadata.name}: ${event.message}`
}

/** Where each member's front door listens: its client URL, or the port given for it by position. */
export function etcdEndpoints(members: readonly MemberLayout[], ports: readonly number[] | null): EtcdEndpoint[] {
  return members.flatMap((member, position) => {
    const given = ports?.[position]
    if (given === undefined && !member.clientUrl) return []
    const url = member.clientUrl ? new URL(member.clientUrl) : null
    return [{member: member.name, host: url?.hostname ?? '127.0.0.1', port: given ?? Number(url!.port)}]
  })
}

/** The ports a running `up` serves, as its marker records them. */
export function servedPorts(marker: UpMarker): string {
  const urls = [marker.secureUrl, ...Object.values(marker.etcd ?? {})].filter((url): url is string => Boolean(url))
  return urls.map((url) => new URL(url).port).join(', ')
}

export async function runUp(options: UpOptions): Promise<void> {
  const folder = clusterFolder(options.environment)
  const other = runningUp(folder)
  if (other) throw new UpError(`kubemu up is already running for this cluster (pid ${other.pid}, ports ${servedPorts(other)}); stop it first, or use its ports`)
  // A manual clock stands on the seeded epoch as between one-shot commands: its times repeat.
  if (options.manualClock && clusterSeed(folder) === null) throw new UpError(`--manual-clock needs a cluster created with a seed: give --seed N (or ${seedVariable}) when up creates it`)
  // The scheduler's configuration first: up refuses to start rather than run with half of one.
  const schedulerProfiles = options.schedulerConfig ? installSchedulerConfiguration(folder, options.schedulerConfig) : clusterSchedulerProfiles(folder)
  const clock = openClusterClock(folder, options.clock, !options.manualClock)
  const log = (line: string) => options.log(`${time(clock.nowMilliseconds())} ${line}`)
  // A cluster that runs for long keeps its peak resident memory near its live objects (heap-growth.ts).
  boundHeapGrowth()
  // The members' SQLite work in threads of their own, while the mode is behind its switch.
  if (process.env[memberThreadsVariable] === '1') {
    enableMemberThreads(log)
    log(`etcd: each member persists and applies in a thread of its own (${memberThreadsVariable}=1; a seeded cluster keeps them in-process)`)
  }
  // The last net under a long-running server: a promise some client's request left failing
  // unobserved is a bug to report, not a reason to stop serving everyone else.
  const reportUnhandled = (reason: unknown) => log(`internal error, please report it (up carries on): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`)
  process.on('unhandledRejection', reportUnhandled)
  try {
    await serveUp(options, folder, clock, log, schedulerProfiles)
  } finally {
    process.off('unhandledRejection', reportUnhandled)
    // A seeded cluster's next command counts from its epoch again: the time up ran stays with it.
    if (clock.seeded) clock.persist(folder)
  }
}

async function serveUp(options: UpOptions, folder: string, clock: ClusterClock, log: (line: string) => void, schedulerProfiles: Profile[] | undefined): Promise<void> {
  let api: KubernetesHandler | null = null
  const syncedRules = new FileSyncedRules(folder)
  const schedulingReports = new FileSchedulingReports(folder)
  const autoscalerMemory = new FileAutoscalerMemory(folder)
  const network = hostPodNetwork(async () => {
    if (api === null) throw new Error('invariant: the pod network is used before the API server is open')
    return api
  }, clock, syncedRules, clusterRandomness(folder).numbers('kube-proxy'), folder, () => containers)
  // An exec's etcdctl (in etcd's images) reaches the members through up's own etcd front door.
  // Under --etcd-tls the masters keep kubeadm's etcd certificates, which the etcd pods mount.
  const etcdServing = {tls: options.etcdTls === true && options.etcdPorts !== 'off'}
  const containers = clusterContainers(folder, () => network, clock, options.containerTools?.(() => (etcd ? Object.fromEntries(etcd.urls) : undefined)) ?? null, masterPkiFiles(folder, etcdServing.tls))
  const componentLogs = new ComponentLogFile(folder)
  sendMemberLogOf(folder, memberLogToComponentLogs(componentLogs))
  const connection = await openKubernetes({environment: options.environment, clock, containerStreams: new ComponentLogStreams(containers, componentLogs)})
  // up's API servers start: their autoregister controllers register the built-in APIServices
  // before they serve (on a failure, the bootstrap controller tries again).
  const registeredAtStart = await registerAtStart(connection.api, folder)
  api = connection.api
  const kubeletCredentials = new FileKubeletCredentials(folder)
  // A fresh cluster's kubelets start as kubeadm starts them (the first master's renews kubeadm's certificate, the others bootstrap).
  if (connection.bootstrapped) joinDefaultKubelets(kubeletCredentials)
  let http: HttpApi | null = null
  let secure: HttpApi | null = null
  let etcd: EtcdFrontDoor | null = null
  let webPage: MountedWebPage | null = null
  try {
    const store = connection.store
    if (!(store instanceof LazyEmbeddedStore)) throw new UpError('kubemu up runs the embedded etcd cluster; unset KUBEMU_ETCD_SERVERS to use it')
    const embedded = (await store.embeddedClient()).embedded
    // Three kube-apiservers side by side, each on its own master's etcd member first; what one
    // caches of RBAC and admission's objects, writes through another or past them all (the watch
    // of cached objects) make it read again.
    const apiServers = new Map<string, AuthenticatingHandler>()
    // Each writes its own log, and starts it over when its master starts again.
    const restarts = new Map<string, () => void>()
    // Set once the bootstrap controller exists (below): a master's API server that starts again registers its APIServices.
    let restartedApiServer = () => {}
    for (const master of defaultMasters) {
      const server = connection.apiServerOn(await store.memberStore(master.member))
      const logged = new ApiServerLog(master.node, server, componentLogs, clock)
      restarts.set(master.node, () => {
        logged.restarted()
        server.restarted()
        restartedApiServer()
      })
      apiServers.set(master.node, logged)
    }
    const runtime = new UpRuntime({
      folder,
      apiServers,
      cluster: embedded,
      masters: defaultMasters,
      clock,
      log,
      componentLogs,
      masterStarted: (node) => restarts.get(node)?.(),
      frontDoor: () => etcd,
      manualClock: options.manualClock === true,
      seeded: clock.seeded,
      plane: (server, active, staticPodHealth) => new ControlPlane(server, clock, clusterRandomness(folder).numbers('kube-scheduler'), (event) => options.log(eventLine(event)), {active, staticPodHealth, etcdServing, onFailure: log, containers, schedulerProfiles, syncedRules, schedulingReports, autoscalerMemory, kubeletCredentials: {store: kubeletCredentials, random: clusterRandomness(folder).numbers('kubelet')}, rootCertificate: () => new FileCredentials(folder).certificates(clock.nowMilliseconds()).authority.certificate, certificateAuthority: () => new FileCredentials(folder).certificates(clock.nowMilliseconds()).authority}),
    })
    // HTTPS for kubectl and client libraries (the kubeconfig trusts the cluster's CA); plain
    // HTTP on a free loopback port for kubemu's own commands, which up.json names.
    const credentials = new FileCredentials(folder)
    const certificates = credentials.certificates(clock.nowMilliseconds())
    secure = await startHttpApi(withFolderEndpoint(runtime.balancer, folder, () => new FileCredentials(folder).adminToken()), {port: options.port, tls: certificates.serving, clientCertificateAuthority: certificates.authority.certificate}).catch((error: unknown) => {
      throw new UpError(`cannot serve the Kubernetes API on 127.0.0.1:${options.port} (${error instanceof Error ? error.message : String(error)}): --port moves it`)
    })
    webPage = options.webPage(withControlEndpoints(runtime.balancer, runtime.operations, () => credentials.adminToken()), {folder, cluster: embedded, api: runtime.balancer, clock, memberUrls: () => etcd?.urls ?? null, queueDepths: () => runtime.queueDepths(), adminToken: () => credentials.adminToken()})
    http = await startHttpApi(webPage.handler)
    if (options.etcdPorts !== 'off') {
      const endpoints = etcdEndpoints(currentLayout(folder).members, options.etcdPorts ?? null)
      const tls = options.etcdTls ? etcdServingTls(folder, endpoints.map((endpoint) => endpoint.host), clock.nowMilliseconds()) : undefined
      const authTokenTtl = options.authTokenTtlSeconds === undefined ? {} : {authTokenTtlSeconds: options.authTokenTtlSeconds}
      etcd = await startEtcdFrontDoor(await store.embeddedClient(), endpoints, {log, tls, gateway: serveEtcdGateway, ...authTokenTtl})
      for (const member of embedded.stoppedMembers()) await etcd.stopMember(member)
    }
    writeUpMarker(folder, {pid: process.pid, url: http.url, secureUrl: secure.url, started: new Date(clock.nowMilliseconds()).toISOString(), ...(etcd ? {etcd: Object.fromEntries(etcd.urls)} : {})})
    const moved = pointAdminKubeconfigAt(connection.kubeconfig, secure.url) ? ', now pointing there' : ''
    log(`Kubernetes API at ${secure.url} (kubeconfig: ${connection.kubeconfig}${moved}); Ctrl-C stops`)
    if (etcd) {
      log(`etcd v3 API at ${[...etcd.urls].map(([name, url]) => `${url} (${name})`).join(', ')}; ${etcdctlCommandLine(folder, [...etcd.urls.values()])}`)
    }
    log(`web page at ${webPage.link(http.url)}`)
    const clockMoves = options.manualClock ? ' (manual: it moves only with kubemu time advance)' : ''
    log(`masters ${defaultMasters.map((master) => `${master.node} (${master.member})`).join(', ')}; cluster time ${new Date(clock.nowMilliseconds()).toISOString()}${clockMoves}`)
    if (schedulerProfiles) log(`kube-scheduler profiles ${schedulerProfiles.map((profile) => profile.schedulerName).join(', ')} (${schedulerConfigurationFileName})`)
    // kube-apiserver's compactor, beside the loops, until `up` stops.
    const compaction = new AbortController()
    const compactor = runCompactor(connection.store, clock, AbortSignal.any([options.signal, compaction.signal]), log)
    // And its bootstrap controllers: what a client deletes from under it comes back.
    const bootstrapController = new BootstrapController(connection.api, clock, undefined, () => defaultMasters.filter((master) => !isMasterStopped(folder, master)).map((master) => master.node))
    if (!registeredAtStart) bootstrapController.apiServerStarted()
    restartedApiServer = () => bootstrapController.apiServerStarted()
    const bootstrap = runBootstrapController(bootstrapController, clock, AbortSignal.any([options.signal, compaction.signal]), log)
    const cachedWatch = watchCachedChanges(connection.store, [...rbacKeyPrefixes, ...admissionCachedKeyPrefixes, apiServicesKeyPrefix, crdKeyPrefix], connection.cachedChanges, clock, AbortSignal.any([options.signal, compaction.signal]), log)
    try {
      await runtime.run(options.signal, upTickMilliseconds)
    } finally {
      compaction.abort()
      await Promise.all([compactor, bootstrap, cachedWatch])
    }
  } finally {
    removeUpMarker(folder)
    webPage?.close()
    await etcd?.close()
    await http?.close()
    await secure?.close()
    await connection.close()
  }
}
