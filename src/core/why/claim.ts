// Why a PersistentVolumeClaim is not Bound: waiting for its first consumer, no class or
// provisioner, a provisioning failure, or a volume it names that is taken.
import type {KubeObject} from '../api/object.js'
import {resources} from '../client/resources.js'
import {diagnosis, type Diagnosis, fields, text} from './diagnosis.js'
import {eventFacts, type WhyReader} from './reader.js'

export async function explainClaim(claim: KubeObject, label: string, reader: WhyReader): Promise<Diagnosis> {
  const namespace = text(claim.metadata.namespace)
  const spec = fields(claim.spec)
  const phase = text(fields(claim.status).phase) || 'Pending'
  const className = spec.storageClassName === undefined ? null : text(spec.storageClassName)
  const events = await reader.events(claim)
  const facts = [`phase ${phase}`, `storageClassName ${className ?? '<unset>'}`, ...eventFacts(events)]
  if (phase === 'Bound') return diagnosis(label, namespace, 'Bound', false, `Nothing is wrong: ${label} is bound to persistentvolume/${text(spec.volumeName)}.`, facts)
  if (phase === 'Lost') return diagnosis(label, namespace, 'Lost', true, `${label} is Lost: the PersistentVolume it was bound to (${text(spec.volumeName)}) no longer exists, and its data with it.`, facts)
  if (text(spec.volumeName)) {
    const volume = await reader.get(resources.persistentVolumes, '', text(spec.volumeName))
    if (!volume) return diagnosis(label, namespace, 'Pending', true, `${label} names the volume ${text(spec.volumeName)} (spec.volumeName), which does not exist; it stays Pending until that PersistentVolume is created.`, facts)
  }
  const reasons = new Set(events.map((event) => text(fields(event).reason)))
  if (reasons.has('WaitForFirstConsumer')) return diagnosis(label, namespace, 'Pending', false, `${label} waits for its first consumer: its StorageClass binds volumes only once a pod using the claim is scheduled (volumeBindingMode WaitForFirstConsumer), so the volume is made on that pod's node. Nothing is wrong; create a pod that uses it.`, facts)
  if (className !== null && className !== '') {
    const storageClass = await reader.get(resources.storageClasses, '', className)
    if (!storageClass) return diagnosis(label, namespace, 'Pending', true, `${label} asks for the StorageClass "${className}", which does not exist, so no provisioner makes a volume for it.`, facts)
  }
  const failure = events.filter((event) => text(fields(event).reason) === 'ProvisioningFailed').at(-1)
  if (failure) return diagnosis(label, namespace, 'Pending', true, `${label} is Pending: its provisioner failed to make a volume: ${text(fields(failure).message)}.`, facts)
  if (className === '') return diagnosis(label, namespace, 'Pending', true, `${label} asks for no StorageClass (storageClassName ""), so it binds only to an existing PersistentVolume that fits it, and none does.`, facts)
  return diagnosis(label, namespace, 'Pending', false, `${label} is being bound or provisioned; nothing is wrong yet.`, facts)
}
