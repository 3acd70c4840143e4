// What a container starts with, as the kubelet and the runtime set it up: its environment
// (env with $(VAR) references, envFrom, the downward API, Secrets and ConfigMaps, the
// variables every container gets), its command line after the kubelet's $(VAR) expansion, and
// its filesystem (ConfigMap, Secret, downwardAPI, projected and emptyDir volumes as files;
// /etc/hostname, /etc/hosts, /etc/resolv.conf).
import {bytesToText} from '../util/byte-text.js'
import type {KubeObject} from '../api/object.js'
import type {Container, DownwardAPIVolumeFile, Pod, Volume} from '../api/kinds.js'
import {normalizePath, SimulatedFileSystem} from './shell/filesystem.js'
import {imageFiles} from '../network/image-files.js'
import {fsGroupOf} from './shell/identity.js'
import {mountVolumeFiles, type VolumeFile, volumeFileModeDefault} from './volume-layout.js'
import {lastWrittenAt, objectKey, type PodObjectReader} from './object-versions.js'

/** Reads the objects a pod's environment and volumes name (the kubelet's view of the API; its home is object-versions.ts). */
export type {PodObjectReader}

/**
 * The files a node keeps under a host path, by path inside it (a hostPath volume shows them):
 * the host knows its nodes' files (a master's etcd certificates under `up --etcd-tls`); an empty
 * record for a path the node has nothing in.
 */
export type HostPathFiles = (node: string, hostPath: string) => Readonly<Record<string, string>>

/** The cluster's DNS Service address and domain (kubeadm's defaults), for resolv.conf. */
export const clusterDnsAddress = '10.96.0.10'
export const clusterDomain = 'cluster.local'

export function containersOf(pod: Pod): Container[] {
  return [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? []), ...(pod.spec.ephemeralContainers ?? [])]
}

/** kubelet's $(VAR) expansion of command, args and env values: `$$` escapes, unknown names stay as written. */
export function expandReferences(text: string, variables: ReadonlyMap<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (name === undefined) return '$'
    return variables.get(name) ?? all
  })
}

function decoded(value: unknown): string {
  // A binary key (an image in binaryData) keeps its bytes: util/byte-text.ts.
  return bytesToText(Buffer.from(String(value ?? ''), 'base64'))
}

function dataOf(object: KubeObject | null, secret: boolean): Record<string, string> {
  if (!object) return {}
  const data = (object as {data?: Record<string, string>}).data ?? {}
  const binary = (object as {binaryData?: Record<string, string>}).binaryData ?? {}
  return secret ? Object.fromEntries(Object.entries(data).map(([key, value]) => [key, decoded(value)])) : {...data, ...Object.fromEntries(Object.entries(binary).map(([key, value]) => [key, decoded(value)]))}
}

/** A downward API fieldRef's value (metadata.labels['app'], status.podIP, …). */
export function fieldValue(pod: Pod, path: string): string {
  const metadata = pod.metadata as KubeObject['metadata']
  const map = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path)
  if (map) return (map[1] === 'labels' ? metadata.labels : metadata.annotations)?.[map[2]!] ?? ''
  if (path === 'metadata.labels' || path === 'metadata.annotations') {
    const entries = Object.entries((path === 'metadata.labels' ? metadata.labels : metadata.annotations) ?? {}).sort(([a], [b]) => a.localeCompare(b))
    return entries.map(([key, value]) => `${key}="${value}"`).join('\n')
  }
  const status = (pod.status ?? {}) as Record<string, any>
  const spec = pod.spec
  const values: Record<string, unknown> = {
    'metadata.name': metadata.name,
    'metadata.namespace': metadata.namespace,
    'metadata.uid': metadata.uid,
    'spec.nodeName': spec.nodeName,
    'spec.serviceAccountName': spec.serviceAccountName,
    'status.podIP': status.podIP,
    'status.podIPs': (status.podIPs as Array<{ip: string}> | undefined)?.map((entry) => entry.ip).join(','),
    'status.hostIP': status.hostIP,
    'status.hostIPs': (status.hostIPs as Array<{ip: string}> | undefined)?.map((entry) => entry.ip).join(','),
  }
  return String(values[path] ?? '')
}

