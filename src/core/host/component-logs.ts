// The logs of the control plane's own containers, as `kubectl logs -n kube-system` shows them on a
// kubeadm cluster: each static pod's component writes what it does in its own format, so a learner
// sees etcd's members elect a leader (pre-votes, votes, terms) after `kubemu member stop`, and a
// standby kube-scheduler or kube-controller-manager wait for its Lease and take over after
// `kubemu master stop`.
//
// What a component does as it works (etcd's raft lines, a Lease acquired) is appended to the
// cluster folder's component-logs.jsonl, one line each, so one-shot commands and `up` read the same
// history; the file is bounded (past componentLogFileBytesMax its newer half is kept). What a
// component prints as it starts is made when the log is read, from the container run's start and
// the pod's flags. etcd writes as etcd 3.4 does with its default logger (capnslog, and raft's own
// "raft2006/01/02 15:04:05 INFO:" lines); kube-scheduler and kube-controller-manager as klog does.
import {appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import type {KubeObject} from '../api/object.js'
import type {ExecSessionAnswer} from '../api/wire.js'
import type {ContainerRun, ContainerStreams, ForwardedBytes, StreamObjectReader} from '../apiserver/pod-logs.js'
import type {MemberLogLine} from '../etcd/cluster.js'
import {klogLine} from '../util/klog.js'

export const componentLogFileName = 'component-logs.jsonl'
/** Past this size the file is cut back to its newer half (the kubelet rotates container logs too). */
export const componentLogFileBytesMax = 2 * 1024 * 1024
/** Lines of each source a cut keeps (the kubelet keeps each container's log files apart). */
export const componentLogLinesPerSourceKept = 1_000
/** A file larger than this is not read (it is not one kubemu wrote). */
export const componentLogFileReadBytesMax = 64 * 1024 * 1024

/** Whose log a line is: a component on a node (kube-scheduler/control-plane2) or an etcd member (etcd/infra2). */
export type ComponentSource = `${'etcd' | 'kube-apiserver' | 'kube-scheduler' | 'kube-controller-manager'}/${string}`

interface ComponentLogRecord {
  readonly source: string
  readonly at: number
  readonly text: string
}

export interface ComponentLogLine {
  readonly atMilliseconds: number
  readonly text: string
}

/** The cluster folder's component log file. */
export class ComponentLogFile {
  private readonly path: string

  constructor(folder: string) {
    this.path = join(folder, componentLogFileName)
  }

  append(source: ComponentSource, lines: readonly ComponentLogLine[]): void {
    if (lines.length === 0) return
    const text = lines.map((line) => `${JSON.stringify({source, at: line.atMilliseconds, text: line.text} satisfies ComponentLogRecord)}\n`).join('')
    appendFileSync(this.path, text)
    if (statSync(this.path).size > componentLogFileBytesMax) this.cut()
  }

  /** The lines of `source` written in [from, until], oldest first. */
  read(source: ComponentSource, fromMilliseconds: number, untilMilliseconds: number): ComponentLogLine[] {
    return this.records()
      .filter((record) => record.source === source && record.at >= fromMilliseconds && record.at <= untilMilliseconds)
      .map((record) => ({atMilliseconds: record.at, text: record.text}))
  }

  private records(): ComponentLogRecord[] {
    if (!existsSync(this.path) || statSync(this.path).size > componentLogFileReadBytesMax) return []
    const records: ComponentLogRecord[] = []
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line === '') continue
      try {
        const record = JSON.parse(line) as Partial<ComponentLogRecord>
        if (typeof record.source === 'string' && typeof record.at === 'number' && typeof record.text === 'string') records.push(record as ComponentLogRecord)
      } catch {
        // A line a crash cut short: the rest of the file is still read.
      }
    }
    return records
  }

  /**
   * Keeps each source's newest componentLogLinesPerSourceKept lines, so that one busy component
   * does not cut another's history short; then, if that is still most of the limit, the newer half
   * (written aside, then renamed over: never half a file).
   */
  private cut(): void {
    const lines = readFileSync(this.path, 'utf8').split('\n').filter((line) => line !== '')
    const keptOfSource = new Map<string, number>()
    const kept: string[] = []
    for (let index = lines.length - 1; index >= 0; index--) {
      const source = /^\{"source":"([^"]*)"/.exec(lines[index]!)?.[1] ?? ''
      const count = keptOfSource.get(source) ?? 0
      if (count >= componentLogLinesPerSourceKept) continue
      keptOfSource.set(source, count + 1)
      kept.push(lines[index]!)
    }
    kept.reverse()
    let text = kept.length > 0 ? `${kept.join('\n')}\n` : ''
    if (Buffer.byteLength(text) > (componentLogFileBytesMax * 3) / 4) {
      const half = text.indexOf('\n', Math.floor(text.length / 2))
      text = half < 0 ? '' : text.slice(half + 1)
    }
    const aside = `${this.path}.cut`
    writeFileSync(aside, text)
    renameSync(aside, this.path)
  }
}

