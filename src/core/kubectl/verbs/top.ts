// `kubectl top nodes|pods`: read from the metrics.k8s.io API (the kubelets' simulated use, see
// api/simulated-usage.ts), in kubectl's layout: millicores, Mi, percentages of allocatable; in
// kubectl's order: Go's unstable sort of the server's list by name (and namespace with -A), or by
// usage, largest first, with --sort-by, so ties come out as kubectl leaves them; containers sorted
// the same way within each pod.
import {milliValue, parseQuantity} from '../../api/quantity.js'
import {goSortSlice} from '../../util/go-sort.js'
import {parseFieldSelector, parseLabelSelector, SelectorError} from '../../api/selectors.js'
import type {KubeObject} from '../../api/object.js'
import {tabwrite} from '../../printers/kubectl/table.js'
import type {Node} from '../../api/kinds.js'
import {KubectlError, KubectlPlainError} from '../errors.js'
import {ResourceMapper} from '../resources.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../verb.js'
import type {KubectlSession} from '../session.js'

const common: readonly KubectlFlag[] = [
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'sort-by', kind: 'string'},
  {name: 'no-headers', kind: 'bool'},
  {name: 'show-capacity', kind: 'bool'},
  // kubectl asks the metrics API in protobuf unless told not to: either way the same numbers.
  {name: 'use-protocol-buffers', kind: 'bool', defaultValue: 'true'},
]

const mebibyte = 1024 * 1024
const cpu = (milli: number) => `${milli}m`
const memory = (bytes: number) => `${Math.floor(bytes / mebibyte)}Mi`
/** kubectl top ends every cell with a tab, so each line ends with the padding. */
const rows = (table: string[][]) => tabwrite(table.map((row) => [...row, '']))

type Metrics = KubeObject & {usage?: Record<string, string>; containers?: Array<{name: string; usage: Record<string, string>}>}

/** The metrics API's answer, or kubectl's error when the server has no metrics.k8s.io group. */
async function metrics(session: KubectlSession, path: string, selector: string, fieldSelector = ''): Promise<Metrics[]> {
  // The selectors are parsed before anything is asked, with the labels and fields packages' errors.
  try {
    if (selector) parseLabelSelector(selector)
    if (fieldSelector) parseFieldSelector(fieldSelector)
  } catch (error) {
    if (error instanceof SelectorError) throw new KubectlError(error.message)
    throw error
  }
  // As kubectl top: the server's groups from the clientset's discovery (no cache) must list metrics.k8s.io/v1beta1 (a Stale version, an unavailable APIService's, is none).
  const mapper = await ResourceMapper.discover(session, undefined, 'clientset')
  if (!mapper.resources.some((resource) => resource.group === 'metrics.k8s.io' && resource.version === 'v1beta1')) throw new KubectlError('Metrics API not available')
  const query = {...(selector ? {labelSelector: selector} : {}), ...(fieldSelector ? {fieldSelector} : {})}
  return ((await session.request('GET', `/apis/metrics.k8s.io/v1beta1${path}`, {query})).body as {items: Metrics[]}).items
}

/** A usage as the nanos of its quantity: kubectl adds a pod's containers' quantities before it rounds. */
const nanosOf = (text: string | undefined) => parseQuantity(text ?? '0').nanos
/** Quantity.MilliValue (rounded up) and Quantity.Value (bytes, rounded up), as kubectl prints and sorts by them. */
const milliOfNanos = (nanos: bigint) => Number(milliValue({nanos, format: 'DecimalSI'}))
const bytesOfNanos = (nanos: bigint) => Math.ceil(milliOfNanos(nanos) / 1000)
const milliOf = (text: string | undefined) => milliOfNanos(nanosOf(text))
const bytesOf = (text: string | undefined) => bytesOfNanos(nanosOf(text))

/** kubectl top's --sort-by, checked before any request: '' (by name), cpu or memory. */
function sortByOf(session: KubectlSession): '' | 'cpu' | 'memory' {
  const sortBy = session.flag('sort-by')
  if (sortBy !== '' && sortBy !== 'cpu' && sortBy !== 'memory') throw new KubectlError('--sort-by accepts only cpu or memory')
  return sortBy
}

/** A line's usage, as kubectl's sorters compare it. */
interface Usage {
  readonly name: string
  readonly milliCpu: number
  readonly memoryBytes: number
}

/** kubectl's metrics sorters' Less: the larger usage first, else (no --sort-by) the name (after the namespace, when `namespaceOf` is given). */
function usageLess<T extends Usage>(sortBy: '' | 'cpu' | 'memory', namespaceOf?: (line: T) => string): (left: T, right: T) => boolean {
  if (sortBy === 'cpu') return (left, right) => left.milliCpu > right.milliCpu
  if (sortBy === 'memory') return (left, right) => left.memoryBytes > right.memoryBytes
  return (left, right) => {
    const [leftNamespace, rightNamespace] = namespaceOf ? [namespaceOf(left), namespaceOf(right)] : ['', '']
    return leftNamespace !== rightNamespace ? leftNamespace < rightNamespace : left.name < right.name
  }
}

