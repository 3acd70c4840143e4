// The PodSecurity admission plugin (Pod Security Standards): a namespace's
// pod-security.kubernetes.io/enforce label (privileged, baseline, restricted) refuses pods that
// break the level; its warn label, and enforce for workload templates, only warns. Check names,
// details and order are those of k8s.io/pod-security-admission.
import {isJsonObject, type KubeObject} from '../../api/object.js'
import {objects, str} from '../../api/strategies/json-fields.js'
import {apiErrors} from '../api-errors.js'
import type {AdmissionAttributes, AdmissionPlugin} from './chain.js'
import type {AdmissionReader} from './context.js'
import {podSpecOf} from './pod-plugins.js'

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted'
const levels: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted']
const labelPrefix = 'pod-security.kubernetes.io/'

const baselineCapabilities = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']
const restrictedVolumeTypes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']
const volumeSourceTypes = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd',
  'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk',
  'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
]

/** Kinds whose pod template is checked (with warnings only). */
const templateKinds: Record<string, (object: KubeObject) => unknown> = {
  'apps/deployments': (object) => child(object.spec, 'template'),
  'apps/replicasets': (object) => child(object.spec, 'template'),
  'apps/statefulsets': (object) => child(object.spec, 'template'),
  'apps/daemonsets': (object) => child(object.spec, 'template'),
  'batch/jobs': (object) => child(object.spec, 'template'),
  'batch/cronjobs': (object) => child(child(child(object.spec, 'jobTemplate'), 'spec'), 'template'),
  '/replicationcontrollers': (object) => child(object.spec, 'template'),
  '/podtemplates': (object) => object.template,
}

function child(value: unknown, field: string): unknown {
  return isJsonObject(value) ? value[field] : undefined
}

const quoteAll = (names: readonly string[]) => names.map((name) => JSON.stringify(name)).join(', ')
const containersPhrase = (names: readonly string[]) => `${names.length === 1 ? 'container' : 'containers'} ${quoteAll(names)}`

interface Violation {
  readonly id: string
  readonly reason: string
  readonly detail: string
}

interface Container {
  readonly name: string
  readonly securityContext: Record<string, unknown>
  readonly ports: Record<string, unknown>[]
}

function containersOf(podSpec: Record<string, unknown>): Container[] {
  return [...objects(podSpec.initContainers), ...objects(podSpec.containers), ...objects(podSpec.ephemeralContainers)].map((container) => ({
    name: str(container.name),
    securityContext: isJsonObject(container.securityContext) ? container.securityContext : {},
    ports: objects(container.ports),
  }))
}

