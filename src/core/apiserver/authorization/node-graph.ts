// What the Node authorizer asks of the pods: which objects the pods bound to a node use. kube-apiserver
// answers from a graph its informers keep (plugin/pkg/auth/authorizer/node/graph.go); this is that
// graph reduced to one namespace's pods at a time, each pod kept as its node and the names it
// refers to, never as the pod.
//
// Why not read the pods at each check, as kubemu did: every kubelet reads the ConfigMaps of the pods
// it starts, so 500 nodes starting their kube-proxy pods made 1,000 checks, each decoding every pod
// of kube-system, hundreds of checks at once: the heap's live objects rose from 120 to 470 MiB
// (heap snapshots by allocation site), which the process's peak resident memory followed.
//
// A namespace's graph is read in pages and serves while this process holds the store alone (the
// store's writer epoch, as the RBAC cache); a pod written through this process since the graph was
// read is read again before the next answer (the store's write listeners tell its key once the
// write is over), so a kubelet sees a pod bound to it at once, as before. Without an epoch (a real
// etcd, other writers) every check reads the namespace's pods, a page at a time.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import type {Store} from '../../store/store.js'
import {assert} from '../../util/assert.js'
import {apiErrors} from '../api-errors.js'
import {decodedValues} from '../decoded-values.js'

/** The kinds of objects the Node authorizer relates to pods (kube's graph vertices it checks). */
export type PodReferenceKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts'

/** Pods one store read brings at a time when a namespace is read (client-go's reflector pages: 500). */
export const nodeGraphPodsPageObjectsMax = 500
/** Pods written since a graph was read that are read again one by one; past this the namespace is read again whole. */
export const nodeGraphChangedPodsMax = 10_000
/** Pods one read of a namespace goes through at most (ten times kwok's 100,000), as a whole list of them is bounded. */
export const nodeGraphPodsReadMax = 1_000_000
/** Namespaces whose graph is kept at once; past it the graphs start over. */
export const nodeGraphNamespacesMax = 10_000

/** The names a pod refers to, of the kinds the Node authorizer tracks (kube's graph edges). */
export function referencesOf(pod: KubeObject, kind: PodReferenceKind): Set<string> {
  const spec = isJsonObject(pod.spec) ? pod.spec : {}
  const names = new Set<string>()
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length > 0) names.add(value)
  }
  if (kind === 'serviceaccounts') {
    add(spec.serviceAccountName ?? 'default')
    return names
  }
  const volumes = Array.isArray(spec.volumes) ? spec.volumes.filter(isJsonObject) : []
  for (const volume of volumes) {
    if (kind === 'secrets' && isJsonObject(volume.secret)) add(volume.secret.secretName)
    if (kind === 'configmaps' && isJsonObject(volume.configMap)) add(volume.configMap.name)
    if (kind === 'persistentvolumeclaims' && isJsonObject(volume.persistentVolumeClaim)) add(volume.persistentVolumeClaim.claimName)
    const sources = isJsonObject(volume.projected) && Array.isArray(volume.projected.sources) ? volume.projected.sources.filter(isJsonObject) : []
    for (const source of sources) {
      if (kind === 'secrets' && isJsonObject(source.secret)) add(source.secret.name)
      if (kind === 'configmaps' && isJsonObject(source.configMap)) add(source.configMap.name)
    }
  }
  if (kind === 'secrets' && Array.isArray(spec.imagePullSecrets)) for (const entry of spec.imagePullSecrets.filter(isJsonObject)) add(entry.name)
  const containers = ['initContainers', 'containers', 'ephemeralContainers'].flatMap((field) => (Array.isArray(spec[field]) ? (spec[field] as unknown[]).filter(isJsonObject) : []))
  for (const container of containers) {
    for (const source of Array.isArray(container.envFrom) ? container.envFrom.filter(isJsonObject) : []) {
      if (kind === 'secrets' && isJsonObject(source.secretRef)) add(source.secretRef.name)
      if (kind === 'configmaps' && isJsonObject(source.configMapRef)) add(source.configMapRef.name)
    }
    for (const variable of Array.isArray(container.env) ? container.env.filter(isJsonObject) : []) {
      const from = isJsonObject(variable.valueFrom) ? variable.valueFrom : {}
      if (kind === 'secrets' && isJsonObject(from.secretKeyRef)) add(from.secretKeyRef.name)
      if (kind === 'configmaps' && isJsonObject(from.configMapKeyRef)) add(from.configMapKeyRef.name)
    }
  }
  return names
}

