// curl, wget and nslookup inside a simulated container: they ask the injected pod network and
// print what the real tools print for each outcome (curl's exit 6, 7, 22, 28; busybox wget's and
// nslookup's messages), taking the virtual time a timeout takes.
import type {DnsAnswer, NetworkExchange} from '../../network/types.js'
import type {Program, ShellProcess} from './interpreter.js'
import type {ShellRun} from './process-context.js'
import {usageText} from './file-tools.js'
import {type CurlInvocation, curlMethod, curlUserAgent, CurlUsageError, formatWriteOut, parseCurlArguments, progressMeter, progressMeterHeader, type TransferFacts} from '../../network/curl-arguments.js'

/** How long a simulated transfer takes once connected, for curl's meter (the speed it shows). */
export const curlTransferMillisecondsSimulated = 1

/** How long the kernel sends SYNs to an address nobody answers before connect() fails (Linux's tcp_syn_retries = 6). */
export const kernelConnectGiveUpMilliseconds = 130_000
/** curl's wait for a connection nobody answers when no --connect-timeout/-m is given (the kernel's SYN retries). */
export const curlConnectTimeoutMillisecondsDefault = kernelConnectGiveUpMilliseconds
/** busybox wget's default -T. */
export const wgetTimeoutMillisecondsDefault = 900_000

function* ask<T>(process: ShellProcess, question: (network: import('../../network/types.js').PodNetwork, atMilliseconds: number) => Promise<T>): Generator<import('./process-context.js').ShellEffect, T, unknown> {
  return (yield {kind: 'network', ask: question}) as T
}

/** `http://host:port/path` split; null when it is not a URL curl would take. */
function parseUrl(text: string): {host: string; port: number; url: string} | null {
  const withScheme = /^[a-z]+:\/\//i.test(text) ? text : `http://${text}`
  try {
    const url = new URL(withScheme)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null
    return {host: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)), url: url.toString()}
  } catch {
    return null
  }
}

function* curl(process: ShellProcess, argv: readonly string[]): ShellRun {
  let invocation: CurlInvocation
  try {
    invocation = parseCurlArguments(argv.slice(1))
  } catch (error) {
    if (!(error instanceof CurlUsageError)) throw error
    process.error(`${error.message}\n`)
    return error.exitCode
  }
  const method = curlMethod(invocation)
  // curl hides its meter only when the body goes to the terminal it would draw on.
  const toStdout = invocation.output === undefined || invocation.output === '-' || invocation.output === '/dev/stdout'
  const meter = !invocation.silent && !(toStdout && process.context.terminal === true)
  let exitCode = 0
  for (const url of invocation.urls) {
    if (meter) process.error(progressMeterHeader)
    let facts: TransferFacts = {url, exitCode: 0, bytesDownloaded: 0, headerBytes: 0, method}
    const report = (code: number, message: string) => {
      if (!invocation.silent || invocation.showError) process.error(`curl: (${code}) ${message}\n`)
      facts = {...facts, exitCode: code, errorMessage: message}
      return code
    }
    exitCode = yield* curlTransfer(process, invocation, url, method, (code, message) => {
      if (meter) process.error(progressMeter(null))
      return report(code, message)
    }, (more) => (facts = {...facts, ...more}))
    if (meter && exitCode === 0) process.error(progressMeter({bytes: facts.bytesDownloaded + (invocation.include || invocation.head ? facts.headerBytes : 0), milliseconds: curlTransferMillisecondsSimulated}))
    if (invocation.writeOut !== undefined) {
      const written = formatWriteOut(invocation.writeOut, facts)
      process.out(written.text)
      if (written.warnings) process.error(written.warnings)
    }
  }
  return exitCode
}

