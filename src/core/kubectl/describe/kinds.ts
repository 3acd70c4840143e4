// kubectl describe for the kinds people describe most: pods, deployments, replica sets, jobs,
// nodes, services, namespaces, config maps, secrets and service accounts, in kubectl's layout.
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity, formatQuantity, milliValue, parseQuantity, type Quantity, addQuantities, zeroQuantity} from '../../api/quantity.js'
import {humanDuration} from '../../util/go-duration.js'
import {describeContainers, describeEvents, describePodTemplate, describeReplicaConditions, describeVolumes} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, printTaints, printTolerations, record, rfc1123z, text} from './writer.js'

export interface DescribeContext {
  /** Objects the describer reads besides the described one (events, pods, replica sets…). */
  list(group: string, resource: string, namespace: string, query?: Record<string, string>): Promise<KubeObject[]>
  readonly nowMilliseconds: number
  /** --show-events: false leaves the Events section out. */
  readonly showEvents: boolean
}

/** The object's events, or null under --show-events=false. */
export async function eventsFor(context: DescribeContext, object: KubeObject): Promise<KubeObject[] | null> {
  if (!context.showEvents) return null
  const fields = [`involvedObject.name=${object.metadata.name ?? ''}`, `involvedObject.namespace=${object.metadata.namespace ?? ''}`]
  if (object.kind) fields.push(`involvedObject.kind=${object.kind}`)
  if (object.metadata.uid) fields.push(`involvedObject.uid=${object.metadata.uid}`)
  return context.list('', 'events', object.metadata.namespace ?? '', {fieldSelector: fields.join(',')})
}

function header(writer: DescribeWriter, object: KubeObject, options: {namespace?: boolean; created?: boolean} = {}): void {
  writer.write(0, `Name:\t${object.metadata.name ?? ''}\n`)
  if (options.namespace !== false) writer.write(0, `Namespace:\t${object.metadata.namespace ?? ''}\n`)
  if (options.created) writer.write(0, `CreationTimestamp:\t${rfc1123z(object.metadata.creationTimestamp)}\n`)
}

function selectorText(selector: unknown): string {
  const value = record(selector)
  const parts = Object.entries(record(value.matchLabels)).sort(([left], [right]) => (left < right ? -1 : 1)).map(([key, item]) => `${key}=${text(item)}`)
  for (const expression of list(value.matchExpressions)) {
    const values = Array.isArray(expression.values) ? expression.values.map(String).sort() : []
    const operator = text(expression.operator)
    if (operator === 'In') parts.push(`${text(expression.key)} in (${values.join(',')})`)
    else if (operator === 'NotIn') parts.push(`${text(expression.key)} notin (${values.join(',')})`)
    else if (operator === 'Exists') parts.push(text(expression.key))
    else if (operator === 'DoesNotExist') parts.push(`!${text(expression.key)}`)
  }
  return parts.length === 0 ? '<none>' : parts.join(',')
}

function controlledBy(object: KubeObject): string | null {
  const owner = (object.metadata.ownerReferences ?? []).find((reference) => reference.controller === true)
  return owner ? `${owner.kind}/${owner.name}` : null
}

