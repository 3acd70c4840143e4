// curl's command line as curl 8 reads it (short flags bundle, a flag that takes a value takes the
// rest of its bundle or the next word, `--no-` negates a boolean, an unknown option is exit 2),
// and its --write-out variables. One home for both curls: the one inside a simulated container
// and `kubemu curl` from outside.

/** The User-Agent curl sends (curlimages/curl:latest's curl 8.11.1; `kubemu curl` and a container's curl alike). */
export const curlUserAgent = 'curl/8.11.1'

/** What one curl invocation asks for. */
export interface CurlInvocation {
  readonly urls: readonly string[]
  readonly silent: boolean
  readonly showError: boolean
  readonly fail: boolean
  readonly include: boolean
  readonly head: boolean
  readonly verbose: boolean
  readonly method?: string
  readonly headers: Readonly<Record<string, string>>
  readonly data?: string
  readonly output?: string
  readonly writeOut?: string
  /** --connect-timeout or -m/--max-time, in seconds (the smaller when both are given). */
  readonly timeoutSeconds?: number
}

/** A command line curl refuses before any transfer: its lines for stderr and exit code 2. */
export class CurlUsageError extends Error {
  readonly exitCode = 2
}

const booleanFlags: Readonly<Record<string, string>> = {
  s: 'silent', S: 'show-error', f: 'fail', i: 'include', I: 'head', v: 'verbose', L: 'location', k: 'insecure',
  g: 'globoff', N: 'no-buffer', '4': 'ipv4', '6': 'ipv6', '#': 'progress-bar', l: 'list-only', j: 'junk-session-cookies',
  O: 'remote-name', G: 'get', n: 'netrc', q: 'disable', Z: 'parallel',
}
const valueFlags: Readonly<Record<string, string>> = {
  o: 'output', w: 'write-out', X: 'request', H: 'header', d: 'data', m: 'max-time', A: 'user-agent', u: 'user',
  e: 'referer', b: 'cookie', c: 'cookie-jar', x: 'proxy', r: 'range', T: 'upload-file', F: 'form', E: 'cert', K: 'config', U: 'proxy-user', Y: 'speed-limit', y: 'speed-time', z: 'time-cond', C: 'continue-at', D: 'dump-header', t: 'telnet-option', Q: 'quote',
}
const longBooleans = new Set([...Object.values(booleanFlags), 'compressed', 'http1.1', 'http2', 'fail-with-body', 'no-progress-meter', 'no-keepalive', 'tcp-nodelay', 'raw', 'path-as-is'])
const longValues = new Set([...Object.values(valueFlags), 'connect-timeout', 'data-raw', 'data-binary', 'data-urlencode', 'json', 'retry', 'retry-delay', 'retry-max-time', 'resolve', 'connect-to', 'cacert', 'key', 'url', 'max-redirs', 'interface', 'unix-socket', 'oauth2-bearer'])

const usageHint = "curl: try 'curl --help' or 'curl --manual' for more information"

function unknown(option: string): CurlUsageError {
  return new CurlUsageError(`curl: option ${option}: is unknown\n${usageHint}`)
}

function secondsOf(option: string, text: string): number {
  const seconds = Number(text)
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new CurlUsageError(`curl: option ${option}: expected a proper numerical parameter\n${usageHint}`)
  return seconds
}

/** Parses curl's arguments (argv without the program name). */
export function parseCurlArguments(argv: readonly string[]): CurlInvocation {
  const urls: string[] = []
  const booleans = new Set<string>()
  const values = new Map<string, string>()
  const headers: Record<string, string> = {}
  const dataParts: string[] = []
  let timeoutSeconds: number | undefined
  const take = (name: string, shown: string, value: string | undefined) => {
    if (value === undefined) throw new CurlUsageError(`curl: option ${shown}: requires parameter\n${usageHint}`)
    if (name === 'header') {
      const colon = value.indexOf(':')
      if (colon > 0) headers[value.slice(0, colon).trim().toLowerCase()] = value.slice(colon + 1).trim()
    } else if (name === 'user-agent') headers['user-agent'] = value
    else if (name === 'data' || name === 'data-raw' || name === 'data-binary' || name === 'data-urlencode' || name === 'json') dataParts.push(value)
    else if (name === 'connect-timeout' || name === 'max-time') {
      const seconds = secondsOf(shown, value)
      timeoutSeconds = timeoutSeconds === undefined ? seconds : Math.min(timeoutSeconds, seconds)
    } else if (name === 'url') urls.push(value)
    else values.set(name, value)
  }
  let optionsEnded = false
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    if (optionsEnded || !argument.startsWith('-') || argument === '-') {
      urls.push(argument)
    } else if (argument === '--') {
      optionsEnded = true
    } else if (argument.startsWith('--')) {
      const long = argument.slice(2)
      const positive = long.startsWith('no-') && longBooleans.has(long.slice(3)) ? long.slice(3) : long
      if (longBooleans.has(positive)) {
        if (positive === long) booleans.add(long)
        else booleans.delete(positive)
      } else if (longValues.has(long)) take(long, argument, argv[++index])
      else throw unknown(argument)
    } else {
      // A bundle: -sSL, -o/dev/null, -sw '%{http_code}'.
      for (let at = 1; at < argument.length; at++) {
        const flag = argument[at]!
        if (booleanFlags[flag]) booleans.add(booleanFlags[flag]!)
        else if (valueFlags[flag]) {
          const rest = argument.slice(at + 1)
          take(valueFlags[flag]!, `-${flag}`, rest !== '' ? rest : argv[++index])
          break
        } else throw unknown(`-${flag}`)
      }
    }
  }
  if (urls.length === 0) throw new CurlUsageError(`curl: no URL specified\n${usageHint}`)
  const data = dataParts.length > 0 ? dataParts.join('&') : undefined
  return {
    urls,
    silent: booleans.has('silent'),
    showError: booleans.has('show-error'),
    fail: booleans.has('fail'),
    include: booleans.has('include'),
    head: booleans.has('head'),
    verbose: booleans.has('verbose'),
    headers,
    ...(values.has('request') ? {method: values.get('request')!} : {}),
    ...(data !== undefined ? {data} : {}),
    ...(values.has('output') ? {output: values.get('output')!} : {}),
    ...(values.has('write-out') ? {writeOut: values.get('write-out')!} : {}),
    ...(timeoutSeconds !== undefined ? {timeoutSeconds} : {}),
  }
}