/** One URL of a curl command: its output and exit code (28 after the wait a timeout takes). */
function* curlTransfer(process: ShellProcess, invocation: CurlInvocation, url: string, method: string, report: (code: number, message: string) => number, learn: (facts: Partial<TransferFacts>) => void): ShellRun {
  const target = parseUrl(url)
  if (!target) return report(3, 'URL rejected: Malformed input to a URL function')
  const exchange: NetworkExchange = yield* ask(process, (network) => network.request(process.context.source, target.url, {method, headers: invocation.headers, sentAtMilliseconds: process.context.now(), ...(invocation.data !== undefined ? {body: invocation.data} : {})}))
  if (exchange.outcome === 'unresolved') return report(6, `Could not resolve host: ${target.host}`)
  if (exchange.outcome === 'refused') return report(7, `Failed to connect to ${target.host} port ${target.port} after 0 ms: Couldn't connect to server`)
  if (exchange.outcome === 'timeout') {
    // Given a timeout, curl's own clock ends the attempt; else the kernel gives up on the SYNs first.
    if (invocation.timeoutSeconds !== undefined) {
      const waited = Math.round(invocation.timeoutSeconds * 1000) + 1
      yield {kind: 'sleep', milliseconds: waited}
      return report(28, `Connection timed out after ${waited} milliseconds`)
    }
    yield {kind: 'sleep', milliseconds: curlConnectTimeoutMillisecondsDefault}
    return report(28, `Failed to connect to ${target.host} port ${target.port} after ${curlConnectTimeoutMillisecondsDefault} ms: Couldn't connect to server`)
  }
  const response = exchange.response
  if (!response) return report(52, 'Empty reply from server')
  const headerText = `HTTP/1.1 ${response.status} ${response.reason}\r\n${Object.entries(response.headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`
  const contentType = Object.entries(response.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1]
  learn({status: response.status, remoteIp: exchange.destination?.ip ?? target.host, remotePort: exchange.destination?.port ?? target.port, headerBytes: Buffer.byteLength(headerText), ...(contentType !== undefined ? {contentType} : {})})
  if (invocation.verbose) {
    process.error(`> ${method} ${new URL(target.url).pathname}${new URL(target.url).search} HTTP/1.1\r\n> Host: ${target.host}${target.port === 80 ? '' : `:${target.port}`}\r\n> User-Agent: ${curlUserAgent}\r\n> Accept: */*\r\n>\r\n`)
    process.error(headerText.split('\r\n').slice(0, -1).map((line) => `< ${line}\r\n`).join(''))
  }
  if (invocation.fail && response.status >= 400) return report(22, `The requested URL returned error: ${response.status}`)
  const body = invocation.head || method === 'HEAD' ? '' : response.body
  learn({bytesDownloaded: Buffer.byteLength(body)})
  const text = (invocation.include || invocation.head ? headerText : '') + body
  const output = invocation.output
  if (output === undefined || output === '-' || output === '/dev/stdout') process.out(text)
  else if (output === '/dev/stderr') process.error(text)
  else if (output !== '/dev/null') process.context.fs.write(output.startsWith('/') ? output : `${process.workingDirectory}/${output}`, text)
  return 0
}

