// One kubectl invocation's connection: kubeconfig and context resolution, then requests to the
// in-process API server with the context's credentials (bearer token, impersonation headers).
// The API server opens on the first request; warnings it sends are printed as kubectl does.
import type {ContainerTools} from '../kubelet/shell/process-context.js'
import {applySeed} from '../seed.js'
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import type {ApiRequest, ApiResponse, HttpMethod} from '../api/wire.js'
import {ensureAdminKubeconfig} from '../apiserver/kubeconfig.js'
import type {SettleResult} from '../controlplane/runner.js'
import {type ClusterClock, followingUpClock, openClusterClock} from '../host/clock.js'
import type {ClusterHost, KubernetesHandler} from '../host/host.js'
import {waitEnvironmentVariable} from '../host/cluster-host.js'
import type {StepProgress} from '../host/stepper.js'
import {existingClusterFolder} from '../home.js'
import {type ClusterRoute, clusterEnvironment, refuseForeignServer, routeOf, type ServerCredentials, upFolderServing} from './cluster-route.js'
import {StorageError} from '../storage/errors.js'
import {parseGoDuration} from '../etcdctl/flags.js'
import {formatGoDuration} from '../util/go-duration.js'
import {type Clock, systemClock} from '../util/clock.js'
import {InProcessConnection, type LoggedRequest, loggedRequestHeaders, loggedResponseBody, loggedUrl, RequestLog, tracedExchange} from './request-log.js'
import type {HttpExchangeTrace} from '../client/http-handler.js'
import type {DiscoveryCacheAccess} from './discovery-cache.js'
import {ConnectionRefusedError, errorStatus, isStatusBody, KubectlError, ServerError, type StatusBody} from './errors.js'
import {goJson} from '../util/go-json.js'
import {clientCertificateOf} from './client-certificate.js'
import {type ClientCertificateKeyPair, clientCertificateHeaders} from '../api/client-certificate-proof.js'
import type {KubectlFlag, ParsedKubectlFlags} from './flags.js'
import {type ContextEntry, type Kubeconfig, type KubeconfigFiles, KubeconfigError, loadKubeconfig, saveKubeconfig, type UserEntry} from './kubeconfig.js'

export interface KubectlIo {
  stdout(text: string): void
  stderr(text: string): void
  readStdin(): Promise<string>
  /** Stdin piece by piece as it comes (a line typed, a line a pipe wrote), to its end: attach -i sends each on at once. */
  readonly stdinPieces?: () => AsyncIterable<string>
  /** Present when stdin is a terminal: `exec -it` puts it in raw mode (each key sent as typed) while the command runs. */
  readonly terminalInput?: {setRaw(raw: boolean): void}
  readonly environment: NodeJS.ProcessEnv
  readonly clock?: Clock
  /** The host to reach the cluster through instead of the one the environment names (tests attach kubectl to an API server they serve: host/attached-host.ts). */
  readonly host?: ClusterHost
  /** Shows how a long catch-up of the cluster goes (a line on a terminal), and clears it after. */
  readonly catchUpProgress?: {update(progress: StepProgress): void; done(): void}
  /** Whether stdout is a terminal that takes colours (kubectl colours cluster-info there; NO_COLOR turns it off). */
  readonly stdoutColors?: boolean
}

export const globalFlags: readonly KubectlFlag[] = [
  {name: 'kubeconfig', kind: 'string'},
  {name: 'context', kind: 'string'},
  {name: 'cluster', kind: 'string'},
  {name: 'user', kind: 'string'},
  {name: 'namespace', shorthand: 'n', kind: 'string'},
  {name: 'token', kind: 'string'},
  {name: 'as', kind: 'string'},
  {name: 'as-group', kind: 'stringArray'},
  {name: 'as-uid', kind: 'string'},
  {name: 'server', shorthand: 's', kind: 'string'},
  {name: 'request-timeout', kind: 'string', defaultValue: '0'},
  {name: 'v', shorthand: 'v', kind: 'int', defaultValue: '0'},
  {name: 'insecure-skip-tls-verify', kind: 'bool'},
  {name: 'certificate-authority', kind: 'string'},
  {name: 'client-certificate', kind: 'string'},
  {name: 'client-key', kind: 'string'},
  {name: 'tls-server-name', kind: 'string'},
  {name: 'username', kind: 'string'},
  {name: 'password', kind: 'string'},
  {name: 'cache-dir', kind: 'string'},
  {name: 'match-server-version', kind: 'bool'},
  {name: 'warnings-as-errors', kind: 'bool'},
  {name: 'disable-compression', kind: 'bool'},
  {name: 'profile', kind: 'string', defaultValue: 'none'},
  {name: 'profile-output', kind: 'string', defaultValue: 'profile.pprof'},
  {name: 'log-flush-frequency', kind: 'string', defaultValue: '5s'},
]

