// The pod parts of kubectl describe: containers (ports, command, state, resources, probes,
// environment, mounts), volumes, pod templates, conditions, and the events table.
import {humanDuration} from '../../util/go-duration.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {type DescribeWriter, list, printLabels, record, rfc1123z, sortedTolerations, text, tolerationText} from './writer.js'
import {sortEventsAsKubectl} from '../event-order.js'

function ports(container: Record<string, unknown>, field: 'containerPort' | 'hostPort'): string {
  return list(container.ports).map((port) => `${typeof port[field] === 'number' ? port[field] : 0}/${text(port.protocol) || 'TCP'}`).join(', ')
}

function describeState(writer: DescribeWriter, name: string, state: Record<string, unknown>): void {
  const running = record(state.running)
  const waiting = record(state.waiting)
  const terminated = record(state.terminated)
  if (state.running !== undefined) {
    writer.write(2, `${name}:\tRunning\n`)
    writer.write(3, `Started:\t${rfc1123z(running.startedAt)}\n`)
  } else if (state.waiting !== undefined) {
    writer.write(2, `${name}:\tWaiting\n`)
    if (text(waiting.reason)) writer.write(3, `Reason:\t${text(waiting.reason)}\n`)
  } else if (state.terminated !== undefined) {
    writer.write(2, `${name}:\tTerminated\n`)
    if (text(terminated.reason)) writer.write(3, `Reason:\t${text(terminated.reason)}\n`)
    if (text(terminated.message)) writer.write(3, `Message:\t${text(terminated.message)}\n`)
    writer.write(3, `Exit Code:\t${Number(terminated.exitCode ?? 0)}\n`)
    if (Number(terminated.signal ?? 0) > 0) writer.write(3, `Signal:\t${Number(terminated.signal)}\n`)
    writer.write(3, `Started:\t${rfc1123z(terminated.startedAt)}\n`)
    writer.write(3, `Finished:\t${rfc1123z(terminated.finishedAt)}\n`)
  } else {
    writer.write(2, `${name}:\tWaiting\n`)
  }
}

/** Go's url.URL path escaping (EscapedPath): a probe path's `?` prints as %3F, as kubectl shows it. */
function escapedPath(path: string): string {
  return [...new TextEncoder().encode(path)].map((byte) => {
    const char = String.fromCharCode(byte)
    return byte < 0x80 && /[A-Za-z0-9\-._~$&+,/:;=@]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }).join('')
}

function probeText(probe: Record<string, unknown>): string {
  const attributes = `delay=${Number(probe.initialDelaySeconds ?? 0)}s timeout=${Number(probe.timeoutSeconds ?? 1)}s period=${Number(probe.periodSeconds ?? 10)}s #success=${Number(probe.successThreshold ?? 1)} #failure=${Number(probe.failureThreshold ?? 3)}`
  if (probe.exec !== undefined) return `exec [${(record(probe.exec).command as string[] | undefined ?? []).join(' ')}] ${attributes}`
  if (probe.httpGet !== undefined) {
    const get = record(probe.httpGet)
    const scheme = (text(get.scheme) || 'HTTP').toLowerCase()
    return `http-get ${scheme}://${text(get.host)}:${text(get.port)}${escapedPath(text(get.path))} ${attributes}`
  }
  if (probe.tcpSocket !== undefined) return `tcp-socket ${text(record(probe.tcpSocket).host)}:${text(record(probe.tcpSocket).port)} ${attributes}`
  if (probe.grpc !== undefined) return `grpc <pod>:${text(record(probe.grpc).port)} ${text(record(probe.grpc).service)} ${attributes}`
  return `unknown ${attributes}`
}

function sortedResources(values: Record<string, unknown>): string[] {
  return Object.keys(values).sort()
}