/** kubectl's Complete and Validate of top pod|node: one name at most, not with a selector. */
function checkTopArguments(session: KubectlSession, args: readonly string[], kind: 'pod' | 'node'): void {
  if (args.length > 1) throw new KubectlError(`${kind} [NAME | -l label]\nSee 'kubectl top ${kind} -h' for help and examples`)
  sortByOf(session)
  if (args.length === 1 && session.flag('selector') !== '') throw new KubectlError(`only one of NAME or ${kind === 'pod' ? 'selector' : '--selector'} can be provided`)
}

async function runTopNodes(session: KubectlSession, args: readonly string[]): Promise<number> {
  checkTopArguments(session, args, 'node')
  const sortBy = sortByOf(session)
  let items = await metrics(session, '/nodes', session.flag('selector'))
  if (args.length > 0) {
    items = items.filter((item) => item.metadata.name === args[0])
    if (items.length === 0) throw new KubectlPlainError(`Error from server (NotFound): nodes.metrics.k8s.io "${args[0]}" not found`)
  }
  const nodes = ((await session.request('GET', '/api/v1/nodes')).body as {items: Node[]}).items
  const lines = items.map((item) => {
    const node = nodes.find((entry) => entry.metadata.name === item.metadata.name)
    const capacity = (session.flag('show-capacity') === 'true' ? node?.status?.capacity : node?.status?.allocatable) ?? {}
    const used = {milliCpu: milliOf(item.usage?.cpu), memoryBytes: bytesOf(item.usage?.memory)}
    const allocatableCpu = milliOf(capacity.cpu)
    const allocatableMemory = bytesOf(capacity.memory)
    return {name: String(item.metadata.name), ...used, cpuPercent: allocatableCpu > 0 ? Math.floor((used.milliCpu * 100) / allocatableCpu) : 0, memoryPercent: allocatableMemory > 0 ? Math.floor((used.memoryBytes * 100) / allocatableMemory) : 0}
  })
  goSortSlice(lines, usageLess(sortBy))
  const table = lines.map((line) => [line.name, cpu(line.milliCpu), `${line.cpuPercent}%`, memory(line.memoryBytes), `${line.memoryPercent}%`])
  session.io.stdout(rows(session.flag('no-headers') === 'true' ? table : [['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'], ...table]))
  return 0
}

async function runTopPods(session: KubectlSession, args: readonly string[]): Promise<number> {
  checkTopArguments(session, args, 'pod')
  const sortBy = sortByOf(session)
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = allNamespaces ? '' : session.namespace()
  let items = await metrics(session, namespace ? `/namespaces/${namespace}/pods` : '/pods', session.flag('selector'), session.flag('field-selector'))
  if (args.length > 0) items = items.filter((item) => item.metadata.name === args[0])
  if (items.length === 0) {
    if (args.length > 0) throw new KubectlPlainError(`Error from server (NotFound): pods.metrics.k8s.io "${args[0]}" not found`)
    session.io.stderr(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
    return 0
  }
  const containers = session.flag('containers') === 'true'
  type Line = {namespace: string; pod: string; container?: string; milliCpu: number; memoryBytes: number}
  const pods = items.map((item) => {
    const perContainer = (item.containers ?? []).map((container) => ({name: container.name, milliCpu: milliOf(container.usage.cpu), memoryBytes: bytesOf(container.usage.memory)}))
    const sum = (resource: string) => (item.containers ?? []).reduce((total, container) => total + nanosOf(container.usage[resource]), 0n)
    return {namespace: String(item.metadata.namespace), name: String(item.metadata.name), milliCpu: milliOfNanos(sum('cpu')), memoryBytes: bytesOfNanos(sum('memory')), perContainer}
  })
  goSortSlice(pods, usageLess(sortBy, allNamespaces ? (pod) => pod.namespace : undefined))
  const lines: Line[] = pods.flatMap((pod) => {
    if (!containers) return [{namespace: pod.namespace, pod: pod.name, milliCpu: pod.milliCpu, memoryBytes: pod.memoryBytes}]
    return goSortSlice(pod.perContainer, usageLess(sortBy)).map((container) => ({namespace: pod.namespace, pod: pod.name, container: container.name, milliCpu: container.milliCpu, memoryBytes: container.memoryBytes}))
  })
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), ...(containers ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)']
  const table = lines.map((line) => [...(allNamespaces ? [line.namespace] : []), line.pod, ...(containers ? [line.container!] : []), cpu(line.milliCpu), memory(line.memoryBytes)])
  if (session.flag('sum') === 'true') {
    // --sum: a rule under the usage columns, then their totals (memory summed in bytes before it is shown in Mi).
    const blanks = header.slice(0, -2).map(() => '')
    table.push([...blanks, '________', '________'], [...blanks, cpu(lines.reduce((sum, line) => sum + line.milliCpu, 0)), memory(lines.reduce((sum, line) => sum + line.memoryBytes, 0))])
  }
  session.io.stdout(rows(session.flag('no-headers') === 'true' ? table : [header, ...table]))
  return 0
}

export const topVerb: KubectlVerb = {
  name: 'top',
  flags: [],
  subverbs: [
    {name: 'node', aliases: ['nodes', 'no'], flags: common, run: runTopNodes},
    {
      name: 'pod',
      aliases: ['pods', 'po'],
      flags: [...common, {name: 'all-namespaces', shorthand: 'A', kind: 'bool'}, {name: 'containers', kind: 'bool'}, {name: 'sum', kind: 'bool'}, {name: 'field-selector', kind: 'string'}],
      run: runTopPods,
    },
  ],
}
