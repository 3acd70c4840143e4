// pods/exec and pods/attach over WebSocket, as kube-apiserver serves them to kubectl 1.29+:
// the RFC 6455 upgrade and framing by hand, kube's channel protocol (v5/v4.channel.k8s.io: one
// leading byte per message, 0 stdin, 1 stdout, 2 stderr, 3 the status as a JSON Status, and v5's
// 255 that closes a channel), with the request itself going through the API server's pipeline
// (authentication, authorization, the handler). An exec with stdin runs as its input comes, each
// piece answered before the next (the runtime's exec session: `exec -i pod -- sh` runs each line
// typed); an attach streams the container's output as it runs (apiserver/attach-output.ts).
import {upgradeCheckQuery} from '../apiserver/pod-logs.js'
import type {KubeObject} from '../api/object.js'
import {bytesToText, textToBytes} from '../util/byte-text.js'
import {createHash} from 'node:crypto'
import type {IncomingMessage} from 'node:http'
import type {Duplex} from 'node:stream'
import type {ApiServer} from '../apiserver/apiserver.js'
import type {ExecAnswer, ExecSessionAnswer, HttpMethod} from '../api/wire.js'
import {followAttachedOutput} from '../apiserver/attach-output.js'
import {peerCertificateOf, requestHeadersOf} from './client-identity.js'
import {type WebsocketFrame, WebsocketFrameReader, websocketFrame, websocketOpcodes} from './websocket-frames.js'

/** The client certificate of the upgrade's TLS handshake, for each request made on its behalf. */
function identity(request: IncomingMessage): {clientCertificate?: string} {
  const clientCertificate = peerCertificateOf(request)
  return clientCertificate ? {clientCertificate} : {}
}

/** The channel protocols kubemu speaks, in its order of preference. */
export const channelProtocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const
/** The largest frame payload kubemu sends (output is split). */
export const framePayloadBytesMax = 64 * 1024

const websocketGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
const streamPath = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach)$/

const channels = {stdin: 0, stdout: 1, stderr: 2, status: 3} as const
/** v5.channel.k8s.io: a message on this channel closes the channel its next byte names (the client's end of stdin). */
const closeChannel = 255
/** Bytes of an exec's stdin kubemu keeps (the rest is dropped). */
export const execStdinBytesMax = 16 * 1024 * 1024
/**
 * How often an exec with a terminal asks its session for output while no key comes: what a
 * command prints after a sleep shows on the terminal without a key to carry it, as kubemu's own
 * kubectl asks too.
 */
export const execTerminalPollMilliseconds = 250
/**
 * How long an exec session's first output waits for the client's first frame. client-go reads the
 * connection before it has made its streams (it sends the terminal's size, or stdin, once they
 * exist): output sent at once can land before them and be dropped ("Unknown stream id 1,
 * discarding message"), which a real process's start-up time hides.
 */
export const execFirstOutputHoldMillisecondsMax = 200
/**
 * How long an exec without stdin holds its output after the upgrade: its client sends nothing to
 * wait for, and makes its streams right after the handshake (the same race, seen under load as
 * "Unknown stream id 2" and "closed all streams").
 */