// ---- formats ------------------------------------------------------------------------------

const two = (value: number) => String(value).padStart(2, '0')

/** etcd 3.4's capnslog line: `2026-12-06 11:21:03.901764 I | etcdmain: …`. */
export function capnslogLine(level: 'I' | 'N' | 'W' | 'E', atMilliseconds: number, packageName: string, message: string): string {
  const time = new Date(atMilliseconds)
  const date = `${time.getUTCFullYear()}-${two(time.getUTCMonth() + 1)}-${two(time.getUTCDate())}`
  const clock = `${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}.${String(time.getUTCMilliseconds()).padStart(3, '0')}000`
  return `${date} ${clock} ${level} | ${packageName}: ${message}`
}

/**
 * A member's log line as etcd 3.4 writes it: raft's through its default logger (Go's log with the
 * "raft" prefix: `raft2026/12/06 11:21:04 INFO: …`), the others through capnslog.
 */
export function memberLogLine(line: MemberLogLine): string {
  const time = new Date(line.atMilliseconds)
  if (line.source !== 'raft') return capnslogLine(line.level === 'INFO' ? 'I' : line.level === 'WARN' ? 'W' : 'E', line.atMilliseconds, line.source, line.message)
  return `raft${time.getUTCFullYear()}/${two(time.getUTCMonth() + 1)}/${two(time.getUTCDate())} ${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} ${line.level}: ${line.message}`
}

// ---- what the components write -------------------------------------------------------------

/** A component's klog line in its container (thread 1, the container's UTC clock), without its newline. */
function containerKlog(atMilliseconds: number, location: string, message: string): string {
  return klogLine('I', location, message, atMilliseconds, 1, true).slice(0, -1)
}

const leaseLocation = 'leaderelection.go:257'
const acquiredLocation = 'leaderelection.go:271'

/**
 * The controllers kube-controller-manager starts that kubemu runs, by their canonical names
 * (kube-controller-manager's names package), in the order their lines are written.
 */
export const startedControllers: readonly string[] = [
  'serviceaccount-controller',
  'namespace-controller',
  'root-ca-certificate-publisher-controller',
  'certificatesigningrequest-signing-controller',
  'certificatesigningrequest-approving-controller',
  'certificatesigningrequest-cleaner-controller',
  'garbage-collector-controller',
  'resourcequota-controller',
  'deployment-controller',
  'replicaset-controller',
  'replicationcontroller-controller',
  'statefulset-controller',
  'daemonset-controller',
  'cronjob-controller',
  'job-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'horizontal-pod-autoscaler-controller',
  'disruption-controller',
  'persistentvolume-binder-controller',
  'persistentvolumeclaim-protection-controller',
  'persistentvolume-protection-controller',
  'node-lifecycle-controller',
  'pod-garbage-collector-controller',
]

/** What an elected component writes as it takes its Lease (kube-controller-manager then starts its controllers). */
export function leaseAcquiredLines(component: 'kube-scheduler' | 'kube-controller-manager', identity: string, atMilliseconds: number): ComponentLogLine[] {
  const line = (offset: number, location: string, message: string) => ({atMilliseconds: atMilliseconds + offset, text: containerKlog(atMilliseconds + offset, location, message)})
  const lines = [line(0, acquiredLocation, `successfully acquired lease kube-system/${component}`)]
  if (component === 'kube-controller-manager') {
    lines.push(
      line(0, 'event.go:389', `"Event occurred" object="kube-system/kube-controller-manager" fieldPath="" kind="Lease" apiVersion="coordination.k8s.io/v1" type="Normal" reason="LeaderElection" message="${identity} became leader"`),
      ...startedControllers.map((controller, index) => line(10 + index, 'controllermanager.go:765', `"Started controller" controller="${controller}"`)),
    )
  }
  return lines
}

/** A flag's value in a container's command (`--name=infra2`), if given. */
function flagOf(command: readonly string[], name: string): string | null {
  const prefix = `--${name}=`
  const given = command.find((argument) => argument.startsWith(prefix))
  return given === undefined ? null : given.slice(prefix.length)
}

type Container = {name?: string; image?: string; command?: string[]}

