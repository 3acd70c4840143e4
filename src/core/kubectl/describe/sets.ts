// kubectl describe for DaemonSets and StatefulSets, in kubectl 1.32's layout: a DaemonSet's node
// counts (written without tabs, as kubectl writes them) and a StatefulSet's update strategy and
// volume claim templates, each with its pods' statuses, pod template and events.
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {type DescribeContext, eventsFor, podStatuses, selectorText} from './context.js'
import {describeEvents, describePodTemplate} from './pods.js'
import {DescribeWriter, list, printAnnotations, printLabels, record, rfc1123z, text} from './writer.js'

/** labels.FormatLabels: `k=v,k2=v2` sorted, or <none>. */
function formatLabels(labels: unknown): string {
  const entries = Object.entries(record(labels)).sort(([left], [right]) => (left < right ? -1 : 1))
  return entries.length === 0 ? '<none>' : entries.map(([key, value]) => `${key}=${text(value)}`).join(',')
}

export async function describeDaemonSet(daemonSet: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(daemonSet.spec)
  const status = record(daemonSet.status)
  writer.write(0, `Name:\t${daemonSet.metadata.name ?? ''}\n`)
  writer.write(0, `Selector:\t${selectorText(spec.selector)}\n`)
  writer.write(0, `Node-Selector:\t${formatLabels(record(record(spec.template).spec).nodeSelector)}\n`)
  printLabels(writer, 'Labels', daemonSet.metadata.labels)
  printAnnotations(writer, 'Annotations', daemonSet.metadata.annotations)
  writer.write(0, `Desired Number of Nodes Scheduled: ${Number(status.desiredNumberScheduled ?? 0)}\n`)
  writer.write(0, `Current Number of Nodes Scheduled: ${Number(status.currentNumberScheduled ?? 0)}\n`)
  writer.write(0, `Number of Nodes Scheduled with Up-to-date Pods: ${Number(status.updatedNumberScheduled ?? 0)}\n`)
  writer.write(0, `Number of Nodes Scheduled with Available Pods: ${Number(status.numberAvailable ?? 0)}\n`)
  writer.write(0, `Number of Nodes Misscheduled: ${Number(status.numberMisscheduled ?? 0)}\n`)
  writer.write(0, `Pods Status:\t${await podStatuses(context, daemonSet.metadata.namespace ?? '', daemonSet)}\n`)
  describePodTemplate(writer, record(spec.template))
  describeEvents(writer, await eventsFor(context, daemonSet), context.nowMilliseconds)
  return writer.toString()
}

export async function describeStatefulSet(statefulSet: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(statefulSet.spec)
  const status = record(statefulSet.status)
  writer.write(0, `Name:\t${statefulSet.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${statefulSet.metadata.namespace ?? ''}\n`)
  writer.write(0, `CreationTimestamp:\t${rfc1123z(statefulSet.metadata.creationTimestamp)}\n`)
  writer.write(0, `Selector:\t${selectorText(spec.selector)}\n`)
  printLabels(writer, 'Labels', statefulSet.metadata.labels)
  printAnnotations(writer, 'Annotations', statefulSet.metadata.annotations)
  writer.write(0, `Replicas:\t${Number(spec.replicas ?? 1)} desired | ${Number(status.replicas ?? 0)} total\n`)
  const strategy = record(spec.updateStrategy)
  writer.write(0, `Update Strategy:\t${text(strategy.type)}\n`)
  if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    const rolling = record(strategy.rollingUpdate)
    if (rolling.partition !== undefined && rolling.partition !== null) {
      writer.write(1, `Partition:\t${Number(rolling.partition)}\n`)
      if (rolling.maxUnavailable !== undefined && rolling.maxUnavailable !== null) writer.write(1, `MaxUnavailable:\t${text(rolling.maxUnavailable)}\n`)
    }
  }
  writer.write(0, `Pods Status:\t${await podStatuses(context, statefulSet.metadata.namespace ?? '', statefulSet)}\n`)
  describePodTemplate(writer, record(spec.template))
  const templates = list(spec.volumeClaimTemplates)
  if (templates.length === 0) writer.write(0, 'Volume Claims:\t<none>\n')
  else {
    writer.write(0, 'Volume Claims:\n')
    for (const claim of templates) {
      const metadata = record(claim.metadata)
      const claimSpec = record(claim.spec)
      const storageClass = text(record(metadata.annotations)['volume.beta.kubernetes.io/storage-class']) || text(claimSpec.storageClassName)
      writer.write(1, `Name:\t${text(metadata.name)}\n`)
      writer.write(1, `StorageClass:\t${storageClass}\n`)
      printLabels(writer, 'Labels', metadata.labels, 1)
      printLabels(writer, 'Annotations', metadata.annotations, 1)
      const storage = record(record(claimSpec.resources).requests).storage
      writer.write(1, `Capacity:\t${storage === undefined ? '<default>' : canonicalQuantity(text(storage))}\n`)
      const modes = Array.isArray(claimSpec.accessModes) ? claimSpec.accessModes.map((mode) => text(mode)) : []
      writer.write(1, `Access Modes:\t[${modes.join(' ')}]\n`)
    }
  }
  describeEvents(writer, await eventsFor(context, statefulSet), context.nowMilliseconds)
  return writer.toString()
}
