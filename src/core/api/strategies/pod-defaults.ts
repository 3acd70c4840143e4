// SetDefaults for pods and pod templates (k8s.io/kubernetes/pkg/apis/core/v1/defaults.go).
import {isJsonObject} from '../object.js'
import {type Json, objects, setDefault} from './json-fields.js'


/** Always for `:latest` or no tag, IfNotPresent otherwise (a digest counts as a tag). */
export function defaultImagePullPolicy(image: string): string {
  // An image that does not parse (empty, say) gets IfNotPresent, as the Go defaulting ignores the error.
  if (image.trim().length === 0 || image.includes('@')) return 'IfNotPresent'
  const lastSegment = image.slice(image.lastIndexOf('/') + 1)
  const colon = lastSegment.lastIndexOf(':')
  if (colon < 0) return 'Always'
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent'
}

function defaultProbe(probe: unknown): void {
  if (!isJsonObject(probe)) return
  setDefault(probe, 'timeoutSeconds', 1)
  setDefault(probe, 'periodSeconds', 10)
  setDefault(probe, 'successThreshold', 1)
  setDefault(probe, 'failureThreshold', 3)
  if (isJsonObject(probe.httpGet)) {
    setDefault(probe.httpGet, 'path', '/')
    setDefault(probe.httpGet, 'scheme', 'HTTP')
  }
}

function defaultEnv(env: unknown): void {
  for (const variable of objects(env)) {
    if (isJsonObject(variable.valueFrom) && isJsonObject(variable.valueFrom.fieldRef)) {
      setDefault(variable.valueFrom.fieldRef, 'apiVersion', 'v1')
    }
  }
}

function defaultContainer(container: Json): void {
  setDefault(container, 'imagePullPolicy', defaultImagePullPolicy(typeof container.image === 'string' ? container.image : ''))
  setDefault(container, 'terminationMessagePath', '/dev/termination-log')
  setDefault(container, 'terminationMessagePolicy', 'File')
  setDefault(container, 'resources', {})
  const resources = container.resources
  // Requests default to the limits when only limits are given.
  if (isJsonObject(resources) && isJsonObject(resources.limits)) {
    const requests = isJsonObject(resources.requests) ? resources.requests : {}
    for (const [name, limit] of Object.entries(resources.limits)) if (requests[name] === undefined) requests[name] = limit
    resources.requests = requests
  }
  for (const port of objects(container.ports)) setDefault(port, 'protocol', 'TCP')
  defaultEnv(container.env)
  defaultProbe(container.livenessProbe)
  defaultProbe(container.readinessProbe)
  defaultProbe(container.startupProbe)
}

function defaultVolume(volume: Json): void {
  const modeDefaults: Array<[string, string]> = [['configMap', 'defaultMode'], ['secret', 'defaultMode'], ['downwardAPI', 'defaultMode'], ['projected', 'defaultMode']]
  for (const [source, field] of modeDefaults) if (isJsonObject(volume[source])) setDefault(volume[source] as Json, field, 420)
  if (isJsonObject(volume.hostPath)) setDefault(volume.hostPath, 'type', '')
  for (const item of objects(isJsonObject(volume.downwardAPI) ? volume.downwardAPI.items : undefined)) {
    if (isJsonObject(item.fieldRef)) setDefault(item.fieldRef, 'apiVersion', 'v1')
  }
  if (isJsonObject(volume.projected)) {
    for (const source of objects(volume.projected.sources)) {
      if (isJsonObject(source.serviceAccountToken)) setDefault(source.serviceAccountToken, 'expirationSeconds', 3600)
      for (const item of objects(isJsonObject(source.downwardAPI) ? source.downwardAPI.items : undefined)) {
        if (isJsonObject(item.fieldRef)) setDefault(item.fieldRef, 'apiVersion', 'v1')
      }
    }
  }
  // A volume with no source is an emptyDir, as the Go defaulting leaves it.
  if (Object.keys(volume).length === 1 && typeof volume.name === 'string') volume.emptyDir = {}
}

export function defaultPodSpec(spec: Json): void {
  setDefault(spec, 'restartPolicy', 'Always')
  setDefault(spec, 'terminationGracePeriodSeconds', 30)
  setDefault(spec, 'dnsPolicy', 'ClusterFirst')
  setDefault(spec, 'securityContext', {})
  setDefault(spec, 'schedulerName', 'default-scheduler')
  setDefault(spec, 'enableServiceLinks', true)
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName
  if (typeof spec.serviceAccount === 'string' && spec.serviceAccountName === undefined) spec.serviceAccountName = spec.serviceAccount
  if (spec.hostNetwork === true) {
    for (const container of [...objects(spec.containers), ...objects(spec.initContainers)]) {
      for (const port of objects(container.ports)) if (port.hostPort === undefined && typeof port.containerPort === 'number') port.hostPort = port.containerPort
    }
  }
  for (const container of objects(spec.containers)) defaultContainer(container)
  for (const container of objects(spec.initContainers)) defaultContainer(container)
  for (const container of objects(spec.ephemeralContainers)) defaultContainer(container)
  for (const volume of objects(spec.volumes)) defaultVolume(volume)
  for (const toleration of objects(spec.tolerations)) {
    if (toleration.operator === undefined && toleration.key !== undefined) toleration.operator = 'Equal'
  }
}

/** A pod template (in a Deployment, Job, …): the spec's defaults, and the template's metadata kept. */
export function defaultPodTemplate(template: unknown): void {
  if (!isJsonObject(template)) return
  if (!isJsonObject(template.spec)) template.spec = {}
  defaultPodSpec(template.spec as Json)
}

/** The QoS class a pod gets on create (Guaranteed, Burstable or BestEffort). */
export function podQosClass(spec: Json): string {
  const containers = [...objects(spec.containers), ...objects(spec.initContainers)]
  let anyRequest = false
  let guaranteed = true
  for (const container of containers) {
    const resources = isJsonObject(container.resources) ? container.resources : {}
    const requests = isJsonObject(resources.requests) ? resources.requests : {}
    const limits = isJsonObject(resources.limits) ? resources.limits : {}
    for (const name of ['cpu', 'memory']) {
      if (requests[name] !== undefined && requests[name] !== '0') anyRequest = true
      if (limits[name] !== undefined && limits[name] !== '0') anyRequest = true
      if (limits[name] === undefined || (requests[name] !== undefined && requests[name] !== limits[name])) guaranteed = false
    }
  }
  if (!anyRequest) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}
