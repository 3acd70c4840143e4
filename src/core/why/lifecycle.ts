// What every kind shares: an object being deleted (grace period, finalizers and who removes
// them, dependents in a foreground deletion) and an object's owners (gone, so the garbage
// collector should take it, or none while it looks made by a controller: orphaned).
import type {KubeObject} from '../api/object.js'
import type {ResourceRef} from '../client/client.js'
import {resources} from '../client/resources.js'
import {condition, diagnosis, type Diagnosis, duration, fields, list, listed, text, timeOf} from './diagnosis.js'
import type {WhyReader} from './reader.js'

/** Who removes each finalizer Kubernetes itself sets, and what it waits for. */
const finalizerOwners: Readonly<Record<string, string>> = {
  foregroundDeletion: 'the garbage collector, once every dependent with blockOwnerDeletion is gone',
  orphan: 'the garbage collector, once it has removed this owner from its dependents',
  'kubernetes.io/pvc-protection': 'the PVC protection controller, once no pod uses the claim',
  'kubernetes.io/pv-protection': 'the PV protection controller, once no claim is bound to the volume',
  kubernetes: 'the namespace controller, once every object in the namespace is gone',
  'batch.kubernetes.io/job-tracking': 'the Job controller, once it has counted the pod',
  'external-attacher/': 'a CSI attacher',
}

/** The kinds an ownerReference may name and where to read them. */
const ownerResources: Readonly<Record<string, ResourceRef>> = {
  Deployment: resources.deployments,
  ReplicaSet: resources.replicaSets,
  StatefulSet: resources.statefulSets,
  DaemonSet: resources.daemonSets,
  Job: resources.jobs,
  CronJob: resources.cronJobs,
  ReplicationController: resources.replicationControllers,
  Pod: resources.pods,
  Node: resources.nodes,
  Service: resources.services,
  PersistentVolumeClaim: resources.persistentVolumeClaims,
  HorizontalPodAutoscaler: resources.horizontalPodAutoscalers,
}

/** The kinds searched for dependents of an object in a foreground deletion. */
const dependentResources: readonly ResourceRef[] = [resources.pods, resources.replicaSets, resources.controllerRevisions, resources.jobs, resources.persistentVolumeClaims]

function finalizerOwner(finalizer: string): string {
  const known = finalizerOwners[finalizer] ?? Object.entries(finalizerOwners).find(([prefix]) => prefix.endsWith('/') && finalizer.startsWith(prefix))?.[1]
  return known ?? 'nothing in the cluster: whoever added it (your own controller or operator) must remove it, or `kubectl patch … --type=merge -p \'{"metadata":{"finalizers":null}}\'`'
}

/** An object with a deletionTimestamp: why it is still there. */
export async function explainTerminating(object: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = object.metadata.namespace ? text(object.metadata.namespace) : null
  const deletion = timeOf(object.metadata.deletionTimestamp) ?? reader.now
  const finalizers = (object.metadata.finalizers ?? []).map(String)
  const facts = [`deletionTimestamp ${text(object.metadata.deletionTimestamp)} (${reader.now >= deletion ? `${duration(reader.now - deletion)} ago` : `in ${duration(deletion - reader.now)}`})`]
  for (const finalizer of finalizers) facts.push(`finalizer ${finalizer}: removed by ${finalizerOwner(finalizer)}`)
  if (finalizers.includes('foregroundDeletion')) {
    const dependents = await dependentsOf(object, reader)
    for (const dependent of dependents) facts.push(`dependent ${dependent}`)
    const waiting = dependents.length === 0 ? 'it has no dependents left, so the garbage collector removes the finalizer at its next pass' : `it waits for ${listed(dependents.slice(0, 5))}${dependents.length > 5 ? ' …' : ''} to be deleted first`
    return diagnosis(label, namespace, 'Terminating', true, `${label} is being deleted in the foreground (propagationPolicy Foreground): ${waiting}.`, facts)
  }
  if (object.kind === 'Pod' || label.startsWith('pod/')) {
    const nodeName = text(fields(object.spec).nodeName)
    const grace = Number(object.metadata.deletionGracePeriodSeconds ?? 0)
    if (nodeName) {
      const node = await reader.get(resources.nodes, '', nodeName)
      const ready = node ? text(condition(node, 'Ready')?.status) : 'gone'
      facts.push(`node ${nodeName}: Ready=${ready || 'Unknown'}`)
      if (node && ready !== 'True') {
        return diagnosis(label, namespace, 'Terminating', true, `${label} waits for the kubelet on node ${nodeName} to stop its containers, and that node is NotReady: the pod stays Terminating until the node comes back or is deleted. \`kubectl delete pod ${text(object.metadata.name)} --grace-period=0 --force\` removes the object without waiting (the containers may still run on the node).`, facts)
      }
    }
    const pending = finalizers.length > 0 ? ` It also waits for its finalizers (${listed(finalizers)}).` : ''
    if (reader.now < deletion) return diagnosis(label, namespace, 'Terminating', false, `${label} is shutting down: its containers got SIGTERM and have ${duration(deletion - reader.now)} left of their ${grace} s grace period before the kubelet kills them.${pending}`, facts)
    if (finalizers.length > 0) return diagnosis(label, namespace, 'Terminating', true, `${label}'s containers are stopped, but the object waits for its finalizers: ${finalizers.map((finalizer) => `${finalizer} (removed by ${finalizerOwner(finalizer)})`).join('; ')}.`, facts)
    return diagnosis(label, namespace, 'Terminating', false, `${label}'s grace period is over; the kubelet removes the object as soon as it next syncs the pod.`, facts)
  }
  if (finalizers.length === 0) return diagnosis(label, namespace, 'Terminating', false, `${label} is being deleted and has no finalizers left: the API server removes it at once; you see the last moment.`, facts)
  return diagnosis(label, namespace, 'Terminating', true, `${label} was deleted ${duration(reader.now - deletion)} ago and stays until its finalizers are removed: ${finalizers.map((finalizer) => `${finalizer} (removed by ${finalizerOwner(finalizer)})`).join('; ')}.`, facts)
}

