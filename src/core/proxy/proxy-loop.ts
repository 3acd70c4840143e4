// The kube-proxy of every node, as one loop: each watches Services, EndpointSlices, its Node and
// its ConfigMap through the API server (shared informers, as any client) and syncs its node's
// rules into the node's kernel (a SyncedRulesStore) when they change, at most once per
// iptables.minSyncPeriod (a simulated delay: it collapses in one-shot mode), and again every
// syncPeriod (30 s) on the cluster clock when nothing changed, as the real one's periodic resync
// does (it puts back rules deleted behind its back). The resync is worked out when the loop next
// looks (the sync it would have made last, at lastSync + k × syncPeriod, counted k times), so a
// stepped clock need not stop every 30 s for it; under `up` the loop looks at least at every
// kubelet heartbeat. Only a node whose
// kube-proxy pod runs syncs: on a stopped node, or one whose kube-proxy pod is gone, the rules
// stay as they were last written. Each kube-proxy reads its configuration when it starts, as the
// real one reads its config file: a ConfigMap change reaches a node when its kube-proxy pod
// restarts (`kubectl rollout restart daemonset kube-proxy -n kube-system`).
import type {KubeObject} from '../api/object.js'
import type {ControlLoop, InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {podsByNodeName} from '../client/pod-indexes.js'
import {resources} from '../client/resources.js'
import {WorkQueue} from '../client/work-queue.js'
import type {Node, Pod} from '../api/kinds.js'
import type {Clock} from '../util/clock.js'
import {DueHeap} from '../util/due-heap.js'
import {kubeProxyName, kubeProxyNamespace} from './kube-proxy.js'
import {kubeProxyConfiguration, type KubeProxyConfiguration, minSyncPeriodMillisecondsDefault, ProxyConfigError, proxierNode, syncPeriodMillisecondsDefault} from './node-rules.js'
import {type ProxiedServicePort, proxiedServicePorts} from './service-ports.js'
import type {NodeSync, SyncedRulesStore} from './synced-rules.js'


/** Whether a pod is a kube-proxy of the DaemonSet kube-system/kube-proxy. */
export function isKubeProxyPod(pod: KubeObject): boolean {
  return pod.metadata.namespace === kubeProxyNamespace && (pod.metadata.ownerReferences ?? []).some((owner) => owner.controller && owner.kind === 'DaemonSet' && owner.name === kubeProxyName)
}

/** A running kube-proxy process: its pod and the container's restart (a restart reads the configuration again). */
function instanceOf(pod: Pod): string {
  return `${pod.metadata.namespace}/${pod.metadata.name} ${pod.metadata.uid} ${(pod.status as {containerStatuses?: Array<{restartCount?: number}>} | undefined)?.containerStatuses?.[0]?.restartCount ?? 0}`
}

/** The configuration's syncPeriod (30 s when it sets none). */
function periodOf(configuration: KubeProxyConfiguration): number {
  // Never shorter than minSyncPeriod, which holds every sync back.
  return Math.max(configuration.syncPeriodMilliseconds ?? syncPeriodMillisecondsDefault, configuration.minSyncPeriodMilliseconds ?? minSyncPeriodMillisecondsDefault)
}

export class KubeProxies implements ControlLoop {
  readonly name = 'kube-proxy'
  /** Node names whose rules are to be synced. */
  private readonly queue: WorkQueue
  private readonly services: Informer<KubeObject>
  private readonly slices: Informer<KubeObject>
  private readonly nodes: Informer<Node>
  private readonly pods: Informer<Pod>
  private readonly configMaps: Informer<KubeObject>
  /** Each node's last sync, as read from the store once and kept up to date (this process is its only writer). */
  private readonly lastSyncs = new Map<string, NodeSync | null>()
  /**
   * When each node's periodic resync falls due (its last sync + syncPeriod). A node found due but
   * not resyncing (stopped, or its kube-proxy replaced) leaves it until an event of its Node or
   * kube-proxy pod queues it again: only those change what it would do.
   */
  private readonly resyncs = new DueHeap()

  constructor(
    informers: InformerFactory,
    private readonly clock: Clock,
    private readonly store: SyncedRulesStore,
    /** Whether the node's machine runs (a stopped node runs no kube-proxy). */
    private readonly nodeRuns: (node: Node) => boolean,
  ) {
    this.queue = new WorkQueue('kube-proxy', clock)
    this.services = informers.informer(resources.services)
    this.slices = informers.informer(resources.endpointSlices)
    this.nodes = informers.informer<Node>(resources.nodes)
    this.pods = informers.informer<Pod>(resources.pods)
    this.pods.addIndex(podsByNodeName)
    this.configMaps = informers.informer(resources.configMaps)
    const everyNode = () => {
      for (const node of this.nodes.list()) this.queue.add(String(node.metadata.name))
    }
    this.services.onEvent(everyNode)
    this.slices.onEvent(everyNode)
    this.nodes.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(String(event.object.metadata.name))
      else this.resyncs.delete(String(event.object.metadata.name))
    })
    this.pods.onEvent((event) => {
      if (isKubeProxyPod(event.object) && event.object.spec?.nodeName) this.queue.add(event.object.spec.nodeName)
    })
  }

  hasWork(collapseDelays: boolean): boolean {
    if (this.queue.length > 0) return true
    const due = this.queue.nextDue()
    const resync = this.resyncs.earliest()
    return (due !== null && (collapseDelays || due <= this.clock.nowMilliseconds())) || (resync !== null && resync <= this.clock.nowMilliseconds())
  }

  /** Nodes whose kube-proxy's periodic resync is due (a running one only: a stopped node's rules stay). */
  private resyncsDue(now: number): string[] {
    const due: string[] = []
    for (const name of this.resyncs.takeDue(now)) {
      const node = this.nodes.get(name)
      const last = this.lastSync(name)
      if (!node || !last || last.lastSyncMilliseconds + periodOf(last.configuration) > now || !this.nodeRuns(node)) continue
      // The same kube-proxy only: a new one (or a restarted container) comes through the pod's events.
      const pod = this.kubeProxyOn(name)
      if (pod && instanceOf(pod) === last.instance) due.push(name)
    }
    return due
  }

  nextDue(): number | null {
    return this.queue.nextDue()
  }

  /** The node's running kube-proxy pod, or none. */
  private kubeProxyOn(node: string): Pod | undefined {
    return this.pods.byIndex(podsByNodeName.name, node).find((pod) => isKubeProxyPod(pod) && pod.status?.phase === 'Running' && !pod.metadata.deletionTimestamp)
  }

  /** Puts the node's next periodic resync in the heap (none before its first sync). */
  private armResync(node: string): void {
    const last = this.lastSync(node)
    if (last && this.nodes.get(node)) this.resyncs.set(node, last.lastSyncMilliseconds + periodOf(last.configuration))
    else this.resyncs.delete(node)
  }

  private lastSync(node: string): NodeSync | null {
    if (!this.lastSyncs.has(node)) this.lastSyncs.set(node, this.store.read(node))
    return this.lastSyncs.get(node) ?? null
  }

  /** What a kube-proxy that starts now reads from its ConfigMap; null when it does not parse (the real one exits). */
  private startingConfiguration(): KubeProxyConfiguration | null {
    try {
      return kubeProxyConfiguration(this.configMaps.get(`${kubeProxyNamespace}/${kubeProxyName}`) ?? null)
    } catch (error) {
      if (error instanceof ProxyConfigError) return null
      throw error
    }
  }

  async process(collapseDelays: boolean): Promise<number> {
    this.queue.promoteDue(collapseDelays)
    const now = this.clock.nowMilliseconds()
    const names = [...new Set([...this.queue.take(), ...this.resyncsDue(now)])]
    let ports: ProxiedServicePort[] | null = null
    let portsText: string | null = null
    const syncs: NodeSync[] = []
    for (const name of names) {
      const node = this.nodes.get(name)
      const pod = node && this.nodeRuns(node) ? this.kubeProxyOn(name) : undefined
      if (!node || !pod) continue
      const instance = instanceOf(pod)
      const last = this.lastSync(name)
      const sameInstance = last?.instance === instance
      const configuration = sameInstance ? last.configuration : this.startingConfiguration()
      if (!configuration) continue
      ports ??= proxiedServicePorts(this.services.list(), this.slices.list())
      portsText ??= JSON.stringify(ports)
      const proxied = proxierNode(node, configuration)
      if (sameInstance && portsText === JSON.stringify(last.ports) && JSON.stringify(proxied) === JSON.stringify(last.node)) {
        // Nothing it watches changed: only the periodic resync, at the moments it would have run.
        const period = periodOf(configuration)
        const resyncs = Math.floor((now - last.lastSyncMilliseconds) / period)
        if (resyncs < 1) continue
        const sync: NodeSync = {instance, configuration, node: proxied, ports, syncCount: last.syncCount + resyncs, lastSyncMilliseconds: last.lastSyncMilliseconds + resyncs * period, cause: `periodic resync (syncPeriod ${period / 1000}s)`}
        syncs.push(sync)
        this.lastSyncs.set(name, sync)
        continue
      }
      // kube-proxy's minSyncPeriod: a change soon after a sync waits for the period's end.
      const due = sameInstance ? last.lastSyncMilliseconds + (configuration.minSyncPeriodMilliseconds ?? minSyncPeriodMillisecondsDefault) : now
      if (!collapseDelays && due > now) {
        this.queue.addAfter(name, due - now)
        continue
      }
      const cause = sameInstance ? 'a Service, EndpointSlice or Node it watches changed' : 'kube-proxy started (its first sync)'
      const sync: NodeSync = {instance, configuration, node: proxied, ports, syncCount: sameInstance ? last.syncCount + 1 : 1, lastSyncMilliseconds: now, cause}
      syncs.push(sync)
      this.lastSyncs.set(name, sync)
    }
    this.store.write(syncs)
    for (const name of names) this.armResync(name)
    return syncs.length
  }
}