export interface RequestOptions {
  readonly query?: Record<string, string>
  readonly body?: unknown
  readonly contentType?: string
  readonly accept?: string
  /** Status codes answered without throwing (e.g. 404 for --ignore-not-found). */
  readonly allow?: readonly number[]
  /** The line of kubectl's code that sends this request, which its -v=8 body lines name (by default the resource helper's for the method). */
  readonly caller?: string
  /** No `timeout` parameter: a typed client's Watch sends none (it sets the request's timeout to the watch's own, zero by default). */
  readonly withoutTimeoutParameter?: boolean
}

/** Where kubectl's resource helper (cli-runtime 1.32) sends each method from: its body lines name it. */
function defaultCaller(method: HttpMethod): string {
  return {GET: 'helper.go:105', POST: 'helper.go:246', PUT: 'helper.go:319', PATCH: 'helper.go:269', DELETE: 'helper.go:202'}[method]
}

/** A list's GET, from the helper's List. */
export const listCaller = 'helper.go:113'

// KUBEMU_WAIT=false (or a command's --wait=false) leaves the control plane's work for later.
export {waitEnvironmentVariable} from '../host/cluster-host.js'
/** How often a waiting one-shot command runs the cluster it waits on. */
export const drivingIntervalMilliseconds = 1_000

export class KubectlSession {
  private files: KubeconfigFiles | null = null
  /** Whether this command changed the cluster since the control plane last settled it. */
  private changedCluster = false

  constructor(
    readonly flags: ParsedKubectlFlags,
    readonly io: KubectlIo,
    /** The command line less "kubectl" (a Go trace shows how many words cobra was given). */
    readonly commandArgs: readonly string[] = [],
  ) {}

  flag(name: string): string {
    return this.flags.values.get(name) ?? ''
  }

  list(name: string): string[] {
    return this.flags.lists.get(name) ?? []
  }

  /**
   * The cluster's folder. Only the default cluster comes into being on first use: one that
   * KUBEMU_CLUSTER names must exist already (`kubemu up` creates it), or the command fails.
   */
  clusterFolder(): string {
    const route = this.route()
    const folder = 'folder' in route ? route.folder : this.homeFolder()
    applySeed(this.io.environment, folder)
    return folder
  }

  /** The folder of KUBEMU_HOME's (else ~/.kubemu's) cluster, KUBEMU_CLUSTER's or the default one. */
  private homeFolder(): string {
    try {
      return existingClusterFolder(this.io.environment)
    } catch (error) {
      throw new KubectlError(error instanceof Error ? error.message : String(error))
    }
  }

  private clusterRoute: ClusterRoute | undefined

  /**
   * The cluster the kubeconfig's server names (see cluster-route.ts): KUBEMU_HOME's (or
   * ~/.kubemu's) unless the user gave a kubeconfig that names another.
   */
  private route(): ClusterRoute {
    if (this.clusterRoute) return this.clusterRoute
    // --server names the server whatever kubeconfig holds the rest: the cluster is the one behind it.
    const serverFlag = this.flag('server')
    const given = this.flag('kubeconfig') !== '' || (this.io.environment.KUBECONFIG ?? '') !== '' || serverFlag !== ''
    if (!given || this.io.host) return (this.clusterRoute = {folder: this.homeFolder()})
    const files = this.kubeconfig()
    const {clusterName} = this.context()
    const cluster = files.config.clusters.find((entry) => entry.name === clusterName)?.value
    const server = this.flag('server') || (cluster?.server ?? '')
    // The home cluster is looked at only when the kubeconfig's own folder is no cluster (KUBEMU_CLUSTER naming a missing one does not stand in the way).
    const home = () => {
      try {
        return this.homeFolder()
      } catch {
        return null
      }
    }
    const route = routeOf(home, server, serverFlag === '' ? files.origins.get(`cluster/${clusterName}`) : undefined, cluster?.['certificate-authority-data'])
    return (this.clusterRoute = route)
  }

