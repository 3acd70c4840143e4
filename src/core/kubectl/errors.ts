// kubectl's error lines and exit codes (cmdutil.CheckErr): a server Status becomes
// `Error from server (Reason): message`, an Invalid one `The Kind "name" is invalid: …` with one
// cause per line when there are several; anything else `error: …`. All exit 1.
import {readFileSync} from 'node:fs'
import {genericServerResponse, unstructuredErrorText} from '../api/generic-response.js'
import {isJsonObject} from '../api/object.js'
import {kubectlMainFrame} from './go-traces.js'

/** The resource builder's error when a command names no objects at all. */
export const noResourcesMessage = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'"
/** label, annotate and set env's own check for the same. */
export const resourcesRequiredMessage = 'one or more resources must be specified as <resource> <name> or <resource>/<name>'

/** A file operation's failure as Go's os package words it (`open PATH: no such file or directory`). */
export function goPathError(operation: string, path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  const reason = code === 'ENOENT' ? 'no such file or directory' : code === 'ENOTDIR' ? 'not a directory' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'too many levels of symbolic links' : code === 'EISDIR' ? 'is a directory' : String((error as Error).message)
  return `${operation} ${path}: ${reason}`
}

/** os.ReadFile's text, or its failure in Go's words: opening fails for a missing file, reading for a folder. */
export function readFileAsGo(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    throw new KubectlError(goPathError((error as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open', path, error))
  }
}

export class KubectlError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** What kubectl prints on stdout before the error (a failed template's debugging help). */
    readonly stdoutBefore = '',
  ) {
    super(message)
    this.name = 'KubectlError'
  }
}

/** An error whose text kubectl prints as it is (no "error: " prefix). */
export class KubectlPlainError extends KubectlError {}

/** Nothing listens at the server's address: kubectl's words for it, and Go's for each request that met it. */
export class ConnectionRefusedError extends KubectlPlainError {
  /** `server`: the URL kubectl dials (`https://127.0.0.1:6443`, `http://localhost:8080`). */
  constructor(readonly server: string) {
    super(`The connection to the server ${server.replace(/^https?:\/\//, '').replace(/\/$/, '')} was refused - did you specify the right host or port?`)
  }

  /** The request that met the closed port (kubectl's error handler names it at -v=4). */
  request: {method: string; url: string} | null = null

  /** Whether a server listens there (it refused the connection later, in the TLS handshake). */
  get listening(): boolean {
    return false
  }

  /** Go's error for a request to `url` there: `Get "URL": dial tcp 127.0.0.1:6443: connect: connection refused` (the URL bare where kubectl's handler prints it). */
  requestError(method: string, url: string, quoted = true): string {
    const parsed = new URL(this.server)
    const host = parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname.replace(/^\[(.*)\]$/, '$1')
    const port = parsed.port || (parsed.protocol === 'https:' ? '443' : '80')
    return `${method[0]}${method.slice(1).toLowerCase()} ${quoted ? JSON.stringify(url) : url}: dial tcp ${host}:${port}: connect: connection refused`
  }
}

/**
 * A Go panic in a library kubectl calls: the process ends at once with status 2, printing the
 * panic as Go's runtime does (`panic: runtime error: …`, the signal line of a nil dereference, a
 * blank line, then the goroutine's trace), never gathered with other objects' errors. `trace`
 * gives the signal line and frames where kubemu knows them (go-traces.ts); without it the trace
 * names main's frame alone.
 */
export class KubectlPanic extends KubectlPlainError {
  constructor(
    readonly panicMessage: string,
    trace?: {readonly signal: string; readonly frames: string},
  ) {
    // Without a known site the faulting instruction's address is unknown: Go's words with zeros.
    const signal = trace ? trace.signal : panicMessage.endsWith('nil pointer dereference') ? '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x0]' : ''
    super(`panic: ${panicMessage}${signal ? `\n${signal}` : ''}\n\ngoroutine 1 [running]:\n${trace?.frames ?? kubectlMainFrame}`, 2)
    this.name = 'KubectlPanic'
  }
}

export interface StatusBody {
  readonly message?: string
  readonly reason?: string
  readonly code?: number
  readonly details?: {kind?: string; name?: string; causes?: Array<{field?: string; message?: string}>}
}

export function statusText(status: StatusBody): string {
  if (status.reason === 'Invalid') {
    const details = status.details
    if (!details) return 'The request is invalid'
    let text = details.kind || details.name ? `The ${details.kind ?? ''} ${JSON.stringify(details.name ?? '')} is invalid` : 'The request is invalid'
    const causes = [...new Set((details.causes ?? []).map((cause) => `${cause.field ?? ''}: ${cause.message ?? ''}`))]
    // kubectl's MultilineError ends one cause with a newline of its own, after the cause's (kube's
    // immutability messages end with one: a blank line follows them).
    if (causes.length === 1) text += `: ${causes[0]}\n`
    else if (causes.length > 1) text += `: \n${causes.map((cause) => `* ${cause}`).join('\n')}`
    return text
  }
  return aggregatedStatusText(status)
}

export class ServerError extends KubectlPlainError {
  constructor(readonly status: StatusBody) {
    super(statusText(status))
  }

  get code(): number {
    return this.status.code ?? 0
  }

  get reason(): string {
    return this.status.reason ?? ''
  }
}

/**
 * The Status of an error answer: its own, or the one client-go's generic server response makes of
 * a body that is none (a proxy's plain text). kubectl's raw and streamed requests name no resource.
 */
export function errorStatus(code: number, body: unknown, method = 'GET', contentType?: string): StatusBody {
  if (isStatusBody(body)) return body
  return genericServerResponse(code, method, unstructuredErrorText(body, contentType))
}

export function isStatusBody(body: unknown): body is StatusBody {
  return isJsonObject(body) && body.kind === 'Status'
}

/** The text kubectl prints for an error, with its trailing newline. */
export function errorLine(error: KubectlError): string {
  const text = error instanceof KubectlPlainError || error.message.startsWith('error: ') ? error.message : `error: ${error.message}`
  return text.endsWith('\n') ? text : `${text}\n`
}

/**
 * What kubectl's CheckErr prints of the errors a command gathered: one alone as errorLine prints
 * it; several one per line, each in its own words (no `error: ` added, a server's as
 * `Error from server (Reason): message`, an Invalid one too).
 */
export function errorsText(errors: readonly KubectlError[]): string {
  if (errors.length === 1) return errorLine(errors[0]!)
  return errors.map((error) => `${error instanceof ServerError ? aggregatedStatusText(error.status) : error.message}\n`).join('')
}

/** StandardErrorMessage's words for a Status: a refused credential asks to log in (the server's message in parentheses). */
function aggregatedStatusText(status: StatusBody): string {
  if (status.reason === 'Unauthorized') return `error: You must be logged in to the server (${status.message ?? ''})`
  return status.reason ? `Error from server (${status.reason}): ${status.message ?? ''}` : `Error from server: ${status.message ?? ''}`
}

/**
 * Keeps a server error to print at the end (kubectl goes on with the next object); a 404 is
 * dropped with --ignore-not-found. Anything else is rethrown.
 */
export function collectServerError(error: unknown, errors: string[], ignoreNotFound: boolean, log?: {serverErrorLog(error: ServerError): string}): void {
  if (!(error instanceof ServerError)) throw error
  if (error.code === 404 && ignoreNotFound) return
  // kubectl's error handler logs the server's Status (-v=4) just before the error's line.
  errors.push(`${log?.serverErrorLog(error) ?? ''}${error.message}`)
}

/**
 * A list the server refused as a bad request or not found, named as kubectl's resource builder
 * names it: the resource (`/v1, Resource=pods`) and, when the list had them, its selectors.
 */
export function listError(error: unknown, resource: {readonly group: string; readonly version: string; readonly resource: string}, query: {readonly labelSelector?: string; readonly fieldSelector?: string}): unknown {
  if (!(error instanceof ServerError) || (error.code !== 400 && error.code !== 404)) return error
  const named = JSON.stringify(`${resource.group}/${resource.version}, Resource=${resource.resource}`)
  const labels = query.labelSelector ?? ''
  const fields = query.fieldSelector ?? ''
  const message = labels === '' && fields === '' ? `Unable to list ${named}: ${error.status.message ?? ''}` : `Unable to find ${named} that match label selector ${JSON.stringify(labels)}, field selector ${JSON.stringify(fields)}: ${error.status.message ?? ''}`
  return new ServerError({...error.status, message})
}

/**
 * The errors a verb gathers as it goes on with the next object (kubectl's ContinueOnError
 * builder and its aggregated errors): a KubectlError is kept, anything else is rethrown.
 */
export class GatheredErrors {
  readonly #errors: KubectlError[] = []

  add(error: unknown): void {
    if (!(error instanceof KubectlError) || error instanceof KubectlPanic) throw error
    this.#errors.push(error)
  }

  /** Takes another's errors after its own (kubectl's builder reports its read errors after the verb's). */
  addAll(other: GatheredErrors): void {
    this.#errors.push(...other.#errors)
  }

  /** Their text as Go's aggregate error gives it: one alone, several as `[a, b]`; empty when none. */
  message(): string {
    const texts = this.#errors.map((error) => (error instanceof ServerError ? aggregatedStatusText(error.status).replace(/^Error from server \([^)]*\): /, '') : error.message))
    return texts.length === 1 ? texts[0]! : texts.length === 0 ? '' : `[${texts.join(', ')}]`
  }

  /**
   * Prints them as CheckErr prints an aggregate; returns the exit code. Given the session's log,
   * the Status of each server error first (-v=4), as kubectl's error handler logs them.
   */
  report(io: {stderr(text: string): void}, log?: {serverErrorLog(error: ServerError): string}): number {
    if (this.#errors.length === 0) return 0
    const logged = log ? this.#errors.map((error) => (error instanceof ServerError ? log.serverErrorLog(error) : '')).join('') : ''
    io.stderr(`${logged}${errorsText(this.#errors)}`)
    return 1
  }
}

/** The writers' check before their resource builder runs: --all and -l both select, so not together. */
export function refuseAllWithSelector(all: boolean, selector: string): void {
  if (all && selector !== '') throw new KubectlError('cannot set --all and --selector at the same time')
}