/** The violations of a pod spec against a level, in the order kube reports them. */
export function checkPodSecurity(level: PodSecurityLevel, metadata: {annotations?: Record<string, string>}, podSpec: Record<string, unknown>): Violation[] {
  if (level === 'privileged') return []
  const restricted = level === 'restricted'
  const violations: Violation[] = []
  const containers = containersOf(podSpec)
  const podContext = isJsonObject(podSpec.securityContext) ? podSpec.securityContext : {}
  const named = (predicate: (container: Container) => boolean) => containers.filter(predicate).map((container) => container.name)

  if (restricted) {
    const escalating = named((container) => container.securityContext.allowPrivilegeEscalation !== false)
    if (escalating.length > 0) {
      violations.push({id: 'allowPrivilegeEscalation', reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(escalating)} must set securityContext.allowPrivilegeEscalation=false`})
    }
  }
  const added = (container: Container) => {
    const capabilities = isJsonObject(container.securityContext.capabilities) ? container.securityContext.capabilities : {}
    return Array.isArray(capabilities.add) ? capabilities.add.map(String) : []
  }
  if (!restricted) {
    const details: string[] = []
    for (const container of containers) {
      const bad = added(container).filter((capability) => !baselineCapabilities.includes(capability))
      if (bad.length > 0) details.push(`container ${JSON.stringify(container.name)} must not include ${quoteAll(bad)} in securityContext.capabilities.add`)
    }
    if (details.length > 0) violations.push({id: 'capabilities_baseline', reason: 'non-default capabilities', detail: details.join('; ')})
  } else {
    const notDropping = named((container) => {
      const capabilities = isJsonObject(container.securityContext.capabilities) ? container.securityContext.capabilities : {}
      return !(Array.isArray(capabilities.drop) && capabilities.drop.includes('ALL'))
    })
    const details: string[] = []
    if (notDropping.length > 0) details.push(`${containersPhrase(notDropping)} must set securityContext.capabilities.drop=["ALL"]`)
    for (const container of containers) {
      const bad = added(container).filter((capability) => capability !== 'NET_BIND_SERVICE')
      if (bad.length > 0) details.push(`container ${JSON.stringify(container.name)} must not include ${quoteAll(bad)} in securityContext.capabilities.add`)
    }
    if (details.length > 0) violations.push({id: 'capabilities_restricted', reason: 'unrestricted capabilities', detail: details.join('; ')})
  }
  const namespaces = ['hostNetwork', 'hostPID', 'hostIPC'].filter((field) => podSpec[field] === true)
  if (namespaces.length > 0) violations.push({id: 'hostNamespaces', reason: 'host namespaces', detail: namespaces.map((field) => `${field}=true`).join(', ')})
  const volumes = objects(podSpec.volumes)
  if (!restricted) {
    const hostPaths = volumes.filter((volume) => volume.hostPath !== undefined).map((volume) => str(volume.name))
    if (hostPaths.length > 0) violations.push({id: 'hostPathVolumes', reason: 'hostPath volumes', detail: `${hostPaths.length === 1 ? 'volume' : 'volumes'} ${quoteAll(hostPaths)}`})
  }
  const hostPortDetails: string[] = []
  for (const container of containers) {
    const ports = container.ports.map((port) => port.hostPort).filter((port): port is number => typeof port === 'number' && port !== 0)
    if (ports.length > 0) hostPortDetails.push(`container ${JSON.stringify(container.name)} uses ${ports.length === 1 ? 'hostPort' : 'hostPorts'} ${ports.join(', ')}`)
  }
  if (hostPortDetails.length > 0) violations.push({id: 'hostPorts', reason: 'hostPort', detail: hostPortDetails.join('; ')})
  const privileged = named((container) => container.securityContext.privileged === true)
  if (privileged.length > 0) violations.push({id: 'privileged', reason: 'privileged', detail: `${containersPhrase(privileged)} must not set securityContext.privileged=true`})
  if (restricted) {
    const details: string[] = []
    for (const volume of volumes) {
      const type = volumeSourceTypes.find((candidate) => volume[candidate] !== undefined)
      if (type && !restrictedVolumeTypes.includes(type)) details.push(`volume ${JSON.stringify(str(volume.name))} uses restricted volume type ${JSON.stringify(type)}`)
    }
    if (details.length > 0) violations.push({id: 'restrictedVolumes', reason: 'restricted volume types', detail: details.join('; ')})
    const podNonRoot = podContext.runAsNonRoot === true
    const explicitFalse = named((container) => container.securityContext.runAsNonRoot === false)
    const unset = podNonRoot ? [] : named((container) => container.securityContext.runAsNonRoot === undefined)
    const nonRootDetails: string[] = []
    if (podContext.runAsNonRoot === false) nonRootDetails.push('pod must not set securityContext.runAsNonRoot=false')
    if (explicitFalse.length > 0) nonRootDetails.push(`${containersPhrase(explicitFalse)} must not set securityContext.runAsNonRoot=false`)
    if (unset.length > 0 && podContext.runAsNonRoot !== false) nonRootDetails.push(`pod or ${containersPhrase(unset)} must set securityContext.runAsNonRoot=true`)
    if (nonRootDetails.length > 0) violations.push({id: 'runAsNonRoot', reason: 'runAsNonRoot != true', detail: nonRootDetails.join('; ')})
    const rootUsers = named((container) => container.securityContext.runAsUser === 0)
    const rootDetails: string[] = []
    if (podContext.runAsUser === 0) rootDetails.push('pod must not set runAsUser=0')
    if (rootUsers.length > 0) rootDetails.push(`${containersPhrase(rootUsers)} must not set runAsUser=0`)
    if (rootDetails.length > 0) violations.push({id: 'runAsUser', reason: 'runAsUser=0', detail: rootDetails.join('; ')})
  }
  const seccompType = (context: Record<string, unknown>) => str(child(context.seccompProfile, 'type'))
  if (!restricted) {
    const details: string[] = []
    if (seccompType(podContext) === 'Unconfined') details.push('pod must not set securityContext.seccompProfile.type to "Unconfined"')
    const unconfined = named((container) => seccompType(container.securityContext) === 'Unconfined')
    if (unconfined.length > 0) details.push(`${containersPhrase(unconfined)} must not set securityContext.seccompProfile.type to "Unconfined"`)
    if (details.length > 0) violations.push({id: 'seccompProfile_baseline', reason: 'seccompProfile', detail: details.join('; ')})
  } else {
    const allowed = (type: string) => type === 'RuntimeDefault' || type === 'Localhost'
    const podType = seccompType(podContext)
    const details: string[] = []
    if (podType.length > 0 && !allowed(podType)) details.push(`pod must not set securityContext.seccompProfile.type to ${JSON.stringify(podType)}`)
    const badContainers = named((container) => seccompType(container.securityContext).length > 0 && !allowed(seccompType(container.securityContext)))
    if (badContainers.length > 0) details.push(`${containersPhrase(badContainers)} must not set securityContext.seccompProfile.type to ${JSON.stringify(seccompType(containers.find((container) => container.name === badContainers[0])!.securityContext))}`)
    const unsetContainers = allowed(podType) ? [] : named((container) => seccompType(container.securityContext).length === 0)
    if (unsetContainers.length > 0) details.push(`pod or ${containersPhrase(unsetContainers)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`)
    if (details.length > 0) violations.push({id: 'seccompProfile_restricted', reason: 'seccompProfile', detail: details.join('; ')})
  }
  void metadata
  return violations
}

function describe(level: PodSecurityLevel, version: string, violations: readonly Violation[]): string {
  return `PodSecurity "${level}:${version}": ${violations.map((violation) => `${violation.reason} (${violation.detail})`).join(', ')}`
}

function levelOf(labels: Record<string, string> | undefined, mode: 'enforce' | 'warn'): {level: PodSecurityLevel; version: string} | null {
  const value = labels?.[`${labelPrefix}${mode}`]
  if (value === undefined || !(levels as readonly string[]).includes(value)) return null
  return {level: value as PodSecurityLevel, version: labels?.[`${labelPrefix}${mode}-version`] ?? 'latest'}
}

export class PodSecurityAdmission implements AdmissionPlugin {
  readonly name = 'PodSecurity'

  constructor(private readonly reader: AdmissionReader) {}

  async validate(attributes: AdmissionAttributes, object: KubeObject | null): Promise<void> {
    if (attributes.operation !== 'CREATE' || object === null || attributes.subresource !== '' || !attributes.definition.namespaced) return
    const key = `${attributes.definition.group}/${attributes.definition.resource}`
    const isPod = key === '/pods'
    const template = templateKinds[key]
    if (!isPod && !template) return
    const namespace = await this.reader.get('', 'namespaces', '', attributes.namespace)
    const labels = namespace?.metadata.labels
    const enforce = levelOf(labels, 'enforce')
    const warn = levelOf(labels, 'warn')
    if (!enforce && !warn) return
    let podSpec: Record<string, unknown>
    let metadata: {annotations?: Record<string, string>}
    if (isPod) {
      podSpec = podSpecOf(object)
      metadata = object.metadata
    } else {
      const podTemplate = template!(object)
      podSpec = isJsonObject(podTemplate) && isJsonObject(podTemplate.spec) ? podTemplate.spec : {}
      metadata = isJsonObject(podTemplate) && isJsonObject(podTemplate.metadata) ? (podTemplate.metadata as {annotations?: Record<string, string>}) : {}
    }
    if (enforce) {
      const violations = checkPodSecurity(enforce.level, metadata, podSpec)
      if (violations.length > 0) {
        const text = describe(enforce.level, enforce.version, violations)
        if (isPod) throw apiErrors.forbidden(attributes.definition, attributes.name, `violates ${text}`)
        attributes.warnings?.push(`would violate ${text}`)
        return
      }
    }
    if (warn) {
      const violations = checkPodSecurity(warn.level, metadata, podSpec)
      if (violations.length > 0) attributes.warnings?.push(`would violate ${describe(warn.level, warn.version, violations)}`)
    }
  }
}