export async function describePod(pod: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(pod.spec)
  const status = record(pod.status)
  header(writer, pod)
  writer.write(0, `Priority:\t${Number(spec.priority ?? 0)}\n`)
  if (text(spec.priorityClassName)) writer.write(0, `Priority Class Name:\t${text(spec.priorityClassName)}\n`)
  if (text(spec.runtimeClassName)) writer.write(0, `Runtime Class Name:\t${text(spec.runtimeClassName)}\n`)
  // A mirror pod has no service account: kubectl leaves the line out.
  if (text(spec.serviceAccountName)) writer.write(0, `Service Account:\t${text(spec.serviceAccountName)}\n`)
  writer.write(0, `Node:\t${text(spec.nodeName) ? `${text(spec.nodeName)}/${text(status.hostIP)}` : '<none>'}\n`)
  if (status.startTime !== undefined) writer.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`)
  printLabels(writer, 'Labels', pod.metadata.labels)
  printAnnotations(writer, 'Annotations', pod.metadata.annotations)
  if (pod.metadata.deletionTimestamp) {
    writer.write(0, `Status:\tTerminating (lasts ${humanDuration(context.nowMilliseconds - Date.parse(pod.metadata.deletionTimestamp))})\n`)
    writer.write(0, `Termination Grace Period:\t${pod.metadata.deletionGracePeriodSeconds ?? 0}s\n`)
  } else {
    writer.write(0, `Status:\t${text(status.phase)}\n`)
  }
  if (text(status.reason)) writer.write(0, `Reason:\t${text(status.reason)}\n`)
  if (text(status.message)) writer.write(0, `Message:\t${text(status.message).replaceAll('\t', '    ')}\n`)
  const seccomp = record(record(spec.securityContext).seccompProfile)
  if (text(seccomp.type)) {
    writer.write(0, `SeccompProfile:\t${text(seccomp.type)}\n`)
    if (text(seccomp.type) === 'Localhost') writer.write(0, `LocalhostProfile:\t${text(seccomp.localhostProfile)}\n`)
  }
  writer.write(0, `IP:\t${text(status.podIP)}\n`)
  const ips = list(status.podIPs)
  if (ips.length === 0) writer.write(0, 'IPs:\t<none>\n')
  else {
    writer.write(0, 'IPs:\n')
    for (const ip of ips) writer.write(0, `  IP:\t${text(ip.ip)}\n`)
  }
  const controller = controlledBy(pod)
  if (controller) writer.write(0, `Controlled By:\t${controller}\n`)
  if (text(status.nominatedNodeName)) writer.write(0, `NominatedNodeName:\t${text(status.nominatedNodeName)}\n`)
  describeContainers(writer, 'Init Containers', spec.initContainers, status.initContainerStatuses, '')
  describeContainers(writer, 'Containers', spec.containers, status.containerStatuses, '')
  const conditions = list(status.conditions)
  if (conditions.length > 0) {
    writer.write(0, 'Conditions:\n  Type\tStatus\n')
    for (const condition of conditions) writer.write(1, `${text(condition.type)} \t${text(condition.status)} \n`)
  }
  describeVolumes(writer, spec.volumes, '')
  writer.write(0, `QoS Class:\t${text(status.qosClass)}\n`)
  printLabels(writer, 'Node-Selectors', spec.nodeSelector)
  printTolerations(writer, 'Tolerations', spec.tolerations)
  describeEvents(writer, await eventsFor(context, pod), context.nowMilliseconds)
  return writer.toString()
}

function replicaSetsByLabels(sets: readonly KubeObject[]): string {
  if (sets.length === 0) return '<none>'
  return sets.map((set) => `${set.metadata.name ?? ''} (${Number(record(set.status).replicas ?? 0)}/${Number(record(set.spec).replicas ?? 0)} replicas created)`).join(', ')
}

export async function describeDeployment(deployment: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(deployment.spec)
  const status = record(deployment.status)
  header(writer, deployment, {created: true})
  printLabels(writer, 'Labels', deployment.metadata.labels)
  printAnnotations(writer, 'Annotations', deployment.metadata.annotations)
  writer.write(0, `Selector:\t${selectorText(spec.selector)}\n`)
  const replicas = Number(spec.replicas ?? 0)
  writer.write(0, `Replicas:\t${replicas} desired | ${Number(status.updatedReplicas ?? 0)} updated | ${Number(status.replicas ?? 0)} total | ${Number(status.availableReplicas ?? 0)} available | ${Number(status.unavailableReplicas ?? 0)} unavailable\n`)
  const strategy = record(spec.strategy)
  writer.write(0, `StrategyType:\t${text(strategy.type)}\n`)
  writer.write(0, `MinReadySeconds:\t${Number(spec.minReadySeconds ?? 0)}\n`)
  if (strategy.rollingUpdate !== undefined) {
    const rolling = record(strategy.rollingUpdate)
    writer.write(0, `RollingUpdateStrategy:\t${text(rolling.maxUnavailable)} max unavailable, ${text(rolling.maxSurge)} max surge\n`)
  }
  describePodTemplate(writer, record(spec.template))
  const conditions = list(status.conditions)
  if (conditions.length > 0) {
    writer.write(0, 'Conditions:\n  Type\tStatus\tReason\n')
    writer.write(1, '----\t------\t------\n')
    for (const condition of conditions) writer.write(1, `${text(condition.type)} \t${text(condition.status)}\t${text(condition.reason)}\n`)
  }
  const sets = (await context.list('apps', 'replicasets', deployment.metadata.namespace ?? '')).filter((set) =>
    (set.metadata.ownerReferences ?? []).some((reference) => reference.controller === true && reference.uid === deployment.metadata.uid),
  )
  const templateHash = (set: KubeObject) => set.metadata.labels?.['pod-template-hash']
  const revision = deployment.metadata.annotations?.['deployment.kubernetes.io/revision']
  const newSet = sets.find((set) => set.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision && templateHash(set) !== undefined) ?? null
  const oldSets = sets.filter((set) => set !== newSet && Number(record(set.spec).replicas ?? 0) > 0)
  // kubectl 1.32 leaves both lines out while the deployment has no replica set yet.
  if (newSet || oldSets.length > 0) {
    writer.write(0, `OldReplicaSets:\t${replicaSetsByLabels(oldSets)}\n`)
    writer.write(0, `NewReplicaSet:\t${replicaSetsByLabels(newSet ? [newSet] : [])}\n`)
  }
  describeEvents(writer, await eventsFor(context, deployment), context.nowMilliseconds)
  return writer.toString()
}

export async function podStatuses(context: DescribeContext, namespace: string, owner: KubeObject): Promise<string> {
  const pods = (await context.list('', 'pods', namespace)).filter((pod) => (pod.metadata.ownerReferences ?? []).some((reference) => reference.uid === owner.metadata.uid))
  const count = (phase: string) => pods.filter((pod) => record(pod.status).phase === phase).length
  return `${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed`
}

/** Name, namespace, selector, labels, annotations and owner: how workload descriptions begin. */
function workloadHeader(writer: DescribeWriter, object: KubeObject): void {
  header(writer, object)
  writer.write(0, `Selector:\t${selectorText(record(object.spec).selector)}\n`)
  printLabels(writer, 'Labels', object.metadata.labels)
  printAnnotations(writer, 'Annotations', object.metadata.annotations)
  const controller = controlledBy(object)
  if (controller) writer.write(0, `Controlled By:\t${controller}\n`)
}

export async function describeReplicaSet(set: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(set.spec)
  const status = record(set.status)
  workloadHeader(writer, set)
  writer.write(0, `Replicas:\t${Number(status.replicas ?? 0)} current / ${Number(spec.replicas ?? 0)} desired\n`)
  writer.write(0, `Pods Status:\t${await podStatuses(context, set.metadata.namespace ?? '', set)}\n`)
  describePodTemplate(writer, record(spec.template))
  describeReplicaConditions(writer, set)
  describeEvents(writer, await eventsFor(context, set), context.nowMilliseconds)
  return writer.toString()
}

export async function describeJob(job: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(job.spec)
  const status = record(job.status)
  workloadHeader(writer, job)
  writer.write(0, `Parallelism:\t${Number(spec.parallelism ?? 1)}\n`)
  writer.write(0, `Completions:\t${spec.completions === undefined ? '<unset>' : Number(spec.completions)}\n`)
  writer.write(0, `Completion Mode:\t${text(spec.completionMode) || 'NonIndexed'}\n`)
  writer.write(0, `Suspend:\t${spec.suspend === true}\n`)
  writer.write(0, `Backoff Limit:\t${Number(spec.backoffLimit ?? 6)}\n`)
  if (status.startTime !== undefined) writer.write(0, `Start Time:\t${rfc1123z(status.startTime)}\n`)
  if (status.completionTime !== undefined) {
    writer.write(0, `Completed At:\t${rfc1123z(status.completionTime)}\n`)
    writer.write(0, `Duration:\t${humanDuration(Date.parse(text(status.completionTime)) - Date.parse(text(status.startTime)))}\n`)
  }
  if (spec.activeDeadlineSeconds !== undefined) writer.write(0, `Active Deadline Seconds:\t${Number(spec.activeDeadlineSeconds)}s\n`)
  // kubectl shows the ready count when the job controller reports one (status.ready is set).
  const ready = status.ready !== undefined ? ` (${Number(status.ready)} Ready)` : ''
  writer.write(0, `Pods Statuses:\t${Number(status.active ?? 0)} Active${ready} / ${Number(status.succeeded ?? 0)} Succeeded / ${Number(status.failed ?? 0)} Failed\n`)
  describePodTemplate(writer, record(spec.template))
  describeEvents(writer, await eventsFor(context, job), context.nowMilliseconds)
  return writer.toString()
}

function percentOf(value: Quantity, total: Quantity, milli: boolean): string {
  const used = milli ? Number(milliValue(value)) : Number(value.nanos / 1_000_000_000n)
  const all = milli ? Number(milliValue(total)) : Number(total.nanos / 1_000_000_000n)
  return all === 0 ? '0' : String(Math.trunc((used * 100) / all))
}

export async function describeNode(node: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(node.spec)
  const status = record(node.status)
  writer.write(0, `Name:\t${node.metadata.name ?? ''}\n`)
  const roles = Object.keys(node.metadata.labels ?? {}).filter((key) => key.startsWith('node-role.kubernetes.io/')).map((key) => key.slice('node-role.kubernetes.io/'.length)).sort()
  writer.write(0, `Roles:\t${roles.length === 0 ? '<none>' : roles.join(',')}\n`)
  printLabels(writer, 'Labels', node.metadata.labels)
  printAnnotations(writer, 'Annotations', node.metadata.annotations)
  writer.write(0, `CreationTimestamp:\t${rfc1123z(node.metadata.creationTimestamp)}\n`)
  printTaints(writer, 'Taints', spec.taints)
  writer.write(0, `Unschedulable:\t${spec.unschedulable === true}\n`)
  const lease = (await context.list('coordination.k8s.io', 'leases', 'kube-node-lease')).find((candidate) => candidate.metadata.name === node.metadata.name)
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
  const pods = (await context.list('', 'pods', '', {fieldSelector: `spec.nodeName=${node.metadata.name ?? ''},status.phase!=Succeeded,status.phase!=Failed`}))
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
  describeEvents(writer, context.showEvents ? await context.list('', 'events', '', {fieldSelector: `involvedObject.kind=Node,involvedObject.name=${node.metadata.name ?? ''}`}) : null, context.nowMilliseconds)
  return writer.toString()
}

export async function describeService(service: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(service.spec)
  header(writer, service)
  printLabels(writer, 'Labels', service.metadata.labels)
  printAnnotations(writer, 'Annotations', service.metadata.annotations)
  const selector = Object.entries(record(spec.selector)).sort(([left], [right]) => (left < right ? -1 : 1))
  writer.write(0, `Selector:\t${selector.length === 0 ? '<none>' : selector.map(([key, value]) => `${key}=${text(value)}`).join(',')}\n`)
  writer.write(0, `Type:\t${text(spec.type)}\n`)
  if (text(spec.ipFamilyPolicy)) writer.write(0, `IP Family Policy:\t${text(spec.ipFamilyPolicy)}\n`)
  if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length > 0) writer.write(0, `IP Families:\t${spec.ipFamilies.join(',')}\n`)
  writer.write(0, `IP:\t${text(spec.clusterIP)}\n`)
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0) writer.write(0, `IPs:\t${spec.clusterIPs.join(',')}\n`)
  if (spec.type === 'ExternalName') writer.write(0, `External Name:\t${text(spec.externalName)}\n`)
  const endpoints = (await context.list('', 'endpoints', service.metadata.namespace ?? '')).find((candidate) => candidate.metadata.name === service.metadata.name)
  for (const port of list(spec.ports)) {
    const name = text(port.name) || '<unset>'
    writer.write(0, `Port:\t${name}\t${Number(port.port)}/${text(port.protocol)}\n`)
    const target = port.targetPort
    writer.write(0, `TargetPort:\t${typeof target === 'number' ? `${target}/${text(port.protocol)}` : `${text(target)}/${text(port.protocol)}`}\n`)
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) writer.write(0, `NodePort:\t${name}\t${port.nodePort}/${text(port.protocol)}\n`)
    const addresses: string[] = []
    for (const subset of list(endpoints?.subsets)) {
      const subsetPorts = list(subset.ports).filter((candidate) => !text(port.name) || candidate.name === port.name)
      for (const address of list(subset.addresses)) for (const candidate of subsetPorts) addresses.push(`${text(address.ip)}:${Number(candidate.port)}`)
    }
    writer.write(0, `Endpoints:\t${addresses.length === 0 ? '<none>' : addresses.length > 3 ? `${addresses.slice(0, 3).join(',')} + ${addresses.length - 3} more...` : addresses.join(',')}\n`)
  }
  if (Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0) writer.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`)
  writer.write(0, `Session Affinity:\t${text(spec.sessionAffinity)}\n`)
  if (text(spec.externalTrafficPolicy)) writer.write(0, `External Traffic Policy:\t${text(spec.externalTrafficPolicy)}\n`)
  if (text(spec.internalTrafficPolicy)) writer.write(0, `Internal Traffic Policy:\t${text(spec.internalTrafficPolicy)}\n`)
  describeEvents(writer, await eventsFor(context, service), context.nowMilliseconds)
  return writer.toString()
}

