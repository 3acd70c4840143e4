// What kubectl's logs, exec and port-forward share: the pod a POD or TYPE/NAME argument names (a
// workload's first pod by its selector, as polymorphichelpers.AttachablePodForObject picks it)
// and the container a command defaults to.
import type {KubeObject} from '../api/object.js'
import {KubectlError} from './errors.js'
import {objectPath, ResourceMapper} from './resources.js'
import type {KubectlSession} from './session.js'

export type TargetPod = KubeObject & {spec?: {containers?: Array<{name: string}>; initContainers?: Array<{name: string}>; ephemeralContainers?: Array<{name: string}>}; status?: {phase?: string}}

/** The API groups of kubectl's scheme (client-go's typed clients): their objects decode to Go types such as *v1.ConfigMap. */
const schemeGroups = new Set(['', 'admissionregistration.k8s.io', 'internal.apiserver.k8s.io', 'apps', 'authentication.k8s.io', 'authorization.k8s.io', 'autoscaling', 'batch', 'certificates.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'extensions', 'flowcontrol.apiserver.k8s.io', 'networking.k8s.io', 'node.k8s.io', 'policy', 'rbac.authorization.k8s.io', 'resource.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'storagemigration.k8s.io'])

/** The named pod, or the first pod of a workload's selector with how many it matched. */
export async function podForTarget(session: KubectlSession, target: string, verb: string): Promise<{pod: TargetPod; matched: number}> {
  const namespace = session.namespace()
  if (!target.includes('/')) return {pod: (await session.request('GET', `/api/v1/namespaces/${namespace}/pods/${target}`)).body as TargetPod, matched: 1}
  const mapper = await ResourceMapper.discover(session)
  const slash = target.indexOf('/')
  const resource = mapper.resolve(target.slice(0, slash))
  const object = (await session.request('GET', objectPath(resource, namespace, target.slice(slash + 1)))).body as KubeObject & {spec?: {selector?: {matchLabels?: Record<string, string>}}}
  if (resource.resource === 'pods') return {pod: object as TargetPod, matched: 1}
  const labels = object.spec?.selector?.matchLabels ?? (object.spec as {selector?: Record<string, string>} | undefined)?.selector
  if (!labels || Object.keys(labels).length === 0) {
    // polymorphichelpers' SelectorsForObject knows workloads and services only, and names the Go type of the rest.
    const goType = schemeGroups.has(resource.group) ? `*${resource.version}.${resource.kind}` : '*unstructured.Unstructured'
    throw new KubectlError(`cannot ${verb === 'get the logs from' ? verb : 'attach to'} ${goType}: selector for ${goType} not implemented`)
  }
  const listed = (await session.request('GET', `/api/v1/namespaces/${namespace}/pods`, {query: {labelSelector: Object.entries(labels).map(([key, value]) => `${key}=${value}`).join(',')}})).body as {items: TargetPod[]}
  if (listed.items.length === 0) throw new KubectlError('timed out waiting for the condition')
  return {pod: listed.items[0]!, matched: listed.items.length}
}

/**
 * The container a command uses, as kubectl's podcmd picks it: the one asked, else the pod's
 * default-container annotation (a warning when it names no container), else the first; said on
 * stderr when the pod has other containers, init or ephemeral ones included.
 */
export function containerFor(session: KubectlSession, pod: TargetPod, asked: string, quiet = false): string {
  if (asked) return asked
  const spec = pod.spec ?? {}
  const names = (spec.containers ?? []).map((container) => container.name)
  const preferred = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container']
  if (preferred) {
    const all = [...names, ...(spec.initContainers ?? []).map((container) => container.name), ...(spec.ephemeralContainers ?? []).map((container) => container.name)]
    if (all.includes(preferred)) return preferred
    session.io.stderr(`Warning: default container name "${preferred}" not found in pod ${pod.metadata.name ?? ''}\n`)
  }
  const chosen = names[0] ?? ''
  const others = names.length > 1 || (spec.initContainers ?? []).length > 0 || (spec.ephemeralContainers ?? []).length > 0
  if (others && !quiet) {
    const listed = [...names, ...(spec.ephemeralContainers ?? []).map((container) => `${container.name} (ephem)`), ...(spec.initContainers ?? []).map((container) => `${container.name} (init)`)]
    session.io.stderr(`Defaulted container "${chosen}" out of: ${listed.join(', ')}\n`)
  }
  return chosen
}