export const execOutputHoldMilliseconds = 50

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
  // Stream text stands for bytes without loss (util/byte-text.ts): a binary file's stay as they were.
  const bytes = textToBytes(text)
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
  // A Status as JSON; a text (the kubelet's refusal) as it is.
  const [text, type] = typeof body === 'string' ? [body, 'text/plain; charset=utf-8'] : [JSON.stringify(body), 'application/json']
  const reason = status === 400 ? 'Bad Request' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : status === 500 ? 'Internal Server Error' : 'Error'
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`)
}

/** Serves an HTTP upgrade: a WebSocket exec or attach; anything else is refused. */
export async function serveStreamUpgrade(api: Pick<ApiServer, 'handle'>, request: IncomingMessage, socket: Duplex, wait: (milliseconds: number) => Promise<void>): Promise<void> {
  socket.on('error', () => socket.destroy())
  const url = new URL(request.url ?? '/', 'http://localhost')
  const match = streamPath.exec(url.pathname)
  const key = request.headers['sec-websocket-key']
  const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((protocol) => protocol.trim())
  const protocol = channelProtocols.find((candidate) => offered.includes(candidate))
  const badRequest = (message: string) => ({kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400})
  if (!match || String(request.headers.upgrade ?? '').toLowerCase() !== 'websocket' || typeof key !== 'string') {
    // kube-apiserver checks the pod and its container before the protocol: a client that falls
    // back from WebSocket to SPDY (kubectl, refused once) learns what is wrong with its request.
    if (match) {
      const container = url.searchParams.get('container')
      const checked = await api.handle({method: request.method === 'GET' ? 'GET' : 'POST', path: url.pathname, query: {...(container ? {container} : {}), [upgradeCheckQuery]: 'true'}, headers: requestHeadersOf(request), ...identity(request)})
      return refuse(socket, checked.status, checked.body)
    }
    return refuse(socket, 400, badRequest('Upgrade request required'))
  }
  if (!protocol) return refuse(socket, 400, {kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `unable to upgrade: no supported subprotocol among ${offered.join(', ')}`, reason: 'BadRequest', code: 400})
  // Repeated values (one `command` per word) travel as one, NUL-separated: argv words hold no NUL.
  const query: Record<string, string> = {}
  for (const name of new Set(url.searchParams.keys())) query[name] = url.searchParams.getAll(name).join('\0')
  const headers = requestHeadersOf(request)
  const certificate = identity(request)
  const [, namespace = '', name = '', matched] = match
  // streamPath matches only these two.
  const subresource: 'exec' | 'attach' = matched === 'attach' ? 'attach' : 'exec'
  const ask = (method: HttpMethod, path: string, askQuery: Record<string, string> = {}, body?: string) => api.handle({method, path, query: askQuery, headers, ...certificate, ...(body !== undefined ? {body} : {})})
  let output: {stdout: string; stderr: string; exitCode: number; argv: readonly string[]}
  if (subresource === 'exec') {
    // With stdin the command runs as its input comes (an exec session), answering each piece before the next.
    if (query.stdin === 'true') return serveExecSession(socket, key, protocol, url.pathname, query, ask)
    const answer = await api.handle({method: 'POST', path: url.pathname, query, headers, ...certificate})
    if (answer.status >= 400) return refuse(socket, answer.status, answer.body)
    const exec = answer.body as ExecAnswer
    const argv = query.command?.split('\0') ?? []
    const notFound = exec.notFound ? notFoundMessage(argv) : ''
    output = {stdout: notFound + exec.stdout, stderr: exec.stderr, exitCode: exec.exitCode, argv}
  } else {
    // Attach: the container's output from now on, as it runs, until its run ends (attach-output.ts).
    const podPath = `/api/v1/namespaces/${namespace}/pods/${name}`
    const first = await ask('GET', podPath)
    if (first.status >= 400) return refuse(socket, first.status, first.body)
    const container = query.container || defaultContainerOf(first.body)
    const dialed = await ask('POST', `${podPath}/attach`, {container, [upgradeCheckQuery]: 'dial'})
    if (dialed.status >= 400) return refuse(socket, dialed.status, dialed.body)
    const frames = upgrade(socket, key, protocol)
    if (query.stdin === 'true') forwardStdin(socket, frames, (text, closes) => ask('POST', `${podPath}/attach`, {container, stdin: 'true', ...(closes ? {close: 'true'} : {})}, text), stdinOnceOf(first.body, container))
    const started = Date.now()
    await followAttachedOutput({
      ask: async (path, askQuery) => ask('GET', path, askQuery),
      wait,
      now: () => Date.now() - started,
      emit: (text) => {
        for (const chunk of channelFrames(channels.stdout, text)) socket.write(chunk)
      },
      closed: () => socket.destroyed,
    }, podPath, container)
    if (!socket.destroyed) finish(socket, 0, [])
    return
  }
  await clientFirstFrame(upgrade(socket, key, protocol), socket, execOutputHoldMilliseconds)
  if (socket.destroyed) return
  // stderr first: tar's notice comes before its archive, and kubectl cp, which passes the notice on
  // while it unpacks stdout, may end as soon as the archive has ended.
  for (const chunk of channelFrames(channels.stderr, output.stderr)) socket.write(chunk)
  for (const chunk of channelFrames(channels.stdout, output.stdout)) socket.write(chunk)
  finish(socket, output.exitCode, output.argv)
}

/** Whether the container's stdin closes with its first attach's (stdinOnce, as `kubectl run -i` sets it). */
function stdinOnceOf(pod: unknown, container: string): boolean {
  return ((pod as {spec?: {containers?: Array<{name?: string; stdinOnce?: boolean}>}} | null)?.spec?.containers ?? []).some((entry) => entry.name === container && entry.stdinOnce === true)
}

/**
 * An attach's stdin (channel 0), sent on to the container piece by piece as it comes, in order;
 * its end (v5's close of channel 0, or the connection's) closes a stdinOnce container's stdin.
 */
function forwardStdin(socket: Duplex, frames: ClientFrames, send: (text: string, closes: boolean) => Promise<unknown>, stdinOnce: boolean): void {
  let sending: Promise<unknown> = Promise.resolve()
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    if (stdinOnce) sending = sending.then(() => send('', true)).catch(() => {})
  }
  frames.on((received) => {
    if (ended) return
    if (received.opcode === websocketOpcodes.close) return end()
    if (received.opcode !== websocketOpcodes.binary && received.opcode !== websocketOpcodes.text) return
    const channel = received.payload[0]
    if (channel === channels.stdin && received.payload.length > 1) {
      const text = bytesToText(received.payload.subarray(1))
      sending = sending.then(() => send(text, false)).catch(() => {})
    } else if (channel === closeChannel && received.payload[1] === channels.stdin) end()
  })
  socket.once('end', end)
  socket.once('close', end)
}

/** The container an attach without `container` reaches: the pod's first (kube-apiserver's default). */
function defaultContainerOf(pod: unknown): string {
  return String(((pod as {spec?: {containers?: Array<{name?: string}>}} | null)?.spec?.containers ?? [])[0]?.name ?? '')
}

/** What the client sends after the upgrade, frame by frame (pings are answered here). */
type ClientFrames = {on(listener: (frame: WebsocketFrame) => void): void}

/** Resolves at the client's first frame, the socket's close, or after `milliseconds`, whichever comes first. */
function clientFirstFrame(frames: ClientFrames, socket: Duplex, milliseconds: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds)
    const done = () => {
      clearTimeout(timer)
      resolve()
    }
    frames.on(done)
    socket.once('close', done)
  })
}

function upgrade(socket: Duplex, key: string, protocol: string): ClientFrames {
  const accept = createHash('sha1').update(`${key}${websocketGuid}`).digest('base64')
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`)
  // client-go's WebSocket executor pings and gives up on a server that does not answer.
  const reader = new WebsocketFrameReader()
  const listeners: Array<(frame: WebsocketFrame) => void> = []
  socket.on('data', (bytes: Buffer) => {
    let frames: WebsocketFrame[]
    try {
      frames = reader.push(bytes)
    } catch {
      socket.destroy()
      return
    }
    for (const received of frames) {
      if (received.opcode === websocketOpcodes.ping) socket.write(websocketFrame(websocketOpcodes.pong, received.payload))
      for (const listener of listeners) listener(received)
    }
  })
  return {on: (listener) => listeners.push(listener)}
}

