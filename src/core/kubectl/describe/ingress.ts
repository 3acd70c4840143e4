// kubectl describe ingress and ingressclass, in kubectl 1.32's layout: the address, class,
// default backend and TLS, then the Rules table whose service backends are resolved to the
// ready endpoints of their EndpointSlices (as describeBackendV1 does), then the annotations.
import type {KubeObject} from '../../api/object.js'
import {ingressAddresses} from '../../api/field-text.js'
import {type DescribeContext, eventsFor, formatEndpointSlices} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, text} from './writer.js'

/** discoveryv1.LabelServiceName: an EndpointSlice's Service. */
const serviceNameLabel = 'kubernetes.io/service-name'

async function describeBackend(context: DescribeContext, namespace: string, backend: Record<string, unknown>): Promise<string> {
  if (backend.service !== undefined && backend.service !== null) {
    const service = record(backend.service)
    const port = record(service.port)
    const name = text(service.name)
    const label = `${name}:${typeof port.number === 'number' && port.number !== 0 ? port.number : text(port.name)}`
    // kubectl reads the service's endpoint slices in one request, then the service.
    const slices = await context.list('discovery.k8s.io', 'endpointslices', namespace, {labelSelector: `${serviceNameLabel}=${name}`}, {whole: true})
    const found = await context.get('', 'services', namespace, name)
    if (!found) return `${label} (<error: services "${name}" not found>)`
    let portName = ''
    for (const servicePort of list(record(found.spec).ports)) {
      if (typeof port.number === 'number' && port.number !== 0 && port.number === servicePort.port) portName = text(servicePort.name)
      else if (text(port.name).length > 0 && text(port.name) === text(servicePort.name)) portName = text(servicePort.name)
    }
    return `${label} (${formatEndpointSlices(slices, portName)})`
  }
  if (backend.resource !== undefined && backend.resource !== null) {
    const resource = record(backend.resource)
    return `APIGroup: ${typeof resource.apiGroup === 'string' ? resource.apiGroup : '<none>'}, Kind: ${text(resource.kind)}, Name: ${text(resource.name)}`
  }
  return ''
}

export async function describeIngress(ingress: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(ingress.spec)
  const namespace = ingress.metadata.namespace ?? ''
  // kubectl reads the events before it resolves the backends.
  const events = await eventsFor(context, ingress)
  writer.write(0, `Name:\t${ingress.metadata.name ?? ''}\n`)
  printLabels(writer, 'Labels', ingress.metadata.labels)
  writer.write(0, `Namespace:\t${namespace}\n`)
  writer.write(0, `Address:\t${ingressAddresses(ingress.status, true)}\n`)
  writer.write(0, `Ingress Class:\t${typeof spec.ingressClassName === 'string' ? spec.ingressClassName : '<none>'}\n`)
  const defaultBackend = spec.defaultBackend === undefined || spec.defaultBackend === null ? '<default>' : await describeBackend(context, namespace, record(spec.defaultBackend))
  writer.write(0, `Default backend:\t${defaultBackend}\n`)
  const tls = list(spec.tls)
  if (tls.length > 0) {
    writer.write(0, 'TLS:\n')
    for (const entry of tls) {
      const hosts = Array.isArray(entry.hosts) ? entry.hosts.map(String).join(',') : ''
      writer.write(1, text(entry.secretName) === '' ? `SNI routes ${hosts}\n` : `${text(entry.secretName)} terminates ${hosts}\n`)
    }
  }
  writer.write(0, 'Rules:\n  Host\tPath\tBackends\n')
  writer.write(1, '----\t----\t--------\n')
  let count = 0
  for (const rule of list(spec.rules)) {
    if (rule.http === undefined || rule.http === null) continue
    count++
    writer.write(1, `${text(rule.host) || '*'}\t\n`)
    for (const path of list(record(rule.http).paths)) writer.write(2, `\t${text(path.path)} \t${await describeBackend(context, namespace, record(path.backend))}\n`)
  }
  if (count === 0) writer.write(1, `*\t*\t${defaultBackend}\n`)
  printAnnotations(writer, 'Annotations', ingress.metadata.annotations)
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}

export async function describeIngressClass(ingressClass: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(ingressClass.spec)
  writer.write(0, `Name:\t${ingressClass.metadata.name ?? ''}\n`)
  printLabels(writer, 'Labels', ingressClass.metadata.labels)
  printAnnotations(writer, 'Annotations', ingressClass.metadata.annotations)
  writer.write(0, `Controller:\t${text(spec.controller)}\n`)
  if (spec.parameters !== undefined && spec.parameters !== null) {
    const parameters = record(spec.parameters)
    writer.write(0, 'Parameters:\n')
    if (typeof parameters.apiGroup === 'string') writer.write(1, `APIGroup:\t${parameters.apiGroup}\n`)
    writer.write(1, `Kind:\t${text(parameters.kind)}\n`)
    writer.write(1, `Name:\t${text(parameters.name)}\n`)
  }
  describeEvents(writer, await eventsFor(context, ingressClass), context.nowMilliseconds)
  return writer.toString()
}
