// The kubelet's prober on the cluster clock: when a container's probes run (initialDelaySeconds,
// then every periodSeconds), what one probe answers (exec through the simulated shell at that
// moment of the container's run; httpGet, tcpSocket and grpc through the pod network from the
// node to the pod IP), and what a series of answers means (failureThreshold and
// successThreshold: a liveness or startup kill, the readiness the Ready condition shows).
import type {PodNetwork} from '../network/types.js'
import type {Pod, Probe} from '../api/kinds.js'

/** Probe runs one container's run may hold (a longer series stops at the bound). */
export const probeResultsMax = 100_000

export const probeKinds = ['startup', 'liveness', 'readiness'] as const
export type ProbeKind = (typeof probeKinds)[number]

export interface ProbeResult {
  readonly atMilliseconds: number
  readonly success: boolean
  /** What the kubelet puts after "Liveness probe failed: ". */
  readonly output: string
}

export const probeLabels: Record<ProbeKind, string> = {startup: 'Startup', liveness: 'Liveness', readiness: 'Readiness'}

/** When a probe runs in [from, until]: initialDelaySeconds after the start, then every periodSeconds. */
export function probeTimes(probe: Probe, startedAtMilliseconds: number, untilMilliseconds: number): number[] {
  const period = Math.max(1, probe.periodSeconds ?? 10) * 1000
  const first = startedAtMilliseconds + Math.max(0, probe.initialDelaySeconds ?? 0) * 1000
  const times: number[] = []
  for (let at = first; at <= untilMilliseconds && times.length < probeResultsMax; at += period) times.push(at)
  return times
}

/** The latest `countMax` of a probe's run times up to `until`, oldest first (a long run's log ends with its newest probes). */
export function latestProbeTimes(probe: Probe, startedAtMilliseconds: number, untilMilliseconds: number, countMax: number): number[] {
  const period = Math.max(1, probe.periodSeconds ?? 10) * 1000
  const first = startedAtMilliseconds + Math.max(0, probe.initialDelaySeconds ?? 0) * 1000
  if (untilMilliseconds < first) return []
  const count = Math.floor((untilMilliseconds - first) / period) + 1
  const times: number[] = []
  for (let index = Math.max(0, count - countMax); index < count; index++) times.push(first + index * period)
  return times
}

type ContainerPorts = {ports?: Array<{name?: string; containerPort: number}>}

function portNumber(container: ContainerPorts, port: number | string): number {
  if (typeof port === 'number') return port
  return container.ports?.find((entry) => entry.name === port)?.containerPort ?? (Number(port) || 0)
}

/** The kubelet's prober's User-Agent (its Kubernetes version's major.minor). */
export const probeUserAgent = 'kube-probe/1.32'

/** The request an httpGet probe sends: to the pod's IP unless it names a host, with the kubelet's User-Agent unless its headers set one. */
export function httpProbeRequest(probe: Probe, pod: Pod, container: ContainerPorts): {host: string; port: number; path: string; url: string; headers: Record<string, string>} | null {
  if (!probe.httpGet) return null
  const podIp = String((pod.status as {podIP?: string} | undefined)?.podIP ?? '')
  const host = probe.httpGet.host || podIp
  const port = portNumber(container, probe.httpGet.port)
  const declared = probe.httpGet.path ?? '/'
  const path = declared.startsWith('/') ? declared : `/${declared}`
  const url = `${(probe.httpGet.scheme ?? 'HTTP').toLowerCase()}://${host}:${port}${path}`
  const headers = Object.fromEntries((probe.httpGet.httpHeaders ?? []).map((header) => [header.name.toLowerCase(), header.value]))
  return {host, port, path, url, headers: {'user-agent': probeUserAgent, ...headers}}
}

/** The answer of an httpGet, tcpSocket or grpc probe now (the network is as it is now for the whole window). */
export async function networkProbe(probe: Probe, pod: Pod, container: ContainerPorts, network: PodNetwork): Promise<{success: boolean; output: string}> {
  const node = {kind: 'node' as const, name: String(pod.spec.nodeName ?? '')}
  const podIp = String((pod.status as {podIP?: string} | undefined)?.podIP ?? '')
  const timeout = `${probe.timeoutSeconds ?? 1}s`
  const http = httpProbeRequest(probe, pod, container)
  if (http) {
    const {host, port, url} = http
    const exchange = await network.request(node, url, {method: 'GET', headers: http.headers, unlogged: true})
    if (exchange.outcome === 'refused') return {success: false, output: `Get "${url}": dial tcp ${host}:${port}: connect: connection refused`}
    if (exchange.outcome !== 'connected' || !exchange.response) return {success: false, output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`}
    const status = exchange.response.status
    return status >= 200 && status < 400 ? {success: true, output: ''} : {success: false, output: `HTTP probe failed with statuscode: ${status}`}
  }
  const port = portNumber(container, probe.tcpSocket?.port ?? probe.grpc?.port ?? 0)
  const host = probe.tcpSocket?.host || podIp
  const exchange = await network.connect(node, host, port)
  if (probe.grpc) {
    if (exchange.outcome === 'connected') return {success: true, output: ''}
    return {success: false, output: `timeout: failed to connect service "${host}:${port}" within ${timeout}`}
  }
  if (exchange.outcome === 'connected') return {success: true, output: ''}
  return {success: false, output: exchange.outcome === 'refused' ? `dial tcp ${host}:${port}: connect: connection refused` : `dial tcp ${host}:${port}: i/o timeout`}
}

/** The first moment `failureThreshold` probes in a row failed (a liveness or startup kill), with those failures. */
export function firstFailureRun(results: readonly ProbeResult[], probe: Probe): {atMilliseconds: number; failures: ProbeResult[]} | null {
  const threshold = Math.max(1, probe.failureThreshold ?? 3)
  let failures: ProbeResult[] = []
  for (const result of results) {
    failures = result.success ? [] : [...failures, result]
    if (failures.length >= threshold) return {atMilliseconds: result.atMilliseconds, failures}
  }
  return null
}

/** The first success (a startup probe's end), or null. */
export function firstSuccess(results: readonly ProbeResult[]): number | null {
  return results.find((result) => result.success)?.atMilliseconds ?? null
}

/**
 * Readiness over time: not ready until `successThreshold` successes in a row, then ready until
 * `failureThreshold` failures in a row. Gives the state at `at`, the next change after it, and
 * the failure that last made it not ready.
 */
export function readinessAt(results: readonly ProbeResult[], probe: Probe, at: number): {ready: boolean; changesAtMilliseconds: number | null; failure: ProbeResult | null} {
  const successesNeeded = Math.max(1, probe.successThreshold ?? 1)
  const failuresNeeded = Math.max(1, probe.failureThreshold ?? 3)
  let ready = false
  let inRow = 0
  let failure: ProbeResult | null = null
  for (const result of results) {
    let next: boolean = ready
    if (result.success === ready) inRow = 0
    else if (++inRow >= (ready ? failuresNeeded : successesNeeded)) {
      next = !ready
      inRow = 0
    }
    if (result.atMilliseconds > at && next !== ready) return {ready, changesAtMilliseconds: result.atMilliseconds, failure}
    if (result.atMilliseconds <= at) {
      if (!result.success) failure = result
      ready = next
    }
  }
  return {ready, changesAtMilliseconds: null, failure}
}
