// kubectl describe replicationcontroller, in kubectl 1.32's layout: as a ReplicaSet's, with the
// selector a plain label map and no Controlled By line.
import type {KubeObject} from '../../api/object.js'
import {formatLabels} from '../../api/field-text.js'
import {type DescribeContext, eventsFor, podStatuses} from './context.js'
import {describeEvents, describePodTemplate, describeReplicaConditions} from './pods.js'
import {DescribeWriter, printAnnotations, printLabels, record} from './writer.js'

export async function describeReplicationController(controller: KubeObject, context: DescribeContext): Promise<string> {
  const writer = new DescribeWriter()
  const spec = record(controller.spec)
  writer.write(0, `Name:\t${controller.metadata.name ?? ''}\n`)
  writer.write(0, `Namespace:\t${controller.metadata.namespace ?? ''}\n`)
  writer.write(0, `Selector:\t${formatLabels(spec.selector)}\n`)
  printLabels(writer, 'Labels', controller.metadata.labels)
  printAnnotations(writer, 'Annotations', controller.metadata.annotations)
  writer.write(0, `Replicas:\t${Number(record(controller.status).replicas ?? 0)} current / ${Number(spec.replicas ?? 0)} desired\n`)
  writer.write(0, `Pods Status:\t${await podStatuses(context, controller.metadata.namespace ?? '', controller)}\n`)
  describePodTemplate(writer, record(spec.template))
  describeReplicaConditions(writer, controller)
  describeEvents(writer, await eventsFor(context, controller), context.nowMilliseconds)
  return writer.toString()
}
