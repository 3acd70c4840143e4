// kubectl describe node, in kubectl 1.32's layout: conditions, addresses, capacity, the pods
// it runs with their requests and limits, and the resources allocated.
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity, formatQuantity, milliValue, parseQuantity, type Quantity, addQuantities, zeroQuantity} from '../../api/quantity.js'
import {humanDuration} from '../../util/go-duration.js'
import {type DescribeContext, eventsOf} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, printTaints, record, rfc1123z, text} from './writer.js'

function percentOf(value: Quantity, total: Quantity, milli: boolean): string {
  const used = milli ? Number(milliValue(value)) : Number(value.nanos / 1_000_000_000n)
  const all = milli ? Number(milliValue(total)) : Number(total.nanos / 1_000_000_000n)
  return all === 0 ? '0' : String(Math.trunc((used * 100) / all))
}

export async function describeNode(node: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(node.spec)
  const status = record(node.status)
  const name = node.metadata.name ?? ''
  // kubectl reads, in this order: the node's running pods (in chunks), its events (those naming
  // its uid, then those naming its name as uid, as kubelets record them), then its Lease.
  const pods = await context.list('', 'pods', '', {fieldSelector: `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed`})
  const events = context.showEvents ? [...(await eventsOf(context, {kind: 'Node', name, namespace: '', uid: node.metadata.uid ?? ''})), ...(await eventsOf(context, {kind: 'Node', name, namespace: '', uid: name}))] : null
  const lease = await context.get('coordination.k8s.io', 'leases', 'kube-node-lease', name)
  writer.write(0, `Name:\t${node.metadata.name ?? ''}\n`)
  const roles = Object.keys(node.metadata.labels ?? {}).filter((key) => key.startsWith('node-role.kubernetes.io/')).map((key) => key.slice('node-role.kubernetes.io/'.length)).sort()
  writer.write(0, `Roles:\t${roles.length === 0 ? '<none>' : roles.join(',')}\n`)
  printLabels(writer, 'Labels', node.metadata.labels)
  printAnnotations(writer, 'Annotations', node.metadata.annotations)
  writer.write(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`)
  printTaints(writer, 'Taints', spec.taints)
  writer.write(0, `Unschedulable:\t${spec.unschedulable === true}\n`)
  if (!lease) writer.write(0, `Lease:\tFailed to get lease: leases.coordination.k8s.io "${node.metadata.name ?? ''}" not found\n`)
  else {
    const leaseSpec = record(lease.spec)
    writer.write(0, 'Lease:\n')
    writer.write(1, `HolderIdentity:\t${text(leaseSpec.holderIdentity) || '<unset>'}\n`)
    writer.write(1, `AcquireTime:\t${leaseSpec.acquireTime === undefined ? '<unset>' : rfc1123z(leaseSpec.acquireTime)}\n`)
    writer.write(1, `RenewTime:\t${leaseSpec.renewTime === undefined ? '<unset>' : rfc1123z(leaseSpec.renewTime)}\n`)
  }
  const conditions = list(status.conditions)
  if (conditions.length > 0) {
    writer.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n')
    writer.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n')
    for (const condition of conditions) {
      writer.write(1, `${text(condition.type)} \t${text(condition.status)} \t${rfc1123z(condition.lastHeartbeatTime)} \t${rfc1123z(condition.lastTransitionTime)} \t${text(condition.reason)} \t${text(condition.message)}\n`)
    }
  }
  writer.write(0, 'Addresses:\n')
  for (const address of list(status.addresses)) writer.write(1, `${text(address.type)}:\t${text(address.address)}\n`)
  for (const [field, title] of [['capacity', 'Capacity'], ['allocatable', 'Allocatable']] as const) {
    const resources = record(status[field])
    writer.write(0, `${title}:\n`)
    for (const name of Object.keys(resources).sort()) writer.write(1, `${name}:\t${canonicalQuantity(resources[name] as string)}\n`)
  }
  const info = record(status.nodeInfo)
  writer.write(0, 'System Info:\n')
  for (const [title, field] of [['Machine ID', 'machineID'], ['System UUID', 'systemUUID'], ['Boot ID', 'bootID'], ['Kernel Version', 'kernelVersion'], ['OS Image', 'osImage'], ['Operating System', 'operatingSystem'], ['Architecture', 'architecture'], ['Container Runtime Version', 'containerRuntimeVersion'], ['Kubelet Version', 'kubeletVersion'], ['Kube-Proxy Version', 'kubeProxyVersion']]) {
    writer.write(0, `  ${title}:\t${text(info[field!])}\n`)
  }
  if (text(spec.podCIDR)) writer.write(0, `PodCIDR:\t${text(spec.podCIDR)}\n`)
  if (Array.isArray(spec.podCIDRs) && spec.podCIDRs.length > 0) writer.write(0, `PodCIDRs:\t${spec.podCIDRs.join(',')}\n`)
  const allocatable = record(status.allocatable)
  writer.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`)
  writer.write(0, '  Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n')
  writer.write(0, '  ---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n')
  const total = {requests: {cpu: zeroQuantity, memory: zeroQuantity}, limits: {cpu: zeroQuantity, memory: zeroQuantity}}
  const capacityOf = (name: string) => parseQuantity(String(allocatable[name] ?? '0'))
  for (const pod of pods) {
    const sums = {requests: {cpu: zeroQuantity, memory: zeroQuantity}, limits: {cpu: zeroQuantity, memory: zeroQuantity}}
    for (const container of list(record(pod.spec).containers)) {
      const resources = record(container.resources)
      for (const field of ['requests', 'limits'] as const) {
        for (const name of ['cpu', 'memory'] as const) {
          const value = record(resources[field])[name]
          if (value !== undefined) sums[field][name] = addQuantities(sums[field][name], parseQuantity(String(value)))
        }
      }
    }
    for (const field of ['requests', 'limits'] as const) for (const name of ['cpu', 'memory'] as const) total[field][name] = addQuantities(total[field][name], sums[field][name])
    const cell = (value: Quantity, name: 'cpu' | 'memory') => `${formatQuantity(value)} (${percentOf(value, capacityOf(name), name === 'cpu')}%)`
    writer.write(0, `  ${pod.metadata.namespace ?? ''}\t${pod.metadata.name ?? ''}\t\t${cell(sums.requests.cpu, 'cpu')}\t${cell(sums.limits.cpu, 'cpu')}\t${cell(sums.requests.memory, 'memory')}\t${cell(sums.limits.memory, 'memory')}\t${humanDuration(context.nowMilliseconds - Date.parse(pod.metadata.creationTimestamp ?? ''))}\n`)
  }
  writer.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n')
  writer.write(0, '  Resource\tRequests\tLimits\n')
  writer.write(0, '  --------\t--------\t------\n')
  const row = (name: 'cpu' | 'memory') => `  ${name}\t${formatQuantity(total.requests[name])} (${percentOf(total.requests[name], capacityOf(name), name === 'cpu')}%)\t${formatQuantity(total.limits[name])} (${percentOf(total.limits[name], capacityOf(name), name === 'cpu')}%)\n`
  writer.write(0, row('cpu'))
  writer.write(0, row('memory'))
  writer.write(0, '  ephemeral-storage\t0 (0%)\t0 (0%)\n')
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}
