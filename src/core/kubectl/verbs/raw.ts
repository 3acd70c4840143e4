// `--raw URI` of get, create and replace: one request to a path of the server, the body of a local
// file (or stdin) sent as it is, and the server's answer printed as it is, as kubectl's rawhttp does:
// a watch's events (one JSON line each, as the server writes them) and a followed log as they come,
// until the server ends them (timeoutSeconds) or --request-timeout does.
import {readFileSync} from 'node:fs'
import type {HttpMethod} from '../../api/wire.js'
import {KubectlError} from '../errors.js'
import type {KubectlSession} from '../session.js'

/** Splits `/path?query` as the request URI kubectl sends. */
function requestTarget(uri: string): {path: string; query: Record<string, string>} {
  if (!uri.startsWith('/')) throw new KubectlError(`--raw must be a valid URL path: parse "${uri}": invalid URI for request`)
  const question = uri.indexOf('?')
  if (question < 0) return {path: uri, query: {}}
  return {path: uri.slice(0, question), query: Object.fromEntries(new URLSearchParams(uri.slice(question + 1)))}
}

/** The one request of `--raw`; a body only for the verbs that send one (a file, or `-` for stdin). */
export async function runRaw(session: KubectlSession, method: HttpMethod, args: readonly string[]): Promise<number> {
  const uri = session.flag('raw')
  if (args.length > 0) throw new KubectlError('arguments may not be passed when --raw is specified')
  const {path, query} = requestTarget(uri)
  let body: string | undefined
  if (method !== 'GET') {
    const files = session.list('filename')
    if (files.length !== 1) throw new KubectlError('--raw can only use a single local file or stdin')
    const file = files[0]!
    if (/^https?:\/\//.test(file)) throw new KubectlError('--raw cannot read from a url')
    try {
      body = file === '-' ? await session.io.readStdin() : readFileSync(file, 'utf8')
    } catch {
      throw new KubectlError(`open ${file}: no such file or directory`)
    }
  }
  const response = await session.request(method, path, {query, ...(body !== undefined ? {body, contentType: 'application/json'} : {})})
  const {watch, textFollow} = response
  if (!watch) session.io.stdout(typeof response.body === 'string' ? response.body : JSON.stringify(response.body))
  const stream = watch ?? textFollow
  if (!stream) return 0
  // --request-timeout is the HTTP client's: the body's read fails with Go's words, after what came.
  let timedOut = false
  const timeoutMilliseconds = session.requestTimeoutMilliseconds()
  const timer = timeoutMilliseconds > 0 ? setTimeout(() => {
    timedOut = true
    stream.cancel()
  }, timeoutMilliseconds) : null
  try {
    if (watch) {
      for (let events = await watch.next(); events && !timedOut; events = await watch.next()) for (const event of events) session.io.stdout(`${JSON.stringify(event)}\n`)
    } else {
      for (let text = await textFollow!.next(); text !== null && !timedOut; text = await textFollow!.next()) session.io.stdout(text)
    }
  } finally {
    if (timer) clearTimeout(timer)
    stream.cancel()
  }
  if (timedOut) throw new KubectlError(watch ? 'net/http: request canceled (Client.Timeout or context cancellation while reading body)' : 'context deadline exceeded')
  return 0
}