/** kube-apiserver 1.32's admission chains with kubeadm's --enable-admission-plugins=NodeRestriction, in their order. */
const mutatingAdmission = ['NamespaceLifecycle', 'LimitRanger', 'ServiceAccount', 'NodeRestriction', 'TaintNodesByCondition', 'Priority', 'DefaultTolerationSeconds', 'DefaultStorageClass', 'StorageObjectInUseProtection', 'RuntimeClass', 'DefaultIngressClass', 'MutatingAdmissionPolicy', 'MutatingAdmissionWebhook']
const validatingAdmission = ['LimitRanger', 'ServiceAccount', 'PodSecurity', 'Priority', 'PersistentVolumeClaimResize', 'RuntimeClass', 'CertificateApproval', 'CertificateSigning', 'ClusterTrustBundleAttest', 'CertificateSubjectRestriction', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionWebhook', 'ResourceQuota']
/** The informer kube-apiserver's ValidatingAdmissionPolicy plugin waits for. */
const validatingPolicySource = '*generic.policySource[*k8s.io/api/admissionregistration/v1.ValidatingAdmissionPolicy,*k8s.io/api/admissionregistration/v1.ValidatingAdmissionPolicyBinding,k8s.io/apiserver/pkg/admission/plugin/policy/validating.Validator]'

/** How long a component's start-up lines take from the container's start to its first lease attempt. */
const startupMilliseconds = 330
/** kube-apiserver's start-up, to its last start-up line (its storage and caches take longer). */
const apiServerStartupMilliseconds = 1_600

/** The lines a component prints as it starts (to its first try for its Lease), from its container's flags. */
function startupLines(component: ComponentSource extends `${infer C}/${string}` ? C : never, container: Container, startedAt: number): ComponentLogLine[] {
  const command = container.command ?? []
  const version = (container.image ?? '').split(':')[1] ?? ''
  const lines: ComponentLogLine[] = []
  const klog = (offset: number, location: string, message: string) => lines.push({atMilliseconds: startedAt + offset, text: containerKlog(startedAt + offset, location, message)})
  const bindAddress = flagOf(command, 'bind-address') ?? '0.0.0.0'
  const served = (port: number) => `${bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress}:${port}`
  if (component === 'kube-apiserver') {
    // kube-apiserver 1.32 as kubeadm runs it: its flags, its admission chains, then its serving.
    lines.push({atMilliseconds: startedAt, text: klogLine('W', 'registry.go:256', 'calling componentGlobalsRegistry.AddFlags more than once, the registry will be set by the latest flags', startedAt, 1, true).slice(0, -1)})
    klog(0, 'options.go:238', `external host was not specified, using ${flagOf(command, 'advertise-address') ?? ''}`)
    klog(2, 'server.go:143', `Version: ${version}`)
    klog(2, 'server.go:145', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""')
    klog(140, 'shared_informer.go:313', 'Waiting for caches to sync for node_authorizer')
    klog(150, 'shared_informer.go:313', `Waiting for caches to sync for ${validatingPolicySource}`)
    klog(155, 'plugins.go:157', `Loaded ${mutatingAdmission.length} mutating admission controller(s) successfully in the following order: ${mutatingAdmission.join(',')}.`)
    klog(155, 'plugins.go:160', `Loaded ${validatingAdmission.length} validating admission controller(s) successfully in the following order: ${validatingAdmission.join(',')}.`)
    klog(156, 'instance.go:233', 'Using reconciler: lease')
    const clientCa = flagOf(command, 'client-ca-file')
    const requestHeaderCa = flagOf(command, 'requestheader-client-ca-file')
    if (clientCa) klog(780, 'dynamic_cafile_content.go:161', `"Starting controller" name="client-ca-bundle::${clientCa}"`)
    if (requestHeaderCa) klog(780, 'dynamic_cafile_content.go:161', `"Starting controller" name="request-header::${requestHeaderCa}"`)
    klog(781, 'dynamic_serving_content.go:135', `"Starting controller" name="serving-cert::${flagOf(command, 'tls-cert-file') ?? ''}::${flagOf(command, 'tls-private-key-file') ?? ''}"`)
    klog(781, 'secure_serving.go:213', `Serving securely on [::]:${flagOf(command, 'secure-port') ?? '6443'}`)
    klog(781, 'tlsconfig.go:243', '"Starting DynamicServingCertificateController"')
    klog(900, 'shared_informer.go:320', 'Caches are synced for node_authorizer')
    klog(900, 'shared_informer.go:320', `Caches are synced for ${validatingPolicySource}`)
    klog(apiServerStartupMilliseconds, 'storage_scheduling.go:111', 'all system priority classes are created successfully or already exist.')
  } else if (component === 'kube-scheduler') {
    const caFiles = ['client-ca-file', 'requestheader-client-ca-file'].map((file) => `client-ca::kube-system::extension-apiserver-authentication::${file}`)
    klog(0, 'serving.go:386', 'Generated self-signed cert in-memory')
    klog(220, 'server.go:166', `"Starting Kubernetes Scheduler" version="${version}"`)
    klog(220, 'server.go:168', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""')
    for (const name of caFiles) klog(223, 'configmap_cafile_content.go:205', `"Starting controller" name="${name}"`)
    for (const name of caFiles) klog(223, 'shared_informer.go:313', `Waiting for caches to sync for ${name}`)
    klog(224, 'secure_serving.go:213', `Serving securely on ${served(10259)}`)
    klog(224, 'tlsconfig.go:243', '"Starting DynamicServingCertificateController"')
    klog(startupMilliseconds, leaseLocation, 'attempting to acquire leader lease kube-system/kube-scheduler...')
    for (const name of caFiles) klog(startupMilliseconds, 'shared_informer.go:320', `Caches are synced for ${name}`)
  } else if (component === 'kube-controller-manager') {
    klog(0, 'serving.go:386', 'Generated self-signed cert in-memory')
    klog(300, 'controllermanager.go:185', `"Starting" version="${version}"`)
    klog(300, 'controllermanager.go:187', '"Golang settings" GOGC="" GOMAXPROCS="" GOTRACEBACK=""')
    const requestHeaderCa = flagOf(command, 'requestheader-client-ca-file')
    const clientCa = flagOf(command, 'client-ca-file')
    if (requestHeaderCa) klog(302, 'dynamic_cafile_content.go:161', `"Starting controller" name="request-header::${requestHeaderCa}"`)
    if (clientCa) klog(302, 'dynamic_cafile_content.go:161', `"Starting controller" name="client-ca-bundle::${clientCa}"`)
    klog(302, 'secure_serving.go:213', `Serving securely on ${served(10257)}`)
    klog(303, 'tlsconfig.go:243', '"Starting DynamicServingCertificateController"')
    klog(startupMilliseconds, leaseLocation, 'attempting to acquire leader lease kube-system/kube-controller-manager...')
  } else {
    const capnslog = (offset: number, packageName: string, message: string) => lines.push({atMilliseconds: startedAt + offset, text: capnslogLine('I', startedAt + offset, packageName, message)})
    const etcdVersion = version.replace(/-\d+$/, '')
    const dataDir = flagOf(command, 'data-dir') ?? '/var/lib/etcd'
    lines.push({atMilliseconds: startedAt, text: "[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead"})
    capnslog(0, 'etcdmain', `etcd Version: ${etcdVersion}`)
    capnslog(0, 'etcdmain', 'Go OS/Arch: linux/amd64')
    capnslog(1, 'embed', `name = ${flagOf(command, 'name') ?? 'default'}`)
    capnslog(1, 'embed', `data dir = ${dataDir}`)
    capnslog(1, 'embed', `member dir = ${dataDir}/member`)
    capnslog(1, 'embed', 'heartbeat = 100ms')
    capnslog(1, 'embed', 'election = 1000ms')
    capnslog(1, 'embed', `snapshot count = ${flagOf(command, 'snapshot-count') ?? '100000'}`)
    capnslog(1, 'embed', `advertise client URLs = ${flagOf(command, 'advertise-client-urls') ?? ''}`)
  }
  return lines
}

/** Which component's log a pod's container is: kube-system's static pods of etcd, kube-apiserver, kube-scheduler and kube-controller-manager. */
function sourceOf(pod: KubeObject, containerName: string): {source: ComponentSource; container: Container} | null {
  if (pod.metadata.namespace !== 'kube-system') return null
  const labels = (pod.metadata.labels ?? {}) as Record<string, string>
  const component = labels.component
  if (labels.tier !== 'control-plane' || (component !== 'etcd' && component !== 'kube-apiserver' && component !== 'kube-scheduler' && component !== 'kube-controller-manager')) return null
  const container = ((pod.spec as {containers?: Container[]} | undefined)?.containers ?? []).find((entry) => entry.name === containerName)
  if (!container) return null
  if (component === 'etcd') {
    const member = flagOf(container.command ?? [], 'name')
    return member ? {source: `etcd/${member}`, container} : null
  }
  const node = (pod.spec as {nodeName?: string} | undefined)?.nodeName
  return node ? {source: `${component}/${node}`, container} : null
}

type RunStatus = {startedAt?: string; finishedAt?: string}

/** Where the lines of the container's run that started at `run` begin. */
function runLinesFrom(pod: KubeObject, containerName: string, run: ContainerRun): number {
  const statuses = ((pod.status as {containerStatuses?: Array<{name: string; lastState?: {terminated?: RunStatus}}>} | undefined)?.containerStatuses) ?? []
  const previous = statuses.find((entry) => entry.name === containerName)?.lastState?.terminated
  const previousStart = previous?.startedAt ? Date.parse(previous.startedAt) : null
  // The current run after an earlier one: what the component wrote once that one had ended.
  if (previous?.finishedAt && previousStart !== run.startedAtMilliseconds) return Date.parse(previous.finishedAt) + 1
  // A first run: everything since the cluster began. Another (the previous run, --previous): from a little before its start.
  return run.restartCount === 0 && previousStart !== run.startedAtMilliseconds ? Number.NEGATIVE_INFINITY : run.startedAtMilliseconds - runLeadMilliseconds
}

/**
 * How long before its container's reported start a component may already have written (the
 * kubelet reports a static pod's start after the process began; a cluster's first election runs
 * before the kubelets report their static pods).
 */
const runLeadMilliseconds = 10_000

/** A component's lines for one run of its container, up to `until`: its start-up, then what it did. */
export function componentLogLines(file: ComponentLogFile, pod: KubeObject, containerName: string, run: ContainerRun, until: number): ComponentLogLine[] | null {
  const known = sourceOf(pod, containerName)
  if (!known) return null
  const worked = file.read(known.source, runLinesFrom(pod, containerName, run), until)
  // The start-up lines come first: before the first thing the component did, when that was
  // before the kubelet reported the container started.
  const firstWork = worked[0]?.atMilliseconds ?? Number.POSITIVE_INFINITY
  const component = known.source.split('/')[0] as 'etcd' | 'kube-apiserver' | 'kube-scheduler' | 'kube-controller-manager'
  const startedAt = Math.min(run.startedAtMilliseconds, firstWork - (component === 'kube-apiserver' ? apiServerStartupMilliseconds : startupMilliseconds) - 1)
  return [...startupLines(component, known.container, startedAt), ...worked].filter((line) => line.atMilliseconds <= until)
}

/**
 * The container runtime the API server's log subresource reaches, with the control plane's own
 * containers' logs answered from the component log file; everything else goes to `streams`.
 */
export class ComponentLogStreams implements ContainerStreams {
  constructor(
    private readonly streams: ContainerStreams,
    private readonly file: ComponentLogFile,
  ) {}

  async logLines(pod: KubeObject, container: string, run: ContainerRun, until: number, reader: StreamObjectReader): Promise<ReadonlyArray<{atMilliseconds: number; text: string; partial?: boolean}>> {
    return componentLogLines(this.file, pod, container, run, until) ?? this.streams.logLines(pod, container, run, until, reader)
  }

  exec(pod: KubeObject, container: string, run: ContainerRun, argv: readonly string[], now: number, reader: StreamObjectReader, stdin?: string) {
    return this.streams.exec(pod, container, run, argv, now, reader, stdin)
  }

  execSession(pod: KubeObject, container: string, run: ContainerRun, argv: readonly string[], now: number, reader: StreamObjectReader, terminal: boolean): Promise<ExecSessionAnswer> {
    return this.streams.execSession(pod, container, run, argv, now, reader, terminal)
  }

  execInput(pod: KubeObject, container: string, session: string, text: string, closes: boolean, now: number): Promise<ExecSessionAnswer | null> {
    return this.streams.execInput(pod, container, session, text, closes, now)
  }

  sendStdin(pod: KubeObject, container: string, run: ContainerRun, text: string, closes: boolean, now: number): Promise<void> {
    return this.streams.sendStdin(pod, container, run, text, closes, now)
  }

  portForward(pod: KubeObject, port: number, input: Buffer, now: number, reader: StreamObjectReader): Promise<ForwardedBytes> {
    return this.streams.portForward(pod, port, input, now, reader)
  }

  kubeletListens(node: KubeObject): boolean {
    return this.streams.kubeletListens(node)
  }
}

/** Writes the etcd members' log lines to their etcd pods' logs. */
export function memberLogToComponentLogs(file: ComponentLogFile): (line: MemberLogLine) => void {
  return (line) => file.append(`etcd/${line.member}`, [{atMilliseconds: line.atMilliseconds, text: memberLogLine(line)}])
}