function* wget(process: ShellProcess, argv: readonly string[]): ShellRun {
  let url: string | undefined
  let quiet = false
  let output: string | undefined
  let timeoutMilliseconds = wgetTimeoutMillisecondsDefault
  for (let index = 1; index < argv.length; index++) {
    const argument = argv[index]!
    if (argument === '-O') output = argv[++index]
    else if (argument.startsWith('-O') && argument.length > 2 && !argument.startsWith('-O-') ) output = argument.slice(2)
    else if (argument === '-T') timeoutMilliseconds = Math.round(Number(argv[++index]) * 1000)
    else if (argument === '--spider') output = '/dev/null'
    else if (/^-[a-zA-Z-]+$/.test(argument)) {
      if (argument.includes('q')) quiet = true
      if (argument.endsWith('O-') || argument === '-O-') output = '-'
      else if (argument.endsWith('O')) output = argv[++index]
    } else url = argument
  }
  if (url === undefined) {
    process.error(usageText('wget', '[-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]'))
    return 1
  }
  const target = parseUrl(url)
  if (!target) {
    process.error(`wget: not an http or ftp url: ${url}\n`)
    return 1
  }
  const exchange: NetworkExchange = yield* ask(process, (network) => network.request(process.context.source, target.url, {method: 'GET', headers: {'User-Agent': 'Wget', Connection: 'close'}, sentAtMilliseconds: process.context.now()}))
  if (exchange.outcome === 'unresolved') {
    process.error(`wget: bad address '${target.host}'\n`)
    return 1
  }
  const address = exchange.destination?.ip ?? target.host
  if (!quiet) process.error(`Connecting to ${target.host}${/^[\d.]+$/.test(target.host) ? '' : ` (${address}:${target.port})`}\n`)
  if (exchange.outcome === 'refused') {
    process.error(`wget: can't connect to remote host (${address}): Connection refused\n`)
    return 1
  }
  if (exchange.outcome === 'timeout') {
    // wget's alarm (-T, 900 s by default) ends the wait, unless the kernel gives up on the SYNs first.
    if (timeoutMilliseconds < kernelConnectGiveUpMilliseconds) {
      yield {kind: 'sleep', milliseconds: timeoutMilliseconds}
      process.error('wget: download timed out\n')
      return 1
    }
    yield {kind: 'sleep', milliseconds: kernelConnectGiveUpMilliseconds}
    process.error(`wget: can't connect to remote host (${address}): Connection timed out\n`)
    return 1
  }
  const response = exchange.response
  if (!response || response.status >= 400) {
    process.error(`wget: server returned error: HTTP/1.1 ${response?.status ?? 500} ${response?.reason ?? 'Internal Server Error'}\n`)
    return 1
  }
  const file = output ?? (new URL(target.url).pathname.split('/').pop() || 'index.html')
  if (file === '-') {
    if (!quiet) process.error('writing to stdout\n')
    process.out(response.body)
    if (!quiet) process.error('written to stdout\n')
  } else if (file !== '/dev/null') {
    if (!quiet) process.error(`saving to '${file}'\n`)
    process.context.fs.write(file.startsWith('/') ? file : `${process.workingDirectory}/${file}`, response.body)
    if (!quiet) process.error(`'${file}' saved\n`)
  }
  return 0
}

function* nslookup(process: ShellProcess, argv: readonly string[]): ShellRun {
  const name = argv.slice(1).find((argument) => !argument.startsWith('-'))
  if (name === undefined) {
    process.error('Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n')
    return 1
  }
  const typeFlag = argv.find((argument) => /^-(type|query)=/i.test(argument))
  const type = (typeFlag ? typeFlag.slice(typeFlag.indexOf('=') + 1).toUpperCase() : 'A') as 'A'
  const answer: DnsAnswer = yield* ask(process, (network, at) => network.lookup(process.context.source, name, type, at))
  const server = answer.server || '10.96.0.10'
  process.out(`Server:\t\t${server}\nAddress:\t${server}:53\n\n`)
  if (answer.rcode !== 'NOERROR') {
    process.out(`** server can't find ${answer.resolvedName ?? name}: ${answer.rcode}\n\n`)
    return 1
  }
  // The name exists but has no record of that type (an AAAA of an IPv4 Service): busybox's "No answer".
  if (answer.records.length === 0) {
    process.out(`*** Can't find ${name}: No answer\n\n`)
    return 1
  }
  for (const record of answer.records) {
    const owner = record.name.replace(/\.$/, '')
    if (record.type === 'A' || record.type === 'AAAA') process.out(`Name:\t${owner}\nAddress: ${record.data}\n`)
    else if (record.type === 'CNAME') process.out(`${owner}\tcanonical name = ${record.data.replace(/\.$/, '')}\n`)
    // Names in the answer print without their root dot, as busybox's dn_expand gives them.
    else if (record.type === 'SRV') process.out(`${owner}\tservice = ${record.data.replace(/\.$/, '')}\n`)
    else process.out(`${owner}\tname = ${record.data.replace(/\.$/, '')}\n`)
  }
  process.out('\n')
  return 0
}

export function networkPrograms(): Array<[string, Program]> {
  return [['curl', curl], ['wget', wget], ['nslookup', nslookup]]
}