export function describeContainers(writer: DescribeWriter, label: string, containers: unknown, statuses: unknown, space: string): void {
  const entries = list(containers)
  if (entries.length === 0) return
  writer.write(0, `${space}${label}:\n`)
  const byName = new Map(list(statuses).map((status) => [text(status.name), status]))
  for (const container of entries) {
    const status = byName.get(text(container.name))
    writer.write(1, `${space.length > 0 ? ' ' : ''}${text(container.name)}:\n`)
    if (status) writer.write(2, `Container ID:\t${text(status.containerID)}\n`)
    writer.write(2, `Image:\t${text(container.image)}\n`)
    if (status) writer.write(2, `Image ID:\t${text(status.imageID)}\n`)
    const portText = ports(container, 'containerPort')
    writer.write(2, portText.includes(',') ? `Ports:\t${portText}\n` : `Port:\t${portText || '<none>'}\n`)
    const hostText = ports(container, 'hostPort')
    writer.write(2, hostText.includes(',') ? `Host Ports:\t${hostText}\n` : `Host Port:\t${hostText || '<none>'}\n`)
    if (text(container.restartPolicy)) writer.write(2, `Restart Policy:\t${text(container.restartPolicy)}\n`)
    for (const field of ['command', 'args'] as const) {
      const values = Array.isArray(container[field]) ? (container[field] as unknown[]).map(text) : []
      if (values.length === 0) continue
      writer.write(2, `${field === 'command' ? 'Command' : 'Args'}:\n`)
      for (const value of values) for (const line of value.split('\n')) writer.write(3, `${line}\n`)
    }
    if (status) {
      describeState(writer, 'State', record(status.state))
      if (record(status.lastState).terminated !== undefined) describeState(writer, 'Last State', record(status.lastState))
      writer.write(2, `Ready:\t${status.ready === true ? 'True' : 'False'}\n`)
      writer.write(2, `Restart Count:\t${Number(status.restartCount ?? 0)}\n`)
    }
    const resources = record(container.resources)
    for (const [field, title] of [['limits', 'Limits'], ['requests', 'Requests']] as const) {
      const values = record(resources[field])
      if (Object.keys(values).length === 0) continue
      writer.write(2, `${title}:\n`)
      for (const name of sortedResources(values)) writer.write(3, `${name}:\t${canonicalQuantity(values[name] as string)}\n`)
    }
    for (const [field, title] of [['livenessProbe', 'Liveness'], ['readinessProbe', 'Readiness'], ['startupProbe', 'Startup']] as const) {
      if (container[field] !== undefined) writer.write(2, `${title}:\t${probeText(record(container[field]))}\n`)
    }
    const env = list(container.env)
    writer.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`)
    for (const variable of env) {
      const from = record(variable.valueFrom)
      if (variable.valueFrom === undefined) {
        text(variable.value).split('\n').forEach((line, index) => writer.write(3, index === 0 ? `${text(variable.name)}:\t${line}\n` : `\t${line}\n`))
      } else if (from.fieldRef !== undefined) {
        const reference = record(from.fieldRef)
        writer.write(3, `${text(variable.name)}:\t (${text(reference.apiVersion)}:${text(reference.fieldPath)})\n`)
      } else if (from.secretKeyRef !== undefined) {
        const reference = record(from.secretKeyRef)
        writer.write(3, `${text(variable.name)}:\t<set to the key '${text(reference.key)}' in secret '${text(reference.name)}'>\tOptional: ${reference.optional === true}\n`)
      } else if (from.configMapKeyRef !== undefined) {
        const reference = record(from.configMapKeyRef)
        writer.write(3, `${text(variable.name)}:\t<set to the key '${text(reference.key)}' of config map '${text(reference.name)}'>\tOptional: ${reference.optional === true}\n`)
      } else if (from.resourceFieldRef !== undefined) {
        writer.write(3, `${text(variable.name)}:\t (${text(record(from.resourceFieldRef).resource)})\n`)
      }
    }
    const mounts = list(container.volumeMounts).sort((left, right) => (text(left.mountPath) < text(right.mountPath) ? -1 : 1))
    writer.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`)
    for (const mount of mounts) {
      const flags = [mount.readOnly === true ? 'ro' : 'rw']
      if (text(mount.subPath)) flags.push(`path=${JSON.stringify(text(mount.subPath))}`)
      writer.write(3, `${text(mount.mountPath)} from ${text(mount.name)} (${flags.join(',')})\n`)
    }
  }
}

const goOptional = (value: unknown) => (value === undefined || value === null ? '<nil>' : String(value))

