// The small pod admission plugins of kube-apiserver, each as it runs there on pod creation:
// ServiceAccount (the default account, which must exist, and the projected API token volume),
// Priority (spec.priority and preemptionPolicy from the PriorityClass) and
// DefaultTolerationSeconds (300 s for not-ready and unreachable nodes).
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'

const randomAlphabet = 'bcdfghjklmnpqrstvwxz2456789'
export const tokenVolumeExpirationSeconds = 3607
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount'
export const defaultTolerationSeconds = 300
/**
 * How often, and how far apart, the plugin looks again for a namespace's default ServiceAccount
 * before it refuses a pod: the ServiceAccount controller writes it right after the namespace, so
 * a pod created at once in a new namespace waits for it rather than fail, as in kube-apiserver
 * (which looks 10 times, 100–200 ms apart; a named account is looked up once).
 */
export const defaultServiceAccountLookupsMax = 10
export const defaultServiceAccountLookupIntervalMilliseconds = 150

/** A pod being created (not a subresource): what these plugins look at. */
export function createdPod(attributes: AdmissionAttributes, object: KubeObject | null): KubeObject | null {
  return object !== null && createsPod(attributes) ? object : null
}

/** Whether the request creates a pod (not one of its subresources): the only object the pod plugins change. */
export function createsPod(attributes: AdmissionAttributes): boolean {
  return attributes.operation === 'CREATE' && attributes.subresource === '' && attributes.definition.group === '' && attributes.definition.resource === 'pods'
}

export function podSpecOf(pod: KubeObject): Record<string, unknown> {
  if (!isJsonObject(pod.spec)) pod.spec = {}
  return pod.spec as Record<string, unknown>
}

/** Every container of a pod spec: init containers first, then containers, then ephemeral ones. */
export function allContainers(podSpec: Record<string, unknown>): Array<{container: Record<string, unknown>; kind: 'init container' | 'container'}> {
  return [
    ...objects(podSpec.initContainers).map((container) => ({container, kind: 'init container' as const})),
    ...objects(podSpec.containers).map((container) => ({container, kind: 'container' as const})),
  ]
}

const isMirrorPod = (pod: KubeObject) => pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined

export class ServiceAccountAdmission implements AdmissionPlugin {
  readonly name = 'ServiceAccount'
  readonly mayChange = createsPod

  constructor(private readonly reader: AdmissionReader) {}

  private async serviceAccount(namespace: string, name: string): Promise<KubeObject | null> {
    const lookups = name === 'default' ? defaultServiceAccountLookupsMax : 1
    for (let lookup = 0; lookup < lookups; lookup++) {
      if (lookup > 0) await this.reader.sleep(defaultServiceAccountLookupIntervalMilliseconds)
      const account = await this.reader.get('', 'serviceaccounts', namespace, name)
      if (account) return account
    }
    return null
  }

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    const pod = createdPod(attributes, object)
    if (!pod || isMirrorPod(pod)) return
    const podSpec = podSpecOf(pod)
    if (str(podSpec.serviceAccountName).length === 0) podSpec.serviceAccountName = 'default'
    const accountName = str(podSpec.serviceAccountName)
    const account = await this.serviceAccount(attributes.namespace, accountName)
    if (!account) {
      throw apiErrors.forbidden(attributes.definition, attributes.name, `error looking up service account ${attributes.namespace}/${accountName}: serviceaccount "${accountName}" not found`)
    }
    const automount = podSpec.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true
    if (automount === false) return
    const volumes = objects(podSpec.volumes)
    const mounted = allContainers(podSpec).some(({container}) => objects(container.volumeMounts).some((mount) => mount.mountPath === serviceAccountMountPath))
    if (mounted) return
    let suffix = ''
    for (let index = 0; index < 5; index++) suffix += randomAlphabet[Math.floor(this.reader.random() * randomAlphabet.length)]
    const volumeName = `kube-api-access-${suffix}`
    volumes.push({
      name: volumeName,
      projected: {
        sources: [
          {serviceAccountToken: {expirationSeconds: tokenVolumeExpirationSeconds, path: 'token'}},
          {configMap: {name: 'kube-root-ca.crt', items: [{key: 'ca.crt', path: 'ca.crt'}]}},
          {downwardAPI: {items: [{path: 'namespace', fieldRef: {apiVersion: 'v1', fieldPath: 'metadata.namespace'}}]}},
        ],
        defaultMode: 420,
      },
    })
    podSpec.volumes = volumes
    for (const {container} of allContainers(podSpec)) {
      container.volumeMounts = [...objects(container.volumeMounts), {name: volumeName, readOnly: true, mountPath: serviceAccountMountPath}]
    }
  }
}

export class PriorityAdmission implements AdmissionPlugin {
  readonly name = 'Priority'
  readonly mayChange = createsPod

  constructor(private readonly reader: AdmissionReader) {}

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    const pod = createdPod(attributes, object)
    if (!pod) return
    const podSpec = podSpecOf(pod)
    const className = str(podSpec.priorityClassName)
    let value = 0
    let preemptionPolicy = 'PreemptLowerPriority'
    let priorityClass: KubeObject | null = null
    if (className.length > 0) {
      priorityClass = await this.reader.get('scheduling.k8s.io', 'priorityclasses', '', className)
      if (!priorityClass) throw apiErrors.forbidden(attributes.definition, attributes.name, `no PriorityClass with name ${className} was found`)
    } else {
      priorityClass = (await this.reader.list('scheduling.k8s.io', 'priorityclasses', null)).find((candidate) => candidate.globalDefault === true) ?? null
      if (priorityClass) podSpec.priorityClassName = priorityClass.metadata.name
    }
    if (priorityClass) {
      value = typeof priorityClass.value === 'number' ? priorityClass.value : 0
      if (typeof priorityClass.preemptionPolicy === 'string') preemptionPolicy = priorityClass.preemptionPolicy
    }
    if (typeof podSpec.priority === 'number' && podSpec.priority !== value) {
      throw apiErrors.forbidden(
        attributes.definition,
        attributes.name,
        `the integer value of priority (${podSpec.priority}) must not be provided in pod spec; priority admission controller computed ${value} from the given PriorityClass name`,
      )
    }
    podSpec.priority = value
    if (podSpec.preemptionPolicy === undefined) podSpec.preemptionPolicy = preemptionPolicy
  }
}

export class DefaultTolerationSecondsAdmission implements AdmissionPlugin {
  readonly name = 'DefaultTolerationSeconds'
  readonly mayChange = createsPod

  async admit(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    const pod = createdPod(attributes, object)
    if (!pod) return
    const podSpec = podSpecOf(pod)
    const tolerations = objects(podSpec.tolerations)
    const tolerates = (key: string) => tolerations.some((toleration) => (toleration.key === key || (str(toleration.key) === '' && toleration.operator === 'Exists')) && (str(toleration.effect) === '' || toleration.effect === 'NoExecute'))
    for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
      if (!tolerates(key)) tolerations.push({key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds})
    }
    podSpec.tolerations = tolerations
  }
}
