// The API server of a running `kubemu up`, reached over its HTTP front door: the same
// handle(request) → response as the in-process API server, watches read as one JSON event per
// line. One-shot commands go through it while `up` runs, so that one process drives the cluster.
import {textToBytes} from '../util/byte-text.js'
import {Agent, type IncomingMessage, request as httpRequest} from 'node:http'
import {type ApiRequest, type ApiResponse, type TextFollow, type UserInfo, type WatchEvent, namesCollection, watchAsked} from '../api/wire.js'

/** A watch line longer than this is a broken stream (objects are bounded by the request limit). */
export const watchLineBytesMax = 16 * 1024 * 1024

/**
 * Keeps the connection to `up` open between a command's requests (discovery, then the request),
 * and lets the process end while it idles.
 */
const upAgent = new Agent({keepAlive: true})

/**
 * What one exchange's connection did, filled in by handle() for a caller that asks (kubectl's -v=9
 * prints it as client-go's HTTP trace does): times in milliseconds, the answer's header lines as sent.
 */
export interface HttpExchangeTrace {
  newConnection?: boolean
  dialMilliseconds?: number
  getConnectionMilliseconds?: number
  serverProcessingMilliseconds?: number
  /** To the answer's headers (the body is read after). */
  durationMilliseconds?: number
  headers?: Array<[string, string]>
}

export class HttpRequestHandler {
  /**
   * `adminToken`: for requests made as a user of this process (a control-plane component), the
   * admin's token and impersonation headers carry that user over HTTP, as an authorizing proxy does.
   */
  constructor(
    readonly url: string,
    /** Read when a request as a user first needs it (a kubeconfig's user may not be able to read the admin's files). */
    private readonly adminToken?: string | (() => string),
  ) {}

  // node:http rather than fetch: a command through `up` makes a few loopback requests, and
  // loading fetch's client would cost more than they take.
  async handle(request: ApiRequest & {user?: UserInfo}, trace?: HttpExchangeTrace): Promise<ApiResponse> {
    const target = new URL(request.path, this.url)
    for (const [key, value] of Object.entries(request.query ?? {})) target.searchParams.set(key, value)
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name] = Array.isArray(value) ? value.join(', ') : String(value)
    if (request.user && this.adminToken) {
      headers.authorization = `Bearer ${typeof this.adminToken === 'function' ? this.adminToken() : this.adminToken}`
      headers['impersonate-user'] = request.user.name
      if (request.user.groups.length > 0) headers['impersonate-group'] = request.user.groups.join(', ')
    }
    // A string body is text for bytes (an exec's stdin: util/byte-text.ts); JSON bodies are plain UTF-8.
    const body = request.body === undefined ? undefined : typeof request.body === 'string' ? textToBytes(request.body) : Buffer.from(request.body)
    if (body !== undefined) headers['content-length'] = String(body.length)
    const begun = performance.now()
    const sent = httpRequest(target, {method: request.method, headers, agent: upAgent})
    let socketAt = begun
    let connectedAt = begun
    let writtenAt = begun
    if (trace) {
      sent.once('socket', (socket) => {
        socketAt = connectedAt = performance.now()
        if (socket.connecting) socket.once('connect', () => (connectedAt = performance.now()))
      })
      sent.once('finish', () => (writtenAt = performance.now()))
    }
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      sent.once('response', resolve)
      sent.once('error', reject)
      sent.end(body)
    })
    if (trace) {
      const respondedAt = performance.now()
      trace.newConnection = !sent.reusedSocket
      trace.dialMilliseconds = connectedAt - socketAt
      trace.getConnectionMilliseconds = socketAt - begun
      trace.serverProcessingMilliseconds = respondedAt - writtenAt
      trace.durationMilliseconds = respondedAt - begun
      trace.headers = []
      for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) trace.headers.push([response.rawHeaders[index]!, response.rawHeaders[index + 1]!])
    }
    const status = response.statusCode ?? 0
    const warningHeader = response.headers.warning
    const warnings = (Array.isArray(warningHeader) ? warningHeader.join(', ') : (warningHeader ?? ''))
      .split(/,\s*(?=299 )/)
      .filter(Boolean)
      .map((warning) => {
        const match = /^299 - "(.*)"$/.exec(warning.trim())
        return match ? JSON.parse(`"${match[1]}"`) as string : warning
      })
    // A named object's path answers the object itself even with watch=true, as kube-apiserver does.
    if (watchAsked(request.query) && namesCollection(request.path) && status >= 200 && status < 300) {
      return {status, body: null, warnings, watch: lineWatch(response, () => sent.destroy())}
    }
    if (request.query?.follow === 'true' && (response.headers['content-type'] ?? '').startsWith('text/plain') && status >= 200 && status < 300) {
      return {status, body: '', contentType: 'text/plain', warnings, textFollow: textFollowOf(response, () => sent.destroy())}
    }
    const chunks: Buffer[] = []
    for await (const chunk of response) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    if ((response.headers['content-type'] ?? '').startsWith('text/plain')) return {status, body: text, contentType: 'text/plain', warnings}
    return {status, body: text.length > 0 ? JSON.parse(text) : null, warnings}
  }
}

/** A followed text body (pods/log?follow=true) as it comes: each piece the server sent, then null at its end. */
function textFollowOf(stream: AsyncIterable<Buffer>, cancel: () => void): TextFollow {
  const reader = stream[Symbol.asyncIterator]()
  const decoder = new TextDecoder()
  let ended = false
  return {
    async next(): Promise<string | null> {
      if (ended) return null
      try {
        const chunk = await reader.next()
        if (!chunk.done) return decoder.decode(chunk.value, {stream: true})
      } catch {
        // The connection went: the log ends here.
      }
      ended = true
      const rest = decoder.decode()
      return rest === '' ? null : rest
    },
    cancel(): void {
      ended = true
      cancel()
    },
  }
}

function lineWatch(stream: AsyncIterable<Buffer>, cancel: () => void) {
  const reader = stream[Symbol.asyncIterator]()
  const decoder = new TextDecoder()
  let buffer = ''
  let ended = false
  return {
    async next(): Promise<WatchEvent[] | null> {
      while (!ended) {
        const newline = buffer.indexOf('\n')
        if (newline >= 0) {
          const events: WatchEvent[] = []
          let line: number
          while ((line = buffer.indexOf('\n')) >= 0) {
            const text = buffer.slice(0, line)
            buffer = buffer.slice(line + 1)
            if (text.trim()) events.push(JSON.parse(text) as WatchEvent)
          }
          return events
        }
        if (buffer.length > watchLineBytesMax) throw new Error(`a watch line passed ${watchLineBytesMax} bytes`)
        let chunk: IteratorResult<Buffer>
        try {
          chunk = await reader.next()
        } catch {
          ended = true
          break
        }
        if (chunk.done) {
          ended = true
          break
        }
        buffer += decoder.decode(chunk.value, {stream: true})
      }
      return null
    },
    cancel(): void {
      ended = true
      cancel()
    },
  }
}
