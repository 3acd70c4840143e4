// `kubectl top nodes|pods`: the simulated resource use the kubelets report (see kubelet/usage.ts),
// in kubectl's layout: cores in millicores, memory in Mi, percentages of allocatable.
import {milliValue, parseQuantity} from '../../api/quantity.js'
import {podUsage, isUsingResources, containerUsage, systemMemoryBytesPerNode, systemMilliCpuPerNode} from '../../kubelet/usage.js'
import {tabwrite} from '../../printers/kubectl/table.js'
import type {Node, Pod} from '../../scheduler/types.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../kubectl.js'
import type {KubectlSession} from '../session.js'

const common: readonly KubectlFlag[] = [
  {name: 'selector', shorthand: 'l', kind: 'string'},
  {name: 'sort-by', kind: 'string'},
  {name: 'no-headers', kind: 'bool'},
  {name: 'show-capacity', kind: 'bool'},
]

const mebibyte = 1024 * 1024
const cpu = (milli: number) => `${milli}m`
const memory = (bytes: number) => `${Math.floor(bytes / mebibyte)}Mi`
/** kubectl top ends every cell with a tab, so each line ends with the padding. */
const rows = (table: string[][]) => tabwrite(table.map((row) => [...row, '']))

async function listPods(session: KubectlSession, namespace: string, selector: string): Promise<Pod[]> {
  const path = namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods'
  return ((await session.request('GET', path, {query: selector ? {labelSelector: selector} : {}})).body as {items: Pod[]}).items
}

async function runTopNodes(session: KubectlSession, args: readonly string[]): Promise<number> {
  const nodes = args.length > 0 ? [(await session.request('GET', `/api/v1/nodes/${args[0]}`)).body as Node] : ((await session.request('GET', '/api/v1/nodes', {query: session.flag('selector') ? {labelSelector: session.flag('selector')} : {}})).body as {items: Node[]}).items
  const pods = await listPods(session, '', '')
  const lines = nodes.map((node) => {
    const usage = {milliCpu: systemMilliCpuPerNode, memoryBytes: systemMemoryBytesPerNode}
    for (const pod of pods) {
      if (pod.spec.nodeName !== node.metadata.name) continue
      const one = podUsage(pod)
      usage.milliCpu += one.milliCpu
      usage.memoryBytes += one.memoryBytes
    }
    const capacity = session.flag('show-capacity') === 'true' ? node.status?.capacity ?? {} : node.status?.allocatable ?? {}
    const allocatableCpu = Number(milliValue(parseQuantity(capacity.cpu ?? '0')))
    const allocatableMemory = Number(milliValue(parseQuantity(capacity.memory ?? '0'))) / 1000
    return {name: String(node.metadata.name), usage, cpuPercent: allocatableCpu > 0 ? Math.floor((usage.milliCpu * 100) / allocatableCpu) : 0, memoryPercent: allocatableMemory > 0 ? Math.floor((usage.memoryBytes * 100) / allocatableMemory) : 0}
  })
  const sortBy = session.flag('sort-by')
  if (sortBy === 'cpu') lines.sort((left, right) => right.usage.milliCpu - left.usage.milliCpu)
  else if (sortBy === 'memory') lines.sort((left, right) => right.usage.memoryBytes - left.usage.memoryBytes)
  else if (sortBy) throw new KubectlError(`--sort-by accepts only cpu or memory`)
  const table = lines.map((line) => [line.name, cpu(line.usage.milliCpu), `${line.cpuPercent}%`, memory(line.usage.memoryBytes), `${line.memoryPercent}%`])
  session.io.stdout(rows(session.flag('no-headers') === 'true' ? table : [['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'], ...table]))
  return 0
}

async function runTopPods(session: KubectlSession, args: readonly string[]): Promise<number> {
  const allNamespaces = session.flag('all-namespaces') === 'true'
  const namespace = allNamespaces ? '' : session.namespace()
  let pods = (await listPods(session, namespace, session.flag('selector'))).filter(isUsingResources)
  if (args.length > 0) pods = pods.filter((pod) => pod.metadata.name === args[0])
  if (pods.length === 0) {
    if (args.length > 0) throw new KubectlError(`pods "${args[0]}" not found`)
    session.io.stderr(allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`)
    return 0
  }
  const containers = session.flag('containers') === 'true'
  type Line = {namespace: string; pod: string; container?: string; milliCpu: number; memoryBytes: number}
  let lines: Line[] = containers
    ? pods.flatMap((pod) => pod.spec.containers.map((container) => ({namespace: String(pod.metadata.namespace), pod: String(pod.metadata.name), container: container.name, ...containerUsage(pod, container)})))
    : pods.map((pod) => ({namespace: String(pod.metadata.namespace), pod: String(pod.metadata.name), ...podUsage(pod)}))
  const sortBy = session.flag('sort-by')
  if (sortBy === 'cpu') lines = lines.sort((left, right) => right.milliCpu - left.milliCpu)
  else if (sortBy === 'memory') lines = lines.sort((left, right) => right.memoryBytes - left.memoryBytes)
  else if (sortBy) throw new KubectlError(`--sort-by accepts only cpu or memory`)
  const header = [...(allNamespaces ? ['NAMESPACE'] : []), ...(containers ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)']
  const table = lines.map((line) => [...(allNamespaces ? [line.namespace] : []), line.pod, ...(containers ? [line.container!] : []), cpu(line.milliCpu), memory(line.memoryBytes)])
  session.io.stdout(rows(session.flag('no-headers') === 'true' ? table : [header, ...table]))
  return 0
}

export const topVerb: KubectlVerb = {
  name: 'top',
  flags: [],
  subverbs: [
    {name: 'node', aliases: ['nodes', 'no'], flags: common, run: runTopNodes},
    {name: 'pod', aliases: ['pods', 'po'], flags: [...common, {name: 'all-namespaces', shorthand: 'A', kind: 'bool'}, {name: 'containers', kind: 'bool'}], run: runTopPods},
  ],
}
