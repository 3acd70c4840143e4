// kubectl describe endpoints and endpointslices, in kubectl 1.32's layout: an Endpoints object's
// subsets (ready and not-ready addresses, ports), an EndpointSlice's ports and each endpoint with
// its conditions, hostname, target, node and zone; then their events.
import type {KubeObject} from '../../api/object.js'
import {type DescribeContext, eventsFor, objectHeader} from './context.js'
import {describeEvents} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, text} from './writer.js'

/** Go's %v of an optional string field: the value, or `<unset>` when absent. */
const orUnset = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : '<unset>')

export async function describeEndpoints(endpoints: KubeObject, context: DescribeContext): Promise<string> {
  const events = await eventsFor(context, endpoints)
  const writer = new DescribeWriter()
  objectHeader(writer, endpoints)
  printLabels(writer, 'Labels', endpoints.metadata.labels)
  printAnnotations(writer, 'Annotations', endpoints.metadata.annotations)
  writer.write(0, 'Subsets:\n')
  for (const subset of list(endpoints.subsets)) {
    const addresses = (field: string) => list(subset[field]).map((address) => text(address.ip)).join(',') || '<none>'
    writer.write(1, `Addresses:\t${addresses('addresses')}\n`)
    writer.write(1, `NotReadyAddresses:\t${addresses('notReadyAddresses')}\n`)
    const ports = list(subset.ports)
    if (ports.length > 0) {
      writer.write(1, 'Ports:\n')
      writer.write(2, 'Name\tPort\tProtocol\n')
      writer.write(2, '----\t----\t--------\n')
      for (const port of ports) writer.write(2, `${text(port.name) || '<unset>'}\t${Number(port.port ?? 0)}\t${text(port.protocol)}\n`)
    }
    writer.write(0, '\n')
  }
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}

export async function describeEndpointSlice(slice: KubeObject, context: DescribeContext): Promise<string> {
  const events = await eventsFor(context, slice)
  const writer = new DescribeWriter()
  objectHeader(writer, slice)
  printLabels(writer, 'Labels', slice.metadata.labels)
  printAnnotations(writer, 'Annotations', slice.metadata.annotations)
  writer.write(0, `AddressType:\t${text(slice.addressType)}\n`)
  const ports = list(slice.ports)
  if (ports.length === 0) writer.write(0, 'Ports: <unset>\n')
  else {
    writer.write(0, 'Ports:\n')
    writer.write(1, 'Name\tPort\tProtocol\n')
    writer.write(1, '----\t----\t--------\n')
    for (const port of ports) writer.write(1, `${text(port.name) || '<unset>'}\t${typeof port.port === 'number' ? port.port : '<unset>'}\t${text(port.protocol)}\n`)
  }
  const endpoints = list(slice.endpoints)
  if (endpoints.length === 0) writer.write(0, 'Endpoints: <none>\n')
  else {
    writer.write(0, 'Endpoints:\n')
    for (const endpoint of endpoints) {
      writer.write(1, `- Addresses:\t${(Array.isArray(endpoint.addresses) ? endpoint.addresses.map(String).join(', ') : '') || '<none>'}\n`)
      writer.write(2, 'Conditions:\n')
      writer.write(3, `Ready:\t${orUnset(record(endpoint.conditions).ready)}\n`)
      writer.write(2, `Hostname:\t${orUnset(endpoint.hostname)}\n`)
      if (endpoint.targetRef !== undefined && endpoint.targetRef !== null) writer.write(2, `TargetRef:\t${text(record(endpoint.targetRef).kind)}/${text(record(endpoint.targetRef).name)}\n`)
      writer.write(2, `NodeName:\t${orUnset(endpoint.nodeName)}\n`)
      writer.write(2, `Zone:\t${orUnset(endpoint.zone)}\n`)
    }
  }
  describeEvents(writer, events, context.nowMilliseconds)
  return writer.toString()
}