const referenceKinds: readonly PodReferenceKind[] = ['secrets', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts']
const noNames: readonly string[] = Object.freeze([])

/** A pod bound to a node, as the graph keeps it: its node and the names it uses, per kind. */
interface PodEdges {
  readonly node: string
  readonly names: Readonly<Record<PodReferenceKind, readonly string[]>>
}

/** The pod's edges, or null for a pod bound to no node or one that cannot be decoded (it relates nothing). */
function edgesOf(key: string, value: Uint8Array): PodEdges | null {
  let pod: KubeObject
  try {
    pod = decodedValues.decode(key, value)
  } catch {
    return null
  }
  const node = isJsonObject(pod.spec) ? pod.spec.nodeName : undefined
  if (typeof node !== 'string' || node.length === 0) return null
  const names = {} as Record<PodReferenceKind, readonly string[]>
  for (const kind of referenceKinds) {
    const found = referencesOf(pod, kind)
    names[kind] = found.size > 0 ? [...found] : noNames
  }
  return {node, names}
}

/** One namespace's pods bound to nodes, by node, and what is left to read again. */
interface NamespaceGraph {
  /** node → pod key → edges. */
  readonly podsByNode: Map<string, Map<string, PodEdges>>
  /** pod key → its node, for the pods in podsByNode. */
  readonly nodeOfPod: Map<string, string>
  /** Pods written since they were read. */
  readonly changed: Set<string>
  /** The namespace is to be read whole (never read, or too many pods changed). */
  whole: boolean
  /** Writes seen for the namespace so far, and how many of them the graph covers. */
  writesSeen: number
  writesCovered: number
  /** The read under way; checks that come meanwhile wait for it instead of reading too. */
  updating: Promise<void> | null
}

export class NodePodGraph {
  private readonly namespaces = new Map<string, NamespaceGraph>()
  private epoch: number | null = null

  constructor(
    private readonly store: Pick<Store, 'list' | 'get' | 'exclusiveWriterEpoch' | 'onWrite'>,
    /** The pods' key prefix (`/registry/pods/`). */
    private readonly podsPrefix: string,
    private readonly pageObjectsMax = nodeGraphPodsPageObjectsMax,
  ) {
    assert(podsPrefix.endsWith('/') && pageObjectsMax > 0, 'a node graph needs a key prefix ending in / and a page size')
    store.onWrite?.((key) => this.written(key))
  }

  /** Whether a pod of `namespace` bound to `node` refers to the `kind` object named `name`. */
  async related(namespace: string, node: string, kind: PodReferenceKind, name: string): Promise<boolean> {
    const epoch = this.store.exclusiveWriterEpoch?.() ?? null
    if (epoch === null || namespace.length === 0) return this.scan(namespace, (edges) => edges.node === node && edges.names[kind].includes(name))
    if (epoch !== this.epoch) {
      this.namespaces.clear()
      this.epoch = epoch
    }
    const graph = await this.current(namespace)
    for (const edges of graph.podsByNode.get(node)?.values() ?? []) if (edges.names[kind].includes(name)) return true
    return false
  }

  private written(key: string): void {
    if (!key.startsWith(this.podsPrefix)) return
    const slash = key.indexOf('/', this.podsPrefix.length)
    if (slash < 0) return
    const graph = this.namespaces.get(key.slice(this.podsPrefix.length, slash))
    if (!graph) return
    graph.writesSeen++
    if (graph.whole) return
    graph.changed.add(key)
    if (graph.changed.size > nodeGraphChangedPodsMax) {
      graph.changed.clear()
      graph.whole = true
    }
  }

  /** The namespace's graph with every write seen before this call read (at most two reads waited for). */
  private async current(namespace: string): Promise<NamespaceGraph> {
    let graph = this.namespaces.get(namespace)
    if (!graph) {
      if (this.namespaces.size >= nodeGraphNamespacesMax) this.namespaces.clear()
      graph = {podsByNode: new Map(), nodeOfPod: new Map(), changed: new Set(), whole: true, writesSeen: 0, writesCovered: -1, updating: null}
      this.namespaces.set(namespace, graph)
    }
    const wanted = graph.writesSeen
    // A read under way may have started before the writes this check must see: then one more.
    for (let reads = 0; graph.writesCovered < wanted; reads++) {
      assert(reads < 3, `the node graph of ${namespace} did not catch up in two reads`)
      const updating = (graph.updating ??= this.update(namespace, graph).finally(() => (graph.updating = null)))
      await updating
    }
    return graph
  }

  private async update(namespace: string, graph: NamespaceGraph): Promise<void> {
    const covers = graph.writesSeen
    try {
      if (graph.whole) {
        // Writes from here on are marked changed, so pages read at different revisions still add up.
        graph.whole = false
        graph.changed.clear()
        graph.podsByNode.clear()
        graph.nodeOfPod.clear()
        await this.scan(namespace, (edges, key) => {
          put(graph, key, edges)
          return false
        })
      } else {
        const keys = [...graph.changed]
        graph.changed.clear()
        // A page's worth of reads at a time, so the values held at once stay bounded.
        for (let start = 0; start < keys.length; start += this.pageObjectsMax) {
          const chunk = keys.slice(start, start + this.pageObjectsMax)
          const read = await Promise.all(chunk.map((key) => this.store.get(key)))
          chunk.forEach((key, index) => {
            const value = read[index]!.object?.value
            const edges = value ? edgesOf(key, value) : null
            remove(graph, key)
            if (edges) put(graph, key, edges)
          })
        }
      }
      graph.writesCovered = Math.max(graph.writesCovered, covers)
    } catch (error) {
      graph.whole = true
      throw error
    }
  }

  /**
   * Reads the namespace's pods (every pod when it is empty) a page at a time, each decoded and
   * dropped in turn, until `found` says yes. Returns whether it did.
   */
  private async scan(namespace: string, found: (edges: PodEdges, key: string) => boolean): Promise<boolean> {
    const prefix = namespace.length > 0 ? `${this.podsPrefix}${namespace}/` : this.podsPrefix
    let continueAfter: string | undefined
    let read = 0
    do {
      if (read >= nodeGraphPodsReadMax) throw apiErrors.internal(`the Node authorizer read ${read} pods under ${prefix} and found more: past its bound of ${nodeGraphPodsReadMax}`)
      const page = await this.store.list(prefix, {limit: this.pageObjectsMax, ...(continueAfter ? {continueAfter} : {})})
      read += page.objects.length
      for (const stored of page.objects) {
        const edges = edgesOf(stored.key, stored.value)
        if (edges && found(edges, stored.key)) return true
      }
      continueAfter = page.continueAfter ?? undefined
    } while (continueAfter)
    return false
  }
}

function put(graph: NamespaceGraph, key: string, edges: PodEdges): void {
  let pods = graph.podsByNode.get(edges.node)
  if (!pods) graph.podsByNode.set(edges.node, (pods = new Map()))
  pods.set(key, edges)
  graph.nodeOfPod.set(key, edges.node)
}

function remove(graph: NamespaceGraph, key: string): void {
  const node = graph.nodeOfPod.get(key)
  if (node === undefined) return
  graph.nodeOfPod.delete(key)
  const pods = graph.podsByNode.get(node)
  pods?.delete(key)
  if (pods?.size === 0) graph.podsByNode.delete(node)
}
