// What curl prints for a request through the simulated network (body, -i headers, -v trace,
// its error lines and exit codes: 6 unresolved, 7 refused, 28 timed out, 22 with --fail), and
// the hop-by-hop listing of `kubemu trace-request`.
import type {UrlResult} from '../network/pod-network.js'
import type {NetworkExchange, NetworkHop} from '../network/types.js'
import {formatWriteOut, type TransferFacts} from '../network/curl-arguments.js'

/** Linux gives up on an unanswered SYN after its retries (tcp_syn_retries 6): about 130 s, what curl then reports. */
export const kernelConnectTimeoutMilliseconds = 130_000

export interface CurlOptions {
  readonly silent: boolean
  readonly showError: boolean
  readonly include: boolean
  readonly verbose: boolean
  readonly fail: boolean
  /** --connect-timeout or --max-time, in seconds. */
  readonly timeoutSeconds?: number
  /** -o: where each body goes instead of stdout ('/dev/null' drops it); the caller writes `files`. */
  readonly output?: string
  /** -w/--write-out, written to stdout after each transfer. */
  readonly writeOut?: string
  readonly method?: string
}

export interface CommandOutput {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
  /** Bodies -o sent to a file: path → text. */
  readonly files?: ReadonlyMap<string, string>
}

function exchangeFailure(exchange: NetworkExchange, host: string, port: number, options: CurlOptions): {code: number; message: string} | null {
  switch (exchange.outcome) {
    case 'unresolved':
      return {code: 6, message: `Could not resolve host: ${host}`}
    case 'refused':
      return {code: 7, message: `Failed to connect to ${host} port ${port} after 0 ms: Couldn't connect to server`}
    case 'timeout':
      return options.timeoutSeconds !== undefined
        ? {code: 28, message: `Connection timed out after ${Math.round(options.timeoutSeconds * 1000) + 1} milliseconds`}
        : {code: 28, message: `Failed to connect to ${host} port ${port} after ${kernelConnectTimeoutMilliseconds} ms: Couldn't connect to server`}
    case 'connected':
      if (options.fail && exchange.response && exchange.response.status >= 400) return {code: 22, message: `The requested URL returned error: ${exchange.response.status}`}
      return null
  }
}

function headerLines(exchange: NetworkExchange): string[] {
  const response = exchange.response!
  return [`HTTP/1.1 ${response.status} ${response.reason}`, ...Object.entries(response.headers).map(([name, value]) => `${name}: ${value}`)]
}

/** curl's output for its URLs, in order; the exit code of the last transfer, as curl returns it. */
export function formatCurl(results: readonly UrlResult[], options: CurlOptions): CommandOutput {
  let stdout = ''
  let stderr = ''
  let exitCode = 0
  const files = new Map<string, string>()
  for (const result of results) {
    let facts: TransferFacts = {url: result.url, exitCode: 0, bytesDownloaded: 0, headerBytes: 0, method: options.method ?? 'GET'}
    const error = (code: number, message: string) => {
      if (!options.silent || options.showError) stderr += `curl: (${code}) ${message}\n`
      facts = {...facts, exitCode: code, errorMessage: message}
    }
    exitCode = 0
    if ('urlError' in result) error(result.urlError.curlExitCode, result.urlError.message)
    else {
      const {exchange, host, port} = result
      if (options.verbose) {
        for (const hop of exchange.hops) stderr += `* kubemu ${hop.step}: ${hop.detail}\n`
        if (exchange.outcome === 'connected') stderr += `*   Trying ${exchange.destination?.ip}:${exchange.destination?.port}...\n* Connected to ${host} port ${port}\n`
      }
      const failure = exchangeFailure(exchange, host, port, options)
      if (exchange.response) {
        const headers = headerLines(exchange).map((line) => `${line}\r\n`).join('') + '\r\n'
        const contentType = Object.entries(exchange.response.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1]
        facts = {...facts, status: exchange.response.status, remoteIp: host, remotePort: port, headerBytes: Buffer.byteLength(headers), ...(contentType !== undefined ? {contentType} : {})}
      }
      if (exchange.response && failure?.code !== 22) {
        if (options.verbose) stderr += headerLines(exchange).map((line) => `< ${line}\n`).join('') + '< \n'
        const body = exchange.response.body
        facts = {...facts, bytesDownloaded: Buffer.byteLength(body)}
        const text = (options.include ? headerLines(exchange).map((line) => `${line}\r\n`).join('') + '\r\n' : '') + body
        const output = options.output
        if (output === undefined || output === '-' || output === '/dev/stdout') stdout += text
        else if (output === '/dev/stderr') stderr += text
        else if (output !== '/dev/null') files.set(output, (files.get(output) ?? '') + text)
      }
      if (failure) error(failure.code, failure.message)
    }
    if (options.writeOut !== undefined) {
      const written = formatWriteOut(options.writeOut, facts)
      stdout += written.text
      stderr += written.warnings
    }
    exitCode = facts.exitCode
  }
  return {stdout, stderr, exitCode, files}
}

/** `kubemu trace-request`: one line per hop (step, then what happened), then the response or the failure. */
export function formatTrace(url: string, exchange: NetworkExchange): string {
  const width = Math.max(...exchange.hops.map((hop: NetworkHop) => hop.step.length), 8)
  const lines = [`${'REQUEST'.padEnd(width)}  GET ${url}`, ...exchange.hops.map((hop) => `${hop.step.toUpperCase().padEnd(width)}  ${hop.detail}`)]
  const outcome = exchange.outcome === 'connected' ? `${exchange.response ? `${exchange.response.status} ${exchange.response.reason}` : 'connected'}` : exchange.deniedBy ? `timeout (denied by NetworkPolicy ${exchange.deniedBy})` : exchange.outcome
  lines.push(`${'RESULT'.padEnd(width)}  ${outcome}`)
  if (exchange.response) lines.push('', exchange.response.body.replace(/\n$/, ''))
  return `${lines.join('\n')}\n`
}
