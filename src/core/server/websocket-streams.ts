// pods/exec and pods/attach over WebSocket, as kube-apiserver serves them to kubectl 1.29+:
// the RFC 6455 upgrade and framing by hand, kube's channel protocol (v5/v4.channel.k8s.io: one
// leading byte per message, 1 stdout, 2 stderr, 3 the status as a JSON Status), with the request
// itself going through the API server's pipeline (authentication, authorization, the handler).
import {createHash} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import type {ApiServer} from '../apiserver/apiserver.js'
import type {ExecAnswer, HttpMethod} from '../api/wire.js'

/** The channel protocols kubemu speaks, in its order of preference. */
export const channelProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const
/** How long an attach waits for the container to end before it detaches, in milliseconds. */
export const attachWaitMillisecondsMax = 600_000
/** How often an attach looks at the pod while it waits. */
export const attachPollMilliseconds = 200
/** The largest frame payload kubemu sends (output is split). */
export const framePayloadBytesMax = 64 * 1024

const websocketGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const streamPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/

const channels = {stdout: 1, stderr: 2, status: 3} as const

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  const header = length < 126 ? Buffer.from([0x80 | opcode, length]) : length < 65_536 ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff]) : (() => {
    const long = Buffer.alloc(10)
    long[0] = 0x80 | opcode
    long[1] = 127
    long.writeBigUInt64BE(BigInt(length), 2)
    return long
  })()
  return Buffer.concat([header, payload])
}

function channelFrames(channel: number, text: string): Buffer[] {
  const bytes = Buffer.from(text)
  const frames: Buffer[] = []
  for (let offset = 0; offset < bytes.length; offset += framePayloadBytesMax) frames.push(frame(2, Buffer.concat([Buffer.from([channel]), bytes.subarray(offset, offset + framePayloadBytesMax)])))
  return frames
}

/** The status kube sends on channel 3 when the process ends. */
export function exitStatus(exitCode: number, argv: readonly string[]): Record<string, unknown> {
  if (exitCode === 0) return {metadata: {}, status: 'Success'}
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: {causes: [{reason: 'ExitCode', message: String(exitCode)}]},
  }
}

function refuse(socket: Duplex, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  socket.end(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
}

/** Serves an HTTP upgrade: a WebSocket exec or attach; anything else is refused. */
export async function serveStreamUpgrade(api: Pick<ApiServer, 'handle'>, request: IncomingMessage, socket: Duplex, wait: (milliseconds: number) => Promise<void>): Promise<void> {
  socket.on('error', () => socket.destroy())
  const url = new URL(request.url ?? '/', 'http://localhost')
  const match = streamPath.exec(url.pathname)
  const key = request.headers['sec-websocket-key']
  const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim())
  const protocol = channelProtocols.find((candidate) => offered.includes(candidate))
  if (!match || String(request.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') {
    return refuse(socket, 400, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Upgrade request required', reason: 'BadRequest', code: 400})
  }
  if (!protocol) return refuse(socket, 400, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `unable to upgrade: no supported subprotocol among ${offered.join(', ')}`, reason: 'BadRequest', code: 400})
  // Repeated values (one `command` per word) travel as one, NUL-separated: argv words hold no NUL.
  const query: Record<string, string> = {}
  for (const name of new Set(url.searchParams.keys())) query[name] = url.searchParams.getAll(name).join('\0')
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value
  const [, namespace, name, subresource] = match as unknown as [string, string, string, 'exec' | 'attach']
  const ask = (method: HttpMethod, path: string, askQuery: Record<string, string> = {}) => api.handle({method, path, query: askQuery, headers})
  let output: {stdout: string; stderr: string; exitCode: number; argv: readonly string[]}
  if (subresource === 'exec') {
    const answer = await ask('POST', url.pathname, query)
    if (answer.status >= 400) return refuse(socket, answer.status, answer.body)
    const exec = answer.body as ExecAnswer
    const argv = query.command?.split('\0') ?? []
    const notFound = exec.notFound ? `OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(argv[0] ?? '')}: executable file not found in $PATH: unknown\r\n` : ''
    output = {stdout: notFound + exec.stdout, stderr: exec.stderr, exitCode: exec.exitCode, argv}
  } else {
    // Attach: the container's output once it ends (a simulated container's output is its log).
    const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`
    const first = await ask('GET', podPath)
    if (first.status >= 400) return refuse(socket, first.status, first.body)
    upgrade(socket, key, protocol)
    let phase = ''
    for (let waited = 0; waited < attachWaitMillisecondsMax && !socket.destroyed; waited += attachPollMilliseconds) {
      const pod = await ask('GET', podPath)
      phase = pod.status < 400 ? String((pod.body as {status?: {phase?: string}}).status?.phase ?? '') : 'Gone'
      if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Gone') break
      await wait(attachPollMilliseconds)
    }
    const logs = await ask('GET', `${podPath}/log`, query.container ? {container: query.container} : {})
    const text = logs.status < 400 ? String(logs.body ?? '') : ''
    for (const chunk of channelFrames(channels.stdout, text)) socket.write(chunk)
    finish(socket, 0, [])
    return
  }
  upgrade(socket, key, protocol)
  for (const chunk of channelFrames(channels.stdout, output.stdout)) socket.write(chunk)
  for (const chunk of channelFrames(channels.stderr, output.stderr)) socket.write(chunk)
  finish(socket, output.exitCode, output.argv)
}

function upgrade(socket: Duplex, key: string, protocol: string): void {
  const accept = createHash('sha1').update(`${key}${websocketGuid}`).digest('base64')
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`)
  // What the client sends (stdin, resize, its close) is read and let go: the simulated process reads no input.
  socket.on('data', () => {})
}

function finish(socket: Duplex, exitCode: number, argv: readonly string[]): void {
  for (const chunk of channelFrames(channels.status, JSON.stringify(exitStatus(exitCode, argv)))) socket.write(chunk)
  // A normal close (1000), then the connection ends.
  socket.end(frame(8, Buffer.from([0x03, 0xe8])))
}
