// One kubectl invocation's connection: kubeconfig and context resolution, then requests to the
// in-process API server with the context's credentials (bearer token, impersonation headers).
// The API server opens on the first request; warnings it sends are printed as kubectl does.
import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import type {ApiResponse, ApiServer} from '../apiserver/apiserver.js'
import {ensureAdminKubeconfig} from '../apiserver/kubeconfig.js'
import type {KubernetesConnection} from '../apiserver/open.js'
import type {HttpMethod} from '../apiserver/request.js'
import {clusterFolder} from '../home.js'
import {type Clock, systemClock} from '../util/clock.js'
import {isStatusBody, KubectlError, ServerError} from './errors.js'
import type {KubectlFlag, ParsedKubectlFlags} from './flags.js'
import {type ContextEntry, type KubeconfigFiles, KubeconfigError, loadKubeconfig, type UserEntry} from './kubeconfig.js'

export interface KubectlIo {
  stdout(text: string): void
  stderr(text: string): void
  readStdin(): Promise<string>
  readonly environment: NodeJS.ProcessEnv
  readonly clock?: Clock
  /** An API server to talk to instead of opening the cluster (tests put kubectl and a real one side by side). */
  readonly api?: ApiServer
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
}

/** `KUBEMU_WAIT=false` (or a command's --wait=false) leaves the control plane's work for later. */
export const waitEnvironmentVariable = 'KUBEMU_WAIT'

export class KubectlSession {
  private connection: KubernetesConnection | null = null
  private files: KubeconfigFiles | null = null
  /** Whether this command changed the cluster since the control plane last settled it. */
  private changedCluster = false

  constructor(
    readonly flags: ParsedKubectlFlags,
    readonly io: KubectlIo,
  ) {}

  flag(name: string): string {
    return this.flags.values.get(name) ?? ''
  }

  list(name: string): string[] {
    return this.flags.lists.get(name) ?? []
  }

  /** The cluster folder's own admin kubeconfig, written when missing (no store needed). */
  defaultKubeconfigPath(): string {
    const folder = clusterFolder(this.io.environment)
    mkdirSync(folder, {recursive: true})
    return ensureAdminKubeconfig(folder, (this.io.clock ?? systemClock).nowMilliseconds())
  }

  kubeconfig(): KubeconfigFiles {
    if (!this.files) {
      try {
        this.files = loadKubeconfig(this.flag('kubeconfig'), this.io.environment, this.defaultKubeconfigPath())
      } catch (error) {
        if (error instanceof KubeconfigError) throw new KubectlError(error.message)
        throw error
      }
    }
    return this.files
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
    if (!found && !this.flags.changed.has('cluster')) {
      throw new KubectlError('The connection to the server localhost:8080 was refused - did you specify the right host or port?')
    }
    const user = config.users.find((entry) => entry.name === userName)?.value ?? {}
    return {name, context, user, userName, clusterName}
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

  private headers(): Record<string, string | string[]> {
    const {user} = this.context()
    let token = this.flag('token') || user.token || ''
    if (!token && user.tokenFile && existsSync(user.tokenFile)) token = readFileSync(user.tokenFile, 'utf8').trim()
    const headers: Record<string, string | string[]> = {}
    if (token) headers.authorization = `Bearer ${token}`
    if (this.flag('as')) headers['impersonate-user'] = this.flag('as')
    if (this.list('as-group').length > 0) headers['impersonate-group'] = this.list('as-group')
    if (this.flag('as-uid')) headers['impersonate-uid'] = this.flag('as-uid')
    headers['user-agent'] = 'kubectl/v1.32.0 (linux/amd64) kubernetes/kubemu'
    return headers
  }

  async api(): Promise<ApiServer> {
    if (this.io.api) {
      this.context()
      return this.io.api
    }
    if (!this.connection) {
      this.context()
      const {openKubernetes} = await import('../apiserver/open.js')
      this.connection = await openKubernetes({environment: this.io.environment, clock: this.io.clock})
      // A fresh cluster starts: its kubelets register and the masters' static pods come up
      // before the command looks at it.
      if (this.connection.bootstrapped) {
        this.changedCluster = true
        await this.settleControlPlane()
      }
    }
    return this.connection.api
  }

  /** The running `kubemu up` this command goes through, once looked up (null: none). */
  private upHandler: {handle: ApiServer['handle']} | null | undefined = undefined

  /** The in-process API server, or the one of a running `kubemu up` (one process drives the cluster). */
  private async handler(): Promise<{handle: ApiServer['handle']}> {
    if (this.io.api) return this.api()
    if (this.upHandler === undefined) {
      this.context()
      const {runningUp} = await import('../controlplane/up-marker.js')
      const marker = runningUp(clusterFolder(this.io.environment))
      if (marker) {
        const {HttpRequestHandler} = await import('../client/http-handler.js')
        this.upHandler = new HttpRequestHandler(marker.url)
      } else this.upHandler = null
    }
    return this.upHandler ?? this.api()
  }

  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const api = await this.handler()
    const headers = this.headers()
    if (options.contentType) headers['content-type'] = options.contentType
    else if (options.body !== undefined) headers['content-type'] = 'application/json'
    if (options.accept) headers.accept = options.accept
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    const response = await api.handle({method, path, query: options.query, headers, body})
    if (method !== 'GET' && !options.query?.dryRun && response.status < 400) this.changedCluster = true
    for (const warning of response.warnings) this.io.stderr(`Warning: ${warning}\n`)
    if (response.status >= 400 && !(options.allow ?? []).includes(response.status)) {
      throw new ServerError(isStatusBody(response.body) ? response.body : {message: `the server responded with the status code ${response.status}`, code: response.status})
    }
    return response
  }

  /**
   * One-shot mode: after a command changed the cluster, the scheduler, controllers and kubelets
   * run in this process until nothing is left to do, so the next command sees the result.
   */
  async settleControlPlane(): Promise<void> {
    if (!this.changedCluster) return
    this.changedCluster = false
    // A running `kubemu up` runs the control plane itself.
    if (this.upHandler) return
    if (this.io.environment[waitEnvironmentVariable] === 'false' || (this.flags.changed.has('wait') && this.flags.values.get('wait') === 'false')) return
    const api = await this.api()
    const {ControlPlane} = await import('../controlplane/control-plane.js')
    const {staticPodHealthFromFolder} = await import('../controlplane/static-pod-health.js')
    const plane = new ControlPlane(api, this.io.clock ?? systemClock, Math.random, undefined, staticPodHealthFromFolder(clusterFolder(this.io.environment)))
    try {
      const result = await plane.settle()
      if (!result.settled) this.io.stderr(`Warning: the control plane did not settle within ${result.rounds} rounds; run a command again, or kubemu up, to carry on\n`)
    } finally {
      plane.stop()
    }
  }

  /** Before waiting on other processes: the writer lock goes back (reads stay lock-free). */
  async releaseWriter(): Promise<void> {
    const store = this.connection?.store as {releaseWriter?: () => Promise<void>} | undefined
    await store?.releaseWriter?.()
  }

  async close(): Promise<void> {
    await this.connection?.close()
    this.connection = null
  }
}
