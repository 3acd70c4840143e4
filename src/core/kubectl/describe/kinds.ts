// kubectl describe for the core kinds people describe most: pods, services, namespaces, config
// maps, secrets, service accounts and resource quotas, in kubectl's layout (workloads.ts has the
// deployments, replica sets and jobs; node.ts the nodes).
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {humanDuration} from '../../util/go-duration.js'
import {type DescribeContext, controlledBy, eventsFor, eventsOf, formatEndpointSlices, objectHeader} from './context.js'
import {describeContainers, describeEvents, describeVolumes} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, printTolerations, record, rfc1123z, text} from './writer.js'


export async function describePod(pod: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(pod.spec)
  const status = record(pod.status)
  objectHeader(writer, pod)
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
  // kubectl's pod describer leaves the kind out of the events' selector; a mirror pod's events name the static pod's uid.
  const uid = pod.metadata.annotations?.['kubernetes.io/config.mirror'] ?? pod.metadata.uid ?? ''
  const events = context.showEvents ? await eventsOf(context, {kind: '', name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? '', uid}) : null
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}


export async function describeService(service: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(service.spec)
  objectHeader(writer, service)
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
  // kubectl reads the service's endpoint slices in one request.
  const slices = await context.list('discovery.k8s.io', 'endpointslices', service.metadata.namespace ?? '', {labelSelector: `kubernetes.io/service-name=${service.metadata.name ?? ''}`}, {whole: true})
  for (const port of list(spec.ports)) {
    const name = text(port.name) || '<unset>'
    writer.write(0, `Port:\t${name}\t${Number(port.port)}/${text(port.protocol)}\n`)
    const target = port.targetPort
    writer.write(0, `TargetPort:\t${typeof target === 'number' ? `${target}/${text(port.protocol)}` : `${text(target)}/${text(port.protocol)}`}\n`)
    if (typeof port.nodePort === 'number' && port.nodePort !== 0) writer.write(0, `NodePort:\t${name}\t${port.nodePort}/${text(port.protocol)}\n`)
    writer.write(0, `Endpoints:\t${formatEndpointSlices(slices, text(port.name))}\n`)
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
      writeLimitRows(writer, ' ', range)
    }
  }
  return writer.toString()
}

export async function describeConfigMap(configMap: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  objectHeader(writer, configMap)
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
  objectHeader(writer, secret)
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
  objectHeader(writer, account)
  printLabels(writer, 'Labels', account.metadata.labels)
  printAnnotations(writer, 'Annotations', account.metadata.annotations)
  const names = (field: string) => list(account[field]).map((entry) => text(entry.name))
  const pull = names('imagePullSecrets')
  const mountable = names('secrets')
  writer.write(0, `Image pull secrets:\t${pull.length === 0 ? '<none>' : pull.join('\n\t')}\n`)
  writer.write(0, `Mountable secrets:\t${mountable.length === 0 ? '<none>' : mountable.join('\n\t')}\n`)
  // kubectl lists the namespace's secrets for the account's tokens (those of type service-account-token naming it) before its events.
  const secrets = await context.list('', 'secrets', account.metadata.namespace ?? '')
  const tokens = secrets.filter((secret) => secret.type === 'kubernetes.io/service-account-token' && secret.metadata.annotations?.['kubernetes.io/service-account.name'] === account.metadata.name).map((secret) => String(secret.metadata.name))
  writer.write(0, `Tokens:\t${tokens.length === 0 ? '<none>' : tokens.join('\n\t')}\n`)
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

/**
 * A LimitRange's table: a row per limit type and resource. kubectl walks a Go map of the
 * resources, so their order within a type is not fixed; here it is sorted.
 */
/** The limits' table; `indent` is what each row starts with (a namespace's description indents them by one space). */
function writeLimitRows(writer: DescribeWriter, indent: string, range: KubeObject): void {
  writer.write(0, `${indent}Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n`)
  writer.write(0, `${indent}----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n`)
  for (const item of list(record(range.spec).limits)) {
    const names = new Set<string>()
    for (const field of ['min', 'max', 'default', 'defaultRequest', 'maxLimitRequestRatio']) for (const name of Object.keys(record(item[field]))) names.add(name)
    for (const name of [...names].sort()) {
      const cell = (field: string) => text(record(item[field])[name]) || '-'
      writer.write(0, `${indent}${text(item.type)}\t${name}\t${cell('min')}\t${cell('max')}\t${cell('defaultRequest')}\t${cell('default')}\t${cell('maxLimitRequestRatio')}\n`)
    }
  }
}

/** kubectl's LimitRange describer: name, namespace and the limits' table (no labels, no events). */
export async function describeLimitRange(range: KubeObject): Promise<string> {
  const writer = new DescribeWriter()
  writer.write(0, `Name:\t${range.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${range.metadata.namespace ?? ''}\n`)
  writeLimitRows(writer, '', range)
  return writer.toString()
}