  /** The token or client certificate, and the CA, of the context's user and cluster, for asking a server whether a kubemu `up` serves it. */
  private serverCredentials(): ServerCredentials {
    const {clusterName} = this.context()
    const files = this.kubeconfig()
    const cluster = files.config.clusters.find((entry) => entry.name === clusterName)?.value
    const token = this.bearerToken() || undefined
    const clientCertificate = this.clientCertificate()?.tlsIdentity()
    const authorityFile = this.flag('certificate-authority') || cluster?.['certificate-authority']
    let authority: Buffer | undefined
    try {
      if (cluster?.['certificate-authority-data']) authority = Buffer.from(cluster['certificate-authority-data'], 'base64')
      else if (authorityFile) authority = readFileSync(resolve(dirname(files.origins.get(`cluster/${clusterName}`) ?? '.'), authorityFile))
    } catch {
      authority = undefined
    }
    return {...(token ? {token} : {}), ...(clientCertificate ? {clientCertificate} : {}), ...(authority ? {authority} : {}), insecure: this.flag('insecure-skip-tls-verify') === 'true' || cluster?.['insecure-skip-tls-verify'] === true}
  }

  /**
   * The cluster folder's own admin kubeconfig, written when missing (no store needed). With
   * --server, which names the cluster, a home with no cluster yet gets none for it: the
   * kubeconfig is then empty, as kubectl's with no ~/.kube/config.
   */
  defaultKubeconfigPath(): string {
    const folder = this.homeFolder()
    if (this.flag('server') !== '' && !existsSync(join(folder, 'kubeconfig'))) return join(folder, 'kubeconfig')
    applySeed(this.io.environment, folder)
    mkdirSync(folder, {recursive: true})
    // The home cluster's clock: the command's own may belong to the cluster --server names, which is found through this kubeconfig.
    return ensureAdminKubeconfig(folder, (this.io.host?.clock ?? openClusterClock(folder, this.io.clock ?? systemClock)).nowMilliseconds())
  }

  /**
   * The kubeconfig files and their merged config. `kubectl config` commands (`forEditing`) start
   * from an empty config where the --kubeconfig file is not there, and create it when they write.
   */
  kubeconfig(forEditing = false): KubeconfigFiles {
    if (!this.files) {
      try {
        this.files = loadKubeconfig(this.flag('kubeconfig'), this.io.environment, () => this.defaultKubeconfigPath(), forEditing)
        for (const path of this.files.paths) this.requestLog.configLoaded(path)
      } catch (error) {
        if (error instanceof KubeconfigError) throw new KubectlError(error.message)
        throw error
      }
    }
    return this.files
  }

  /** Writes a changed kubeconfig back as clientcmd's ModifyConfig does (see kubeconfig.ts). */
  saveKubeconfig(config: Kubeconfig, relativizePaths = false): void {
    try {
      saveKubeconfig(this.kubeconfig(true), config, relativizePaths)
    } catch (error) {
      if (error instanceof KubeconfigError) throw new KubectlError(error.message)
      throw error
    }
  }

  /** The context in effect, with flags applied over it. */
  context(): {name: string; context: ContextEntry; user: UserEntry; userName: string; clusterName: string} {
    const {config} = this.kubeconfig()
    const name = this.flag('context') || config.currentContext
    const found = config.contexts.find((entry) => entry.name === name)
    if (this.flags.changed.has('context') && !found) throw new KubectlError(`context was not found for specified context: ${name}`)
    const context = found?.value ?? {}
    const userName = this.flag('user') || context.user || ''
    const clusterName = this.flag('cluster') || context.cluster || ''
    if (this.flags.changed.has('user') && !config.users.some((entry) => entry.name === userName)) throw new KubectlError(`auth info "${userName}" does not exist`)
    if (this.flags.changed.has('cluster') && !config.clusters.some((entry) => entry.name === clusterName)) throw new KubectlError(`cluster "${clusterName}" does not exist`)
    const user = config.users.find((entry) => entry.name === userName)?.value ?? {}
    return {name, context, user, userName, clusterName}
  }

  /**
   * Before the first request: a kubeconfig without the context it names (KUBECONFIG naming a
   * missing file) and no --server leaves kubectl with localhost:8080, where nothing listens.
   * Commands that need no server (client dry runs, --local, config, kustomize) never get here.
   */
  private checkServerKnown(): void {
    const {config} = this.kubeconfig()
    const name = this.flag('context') || config.currentContext
    if (!config.contexts.some((entry) => entry.name === name) && !this.flags.changed.has('cluster') && this.flag('server') === '') {
      throw new ConnectionRefusedError('http://localhost:8080')
    }
  }

