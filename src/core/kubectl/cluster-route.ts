// Which cluster a kubectl command talks to, as kubectl decides it: the server the kubeconfig names.
// Without KUBECONFIG or --kubeconfig that is the cluster folder's own kubeconfig (KUBEMU_HOME, else
// ~/.kubemu). A kubeconfig the user gave may name another kubemu cluster (the kubeconfig a `kubemu
// up` wrote in its folder, that up's port): commands go to that cluster, never to the one of
// KUBEMU_HOME or ~/.kubemu. A server no kubemu cluster here answers for is not one kubemu can reach.
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {request as httpsRequest} from 'node:https'
import {connect} from 'node:net'
import {basename, dirname, join, resolve} from 'node:path'
import {defaultServer} from '../apiserver/kubeconfig.js'
import {runningUp} from '../host/up-marker.js'
import {controlPathPrefix} from '../host/control-api.js'
import {isJsonObject} from '../api/object.js'
import {ConnectionRefusedError, isStatusBody, KubectlError, ServerError} from './errors.js'

export type ClusterRoute = {readonly folder: string} | {readonly foreignServer: string}

/** How long the check of a server no kubemu cluster here runs may wait for its port to answer. */
const probeTimeoutMilliseconds = 2000

/**
 * How long up's folder endpoint may take to answer: it has the API server check the credentials,
 * which without an etcd quorum ends in etcd's request timeout (5 s by default) for each object the
 * token names (its ServiceAccount, its pod), and that failure is the answer the command prints.
 */
const folderProbeTimeoutMilliseconds = 15_000

/** The other clusters of a home looked at for one whose `up` serves a kubeconfig's server (a bound on a crowded home). */
const siblingClustersMax = 100

const withoutSlash = (url: string) => url.replace(/\/+$/, '')

/** Whether the running `up` of the cluster in `folder` answers at `server` (a loopback host by any of its names). */
function serves(folder: string, server: string): boolean {
  const up = runningUp(folder)
  if (!up) return false
  const loopback = (url: string) => withoutSlash(url).replace(/^(\w+:\/\/)(localhost|127\.0\.0\.1|\[::1\])(?=[:/]|$)/, '$1127.0.0.1')
  return [up.url, up.secureUrl].some((url) => url !== undefined && loopback(url) === loopback(server))
}

const isClusterFolder = (folder: string) => existsSync(join(folder, 'kubeconfig')) && existsSync(join(folder, 'pki'))

/** The CA data (base64) of a cluster folder's own admin kubeconfig, which every kubeconfig of that cluster carries. */
function authorityOf(folder: string): string | null {
  try {
    return /certificate-authority-data:\s*(\S+)/.exec(readFileSync(join(folder, 'kubeconfig'), 'utf8'))?.[1] ?? null
  } catch {
    return null
  }
}

/**
 * The cluster behind `server` (the context's), for a kubeconfig the user gave: `origin` is the file
 * its cluster entry came from, `authority` that entry's certificate-authority-data. In order:
 * - the kubemu cluster whose folder holds that file (its `up`, or one-shot once it stopped);
 * - the home cluster (`home`: KUBEMU_HOME's or ~/.kubemu's, null when there is none) when its
 *   `up` serves there, or, with no `up`, when the entry carries the home cluster's CA (the
 *   nominal https://127.0.0.1:6443 of a kind or kubeadm kubeconfig is not kubemu's);
 * - another cluster of the same home whose `up` serves there (a copy of its kubeconfig);
 * - else a foreign server.
 */
export function routeOf(home: () => string | null, server: string, origin: string | undefined, authority: string | undefined): ClusterRoute {
  const wanted = withoutSlash(server)
  const folder = origin === undefined ? undefined : dirname(resolve(origin))
  if (folder !== undefined && isClusterFolder(folder)) return {folder}
  const homeFolder = home()
  if (homeFolder !== null) {
    const up = runningUp(homeFolder)
    if (up ? serves(homeFolder, wanted) : wanted === defaultServer('').server && authority !== undefined && authority === authorityOf(homeFolder)) return {folder: homeFolder}
  }
  // A copy of a kubeconfig `up` wrote: the clusters of the home whose `up` serves there.
  const homes = [homeFolder === null ? null : dirname(homeFolder)].filter((entry): entry is string => entry !== null && existsSync(entry))
  for (const parent of homes) {
    const siblings = readdirSync(parent, {withFileTypes: true}).filter((entry) => entry.isDirectory()).slice(0, siblingClustersMax)
    for (const sibling of siblings) {
      const candidate = join(parent, sibling.name)
      if (isClusterFolder(candidate) && runningUp(candidate) && serves(candidate, wanted)) return {folder: candidate}
    }
  }
  return {foreignServer: server}
}