/** A resourceFieldRef's value, in units of its divisor (rounded up, as the kubelet does). */
export function resourceValue(container: Container | undefined, resource: string, divisor = '1'): string {
  const [kind, name] = resource.split('.') as [string, string]
  const quantity = (kind === 'limits' ? container?.resources?.limits : container?.resources?.requests)?.[name] ?? (kind === 'limits' ? (name === 'cpu' ? '2' : name === 'memory' ? '8Gi' : '0') : '0')
  return String(Math.ceil(quantityValue(quantity) / (quantityValue(divisor) || 1)))
}

function quantityValue(text: string): number {
  const match = /^([0-9.]+)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(text)
  if (!match) return 0
  const scale: Record<string, number> = {'': 1, m: 0.001, k: 1e3, Ki: 1024, M: 1e6, Mi: 1024 ** 2, G: 1e9, Gi: 1024 ** 3, T: 1e12, Ti: 1024 ** 4}
  return Number(match[1]) * scale[match[2] ?? '']!
}

/** The Services whose links the kubelet always adds, whatever the pod's namespace and enableServiceLinks. */
const masterServices = new Set(['kubernetes'])

/** A Service name as an environment variable's prefix (envvars' makeEnvVariableName). */
function envName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase()
}

/** One Service's variables, in envvars.FromServices' order: host, ports, and Docker's link variables. */
function serviceVariables(service: KubeObject): Array<[string, string]> {
  const spec = (service.spec ?? {}) as {clusterIP?: string; ports?: Array<{name?: string; port?: number; protocol?: string}>}
  const clusterIp = spec.clusterIP ?? ''
  const ports = spec.ports ?? []
  const prefix = envName(String(service.metadata.name))
  const result: Array<[string, string]> = [[`${prefix}_SERVICE_HOST`, clusterIp], [`${prefix}_SERVICE_PORT`, String(ports[0]?.port ?? 0)]]
  for (const port of ports) if (port.name) result.push([`${prefix}_SERVICE_PORT_${envName(port.name)}`, String(port.port)])
  const hostPort = (port: number) => (clusterIp.includes(':') ? `[${clusterIp}]:${port}` : `${clusterIp}:${port}`)
  ports.forEach((port, index) => {
    const protocol = port.protocol || 'TCP'
    const url = `${protocol.toLowerCase()}://${hostPort(Number(port.port))}`
    if (index === 0) result.push([`${prefix}_PORT`, url])
    const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`
    result.push([portPrefix, url], [`${portPrefix}_PROTO`, protocol.toLowerCase()], [`${portPrefix}_PORT`, String(port.port)], [`${portPrefix}_ADDR`, clusterIp])
  })
  return result
}

/** The second a timestamp falls in (API timestamps have whole seconds). */
function secondOf(milliseconds: number): number {
  return Math.floor(milliseconds / 1000)
}

function linkable(service: KubeObject): boolean {
  const clusterIp = (service.spec as {clusterIP?: string} | undefined)?.clusterIP ?? ''
  return clusterIp !== '' && clusterIp !== 'None'
}

/** When a run started, and the Services of its start's second it could link (see ContainerStateStore.servicesOfStartSecond). */
export interface RunStartLinks {
  readonly startedAtMilliseconds: number
  readonly servicesOfStartSecond: readonly string[] | null
}

/**
 * Of the Services a kubelet knows as it starts a container at `startedAtMilliseconds`, those
 * created in that same second that the run could link (`namespace/name`): what it must record,
 * as their timestamps alone cannot tell them from Services created later in that second.
 */
export function servicesOfStartSecond(pod: Pod, known: readonly KubeObject[], startedAtMilliseconds: number): string[] {
  const namespace = String(pod.metadata.namespace ?? 'default')
  return known
    .filter((service) => (service.metadata.namespace === namespace || service.metadata.namespace === 'default') && linkable(service))
    .filter((service) => secondOf(Date.parse(String(service.metadata.creationTimestamp ?? ''))) === secondOf(startedAtMilliseconds))
    .map((service) => `${service.metadata.namespace}/${service.metadata.name}`)
}

/** Whether the Service existed when the run started, as the kubelet knew then. */
function existedAtStart(service: KubeObject, start: RunStartLinks): boolean {
  const created = secondOf(Date.parse(String(service.metadata.creationTimestamp ?? '')))
  const started = secondOf(start.startedAtMilliseconds)
  if (created !== started) return created < started
  return (start.servicesOfStartSecond ?? []).includes(`${service.metadata.namespace}/${service.metadata.name}`)
}

/**
 * The service links the kubelet puts in a container's environment (getServiceEnvVarMap): the
 * `kubernetes` Service always, and with enableServiceLinks every Service of the pod's namespace
 * that has a cluster IP, as the kubelet's informer knew them when the container started.
 */
async function serviceLinks(pod: Pod, reader: PodObjectReader, start: RunStartLinks | undefined): Promise<Map<string, string>> {
  const namespace = String(pod.metadata.namespace ?? 'default')
  const enableServiceLinks = pod.spec.enableServiceLinks !== false
  const candidates = [...(await reader.services('default')), ...(namespace === 'default' ? [] : await reader.services(namespace))]
  const chosen = new Map<string, KubeObject>()
  for (const service of candidates) {
    if (!linkable(service)) continue
    if (start !== undefined && !existedAtStart(service, start)) continue
    const name = String(service.metadata.name)
    if (service.metadata.namespace === 'default' && masterServices.has(name)) {
      if (!chosen.has(name)) chosen.set(name, service)
    } else if (service.metadata.namespace === namespace && enableServiceLinks) chosen.set(name, service)
  }
  const ordered = [...chosen.values()].sort((a, b) => Number(masterServices.has(String(b.metadata.name))) - Number(masterServices.has(String(a.metadata.name))) || String(a.metadata.name).localeCompare(String(b.metadata.name)))
  return new Map(ordered.flatMap(serviceVariables))
}

/**
 * The environment the container's process sees, in the kubelet's order: its own variables, then
 * the service links it does not set itself. `start` is the run's start (the Services it links are
 * those that existed then; every Service there is now without it).
 */
export async function environmentOf(pod: Pod, container: Container, reader: PodObjectReader, start?: RunStartLinks): Promise<Map<string, string>> {
  const namespace = String(pod.metadata.namespace ?? 'default')
  const links = await serviceLinks(pod, reader, start)
  const variables = new Map<string, string>([
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOSTNAME', hostnameOf(pod)],
  ])
  const declared = new Map<string, string>()
  for (const source of container.envFrom ?? []) {
    const secret = Boolean(source.secretRef)
    const name = source.secretRef?.name ?? source.configMapRef?.name ?? ''
    const data = dataOf(await reader.get(secret ? 'secrets' : 'configmaps', namespace, name), secret)
    for (const [key, value] of Object.entries(data)) declared.set(`${source.prefix ?? ''}${key}`, value)
  }
  for (const entry of container.env ?? []) {
    let value = ''
    if (entry.valueFrom) {
      const from = entry.valueFrom
      if (from.fieldRef) value = fieldValue(pod, String(from.fieldRef.fieldPath))
      else if (from.resourceFieldRef) {
        const field = from.resourceFieldRef
        value = resourceValue(containersOf(pod).find((other) => other.name === (field.containerName || container.name)), String(field.resource), field.divisor)
      }
      else if (from.configMapKeyRef) value = dataOf(await reader.get('configmaps', namespace, from.configMapKeyRef.name), false)[from.configMapKeyRef.key] ?? ''
      else if (from.secretKeyRef) value = dataOf(await reader.get('secrets', namespace, from.secretKeyRef.name), true)[from.secretKeyRef.key] ?? ''
    } else value = expandReferences(entry.value ?? '', new Map([...links, ...declared]))
    declared.set(entry.name, value)
  }
  for (const [name, value] of declared) variables.set(name, value)
  for (const [name, value] of links) if (!declared.has(name)) variables.set(name, value)
  if (!variables.has('HOME')) variables.set('HOME', '/root')
  return variables
}

/** The process's command line: command and args after $(VAR) expansion; null when the image's own would run. */
export function argvOf(container: Container, environment: ReadonlyMap<string, string>): string[] | null {
  const words = [...(container.command ?? []), ...(container.args ?? [])]
  return words.length === 0 ? null : words.map((word) => expandReferences(word, environment))
}

export function hostnameOf(pod: Pod): string {
  return pod.spec.hostname ?? String(pod.metadata.name)
}

/** The filesystem the container starts with. */
export async function filesystemOf(pod: Pod, container: Container, reader: PodObjectReader, hostPathFiles?: HostPathFiles, startedAtMilliseconds = 0): Promise<SimulatedFileSystem> {
  const fs = new SimulatedFileSystem(startedAtMilliseconds)
  for (const directory of ['/bin', '/dev', '/etc', '/home', '/proc', '/root', '/sys', '/tmp', '/usr/bin', '/var/log']) fs.makeDirectories(directory)
  // /tmp is world-writable and sticky, /root private, as in the images.
  fs.describe('/tmp', {mode: 0o1777})
  fs.describe('/root', {mode: 0o700})
  const namespace = String(pod.metadata.namespace ?? 'default')
  const status = (pod.status ?? {}) as {podIP?: string; startTime?: string}
  const hostname = hostnameOf(pod)
  const subdomain = pod.spec.subdomain
  const fqdn = subdomain ? `${hostname}.${subdomain}.${namespace}.svc.${clusterDomain}\t${hostname}` : hostname
  fs.write('/etc/hostname', `${hostname}\n`)
  fs.write('/etc/hosts', `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n${status.podIP ?? ''}\t${fqdn}\n`)
  fs.write('/etc/resolv.conf', `search ${namespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}\nnameserver ${clusterDnsAddress}\noptions ndots:5\n`)
  // The image's own files (its server's pages) where no volume is mounted: a mount hides what
  // the image has at and under its path.
  const mountPaths = (container.volumeMounts ?? []).map((mount) => normalizePath(mount.mountPath))
  for (const [path, content] of Object.entries(imageFiles(container.image))) {
    if (mountPaths.some((mountPath) => path === mountPath || path.startsWith(`${mountPath}/`) || mountPath === '/')) continue
    fs.makeDirectories(path.slice(0, path.lastIndexOf('/')))
    fs.write(path, content)
  }
  // readOnlyRootFilesystem: everything but the volumes is read-only.
  if (((container as {securityContext?: {readOnlyRootFilesystem?: boolean}}).securityContext ?? {}).readOnlyRootFilesystem === true) fs.freeze()
  // The kubelet sets a pod's volumes up once, before its first container starts.
  const fsGroup = fsGroupOf(pod)
  const podStartedAt = Date.parse(status.startTime ?? '') || startedAtMilliseconds
  const volumes = (pod.spec.volumes ?? [])
  for (const mount of container.volumeMounts ?? []) {
    const volume = volumes.find((entry) => entry.name === mount.name)
    if (!volume) continue
    const {files, writtenAtMilliseconds} = volume.hostPath ? hostPathVolume(hostPathFiles?.(String(pod.spec.nodeName ?? ''), normalizePath(volume.hostPath.path)) ?? {}) : await volumeFiles(pod, volume, reader)
    const readOnly = mount.readOnly === true || (!volume.emptyDir && !volume.hostPath)
    const writtenAt = Math.min(Math.max(podStartedAt, writtenAtMilliseconds ?? 0), Math.max(podStartedAt, startedAtMilliseconds))
    mountVolumeFiles(fs, mount, volume, files, writtenAt, `${String(pod.metadata.uid)}/${volume.name}/${writtenAt}`, readOnly, fsGroup)
  }
  return fs
}

/** The ConfigMaps and Secrets (objectKey) a volume's files come from. */
function sourcesOf(volume: Volume, namespace: string): string[] {
  const keys: string[] = []
  if (volume.configMap) keys.push(objectKey('configmaps', namespace, volume.configMap.name))
  if (volume.secret) keys.push(objectKey('secrets', namespace, volume.secret.secretName))
  for (const source of volume.projected?.sources ?? []) {
    if (source.configMap) keys.push(objectKey('configmaps', namespace, source.configMap.name))
    if (source.secret) keys.push(objectKey('secrets', namespace, source.secret.name))
  }
  return keys
}

/** The ConfigMaps and Secrets (objectKey) whose changes reach the container's volumes (not its subPath mounts). */
export function updatingVolumeSources(pod: Pod, container: Container): string[] {
  const namespace = String(pod.metadata.namespace ?? 'default')
  const keys = new Set<string>()
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((entry) => entry.name === mount.name)
    if (volume && !mount.subPath) for (const key of sourcesOf(volume, namespace)) keys.add(key)
  }
  return [...keys]
}

/**
 * Writes again, at `atMilliseconds`, the container's volumes whose ConfigMaps or Secrets (`changed`
 * keys) changed, as the kubelet's sync does through the atomic writer; a subPath mount keeps what
 * it had (the kubelet never updates one).
 */
export async function rewriteChangedVolumes(fs: SimulatedFileSystem, pod: Pod, container: Container, reader: PodObjectReader, changed: ReadonlySet<string>, atMilliseconds: number): Promise<void> {
  const namespace = String(pod.metadata.namespace ?? 'default')
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((entry) => entry.name === mount.name)
    if (!volume || mount.subPath || !sourcesOf(volume, namespace).some((key) => changed.has(key))) continue
    const {files} = await volumeFiles(pod, volume, reader)
    mountVolumeFiles(fs, mount, volume, files, atMilliseconds, `${String(pod.metadata.uid)}/${volume.name}/${atMilliseconds}`, true, fsGroupOf(pod))
  }
}

function hostPathVolume(files: Readonly<Record<string, string>>): {files: Map<string, VolumeFile>; writtenAtMilliseconds: null} {
  return {files: new Map(Object.entries(files).map(([path, content]) => [path, {content}])), writtenAtMilliseconds: null}
}

/** A volume's files by path inside it, with their modes, and when its sources were last written (null: no source object). */
async function volumeFiles(pod: Pod, volume: Volume, reader: PodObjectReader): Promise<{files: Map<string, VolumeFile>; writtenAtMilliseconds: number | null}> {
  const namespace = String(pod.metadata.namespace ?? 'default')
  const files = new Map<string, VolumeFile>()
  let writtenAtMilliseconds: number | null = null
  const defaultMode = volume.configMap?.defaultMode ?? volume.secret?.defaultMode ?? volume.downwardAPI?.defaultMode ?? volume.projected?.defaultMode ?? volumeFileModeDefault
  const add = (path: string, content: string, mode?: number) => files.set(path, {content, mode: mode ?? defaultMode})
  const addKeyed = (object: KubeObject | null, secret: boolean, items?: Array<{key: string; path: string; mode?: number}>) => {
    writtenAtMilliseconds = Math.max(writtenAtMilliseconds ?? 0, lastWrittenAt(object))
    const data = dataOf(object, secret)
    if (!items) for (const [key, value] of Object.entries(data)) add(key, value)
    else for (const item of items) if (item.key in data) add(item.path, data[item.key]!, item.mode)
  }
  const addDownward = (items: readonly DownwardAPIVolumeFile[]) => {
    for (const [path, {content, mode}] of downwardFiles(pod, items)) add(path, content, mode)
  }
  if (volume.configMap) addKeyed(await reader.get('configmaps', namespace, volume.configMap.name), false, volume.configMap.items)
  if (volume.secret) addKeyed(await reader.get('secrets', namespace, volume.secret.secretName), true, volume.secret.items)
  if (volume.downwardAPI) addDownward(volume.downwardAPI.items ?? [])
  for (const source of volume.projected?.sources ?? []) {
    if (source.configMap) addKeyed(await reader.get('configmaps', namespace, source.configMap.name), false, source.configMap.items)
    if (source.secret) addKeyed(await reader.get('secrets', namespace, source.secret.name), true, source.secret.items)
    if (source.downwardAPI) addDownward(source.downwardAPI.items ?? [])
    if (source.serviceAccountToken) add(source.serviceAccountToken.path ?? 'token', `kubemu-simulated-token-for-${pod.spec.serviceAccountName ?? 'default'}`)
  }
  return {files, writtenAtMilliseconds}
}

function downwardFiles(pod: Pod, items: readonly DownwardAPIVolumeFile[]): Map<string, {content: string; mode?: number}> {
  const files = new Map<string, {content: string; mode?: number}>()
  for (const item of items) {
    const mode = item.mode === undefined ? {} : {mode: item.mode}
    if (item.fieldRef) files.set(item.path, {content: fieldValue(pod, item.fieldRef.fieldPath), ...mode})
    else if (item.resourceFieldRef) files.set(item.path, {content: resourceValue(containersOf(pod).find((container) => container.name === item.resourceFieldRef!.containerName), item.resourceFieldRef.resource, item.resourceFieldRef.divisor), ...mode})
  }
  return files
}