async function dependentsOf(owner: KubeObject, reader: WhyReader): Promise<string[]> {
  const namespace = text(owner.metadata.namespace)
  const found: string[] = []
  for (const resource of dependentResources) {
    if (!namespace) break
    for (const item of await reader.list(resource, namespace)) {
      const references = (item.metadata.ownerReferences ?? []).filter((reference) => reference.uid === owner.metadata.uid)
      if (references.length === 0) continue
      const blocking = references.some((reference) => reference.blockOwnerDeletion === true)
      found.push(`${resource.resource.replace(/s$/, '')}/${text(item.metadata.name)}${blocking ? ' (blockOwnerDeletion)' : ''}${item.metadata.deletionTimestamp ? ' (Terminating)' : ''}`)
    }
  }
  return found
}

/** Labels a controller puts on what it creates: such an object without an owner was orphaned. */
const controllerMadeLabels: Readonly<Record<string, string>> = {
  'pod-template-hash': 'a Deployment or its ReplicaSet',
  'controller-revision-hash': 'a StatefulSet or DaemonSet',
  'batch.kubernetes.io/controller-uid': 'a Job',
  'controller-uid': 'a Job',
}

export interface OwnershipFinding {
  /** A diagnosis that replaces the kind's own: the owner is gone and the object should have followed it. */
  readonly replaces: Diagnosis | null
  /** A sentence to add to the kind's own diagnosis. */
  readonly note: string | null
  readonly facts: readonly string[]
}

export async function explainOwnership(object: KubeObject, label: string, reader: WhyReader): Promise<OwnershipFinding> {
  const namespace = object.metadata.namespace ? text(object.metadata.namespace) : null
  const references = object.metadata.ownerReferences ?? []
  const facts: string[] = []
  const gone: string[] = []
  for (const reference of references) {
    const resource = ownerResources[reference.kind]
    if (!resource) {
      facts.push(`owner ${reference.kind}/${reference.name} (not checked)`)
      continue
    }
    const owner = await reader.get(resource, resource.namespaced ? namespace ?? '' : '', reference.name)
    const exists = owner !== null && owner.metadata.uid === reference.uid
    facts.push(`owner ${reference.kind.toLowerCase()}/${reference.name}${reference.controller ? ' (controller)' : ''}: ${exists ? (owner?.metadata.deletionTimestamp ? 'being deleted' : 'exists') : 'gone'}`)
    if (!exists) gone.push(`${reference.kind.toLowerCase()}/${reference.name}`)
  }
  if (references.length > 0 && gone.length === references.length) {
    return {
      replaces: diagnosis(label, namespace, 'NotCollected', true, `Every owner of ${label} is gone (${listed(gone)}), so the garbage collector deletes it (background propagation); it is still here because the controller manager has not run since the owner went (it runs on the next command, or under \`kubemu up\`, unless every master is stopped).`, facts),
      note: null,
      facts,
    }
  }
  if (references.length === 0) {
    const labels = object.metadata.labels ?? {}
    const made = Object.keys(controllerMadeLabels).find((key) => key in labels)
    if (made) {
      return {
        replaces: null,
        note: `It has no owner although its ${made} label says ${controllerMadeLabels[made]} made it: it was orphaned (its owner deleted with --cascade=orphan, which removes ownerReferences instead of deleting dependents), so the garbage collector will never delete it; a controller whose selector matches it may adopt it.`,
        facts: [`no ownerReferences; label ${made}=${labels[made]}`],
      }
    }
  }
  return {replaces: null, note: null, facts}
}