export function describeVolumes(writer: DescribeWriter, volumes: unknown, space: string): void {
  const entries = list(volumes)
  if (entries.length === 0) {
    writer.write(0, `${space}Volumes:\t<none>\n`)
    return
  }
  writer.write(0, `${space}Volumes:\n`)
  for (const volume of entries) {
    writer.write(1, `${space.length > 0 ? ' ' : ''}${text(volume.name)}:\n`)
    if (volume.projected !== undefined) {
      writer.write(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n')
      for (const source of list(record(volume.projected).sources)) {
        if (source.secret !== undefined) writer.write(2, `SecretName:\t${text(record(source.secret).name)}\n    SecretOptionalName:\t${goOptional(record(source.secret).optional)}\n`)
        else if (source.downwardAPI !== undefined) writer.write(2, 'DownwardAPI:\ttrue\n')
        else if (source.configMap !== undefined) writer.write(2, `ConfigMapName:\t${text(record(source.configMap).name)}\n    ConfigMapOptional:\t${goOptional(record(source.configMap).optional)}\n`)
        else if (source.serviceAccountToken !== undefined) writer.write(2, `TokenExpirationSeconds:\t${Number(record(source.serviceAccountToken).expirationSeconds ?? 3600)}\n`)
      }
    } else if (volume.emptyDir !== undefined) {
      const emptyDir = record(volume.emptyDir)
      writer.write(2, `Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t${text(emptyDir.medium)}\n    SizeLimit:\t${emptyDir.sizeLimit === undefined ? '<unset>' : text(emptyDir.sizeLimit)}\n`)
    } else if (volume.configMap !== undefined) {
      const configMap = record(volume.configMap)
      writer.write(2, `Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t${text(configMap.name)}\n    Optional:\t${configMap.optional === true}\n`)
    } else if (volume.secret !== undefined) {
      const secret = record(volume.secret)
      writer.write(2, `Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t${text(secret.secretName)}\n    Optional:\t${secret.optional === true}\n`)
    } else if (volume.hostPath !== undefined) {
      const hostPath = record(volume.hostPath)
      writer.write(2, `Type:\tHostPath (bare host directory volume)\n    Path:\t${text(hostPath.path)}\n    HostPathType:\t${text(hostPath.type)}\n`)
    } else if (volume.persistentVolumeClaim !== undefined) {
      const claim = record(volume.persistentVolumeClaim)
      writer.write(2, `Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t${text(claim.claimName)}\n    ReadOnly:\t${claim.readOnly === true}\n`)
    } else {
      writer.write(2, `<unknown>\n`)
    }
  }
}

/** DescribePodTemplate: labels, annotations, service account, containers, volumes, selectors, tolerations. */
export function describePodTemplate(writer: DescribeWriter, template: Record<string, unknown>): void {
  const metadata = record(template.metadata)
  const spec = record(template.spec)
  writer.write(0, 'Pod Template:\n')
  // kubectl titles these "  Labels" at level 0, so a second line starts at the tab, unindented.
  printLabels(writer, '  Labels', metadata.labels, 0)
  const annotations = Object.entries(record(metadata.annotations))
  if (annotations.length > 0) {
    annotations.sort(([left], [right]) => (left < right ? -1 : 1)).forEach(([key, value], index) => writer.write(index === 0 ? 1 : 0, index === 0 ? `Annotations:\t${key}: ${text(value)}\n` : `\t${key}: ${text(value)}\n`))
  }
  if (text(spec.serviceAccountName)) writer.write(1, `Service Account:\t${text(spec.serviceAccountName)}\n`)
  describeContainers(writer, 'Init Containers', spec.initContainers, undefined, '  ')
  describeContainers(writer, 'Containers', spec.containers, undefined, '  ')
  describeVolumes(writer, spec.volumes, '  ')
  if (text(spec.priorityClassName)) writer.write(1, `Priority Class Name:\t${text(spec.priorityClassName)}\n`)
  const selectors = Object.entries(record(spec.nodeSelector)).sort(([left], [right]) => (left < right ? -1 : 1))
  writer.write(1, `Node-Selectors:\t${selectors.length === 0 ? '<none>' : selectors.map(([key, value]) => `${key}=${text(value)}`).join(',')}\n`)
  const tolerations = sortedTolerations(spec.tolerations)
  writer.write(1, `Tolerations:\t${tolerations.length === 0 ? '<none>' : ''}`)
  tolerations.forEach((toleration, index) => writer.write(0, index === 0 ? tolerationText(toleration) : `\n  \t${tolerationText(toleration)}`))
  writer.write(0, '\n')
}

/** The Conditions table of a ReplicaSet or ReplicationController (type, status, reason), when it has any. */
export function describeReplicaConditions(writer: DescribeWriter, object: Record<string, unknown>): void {
  const conditions = list(record(object.status).conditions)
  if (conditions.length === 0) return
  writer.write(0, 'Conditions:\n  Type\tStatus\tReason\n')
  writer.write(1, '----\t------\t------\n')
  for (const condition of conditions) writer.write(1, `${text(condition.type)} \t${text(condition.status)}\t${text(condition.reason)}\n`)
}

export function describeEvents(writer: DescribeWriter, events: readonly Record<string, unknown>[] | null, nowMilliseconds: number): void {
  if (events === null) return
  if (events.length === 0) {
    writer.write(0, 'Events:\t<none>\n')
    return
  }
  writer.flush()
  const sorted = sortEventsAsKubectl([...events], 'lastTimestamp')
  writer.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n')
  writer.write(1, '----\t------\t----\t----\t-------\n')
  const since = (value: unknown) => (typeof value === 'string' && value.length > 0 ? humanDuration(nowMilliseconds - Date.parse(value)) : '<unknown>')
  for (const event of sorted) {
    const first = text(event.eventTime) ? since(event.eventTime) : since(event.firstTimestamp)
    const series = record(event.series)
    const count = Number(event.count ?? 0)
    let interval = first
    if (event.series !== undefined) interval = `${since(series.lastObservedTime)} (x${Number(series.count ?? 0)} over ${first})`
    else if (count > 1) interval = `${since(event.lastTimestamp)} (x${count} over ${first})`
    const source = text(record(event.source).component) || text(event.reportingComponent)
    writer.write(1, `${text(event.type)}\t${text(event.reason)}\t${interval}\t${source}\t${text(event.message).trim()}\n`)
  }
}