  /** --local: the command changes what its files give and sends nothing, so it needs no server. */
  sendsNothing(): boolean {
    return this.flag('local') === 'true'
  }

  /** -n, else the context's namespace, else default. */
  namespace(): string {
    if (this.flags.changed.has('namespace') && this.flag('namespace').length > 0) return this.flag('namespace')
    return this.context().context.namespace || 'default'
  }

  /** Whether the namespace came from -n (so it must match what objects in files say). */
  namespaceExplicit(): boolean {
    return this.flags.changed.has('namespace') && this.flag('namespace').length > 0
  }

  /** A klog info line of kubectl's own at verbosity `level` (-v) and above. */
  klog(level: number, source: string, message: string): void {
    this.requestLog.info(level, source, message)
  }

  /** A klog warning or error line of kubectl's own (the libraries it calls log them whatever the -v). */
  klogProblem(severity: 'W' | 'E', source: string, message: string): void {
    if (severity === 'W') this.requestLog.warning(source, message)
    else this.requestLog.error(source, message)
  }

  /** The line kubectl's error handler logs (-v=4) before it says the server refused the connection. */
  connectionErrorLog(error: ConnectionRefusedError): string {
    if (this.requestLog.level < 4 || !error.request) return ''
    return this.requestLog.text('helpers.go:264', `Connection error: ${error.requestError(error.request.method, error.request.url, false)}`)
  }

  /**
   * The verb's resource builder decodes answers into kubectl's Go types (rollout, set, expose):
   * a server's Status then has no kind or apiVersion when it is logged.
   */
  typedStatus = false

  /** The line kubectl's error handler logs (-v=4) before it prints a server's error: the Status, indented, in the brackets its format leaves. */
  serverErrorLog(error: ServerError): string {
    if (this.requestLog.level < 4) return ''
    const {kind: _kind, apiVersion: _apiVersion, ...untyped} = error.status as StatusBody & {kind?: unknown; apiVersion?: unknown}
    return this.requestLog.text('helpers.go:246', `server response object: %s[${goJson(this.typedStatus ? untyped : error.status, false, '  ')}]`)
  }

