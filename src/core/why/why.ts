// `kubemu why KIND/NAME`: the cause of an object's state in one paragraph and the facts behind
// it. Deletion and ownership are looked at for every kind; then the kind's own questions.
import type {KubeObject} from '../api/object.js'
import {explainClaim} from './claim.js'
import {explainCronJob} from './cronjob.js'
import {diagnosis, type Diagnosis} from './diagnosis.js'
import {explainOwnership, explainTerminating} from './lifecycle.js'
import {explainNamespace, explainNode} from './namespace.js'
import {explainPod} from './pod.js'
import type {WhyReader} from './reader.js'
import {explainService} from './service.js'
import {explainDaemonSet, explainDeployment, explainJob, explainReplicaSet, explainStatefulSet} from './workloads.js'

export type {Diagnosis} from './diagnosis.js'
export {clientReader, type SchedulingAttempt, type WhyReader} from './reader.js'

type Explainer = (object: KubeObject, label: string, reader: WhyReader) => Promise<Diagnosis> | Diagnosis

/** The kinds with questions of their own, by `group/Kind`. */
const explainers: Readonly<Record<string, Explainer>> = {
  '/Pod': (object, _label, reader) => explainPod(object, reader),
  '/Service': explainService,
  '/Namespace': explainNamespace,
  '/Node': explainNode,
  '/PersistentVolumeClaim': explainClaim,
  '/ReplicationController': explainReplicaSet,
  'apps/Deployment': explainDeployment,
  'apps/ReplicaSet': explainReplicaSet,
  'apps/StatefulSet': explainStatefulSet,
  'apps/DaemonSet': explainDaemonSet,
  'batch/Job': explainJob,
  'batch/CronJob': explainCronJob,
}

/** The kinds `why` has questions for, as a user names them (for --help). */
export const explainedKinds = ['pod', 'deployment', 'replicaset', 'replicationcontroller', 'statefulset', 'daemonset', 'job', 'cronjob', 'service', 'persistentvolumeclaim', 'namespace', 'node']

/** `label` is the object as kubectl names it (`pod/web`, `deployment.apps/web`). */
export async function explain(object: KubeObject, group: string, label: string, reader: WhyReader): Promise<Diagnosis> {
  const kind = String(object.kind ?? '')
  // A namespace's deletion has its own story (its contents), told by its explainer.
  if (object.metadata.deletionTimestamp && kind !== 'Namespace') return explainTerminating(object, label, reader)
  const ownership = await explainOwnership(object, label, reader)
  if (ownership.replaces) return ownership.replaces
  const explainer = explainers[`${group}/${kind}`]
  const namespace = object.metadata.namespace ? String(object.metadata.namespace) : null
  const own = explainer ? await explainer(object, label, reader) : diagnosis(label, namespace, 'Present', false, `Nothing is wrong that kubemu can tell: ${label} exists and is not being deleted (why has no further questions for a ${kind}; it knows ${explainedKinds.join(', ')}).`)
  if (!ownership.note && ownership.facts.length === 0) return own
  return {...own, cause: ownership.note ? `${own.cause} ${ownership.note}` : own.cause, facts: [...own.facts, ...ownership.facts]}
}