export async function describeNamespace(namespace: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${namespace.metadata.name ?? ''}\n`)
  printLabels(writer, 'Labels', namespace.metadata.labels)
  printAnnotations(writer, 'Annotations', namespace.metadata.annotations)
  writer.write(0, `Status:\t${text(record(namespace.status).phase)}\n`)
  const quotas = await context.list('', 'resourcequotas', namespace.metadata.name ?? '')
  if (quotas.length === 0) writer.write(0, '\nNo resource quota.\n')
  else {
    for (const quota of quotas) {
      writer.write(0, '\nResource Quotas\n')
      writer.write(1, `Name:\t${quota.metadata.name ?? ''}\n`)
      writer.write(1, 'Resource\tUsed\tHard\n')
      writer.write(1, '--------\t---\t---\n')
      const hard = record(record(quota.status).hard)
      const used = record(record(quota.status).used)
      for (const name of Object.keys(hard).sort()) writer.write(1, `${name}\t${text(used[name] ?? '0')}\t${text(hard[name])}\n`)
    }
  }
  const ranges = await context.list('', 'limitranges', namespace.metadata.name ?? '')
  if (ranges.length === 0) writer.write(0, '\nNo LimitRange resource.\n')
  else {
    for (const range of ranges) {
      writer.write(0, '\nResource Limits\n')
      writer.write(1, 'Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n')
      writer.write(1, '----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n')
      for (const item of list(record(range.spec).limits)) {
        const names = new Set<string>()
        for (const field of ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio']) for (const name of Object.keys(record(item[field]))) names.add(name)
        for (const name of [...names].sort()) {
          const cell = (field: string) => text(record(item[field])[name]) || '-'
          writer.write(1, `${text(item.type)}\t${name}\t${cell('min')}\t${cell('max')}\t${cell('defaultRequest')}\t${cell('default')}\t${cell('maxLimitRequestRatio')}\n`)
        }
      }
    }
  }
  return writer.toString()
}

export async function describeConfigMap(configMap: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  header(writer, configMap)
  printLabels(writer, 'Labels', configMap.metadata.labels)
  printAnnotations(writer, 'Annotations', configMap.metadata.annotations)
  writer.write(0, '\nData\n====\n')
  const data = record(configMap.data)
  for (const key of Object.keys(data).sort()) writer.write(0, `${key}:\n----\n${text(data[key])}\n\n`)
  writer.write(0, '\nBinaryData\n====\n')
  const binary = record(configMap.binaryData)
  for (const key of Object.keys(binary).sort()) writer.write(0, `${key}: ${Buffer.from(text(binary[key]), 'base64').length} bytes\n`)
  writer.write(0, '\n')
  describeEvents(writer, await eventsFor(context, configMap), context.nowMilliseconds)
  return writer.toString()
}

export async function describeSecret(secret: KubeObject): Promise<string> {
  const writer = new DescribeWriter()
  header(writer, secret)
  printLabels(writer, 'Labels', secret.metadata.labels)
  printAnnotations(writer, 'Annotations', secret.metadata.annotations)
  writer.write(0, `\nType:\t${text(secret.type)}\n`)
  writer.write(0, '\nData\n====\n')
  const data = record(secret.data)
  for (const key of Object.keys(data).sort()) {
    const bytes = Buffer.from(text(data[key]), 'base64')
    writer.write(0, key === 'token' && secret.type === 'kubernetes.io/service-account-token' ? `${key}:\t${bytes.toString('utf8')}\n` : `${key}:\t${bytes.length} bytes\n`)
  }
  return writer.toString()
}

export async function describeServiceAccount(account: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  header(writer, account)
  printLabels(writer, 'Labels', account.metadata.labels)
  printAnnotations(writer, 'Annotations', account.metadata.annotations)
  const names = (field: string) => list(account[field]).map((entry) => text(entry.name))
  const pull = names('imagePullSecrets')
  const mountable = names('secrets')
  writer.write(0, `Image pull secrets:\t${pull.length === 0 ? '<none>' : pull.join('\n\t')}\n`)
  writer.write(0, `Mountable secrets:\t${mountable.length === 0 ? '<none>' : mountable.join('\n\t')}\n`)
  writer.write(0, 'Tokens:\t<none>\n')
  describeEvents(writer, await eventsFor(context, account), context.nowMilliseconds)
  return writer.toString()
}

/** kubectl's ResourceQuota describer: the scopes, then each resource of status.hard, sorted, with used and hard. */
export async function describeResourceQuota(quota: KubeObject): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${quota.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${quota.metadata.namespace ?? ''}\n`)
  const scopes = list(record(quota.spec).scopes as unknown).map((scope) => String(scope))
  if (scopes.length > 0) writer.write(0, `Scopes:\t${[...scopes].sort().join(', ')}\n`)
  writer.write(0, 'Resource\tUsed\tHard\n')
  writer.write(0, '--------\t----\t----\n')
  const status = record(quota.status)
  const hard = record(status.hard)
  const used = record(status.used)
  for (const name of Object.keys(hard).sort()) {
    const shown = (value: unknown) => (value === undefined ? '0' : canonicalQuantity(String(value)))
    writer.write(0, `${name}\t${shown(used[name])}\t${shown(hard[name])}\n`)
  }
  return writer.toString()
}
