// `kubectl port-forward TYPE/NAME [LOCAL:]REMOTE…`: kubectl's checks (a pod not running, a
// Service port the Service does not have), local listeners on each --address, and each accepted
// connection carried to the pod's port through the API server's portforward exchange, so the
// simulated container's server answers (what an in-cluster curl to the pod reaches).
import {createServer, type Server, type Socket} from 'node:net'
import {upgradeCheckQuery} from '../../apiserver/pod-logs.js'
import type {KubeObject} from '../../api/object.js'
import type {PortForwardAnswer} from '../../api/wire.js'
import {KubectlError, KubectlPlainError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import {podForTarget, type TargetPod} from '../pod-target.js'
import {klogLine} from '../request-log.js'
import type {KubectlSession} from '../session.js'

export const portForwardFlags: readonly KubectlFlag[] = [
  {name: 'address', kind: 'string', defaultValue: 'localhost'},
  {name: 'pod-running-timeout', kind: 'duration', defaultValue: '1m0s'},
]

/** The most connections kubemu's port-forward serves at once; more wait in the listener's backlog. */
export const forwardedConnectionsMax = 128
/** The most unanswered bytes one local connection may hold (a request without its end). */
export const forwardedPendingBytesMax = 1 << 20

interface PortPair {
  local: number
  readonly remote: number
}

type Json = Record<string, unknown>
const records = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : [])

function parseUnsigned(text: string, what: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65_535) throw new KubectlError(`error parsing ${what} port '${text}': strconv.ParseUint: parsing ${JSON.stringify(text)}: ${/^\d+$/.test(text) ? 'value out of range' : 'invalid syntax'}`)
  return Number(text)
}

function containerPortNamed(pod: TargetPod, name: string): number | null {
  for (const container of records((pod.spec as Json | undefined)?.containers)) {
    const port = records(container.ports).find((entry) => entry.name === name)
    if (port) return Number(port.containerPort)
  }
  return null
}

/** kubectl's translateServicePortToTargetPort: a Service port (number or name) becomes the pod's port it targets. */
function serviceToPodPort(service: KubeObject, pod: TargetPod, spec: string): string {
  const colon = spec.indexOf(':')
  const local = colon < 0 ? null : spec.slice(0, colon)
  const remote = colon < 0 ? spec : spec.slice(colon + 1)
  const ports = records((service.spec as Json | undefined)?.ports)
  let servicePort: number
  if (/^\d+$/.test(remote)) servicePort = Number(remote)
  else {
    const named = ports.find((entry) => entry.name === remote)
    if (!named) throw new KubectlError(`Service '${service.metadata.name}' does not have a named port '${remote}'`)
    servicePort = Number(named.port)
  }
  const port = ports.find((entry) => Number(entry.port) === servicePort)
  if (!port) throw new KubectlError(`Service ${service.metadata.name} does not have a service port ${servicePort}`)
  const target = port.targetPort
  let containerPort = servicePort
  if (typeof target === 'number' && target !== 0) containerPort = target
  else if (typeof target === 'string' && target !== '') {
    const found = /^\d+$/.test(target) ? Number(target) : containerPortNamed(pod, target)
    if (found === null) throw new KubectlError(`Pod '${pod.metadata.name}' does not have a named port '${target}'`)
    containerPort = found
  }
  return `${local ?? String(servicePort)}:${containerPort}`
}

function parsePorts(pod: TargetPod, specs: readonly string[]): PortPair[] {
  return specs.map((spec) => {
    // As kubectl splits it: LOCAL:REMOTE with two parts, else the first part is both.
    const parts = spec.split(':')
    const first = parts[0] ?? ''
    const second = parts.length === 2 ? parts[1] : undefined
    let remoteText = second ?? first
    // A named container port becomes its number first (kubectl's convertPodNamedPortToNumber).
    if (!/^\d+$/.test(remoteText)) {
      const named = containerPortNamed(pod, remoteText)
      if (named === null) throw new KubectlError(`Pod '${pod.metadata.name}' does not have a named port '${remoteText}'`)
      remoteText = String(named)
    }
    const localText = second === undefined ? remoteText : first
    const local = parseUnsigned(localText === '' ? '0' : localText, 'local')
    const remote = parseUnsigned(remoteText, 'remote')
    if (remote === 0) throw new KubectlError('remote port must be > 0')
    return {local, remote}
  })
}

/** The addresses --address names: localhost is both loopbacks, as kubectl listens on them. */
function listenAddresses(flag: string): string[] {
  return flag.split(',').map((entry) => entry.trim()).filter(Boolean).flatMap((entry) => (entry === 'localhost' ? ['127.0.0.1', '::1'] : [entry]))
}

function listen(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.maxConnections = forwardedConnectionsMax
    server.once('error', reject)
    server.listen({host: address, port, ipv6Only: address.includes(':')}, () => resolve(server))
  })
}