  /**
   * What kubectl logs when discovery meets a closed port: each of its `attempts` (kubectl's
   * resource builder and its deferred mapper try 5 times) an error line from the memory cache,
   * and at -v=6 the request's line without a status and the disk cache's note.
   */
  logRefusedDiscovery(error: ConnectionRefusedError | ServerError, attempts: number, shortcut = true): void {
    if (this.refusalLogged) return
    this.refusalLogged = true
    const url = loggedUrl(this.loggedServer(), '/api', {timeout: formatGoDuration(this.requestTimeoutMilliseconds() || 32_000)})
    if (error instanceof ServerError) {
      // A refusal (401, 403): the attempts' error lines; the answer's line is the request log's own.
      for (let attempt = 1; attempt <= attempts; attempt++) {
        this.requestLog.error('memcache.go:265', `"Unhandled Error" err=${JSON.stringify(`couldn't get current server API group list: ${error.status.message ?? ''}`)}`)
        this.requestLog.info(3, 'cached_discovery.go:120', `skipped caching discovery info due to ${error.status.message ?? ''}`)
        if (shortcut && attempt === (attempts >= 5 ? 2 : 1)) this.requestLog.info(2, 'shortcut.go:103', `Error loading discovery information: ${error.status.message ?? ''}`)
      }
      return
    }
    if (attempts > 0) error.request ??= {method: 'GET', url}
    const cause = error.requestError('GET', url)
    // The resource builder's shortcut expander gives up (-v=2) after its second attempt; explain's and logs' after their first.
    const shortcutAfter = attempts >= 5 ? 2 : 1
    for (let attempt = 1; attempt <= attempts; attempt++) this.logRefusedAttempt(url, cause, shortcut && attempt === shortcutAfter)
  }

  /** One discovery attempt that met a closed port, as kubectl logs it. */
  private logRefusedAttempt(url: string, cause: string, shortcutGivesUp: boolean): void {
    this.requestLog.info(6, 'round_trippers.go:560', `GET ${url}  in 0 milliseconds`)
    this.requestLog.error('memcache.go:265', `"Unhandled Error" err=${JSON.stringify(`couldn't get current server API group list: ${cause}`)}`)
    this.requestLog.info(3, 'cached_discovery.go:120', `skipped caching discovery info due to ${cause}`)
    if (shortcutGivesUp) this.requestLog.info(2, 'shortcut.go:103', `Error loading discovery information: ${cause}`)
  }

  /**
   * The error of an object of `source` the builder could not map because discovery met a closed
   * port: kubectl's deferred mapper tries once per object, each attempt logged.
   */
  unrecognizedObject(error: ConnectionRefusedError, source: string): KubectlError {
    const url = loggedUrl(this.loggedServer(), '/api', {timeout: formatGoDuration(this.requestTimeoutMilliseconds() || 32_000)})
    const cause = error.requestError('GET', url)
    this.logRefusedAttempt(url, cause, false)
    return new KubectlError(`unable to recognize ${JSON.stringify(source)}: ${cause}`)
  }

  private refusalLogged = false

  /** Stdin's text, read once however often the verb reads its files (replace --force reads them twice, as kubectl reads its copy of stdin). */
  readStdinOnce(): Promise<string> {
    return (this.stdinRead ??= this.io.readStdin())
  }

  private stdinRead: Promise<string> | null = null

  /** -v: requests logged on stderr as kubectl logs them. */
  private requestLogOpened: RequestLog | null = null
  private get requestLog(): RequestLog {
    this.requestLogOpened ??= new RequestLog(Number(this.flag('v')) || 0, (text) => this.io.stderr(text))
    return this.requestLogOpened
  }

  /** The server URL kubectl logs its requests against: --server, else the context's cluster's. */
  private loggedServer(): string {
    const {config} = this.kubeconfig()
    return this.flag('server') || (config.clusters.find((entry) => entry.name === this.context().clusterName)?.value.server ?? 'http://localhost:8080')
  }

  /** The connection kubectl would hold to the kubeconfig's server, when the API server runs in this process (see request-log.ts). */
  private readonly inProcessConnection = new InProcessConnection()
  /** The server's warnings already printed: kubectl's warning writer deduplicates them per process. */
  private readonly printedWarnings = new Set<string>()

  /** The kubeconfig user's client certificate, read once per command (null: none). */
  private clientCertificateRead: {pair: ClientCertificateKeyPair | null} | null = null

  /**
   * The headers that carry the user's client certificate for this one request (the real kubectl
   * presents it in the TLS handshake, which in-process and loopback requests do not have); the
   * proof is signed over the request and the wall-clock time.
   */
  private certificateHeaders(request: Pick<ApiRequest, 'method' | 'path' | 'query' | 'body'>): Record<string, string> {
    if (this.plainHttpServer()) return {}
    return this.clientCertificate()?.headersFor(request, Date.now()) ?? {}
  }

  /** The kubeconfig user's (or the flags') client certificate and key, read once per command; null: none. */
  private clientCertificate(): ClientCertificateKeyPair | null {
    if (!this.clientCertificateRead) {
      const {user, userName} = this.context()
      const kubeconfigPath = this.kubeconfig().origins.get(`user/${userName}`)
      this.clientCertificateRead = {pair: clientCertificateOf(user, userName, {certificate: this.flag('client-certificate'), key: this.flag('client-key')}, kubeconfigPath)}
    }
    return this.clientCertificateRead.pair
  }

  /** --token, else the user's token, else its token file's. */
  private bearerToken(): string {
    const {user} = this.context()
    const token = this.flag('token') || user.token || ''
    if (!token && user.tokenFile && existsSync(user.tokenFile)) return readFileSync(user.tokenFile, 'utf8').trim()
    return token
  }

  /**
   * Whether the server is plain HTTP: clientcmd gives the user's credentials (token, client
   * certificate) only to an https server, so kubectl reaches an http one as system:anonymous;
   * impersonation it keeps.
   */
  private plainHttpServer(): boolean {
    const {clusterName} = this.context()
    const server = this.flag('server') || (this.kubeconfig().config.clusters.find((entry) => entry.name === clusterName)?.value.server ?? '')
    return /^http:\/\//i.test(server)
  }

  private headers(): Record<string, string | string[]> {
    const token = this.bearerToken()
    const headers: Record<string, string | string[]> = {}
    if (token && !this.plainHttpServer()) headers.authorization = `Bearer ${token}`
    if (this.flag('as')) headers['impersonate-user'] = this.flag('as')
    if (this.list('as-group').length > 0) headers['impersonate-group'] = this.list('as-group')
    if (this.flag('as-uid')) headers['impersonate-uid'] = this.flag('as-uid')
    headers['user-agent'] = 'kubectl/v1.32.0 (linux/amd64) kubernetes/kubemu'
    return headers
  }

  /** The cluster this command talks to: through a running `kubemu up`, or in this process. */
  private host: ClusterHost | null = null
  private hostOpening: Promise<ClusterHost> | null = null
  private clusterClock: ClusterClock | null = null

  /** The cluster clock (wall time plus the cluster's offset), or the clock of the host a test handed in. */
  get clock(): Clock {
    return this.io.host?.clock ?? this.hostClock()
  }

  private hostClock(): ClusterClock {
    this.clusterClock ??= openClusterClock(this.clusterFolder(), this.io.clock ?? systemClock)
    return this.clusterClock
  }

  private waitDisabled(): boolean {
    return this.io.environment[waitEnvironmentVariable] === 'false' || (this.flags.changed.has('wait') && this.flags.values.get('wait') === 'false')
  }

  /** Opens the host once; in one-shot mode the cluster first catches up to now. */
  private openHost(): Promise<ClusterHost> {
    this.hostOpening ??= (async () => {
      this.context()
      this.checkServerKnown()
      let route = this.route()
      await this.verifyTlsServerName()
      if ('foreignServer' in route) {
        const folder = await upFolderServing(route.foreignServer, this.serverCredentials())
        if (folder === null) await refuseForeignServer(route.foreignServer)
        else route = this.clusterRoute = {folder}
      }
      // An exec in an etcd image runs etcdctl on the cluster this command opened (loaded only then).
      const environment = 'folder' in route ? clusterEnvironment(this.io.environment, route.folder) : this.io.environment
      const etcdctl: NonNullable<ContainerTools['etcdctl']> = async (argv, environmentOfExec, stdin, readFile) => (await import('../etcdctl/container-etcdctl.js')).containerEtcdctl(environment)(argv, environmentOfExec, stdin, readFile)
      const host = this.io.host ?? (await (await import('../host/host.js')).openHost({environment, clock: this.hostClock(), containerTools: {etcdctl}}))
      this.host = host
      // A seeded cluster's clock stands on its epoch in this process; a seeded `up` whose clock runs
      // is further on (ages computed here would come out negative): this process follows up's.
      if (!this.io.host && host.up && this.hostClock().standsStill) {
        const reading = await host.time()
        if (!reading.standsStill) this.clusterClock = followingUpClock(reading.now, this.io.clock ?? systemClock)
      }
      // With every master stopped no API server runs: the command meets a closed port before the cluster catches up.
      await host.kubernetes()
      if (!this.waitDisabled()) {
        try {
          await host.catchUp(this.io.catchUpProgress?.update)
        } finally {
          this.io.catchUpProgress?.done()
        }
        // Reads go lock-free again (a watch may run for hours); a write takes the lock anew.
        await host.release()
      }
      return host
    })()
    return this.hostOpening
  }

  /**
   * --tls-server-name or the cluster's tls-server-name: the name the server's certificate must be
   * valid for (verification skipped with insecure-skip-tls-verify, as kubectl's is).
   */
  private async verifyTlsServerName(): Promise<void> {
    const cluster = this.kubeconfig().config.clusters.find((entry) => entry.name === this.context().clusterName)?.value
    const name = this.flag('tls-server-name') || String(cluster?.['tls-server-name'] ?? '')
    if (name === '' || this.serverCredentials().insecure) return
    const {verifyServerName} = await import('./server-name.js')
    await verifyServerName(this.loggedServer(), name)
  }

  /** --request-timeout: "0" (none), whole seconds, or a Go duration such as 1s, 2m, 3h; checked before any request. */
  requestTimeoutMilliseconds(): number {
    const text = this.flag('request-timeout')
    if (/^\d+$/.test(text)) return Number(text) * 1000
    try {
      return parseGoDuration(text)
    } catch {
      throw new KubectlError('Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)')
    }
  }

  /** The host's Kubernetes API: in this process or a running `kubemu up`. */
  private async handler(): Promise<KubernetesHandler> {
    this.requestTimeoutMilliseconds()
    try {
      const handler = await (await this.openHost()).kubernetes()
      this.requestLog.clientCreated()
      return handler
    } catch (error) {
      const [{NoApiServerError}, {KubernetesUnavailableError}] = await Promise.all([import('../host/one-shot-host.js'), import('../apiserver/open.js')])
      // Opening reads the store (the bootstrap check): a failure there is the server's answer.
      if (error instanceof KubernetesUnavailableError) throw new ServerError(error.status)
      if (error instanceof ConnectionRefusedError) this.requestLog.clientCreated()
      if (!(error instanceof NoApiServerError)) throw error
      // What kubectl says when nothing listens behind the cluster's server URL (its client was built all the same).
      this.requestLog.clientCreated()
      throw new ConnectionRefusedError(this.loggedServer())
    }
  }

  /**
   * Whether the kubeconfig's server URL really answers: a running `kubemu up` (or an API server a
   * test serves). Otherwise each command runs the cluster in its own process and nothing listens.
   */
  async served(): Promise<boolean> {
    await this.handler()
    return this.host?.up != null
  }

  /** Set when a command runs again because its cached discovery did not know a name: discovery then comes from the server. */
  discoveryFromServer = false
  /** Whether a request that may change the cluster went out (a command that did so is not run again). */
  sentWrite = false

  /**
   * kubectl's discovery cache for the server behind the kubeconfig (see discovery-cache.ts), under
   * --cache-dir or ~/.kube/cache, one-shot as through `up`: a command with a warm cache sends only
   * its own requests, as kubectl's does. A host a test attached serves its own API server, whose
   * discovery is not the cluster's of that URL: no cache there.
   */
  async discoveryCache(): Promise<DiscoveryCacheAccess | null> {
    if (this.io.host) return null
    const {config} = this.kubeconfig()
    const server = this.flag('server') || (config.clusters.find((entry) => entry.name === this.context().clusterName)?.value.server ?? '')
    if (server.length === 0) return null
    const {cacheDirectoryOf, discoveryCacheFolder, discoveryClusterIdentity, readDiscoveryCache, writeDiscoveryCache} = await import('./discovery-cache.js')
    const folder = discoveryCacheFolder(cacheDirectoryOf(this.flag('cache-dir'), this.io.environment), server)
    // One-shot, the folder must hold this cluster's discovery (see discovery-cache.ts); through
    // `up` the URL is the cluster's own and the real kubectl's cache is as good as ours.
    const cluster = discoveryClusterIdentity(this.clusterFolder())
    // With nothing listening, kubectl still reads its cache (its request then meets the closed port).
    const oneShot = !(await this.served().catch((error: unknown) => {
      if (error instanceof ConnectionRefusedError) return error.listening
      throw error
    }))
    // File times are wall-clock times, as kubectl's are.
    return {read: () => (this.discoveryFromServer ? null : readDiscoveryCache(folder, Date.now(), oneShot ? cluster : undefined)), write: (discovery) => writeDiscoveryCache(folder, discovery, cluster)}
  }

  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const api = await this.handler().catch((error: unknown) => {
      if (error instanceof ConnectionRefusedError) {
        const timeout = options.withoutTimeoutParameter ? 0 : this.requestTimeoutMilliseconds()
        error.request ??= {method, url: loggedUrl(this.loggedServer(), path, timeout > 0 ? {...options.query, timeout: formatGoDuration(timeout)} : options.query)}
      }
      throw error
    })
    const headers = this.headers()
    if (options.contentType) headers['content-type'] = options.contentType
    else if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (options.accept) headers.accept = options.accept
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    if (method !== 'GET') this.sentWrite = true
    // client-go tells the server the client's timeout on every request, as the `timeout` parameter.
    const timeout = options.withoutTimeoutParameter ? 0 : this.requestTimeoutMilliseconds()
    if (timeout > 0) options = {...options, query: {...options.query, timeout: formatGoDuration(timeout)}}
    const log = this.requestLog.level >= 6
    const logged: LoggedRequest | null = log ? {method, url: loggedUrl(this.loggedServer(), path, options.query), headers: loggedRequestHeaders(headers), body: body ?? '', caller: options.caller ?? defaultCaller(method)} : null
    if (logged) this.requestLog.requestStarting(logged)
    const trace: HttpExchangeTrace = {}
    // The client certificate's headers stand for the TLS handshake the real kubectl makes: added after the log took the request's headers, never logged.
    Object.assign(headers, this.certificateHeaders({method, path, query: options.query, body}))
    const started = performance.now()
    const response = await api.handle({method, path, query: options.query, headers, body}, log ? trace : undefined)
    if (logged) {
      const elapsed = performance.now() - started
      const exchange = trace.headers ? tracedExchange(trace, elapsed) : this.inProcessConnection.exchange(response, elapsed)
      this.requestLog.responseReceived(logged, {status: response.status, headers: exchange.headers, body: loggedResponseBody(response), timing: exchange.timing})
    }
    if (method !== 'GET' && !options.query?.dryRun && response.status < 400) this.changedCluster = true
    for (const warning of response.warnings) {
      if (this.printedWarnings.has(warning)) continue
      this.printedWarnings.add(warning)
      this.io.stderr(`Warning: ${warning}\n`)
    }
    if (response.status >= 400 && !(options.allow ?? []).includes(response.status)) {
      throw new ServerError(errorStatus(response.status, response.body, method, response.contentType))
    }
    return response
  }

  /**
   * A request another client sent through this kubectl (kubectl proxy): sent with this kubectl's
   * credentials (an Authorization it brings stays, as client-go's bearer round tripper leaves it)
   * and answered as the server answers, errors included.
   */
  async forward(request: ApiRequest): Promise<ApiResponse> {
    const api = await this.handler()
    const {'user-agent': _kubectlAgent, ...credentials} = this.headers()
    // A certificate proof the proxy's client sent is not this kubectl's to pass on (a proxy's
    // upstream TLS would not carry the client's certificate either).
    const given = Object.fromEntries(Object.entries(request.headers ?? {}).filter(([name]) => !(clientCertificateHeaders as readonly string[]).includes(name)))
    const headers = {...given, ...credentials, ...this.certificateHeaders(request), ...(given.authorization !== undefined ? {authorization: given.authorization} : {})}
    if (request.method !== 'GET') this.sentWrite = true
    try {
      const response = await api.handle({...request, headers})
      if (request.method !== 'GET' && response.status < 400) this.changedCluster = true
      return response
    } finally {
      // A proxy serves for hours: other commands must not wait on this one's writer lock.
      await this.releaseWriter()
    }
  }

  /**
   * One-shot mode: after a command changed the cluster, the scheduler, controllers and kubelets
   * run in this process until nothing is left to do, so the next command sees the result.
   */
  async settleControlPlane(): Promise<void> {
    if (!this.changedCluster) return
    this.changedCluster = false
    if (this.waitDisabled()) {
      await (await this.openHost()).defer()
      return
    }
    const host = await this.openHost()
    this.reportUnsettled(await host.settle())
  }

  private reportUnsettled(result: SettleResult | null): void {
    for (const failure of result?.failures ?? []) this.io.stderr(`Warning: ${failure}\n`)
    if (result && !result.settled) this.io.stderr(`Warning: the control plane did not settle within ${result.rounds} rounds; run a command again, or kubemu up, to carry on\n`)
  }

  /**
   * While a command waits for others (wait, rollout status, delete --wait), the cluster keeps
   * running: in one-shot mode this process drives it every interval, holding the writer lock only
   * while it does; a running `kubemu up` needs nothing.
   */
  async driveWhileWaiting(signal: AbortSignal): Promise<void> {
    const host = await this.openHost()
    if (host.up) return
    // A seeded cluster's clock stands still between commands: there is no time to catch up on,
    // and what the wait is for (a shell's end after the stdin just sent) comes from the loops
    // settling what changed.
    const standing = !this.io.host && this.hostClock().standsStill
    while (!signal.aborted) {
      await this.clock.sleep(drivingIntervalMilliseconds, signal)
      if (signal.aborted) break
      try {
        if (standing) await host.settle()
        else await host.catchUp()
      } catch (error) {
        // Another process drives the cluster now (it holds the writer lock): nothing to do.
        if (!(error instanceof StorageError && error.code === 'Locked')) throw error
      } finally {
        await host.release()
      }
    }
  }

  /** Before waiting on other processes: the writer lock goes back (reads stay lock-free). */
  async releaseWriter(): Promise<void> {
    await this.host?.release()
  }

  async close(): Promise<void> {
    await this.host?.close()
    this.host = null
    this.hostOpening = null
  }
}