function notFoundMessage(argv: readonly string[]): string {
  return `OCI runtime exec failed: exec failed: unable to start container process: exec: ${JSON.stringify(argv[0] ?? '')}: executable file not found in $PATH: unknown\r\n`
}

type Ask = (method: HttpMethod, path: string, askQuery?: Record<string, string>, body?: string) => Promise<{status: number; body: unknown}>

/**
 * An exec with stdin: the command starts at once (the runtime's exec session) and each piece the
 * client sends on channel 0 goes to it in order, its output sent back as the command prints it;
 * the end of stdin (v5's close of channel 0; with v4, the client's close or the connection's end)
 * lets the command finish, and its exit is the Status on channel 3. At most `execStdinBytesMax`
 * bytes of stdin are passed on.
 */
async function serveExecSession(socket: Duplex, key: string, protocol: string, path: string, query: Record<string, string>, ask: Ask): Promise<void> {
  const opened = await ask('POST', path, {...query, session: 'open'})
  // What kube-apiserver checks before it reaches the kubelet (the pod, its container, its state) is refused before the upgrade.
  if (opened.status >= 400) return refuse(socket, opened.status, opened.body)
  const argv = query.command?.split('\0') ?? []
  const frames = upgrade(socket, key, protocol)
  const first = opened.body as ExecSessionAnswer
  if (first.notFound) {
    for (const chunk of channelFrames(channels.stdout, notFoundMessage(argv))) socket.write(chunk)
    return finish(socket, first.exitCode ?? 126, argv)
  }
  let finished = false
  const show = (answer: ExecSessionAnswer) => {
    if (socket.destroyed) return
    for (const piece of answer.output) for (const chunk of channelFrames(piece.stream === 'stdout' ? channels.stdout : channels.stderr, piece.text)) socket.write(chunk)
    if (answer.exitCode === null) return
    finished = true
    finish(socket, answer.exitCode, argv)
  }
  // The listeners below are added before the wait, so no frame the client sends meanwhile is missed.
  const ready = clientFirstFrame(frames, socket, execFirstOutputHoldMillisecondsMax)
  let sending: Promise<unknown> = ready.then(() => show(first))
  let stdinEnded = false
  let stdinBytes = 0
  let sendsPending = 0
  const send = (text: string, closes: boolean) => {
    sendsPending++
    sending = sending.then(async () => {
      if (finished) return
      const answer = await ask('POST', path, {container: query.container ?? '', session: first.session, ...(closes ? {close: 'true'} : {})}, text)
      if (answer.status < 400) return show(answer.body as ExecSessionAnswer)
      finished = true
      if (socket.destroyed) return
      for (const chunk of channelFrames(channels.status, JSON.stringify(answer.body))) socket.write(chunk)
      socket.end(frame(8, Buffer.from([0x03, 0xe8])))
    }).catch(() => socket.destroy()).finally(() => sendsPending--)
  }
  if (query.tty === 'true') {
    const poll = setInterval(() => {
      if (finished || stdinEnded || socket.destroyed) return clearInterval(poll)
      if (sendsPending === 0) send('', false)
    }, execTerminalPollMilliseconds)
    socket.once('close', () => clearInterval(poll))
  }
  const endStdin = () => {
    if (stdinEnded) return
    stdinEnded = true
    send('', true)
  }
  frames.on((received) => {
    if (stdinEnded) return
    if (received.opcode === websocketOpcodes.close) return endStdin()
    if (received.opcode !== websocketOpcodes.binary && received.opcode !== websocketOpcodes.text) return
    const channel = received.payload[0]
    if (channel === channels.stdin && received.payload.length > 1 && stdinBytes < execStdinBytesMax) {
      const data = received.payload.subarray(1, 1 + execStdinBytesMax - stdinBytes)
      stdinBytes += data.length
      // Bytes stand as text without loss (util/byte-text.ts): a character split over two frames is whole again in the command's input.
      send(bytesToText(data), false)
    } else if (channel === closeChannel && received.payload[1] === channels.stdin) endStdin()
  })
  socket.once('end', endStdin)
  socket.once('close', endStdin)
}

function finish(socket: Duplex, exitCode: number, argv: readonly string[]): void {
  for (const chunk of channelFrames(channels.status, JSON.stringify(exitStatus(exitCode, argv)))) socket.write(chunk)
  // A normal close (1000), then the connection ends.
  socket.end(frame(8, Buffer.from([0x03, 0xe8])))
}
