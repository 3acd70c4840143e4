// One etcd member's v3 JSON gateway (etcd 3.4's grpc-gateway on the client port) as a client
// reaches it: JSON requests POSTed over node:http, or https with etcdctl's TLS files, on kept-alive
// connections; answers and gRPC statuses back from grpc-gateway's JSON. A refused port is tried
// again until the command's deadline, as clientv3 waits for its connection.
import {Agent as HttpAgent, type ClientRequest, type IncomingMessage, type RequestOptions, request as httpRequest} from 'node:http'
import {EtcdError, etcdErrors, UnreachableEndpointError} from '../mvcc/errors.js'
import {type ClientTls, etcdErrorOf, type Raw} from './etcd-client-wire.js'

/** The first wait before a refused connection is tried again; it doubles up to the next bound. */
const connectRetryInitialMilliseconds = 50
const connectRetryMaxMilliseconds = 1000
/**
 * How long an answer may take beyond the command's deadline before the call gives up: the
 * server applies its own deadline and answers with its error first; this only ends a hang.
 */
export const gatewayAnswerGraceMilliseconds = 5000
/** Bytes of one answer (or one streamed line) held; a JavaScript string holds no more. */
export const gatewayAnswerBytesMax = 512 * 1024 * 1024
/**
 * Connections open to one member at once (calls beyond wait for one): as many as etcdctl's
 * largest load runs clients (`check perf --load xl`, each a connection of its own in etcdctl).
 */
export const connectionsPerMemberMax = 1000
/** Answers of a stream read ahead of its reader; past this the connection stops reading (TCP pushes back on the server). */
export const streamAnswersBufferedMax = 10_000

/** A JSON request body: bytes become base64, as grpc-gateway reads them. */
export function requestJson(message: Raw): string {
  return JSON.stringify(message, function (this: Raw, key: string, value: unknown) {
    const original = this[key]
    return original instanceof Uint8Array ? Buffer.from(original).toString('base64') : value
  })
}

/** The status of grpc-gateway's error answer: `{"error":…,"code":N,"message":…}` (unary) or `{"error":{"grpc_code":N,"message":…}}` (streams). */
function errorOfAnswer(httpStatus: number, text: string): EtcdError {
  let body: Raw | undefined
  try {
    body = JSON.parse(text) as Raw
  } catch {
    body = undefined
  }
  const nested = typeof body?.error === 'object' && body.error !== null ? (body.error as Raw) : undefined
  const code = nested ? nested.grpc_code : body?.code
  const message = nested ? nested.message : body?.message
  if (typeof message !== 'string') return etcdErrorOf(undefined, `unexpected answer from the etcd gateway (HTTP ${httpStatus}): ${text.slice(0, 200)}`)
  return etcdErrorOf(typeof code === 'number' ? code : undefined, message)
}

/** A connection that failed otherwise than refused (reset, closed mid-answer): gRPC's Unavailable. */
const asEtcdError = (error: unknown): EtcdError => (error instanceof EtcdError ? error : etcdErrorOf(14, error instanceof Error ? error.message : String(error)))

const isRefused = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED'
const sleep = (milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds))

/** A streamed call: requests written as they come, answers read line by line. */
export interface GatewayStream {
  write(message: Raw): void
  /** No more requests (the server ends its answer once it has answered them all). */
  end(): void
  /** The next answer; null once the stream has ended. Throws etcd's error for an error line. */
  next(): Promise<Raw | null>
  close(): void
}

export class GatewayConnection {
  private readonly url: URL
  private readonly agent: HttpAgent
  private readonly send: typeof httpRequest

  private constructor(url: string, agent: HttpAgent, send: typeof httpRequest, private readonly commandTimeoutMilliseconds: number) {
    this.url = new URL(url)
    this.agent = agent
    this.send = send
  }