export async function runPortForward(session: KubectlSession, args: readonly string[]): Promise<number> {
  const [target, ...portSpecs] = args
  if (!target || portSpecs.length === 0) throw new KubectlPlainError("error: TYPE/NAME and list of ports are required for port-forward\nSee 'kubectl port-forward -h' for help and examples")
  const {pod} = await podForTarget(session, target, 'forward ports of')
  let specs = portSpecs
  if (/^(svc|service|services)\//.test(target)) {
    const service = (await session.request('GET', `/api/v1/namespaces/${session.namespace()}/services/${target.slice(target.indexOf('/') + 1)}`)).body as KubeObject
    specs = portSpecs.map((spec) => serviceToPodPort(service, pod, spec))
  }
  const pairs = parsePorts(pod, specs)
  if (pod.status?.phase !== 'Running') throw new KubectlError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}`)
  const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/portforward`
  // kubectl dials (the API server dials the kubelet) before it listens: a stopped kubelet ends it here.
  try {
    await session.request('POST', path, {query: {[upgradeCheckQuery]: 'dial'}})
  } catch (error) {
    if (!(error instanceof ServerError)) throw error
    throw new KubectlError(`error upgrading connection: ${error.status.message ?? ''}`)
  }
  const exchange = async (port: number, input: Buffer): Promise<PortForwardAnswer> => {
    try {
      return (await session.request('POST', path, {query: {ports: String(port)}, body: {data: input.toString('base64')}})).body as PortForwardAnswer
    } catch (error) {
      if (!(error instanceof ServerError)) throw error
      throw new KubectlError(`error upgrading connection: ${error.status.message ?? ''}`)
    } finally {
      // Forwarding may last hours: other commands must not wait on this one's writer lock.
      await session.releaseWriter()
    }
  }
  const servers: Server[] = []
  let finish: (code: number) => void = () => {}
  const finished = new Promise<number>((resolve) => (finish = resolve))
  const lost = (message: string) => {
    session.io.stderr(klogLine('E', 'portforward.go:424', `"Unhandled Error" err=${JSON.stringify(message)}`))
    session.io.stderr('error: lost connection to pod\n')
    finish(1)
  }
  const serve = (socket: Socket, pair: PortPair) => {
    session.io.stdout(`Handling connection for ${pair.local}\n`)
    let pending = Buffer.alloc(0)
    let queue: Promise<unknown> = Promise.resolve()
    let over = false
    const step = (input: Buffer | null) => {
      queue = queue.then(async () => {
        if (over) return
        if (input) pending = Buffer.concat([pending, input])
        if (pending.length > forwardedPendingBytesMax) over = true
        const answer = over ? null : await exchange(pair.remote, input ? pending : Buffer.alloc(0))
        if (answer?.refusal !== undefined) {
          over = true
          socket.destroy()
          lost(`an error occurred forwarding ${pair.local} -> ${pair.remote}: ${answer.refusal}`)
          return
        }
        if (answer) {
          pending = pending.subarray(Math.min(answer.consumedBytes, pending.length))
          if (answer.data) socket.write(Buffer.from(answer.data, 'base64'))
          if (answer.closes) over = true
        }
        if (over) socket.end()
      }).catch((error: unknown) => {
        over = true
        socket.destroy()
        lost(`an error occurred forwarding ${pair.local} -> ${pair.remote}: ${error instanceof Error ? error.message : String(error)}`)
      })
    }
    socket.on('error', () => socket.destroy())
    socket.on('data', (chunk: Buffer) => step(chunk))
    socket.on('end', () => {
      queue = queue.then(() => {
        over = true
        socket.end()
      })
    })
    // The runtime dials the pod's port as the connection opens.
    step(null)
  }
  try {
    for (const pair of pairs) {
      const failures: string[] = []
      let listening = 0
      for (const address of listenAddresses(session.flag('address') || 'localhost')) {
        try {
          const server = await listen(address, pair.local)
          const bound = server.address()
          if (pair.local === 0 && bound && typeof bound === 'object') pair.local = bound.port
          server.on('connection', (socket) => serve(socket, pair))
          servers.push(server)
          listening++
          session.io.stdout(`Forwarding from ${address.includes(':') ? `[${address}]` : address}:${pair.local} -> ${pair.remote}\n`)
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code
          const reason = code === 'EADDRINUSE' ? 'bind: address already in use' : code === 'EADDRNOTAVAIL' ? 'bind: cannot assign requested address' : (error as Error).message
          failures.push(`unable to create listener: Error listen tcp${address.includes(':') ? '6' : '4'} ${address.includes(':') ? `[${address}]` : address}:${pair.local}: ${reason}`)
        }
      }
      if (listening === 0) {
        session.io.stderr(`Unable to listen on port ${pair.local}: Listeners failed to create with the following errors: [${failures.join(' ')}]\n`)
        throw new KubectlError(`unable to listen on any of the requested ports: [${pairs.map((entry) => `{${entry.local} ${entry.remote}}`).join(' ')}]`)
      }
    }
    const interrupted = () => finish(0)
    process.once('SIGINT', interrupted)
    try {
      return await finished
    } finally {
      process.off('SIGINT', interrupted)
    }
  } finally {
    for (const server of servers) server.close()
  }
}
