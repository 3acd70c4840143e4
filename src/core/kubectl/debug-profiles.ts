// kubectl 1.32's debug profiles (`kubectl debug --profile`): what each does to the debugging pod
// for each way of debugging (an ephemeral container in the pod, a copy of the pod, a pod on a
// node), and the --keep-* flags that spare parts of a copy. Pure: a pod's JSON in, changed in place.
import {InvariantError} from '../util/assert.js'

type Json = Record<string, any>

export const debugProfiles = ['legacy', 'general', 'baseline', 'restricted', 'netadmin', 'sysadmin'] as const
export type DebugProfile = (typeof debugProfiles)[number]
export type DebugStyle = 'ephemeral' | 'copy' | 'node'

/** What a copy keeps of the pod (--keep-labels, …); each false removes that part. */
export interface KeepFlags {
  readonly labels: boolean
  readonly annotations: boolean
  readonly liveness: boolean
  readonly readiness: boolean
  readonly startup: boolean
  readonly initContainers: boolean
}

export function isDebugProfile(name: string): name is DebugProfile {
  return (debugProfiles as readonly string[]).includes(name)
}

/** Applies `profile` to the container named `container` of `pod` (any kind of container) and to the pod. */
export function applyDebugProfile(profile: DebugProfile, style: DebugStyle, pod: Json, container: string, keep: KeepFlags): void {
  const spec = (pod.spec ??= {}) as Json
  const target = () => findContainer(spec, container)
  const trimCopy = () => {
    if (!keep.labels) delete pod.metadata.labels
    if (!keep.annotations) delete pod.metadata.annotations
    for (const entry of (spec.containers ?? []) as Json[]) {
      if (!keep.liveness) delete entry.livenessProbe
      if (!keep.readiness) delete entry.readinessProbe
      if (!keep.startup) delete entry.startupProbe
    }
    if (!keep.initContainers) delete spec.initContainers
    spec.shareProcessNamespace ??= true
  }
  switch (profile) {
    case 'legacy':
      if (style === 'node') {
        mountRootPartition(spec, target())
        useHostNamespaces(spec)
      }
      // A legacy copy never keeps the labels (a Service or ReplicaSet would take it as one of theirs).
      if (style === 'copy') delete pod.metadata.labels
      return
    case 'general':
      if (style === 'node') {
        mountRootPartition(spec, target())
        delete target().securityContext
        useHostNamespaces(spec)
        return
      }
      if (style === 'copy') trimCopy()
      addCapability(target(), 'SYS_PTRACE')
      return
    case 'baseline':
      delete target().securityContext
      if (style === 'copy') trimCopy()
      return
    case 'restricted':
      // What the restricted Pod Security level asks, on a cleared security context.
      target().securityContext = {runAsNonRoot: true, capabilities: {drop: ['ALL']}, allowPrivilegeEscalation: false, seccompProfile: {type: 'RuntimeDefault'}}
      if (style === 'copy') trimCopy()
      return
    case 'netadmin':
      addCapability(target(), 'NET_ADMIN')
      addCapability(target(), 'NET_RAW')
      if (style === 'node') useHostNamespaces(spec)
      if (style === 'copy') trimCopy()
      return
    case 'sysadmin':
      target().securityContext = {...(target().securityContext ?? {}), privileged: true}
      if (style === 'node') {
        useHostNamespaces(spec)
        mountRootPartition(spec, target())
      }
      if (style === 'copy') trimCopy()
      return
  }
}

function findContainer(spec: Json, name: string): Json {
  for (const list of [spec.initContainers, spec.containers, spec.ephemeralContainers] as Array<Json[] | undefined>) {
    const found = (list ?? []).find((entry) => entry.name === name)
    if (found) return found
  }
  throw new InvariantError(`the debugging pod has no container ${name}`)
}

/** The node's root at /host in the container. */
function mountRootPartition(spec: Json, container: Json): void {
  spec.volumes = [...((spec.volumes as Json[] | undefined) ?? []), {name: 'host-root', hostPath: {path: '/'}}]
  container.volumeMounts = [...((container.volumeMounts as Json[] | undefined) ?? []), {name: 'host-root', mountPath: '/host'}]
}

function useHostNamespaces(spec: Json): void {
  spec.hostNetwork = true
  spec.hostPID = true
  spec.hostIPC = true
}

function addCapability(container: Json, capability: string): void {
  const context = (container.securityContext ??= {}) as Json
  const capabilities = (context.capabilities ??= {}) as Json
  capabilities.add = [...((capabilities.add as string[] | undefined) ?? []), capability]
}
