// Why a namespace stays Terminating (what is left in it and which finalizers hold it), and why
// a node is NotReady or takes no pods.
import {stoppedAnnotation} from '../kubelet/heartbeat.js'
import type {KubeObject} from '../api/object.js'
import {condition, diagnosis, type Diagnosis, fields, list, listed, text, timeOf, duration} from './diagnosis.js'
import type {WhyReader} from './reader.js'

export function explainNamespace(namespace: KubeObject, label: string, reader: WhyReader): Diagnosis {
  const phase = text(fields(namespace.status).phase) || 'Active'
  const facts = list(fields(namespace.status).conditions)
    .filter((entry) => text(entry.status) === 'True')
    .map((entry) => `condition ${text(entry.type)}: ${text(entry.message)}`)
  const finalizers = (Array.isArray(fields(namespace.spec).finalizers) ? (fields(namespace.spec).finalizers as unknown[]) : []).map(String)
  if (finalizers.length > 0) facts.push(`spec.finalizers: ${finalizers.join(', ')}`)
  if (!namespace.metadata.deletionTimestamp) return diagnosis(label, null, phase, false, `Nothing is wrong: ${label} is ${phase}.`, facts)
  const deleted = timeOf(namespace.metadata.deletionTimestamp) ?? reader.now
  const content = condition(namespace, 'NamespaceContentRemaining')
  const finalizersLeft = condition(namespace, 'NamespaceFinalizersRemaining')
  const failures = ['NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionGroupVersionParsingFailure', 'NamespaceDeletionContentFailure'].map((type) => condition(namespace, type)).filter((entry) => text(entry?.status) === 'True')
  const parts: string[] = []
  if (text(content?.status) === 'True') parts.push(`objects remain in it (${text(content?.message)})`)
  if (text(finalizersLeft?.status) === 'True') parts.push(`some of them carry finalizers nobody has removed yet (${text(finalizersLeft?.message)})`)
  for (const failure of failures) parts.push(text(failure?.message))
  if (parts.length === 0) return diagnosis(label, null, 'Terminating', false, `${label} was deleted ${duration(reader.now - deleted)} ago; the namespace controller is deleting what it holds and then removes its "kubernetes" finalizer. Nothing is wrong yet.`, facts)
  return diagnosis(label, null, 'Terminating', true, `${label} was deleted ${duration(reader.now - deleted)} ago and stays Terminating until it is empty: ${listed(parts)}. \`kubemu why\` on one of those objects tells what holds it.`, facts)
}

export function explainNode(node: KubeObject, label: string, reader: WhyReader): Diagnosis {
  const ready = condition(node, 'Ready')
  const stopped = node.metadata.annotations?.[stoppedAnnotation] === 'true'
  const facts = list(fields(node.status).conditions).map((entry) => `condition ${text(entry.type)}=${text(entry.status)}${text(entry.reason) ? ` ${text(entry.reason)}` : ''}`)
  const taints = list(fields(node.spec).taints).map((taint) => `${text(taint.key)}${taint.value ? `=${text(taint.value)}` : ''}:${text(taint.effect)}`)
  if (taints.length > 0) facts.push(`taints: ${taints.join(', ')}`)
  const heartbeat = timeOf(ready?.lastHeartbeatTime)
  if (heartbeat !== null) facts.push(`last heartbeat ${duration(reader.now - heartbeat)} ago`)
  if (text(ready?.status) !== 'True') {
    const why = stopped ? 'its kubelet is stopped (`kubemu node start` brings it back)' : `its kubelet stopped posting status (${text(ready?.message) || 'no heartbeat'})`
    return diagnosis(label, null, 'NotReady', true, `${label} is NotReady: ${why}. The node lifecycle controller taints it node.kubernetes.io/unreachable, and its pods are evicted once their toleration (300 s by default) runs out.`, facts)
  }
  if (fields(node.spec).unschedulable === true) return diagnosis(label, null, 'SchedulingDisabled', true, `${label} is Ready but cordoned (spec.unschedulable): the scheduler places no new pod on it until \`kubectl uncordon ${text(node.metadata.name)}\`; pods already there keep running.`, facts)
  const pressure = list(fields(node.status).conditions).filter((entry) => text(entry.type) !== 'Ready' && text(entry.status) === 'True').map((entry) => text(entry.type))
  if (pressure.length > 0) return diagnosis(label, null, 'Ready', true, `${label} is Ready but reports ${listed(pressure)}: the kubelet taints it so new pods avoid it and may evict pods to relieve it.`, facts)
  return diagnosis(label, null, 'Ready', false, `Nothing is wrong: ${label} is Ready and schedulable.`, facts)
}
