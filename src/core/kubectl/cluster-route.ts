// Which cluster a kubectl command talks to, as kubectl decides it: the server the kubeconfig names.
// Without KUBECONFIG or --kubeconfig that is the cluster folder's own kubeconfig (KUBEMU_HOME, else
// ~/.kubemu). A kubeconfig the user gave may name another kubemu cluster (the kubeconfig a `kubemu
// up` wrote in its folder, that up's port): commands go to that cluster, never to the one of
// KUBEMU_HOME or ~/.kubemu. A server no kubemu cluster here answers for is not one kubemu can reach.
import {existsSync, readdirSync} from 'node:fs'
import {connect} from 'node:net'
import {basename, dirname, join, resolve} from 'node:path'
import {defaultServer} from '../apiserver/kubeconfig.js'
import {runningUp} from '../host/up-marker.js'
import {ConnectionRefusedError, KubectlError} from './errors.js'

export type ClusterRoute = {readonly folder: string} | {readonly foreignServer: string}

/** How long the check of a server no kubemu cluster here runs may wait for its port to answer. */
const probeTimeoutMilliseconds = 2000

/** The other clusters of a home looked at for one whose `up` serves a kubeconfig's server (a bound on a crowded home). */
const siblingClustersMax = 100

const withoutSlash = (url: string) => url.replace(/\/+$/, '')

/** Whether the cluster in `folder` answers at `server`: its running `up`'s URLs, else the one-shot kubeconfig's nominal server. */
function serves(folder: string, server: string): boolean {
  const up = runningUp(folder)
  if (up) return [up.url, up.secureUrl].some((url) => url !== undefined && withoutSlash(url) === server)
  return server === defaultServer('').server
}

const isClusterFolder = (folder: string) => existsSync(join(folder, 'kubeconfig')) && existsSync(join(folder, 'pki'))

/**
 * The cluster behind `server` (the context's), for a kubeconfig the user gave (`origin`: the file
 * its cluster entry came from): the home cluster when it answers there, else the kubemu cluster
 * whose folder holds that file, else a foreign server.
 */
export function routeOf(homeFolder: string, server: string, origin: string | undefined): ClusterRoute {
  const wanted = withoutSlash(server)
  if (wanted === '' || serves(homeFolder, wanted)) return {folder: homeFolder}
  const folder = origin === undefined ? undefined : dirname(resolve(origin))
  // The home cluster's own kubeconfig keeps naming it (after its `up` stopped, too).
  if (folder === homeFolder) return {folder: homeFolder}
  if (folder !== undefined && isClusterFolder(folder) && serves(folder, wanted)) return {folder}
  // A copy of a kubeconfig `up` wrote: the other clusters of the same home whose `up` serves there.
  const home = dirname(homeFolder)
  const siblings = existsSync(home) ? readdirSync(home, {withFileTypes: true}).filter((entry) => entry.isDirectory()).slice(0, siblingClustersMax) : []
  for (const sibling of siblings) {
    const candidate = join(home, sibling.name)
    if (candidate !== homeFolder && isClusterFolder(candidate) && runningUp(candidate) && serves(candidate, wanted)) return {folder: candidate}
  }
  return {foreignServer: server}
}

/** The environment that names `folder` as the cluster (KUBEMU_HOME and KUBEMU_CLUSTER), for the host to open. */
export function clusterEnvironment(environment: NodeJS.ProcessEnv, folder: string): NodeJS.ProcessEnv {
  return {...environment, KUBEMU_HOME: dirname(folder), KUBEMU_CLUSTER: basename(folder)}
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