/** The method curl sends: -X, else HEAD for -I, POST with data, GET. */
export function curlMethod(invocation: CurlInvocation): string {
  return invocation.method ?? (invocation.head ? 'HEAD' : invocation.data !== undefined ? 'POST' : 'GET')
}

/** What --write-out can name about one transfer. */
export interface TransferFacts {
  readonly url: string
  readonly exitCode: number
  readonly status?: number
  readonly remoteIp?: string
  readonly remotePort?: number
  readonly contentType?: string
  readonly bytesDownloaded: number
  readonly headerBytes: number
  readonly method: string
  readonly errorMessage?: string
}

/** curl's --write-out text for one transfer, and its complaints about variables it does not know. */
export function formatWriteOut(format: string, facts: TransferFacts): {text: string; warnings: string} {
  let warnings = ''
  const variables: Readonly<Record<string, () => string>> = {
    http_code: () => String(facts.status ?? 0).padStart(3, '0'),
    response_code: () => String(facts.status ?? 0).padStart(3, '0'),
    exitcode: () => String(facts.exitCode),
    errormsg: () => facts.errorMessage ?? '',
    remote_ip: () => facts.remoteIp ?? '',
    remote_port: () => String(facts.remotePort ?? 0),
    url: () => facts.url,
    url_effective: () => facts.url,
    content_type: () => facts.contentType ?? '',
    size_download: () => String(facts.bytesDownloaded),
    size_header: () => String(facts.headerBytes),
    method: () => facts.method,
    num_connects: () => (facts.status !== undefined ? '1' : '0'),
    num_redirects: () => '0',
    scheme: () => 'HTTP',
    http_version: () => (facts.status !== undefined ? '1.1' : '0'),
    time_total: () => '0.001000',
    time_connect: () => '0.000500',
    time_namelookup: () => '0.000100',
    time_starttransfer: () => '0.001000',
  }
  let text = ''
  for (let index = 0; index < format.length; index++) {
    const character = format[index]!
    if (character === '%' && format[index + 1] === '%') {
      text += '%'
      index++
    } else if (character === '%' && format[index + 1] === '{') {
      const close = format.indexOf('}', index)
      if (close < 0) {
        text += format.slice(index)
        break
      }
      const name = format.slice(index + 2, close)
      const value = variables[name]
      if (value) text += value()
      else if (name !== 'stdout' && name !== 'stderr') warnings += `curl: unknown --write-out variable: '${name}'\n`
      index = close
    } else if (character === '\\' && index + 1 < format.length) {
      const escaped = format[index + 1]!
      text += escaped === 'n' ? '\n' : escaped === 'r' ? '\r' : escaped === 't' ? '\t' : escaped === '\\' ? '\\' : `\\${escaped}`
      index++
    } else text += character
  }
  return {text, warnings}
}

/** curl's five-character size or speed column (bytes; k and M past 100000 bytes and 10000 k). */
function fiveColumns(bytes: number): string {
  const kilobyte = 1024
  const megabyte = kilobyte * kilobyte
  if (bytes < 100_000) return String(Math.floor(bytes)).padStart(5)
  if (bytes < 10_000 * kilobyte) return `${String(Math.floor(bytes / kilobyte)).padStart(4)}k`
  if (bytes < 100 * megabyte) return `${Math.floor(bytes / megabyte)}.${Math.floor((bytes % megabyte) * 10 / megabyte)}M`.padStart(5)
  return `${String(Math.floor(bytes / megabyte)).padStart(4)}M`
}

function meterLine(percent: number, bytes: number, speed: number): string {
  const unknown = '--:--:--'
  return `\r${String(percent).padStart(3)} ${fiveColumns(bytes)}  ${String(percent).padStart(3)} ${fiveColumns(bytes)}    0     0  ${fiveColumns(speed)}      0 ${unknown} ${unknown} ${unknown} ${fiveColumns(speed)}`
}

/** The header curl's progress meter starts with, on stderr, when its output is not a terminal (or -o sends it to a file). */
export const progressMeterHeader = '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n'

/**
 * The meter's lines for one transfer: the first look (nothing yet), then, for a body received,
 * the last (100 % of its bytes, the speed over the simulated transfer's milliseconds) and the
 * newline curl ends the meter with. A failed transfer leaves the first line as it is, so curl's
 * error follows on the same line.
 */
export function progressMeter(received: {bytes: number; milliseconds: number} | null): string {
  const first = meterLine(0, 0, 0)
  if (!received) return first
  const speed = received.bytes * 1000 / Math.max(1, received.milliseconds)
  return `${first}${meterLine(100, received.bytes, speed)}\n`
}
