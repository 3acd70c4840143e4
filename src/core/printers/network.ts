// What curl prints for a request through the simulated network (body, -i headers, -v trace,
// its error lines and exit codes: 6 unresolved, 7 refused, 28 timed out, 22 with --fail), and
// the hop-by-hop listing of `kubemu trace-request`.
import type {UrlResult} from '../network/pod-network.js'
import type {NetworkExchange, NetworkHop} from '../network/types.js'

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
}

export interface CommandOutput {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number
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
        : {code: 28, message: `Failed to connect to ${host} port ${port} after ${kernelConnectTimeoutMilliseconds} ms: Timeout was reached`}
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
  const error = (code: number, message: string) => {
    if (!options.silent || options.showError) stderr += `curl: (${code}) ${message}\n`
    exitCode = code
  }
  for (const result of results) {
    exitCode = 0
    if ('urlError' in result) {
      error(result.urlError.curlExitCode, result.urlError.message)
      continue
    }
    const {exchange, host, port} = result
    if (options.verbose) {
      for (const hop of exchange.hops) stderr += `* kubemu ${hop.step}: ${hop.detail}\n`
      if (exchange.outcome === 'connected') stderr += `*   Trying ${exchange.destination?.ip}:${exchange.destination?.port}...\n* Connected to ${host} port ${port}\n`
    }
    const failure = exchangeFailure(exchange, host, port, options)
    if (exchange.response && failure?.code !== 22) {
      if (options.verbose) stderr += headerLines(exchange).map((line) => `< ${line}\n`).join('') + '< \n'
      if (options.include) stdout += headerLines(exchange).map((line) => `${line}\r\n`).join('') + '\r\n'
      stdout += exchange.response.body
    }
    if (failure) error(failure.code, failure.message)
  }
  return {stdout, stderr, exitCode}
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