/** The environment that names `folder` as the cluster (KUBEMU_HOME and KUBEMU_CLUSTER), for the host to open. */
export function clusterEnvironment(environment: NodeJS.ProcessEnv, folder: string): NodeJS.ProcessEnv {
  return {...environment, KUBEMU_HOME: dirname(folder), KUBEMU_CLUSTER: basename(folder)}
}

/** How a kubeconfig reaches its server: the user's bearer token or client certificate, and the CA (PEM) it trusts, where it has them. */
export interface ServerCredentials {
  readonly token?: string
  /** The user's client certificate and key (PEM), presented in the TLS handshake as kubectl presents them. */
  readonly clientCertificate?: {readonly certificate: string; readonly key: string}
  readonly authority?: Buffer
  readonly insecure?: boolean
}

/** The hosts `up` serves on (it listens on 127.0.0.1 only): the folder is asked of no other. */
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]'])

/** The largest answer of `up`'s folder endpoint read (a path). */
const folderAnswerBytesMax = 64 * 1024

/**
 * The cluster folder of the `kubemu up` that serves `server`, asked of the server itself with the
 * kubeconfig user's credentials, whoever the user is (a copy of `up`'s kubeconfig, or of one made
 * for another user, used from another home names no folder), and only when that folder's `up`
 * does serve there; else null. When the server answers with the API server's failure instead (a
 * 5xx Status: every master stopped, no quorum to check the credentials by), that failure is what
 * the command meets, as kubectl's request would: it is thrown as the server's error.
 */
export async function upFolderServing(server: string, credentials: ServerCredentials): Promise<string | null> {
  let url: URL
  try {
    url = new URL(`${controlPathPrefix}folder`, server)
  } catch {
    return null
  }
  // The token goes only where the request would send it anyway and no one else can read it: a
  // loopback https server (up listens on 127.0.0.1) proving the kubeconfig's own CA. Never over
  // plain http (kubectl sends no credentials there), never to a server it cannot verify.
  const {token, clientCertificate} = credentials
  if ((!token && !clientCertificate) || url.protocol !== 'https:' || !loopbackHosts.has(url.hostname) || !credentials.authority || credentials.insecure) return null
  const answer = await new Promise<{status: number; text: string} | null>((done) => {
    const options = {
      method: 'GET',
      headers: token ? {authorization: `Bearer ${token}`} : {},
      timeout: folderProbeTimeoutMilliseconds,
      ca: credentials.authority,
      ...(clientCertificate ? {cert: clientCertificate.certificate, key: clientCertificate.key} : {}),
    }
    const request = httpsRequest(url, options, (response) => {
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        text += chunk
        if (text.length > folderAnswerBytesMax) request.destroy()
      })
      response.on('end', () => done({status: response.statusCode ?? 0, text}))
      response.on('error', () => done(null))
    })
    request.on('timeout', () => request.destroy())
    request.on('error', () => done(null))
    request.end()
  })
  if (answer === null) return null
  let body: unknown
  try {
    body = JSON.parse(answer.text)
  } catch {
    return null
  }
  if (answer.status >= 500 && isStatusBody(body)) throw new ServerError(body)
  const folder = answer.status === 200 && isJsonObject(body) ? body.folder : undefined
  return typeof folder === 'string' && isClusterFolder(folder) && serves(folder, server) ? folder : null
}

/** A foreign server: kubectl's connection refusal when nothing listens there, else kubemu's clear refusal. */
export async function refuseForeignServer(server: string): Promise<never> {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new ConnectionRefusedError(server)
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80))
  const listening = await new Promise<boolean>((done) => {
    const socket = connect({host: url.hostname.replace(/^\[|\]$/g, ''), port})
    const finish = (answer: boolean) => {
      socket.destroy()
      done(answer)
    }
    socket.setTimeout(probeTimeoutMilliseconds, () => finish(false))
    socket.once('connect', () => finish(true))
    socket.once('error', () => finish(false))
  })
  if (!listening) throw new ConnectionRefusedError(server)
  throw new KubectlError(`${server} is not a kubemu cluster of this machine (no \`kubemu up\` serves it): kubemu's kubectl reaches kubemu clusters only; use kubectl for this server`)
}