  /** A connection to the gateway at `url` (http:// or https://; https takes the TLS files). */
  static async open(url: string, commandTimeoutMilliseconds: number, tls?: ClientTls): Promise<GatewayConnection> {
    if (!url.startsWith('https://')) return new GatewayConnection(url, new HttpAgent({keepAlive: true, maxSockets: connectionsPerMemberMax}), httpRequest, commandTimeoutMilliseconds)
    // TLS loads only for an https front door.
    const https = await import('node:https')
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: connectionsPerMemberMax,
      ...(tls?.authority ? {ca: tls.authority} : {}),
      ...(tls?.certificate ? {cert: tls.certificate} : {}),
      ...(tls?.key ? {key: tls.key} : {}),
      rejectUnauthorized: !tls?.skipVerify,
    })
    // https.request takes the same arguments as http.request, but Node's typings declare its overloads apart.
    return new GatewayConnection(url, agent, https.request as unknown as typeof httpRequest, commandTimeoutMilliseconds)
  }

  private options(path: string, token: string | undefined, headers: Record<string, string | number> = {}): RequestOptions {
    return {
      agent: this.agent,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port,
      path,
      method: 'POST',
      headers: {'Content-Type': 'application/json', ...headers, ...(token ? {Authorization: token} : {})},
    }
  }

  /** A unary call: the answer's message, or etcd's error. */
  async call(path: string, message: Raw, token?: string): Promise<Raw> {
    const body = requestJson(message)
    let answer: {status: number; text: string}
    try {
      answer = await this.untilConnected((left) => this.post(path, body, token, left + gatewayAnswerGraceMilliseconds))
    } catch (error) {
      throw asEtcdError(error)
    }
    if (answer.status !== 200) throw errorOfAnswer(answer.status, answer.text)
    return JSON.parse(answer.text) as Raw
  }

  /** Runs `attempt` until it connects, as long as the deadline allows; then etcd's "context deadline exceeded". */
  private async untilConnected<T>(attempt: (leftMilliseconds: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.commandTimeoutMilliseconds
    for (let wait = connectRetryInitialMilliseconds; ; wait = Math.min(wait * 2, connectRetryMaxMilliseconds)) {
      try {
        return await attempt(Math.max(0, deadline - Date.now()))
      } catch (error) {
        if (!isRefused(error)) throw error
        const left = deadline - Date.now()
        if (left <= 0) throw new UnreachableEndpointError()
        await sleep(Math.min(wait, left))
      }
    }
  }

  private post(path: string, body: string, token: string | undefined, answerWithinMilliseconds: number, retried = false): Promise<{status: number; text: string}> {
    return new Promise((resolve, reject) => {
      const request = this.send(this.options(path, token, {'Content-Length': Buffer.byteLength(body)}), (response) => {
        const chunks: Buffer[] = []
        let total = 0
        response.on('data', (chunk: Buffer) => {
          total += chunk.length
          if (total > gatewayAnswerBytesMax) request.destroy(new Error(`the etcd gateway's answer is larger than ${gatewayAnswerBytesMax} bytes`))
          else chunks.push(chunk)
        })
        response.on('end', () => {
          clearTimeout(timer)
          resolve({status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8')})
        })
        response.on('error', fail)
      })
      const timer = setTimeout(() => request.destroy(etcdErrors.deadlineExceeded()), answerWithinMilliseconds)
      function fail(error: Error) {
        clearTimeout(timer)
        reject(error)
      }
      request.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed while idle: the request never reached it.
        if (request.reusedSocket && error.code === 'ECONNRESET' && !retried) {
          clearTimeout(timer)
          this.post(path, body, token, answerWithinMilliseconds, true).then(resolve, reject)
          return
        }
        fail(error)
      })
      request.end(body)
    })
  }

  /** A streamed call (watch, lease keep-alive): resolves once the server has answered its head. */
  async stream(path: string, first: Raw, token?: string): Promise<GatewayStream> {
    try {
      return await this.untilConnected(() => this.openStream(path, first, token))
    } catch (error) {
      throw asEtcdError(error)
    }
  }

  private openStream(path: string, first: Raw, token: string | undefined): Promise<GatewayStream> {
    return new Promise((resolve, reject) => {
      const request: ClientRequest = this.send(this.options(path, token), (response) => resolve(new AnswerLines(request, response)))
      request.on('error', reject)
      // The body stays open for more requests; the head of the answer comes with the first one.
      request.write(requestJson(first))
    })
  }

  close(): void {
    this.agent.destroy()
  }
}

/** A streamed answer's `{"result":…}` lines, read as they come, with the request side for more. */
class AnswerLines implements GatewayStream {
  private pending = ''
  private readonly lines: string[] = []
  private ended = false
  private failure: Error | null = null
  private wake: (() => void) | null = null

  constructor(
    private readonly request: ClientRequest,
    private readonly response: IncomingMessage,
  ) {
    response.setEncoding('utf8')
    response.on('data', (chunk: string) => {
      this.pending += chunk
      if (this.pending.length > gatewayAnswerBytesMax) return this.stop(new Error(`a line of the etcd gateway's stream is longer than ${gatewayAnswerBytesMax} bytes`))
      let newline: number
      while ((newline = this.pending.indexOf('\n')) >= 0) {
        const line = this.pending.slice(0, newline).trim()
        this.pending = this.pending.slice(newline + 1)
        if (line !== '') this.lines.push(line)
      }
      if (this.lines.length >= streamAnswersBufferedMax) response.pause()
      this.notify()
    })
    response.on('end', () => {
      if (this.pending.trim() !== '') this.lines.push(this.pending.trim())
      this.pending = ''
      this.stop(null)
    })
    response.on('error', (error) => this.stop(error))
    request.on('error', (error) => this.stop(error))
    response.on('close', () => this.stop(null))
  }

  private stop(error: Error | null): void {
    if (this.ended) return
    this.ended = true
    this.failure = error
    this.notify()
  }

  private notify(): void {
    const wake = this.wake
    this.wake = null
    wake?.()
  }

  write(message: Raw): void {
    if (!this.request.writableEnded) this.request.write(requestJson(message))
  }

  end(): void {
    if (!this.request.writableEnded) this.request.end()
  }

  async next(): Promise<Raw | null> {
    for (;;) {
      const line = this.lines.shift()
      if (line !== undefined) {
        if (this.lines.length < streamAnswersBufferedMax && this.response.isPaused()) this.response.resume()
        let parsed: Raw
        try {
          parsed = JSON.parse(line) as Raw
        } catch {
          throw errorOfAnswer(this.response.statusCode ?? 0, line)
        }
        if (parsed.error !== undefined || parsed.result === undefined) throw errorOfAnswer(this.response.statusCode ?? 0, line)
        return parsed.result as Raw
      }
      if (this.ended) {
        if (this.failure) throw asEtcdError(this.failure)
        return null
      }
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  close(): void {
    this.stop(null)
    this.request.destroy()
    this.response.destroy()
  }
}
