// One POST of an AdmissionReview to a webhook over HTTPS, bounded as kube-apiserver bounds it
// (the webhook's timeout, carried as `?timeout=Ns` too), verified against the configuration's
// caBundle; failures come back worded as Go's HTTP client and client-go's REST client word them.
import {Agent, request as httpsRequest} from 'node:https'

/** Webhook calls in flight at once across the API server; more wait for a slot. */
export const webhookCallsInFlightMax = 64
/** A webhook's answer larger than this fails the call. */
export const webhookResponseBytesMax = 3 * 1024 * 1024

/** A call that did not give a usable answer; `message` follows "failed to call webhook: ". */
export class WebhookCallError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WebhookCallError'
  }
}

class Slots {
  private inUse = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve))
    else this.inUse++
    try {
      return await work()
    } finally {
      const next = this.waiting.shift()
      if (next) next()
      else this.inUse--
    }
  }
}

const slots = new Slots(webhookCallsInFlightMax)

/** Connection pools kept at most, one per CA bundle (kube keeps a client per webhook). */
export const webhookConnectionPoolsMax = 64
/** An idle connection to a webhook is closed after this long. */
export const webhookIdleConnectionMilliseconds = 30_000

// Connections are kept open between calls, as kube-apiserver's webhook clients keep them: a TLS
// handshake per request would cost more than the call itself. Idle sockets do not keep a
// one-shot process alive (the agent unrefs them).
const pools = new Map<string, Agent>()

function poolFor(caBundle: string | undefined): Agent {
  const key = caBundle ?? ''
  let agent = pools.get(key)
  if (!agent) {
    if (pools.size >= webhookConnectionPoolsMax) {
      const [oldestKey, oldest] = pools.entries().next().value!
      oldest.destroy()
      pools.delete(oldestKey)
    }
    agent = new Agent({keepAlive: true, maxSockets: webhookCallsInFlightMax, timeout: webhookIdleConnectionMilliseconds, ...(caBundle ? {ca: caBundle} : {})})
    pools.set(key, agent)
  }
  return agent
}

/** Go's net errors for what Node reports of a failed connection. */
function networkErrorText(error: NodeJS.ErrnoException, url: URL): string {
  const port = url.port || '443'
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  switch (error.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`
    case 'ECONNRESET':
      return 'read: connection reset by peer'
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return 'tls: failed to verify certificate: x509: certificate signed by unknown authority'
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is valid for other names, not ${host}`
    case 'CERT_HAS_EXPIRED':
      return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid'
    default:
      return error.message
  }
}

/** client-go's error for a response that is not a 2xx and not a Status. */
function statusErrorText(code: number, body: string): string {
  try {
    const status = JSON.parse(body) as {kind?: string; message?: string}
    if (status.kind === 'Status' && typeof status.message === 'string') return status.message
  } catch {
    // Not a Status: worded from the code alone, as client-go does.
  }
  if (code === 404) return 'the server could not find the requested resource'
  if (code === 401) return 'Unauthorized'
  if (code === 403) return `forbidden: ${body.trim()}`
  if (code >= 500) return `an error on the server (${JSON.stringify(body.trim().slice(0, 256))}) has prevented the request from succeeding`
  return `the server responded with the status code ${code} but did not return more information`
}

/**
 * POSTs `body` to `url` (which carries `?timeout=`) and returns the answer's text. Connection
 * failures, timeouts and non-2xx answers throw WebhookCallError with Go's `Post "URL": …` text.
 */
export function postReview(url: string, caBundle: string | undefined, body: string, timeoutSeconds: number): Promise<string> {
  return slots.run(() => new Promise<string>((resolve, reject) => {
    const target = new URL(url)
    const fail = (text: string) => reject(new WebhookCallError(`Post ${JSON.stringify(url)}: ${text}`))
    const request = httpsRequest(target, {
      method: 'POST',
      headers: {'content-type': 'application/json', accept: 'application/json, */*', 'content-length': Buffer.byteLength(body)},
      agent: poolFor(caBundle),
    })
    const timer = setTimeout(() => {
      request.destroy()
      fail('context deadline exceeded')
    }, timeoutSeconds * 1000)
    const settle = () => clearTimeout(timer)
    request.on('error', (error: NodeJS.ErrnoException) => {
      settle()
      fail(networkErrorText(error, target))
    })
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      let bytes = 0
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > webhookResponseBytesMax) {
          settle()
          request.destroy()
          fail(`response body larger than ${webhookResponseBytesMax} bytes`)
          return
        }
        chunks.push(chunk)
      })
      response.on('error', (error: NodeJS.ErrnoException) => {
        settle()
        fail(networkErrorText(error, target))
      })
      response.on('end', () => {
        settle()
        const text = Buffer.concat(chunks).toString('utf8')
        const code = response.statusCode ?? 0
        if (code < 200 || code > 206) reject(new WebhookCallError(statusErrorText(code, text)))
        else resolve(text)
      })
    })
    request.end(body)
  }))
}
