// The admin kubeconfig of a cluster, as kubeadm writes admin.conf: one cluster, one user with
// the admin's bearer token, one context, current. kubectl (real or kubemu's) reads it.
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'
import {parse, stringify} from 'yaml'
import {FileCredentials} from './authentication/credentials.js'
import {apiServerSecurePort} from './bootstrap-object.js'

export const kubeconfigFileName = 'kubeconfig'

export function kubeconfigPath(folder: string): string {
  return join(folder, kubeconfigFileName)
}

/** Where the kubeconfig points: `kubemu up`'s HTTPS front door, trusted through the cluster's CA. */
export interface KubeconfigServer {
  readonly server: string
  /** PEM of the CA; absent for a plain-HTTP server. */
  readonly certificateAuthority?: string
}

export const defaultServer = (certificateAuthority: string): KubeconfigServer => ({server: `https://127.0.0.1:${apiServerSecurePort}`, certificateAuthority})

export function adminKubeconfig(clusterName: string, token: string, server: KubeconfigServer): string {
  const cluster = `kubemu-${clusterName}`
  const user = `${cluster}-admin`
  const authority = server.certificateAuthority ? {'certificate-authority-data': Buffer.from(server.certificateAuthority).toString('base64')} : {}
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{cluster: {...authority, server: server.server}, name: cluster}],
    contexts: [{context: {cluster, user}, name: cluster}],
    'current-context': cluster,
    preferences: {},
    users: [{name: user, user: {token}}],
  })
}

export function writeAdminKubeconfig(folder: string, clusterName: string, token: string, server: KubeconfigServer): string {
  const path = kubeconfigPath(folder)
  writeFileSync(path, adminKubeconfig(clusterName, token, server), {mode: 0o600})
  return path
}

/**
 * The cluster folder's admin kubeconfig: written when missing; one that earlier kubemu versions
 * wrote for plain HTTP gets the HTTPS address and the CA, everything else in it kept.
 */
export function ensureAdminKubeconfig(folder: string, nowMilliseconds: number): string {
  const path = kubeconfigPath(folder)
  const credentials = new FileCredentials(folder)
  const authority = () => credentials.certificates(nowMilliseconds).authority.certificate
  if (!existsSync(path)) return writeAdminKubeconfig(folder, basename(folder), credentials.adminToken(), defaultServer(authority()))
  const text = readFileSync(path, 'utf8')
  const plain = `http://127.0.0.1:${apiServerSecurePort}`
  if (!text.includes(plain)) return path
  const config = parse(text) as {clusters?: Array<{cluster?: Record<string, unknown>}>}
  let changed = false
  for (const entry of config.clusters ?? []) {
    if (entry.cluster?.server !== plain || entry.cluster['certificate-authority-data'] || entry.cluster['certificate-authority']) continue
    entry.cluster = {'certificate-authority-data': Buffer.from(authority()).toString('base64'), ...entry.cluster, server: defaultServer('').server}
    changed = true
  }
  if (changed) writeFileSync(path, stringify(config), {mode: 0o600})
  return path
}

/**
 * Points the cluster folder's kubeconfig at the HTTPS front door `kubemu up` serves (when --port
 * moved it from 6443), so the real kubectl reaches it: only entries at a loopback HTTPS address
 * change, anything a user pointed elsewhere stays. True when the file changed.
 */
export function pointAdminKubeconfigAt(path: string, server: string): boolean {
  const config = parse(readFileSync(path, 'utf8')) as {clusters?: Array<{cluster?: Record<string, unknown>}>}
  let changed = false
  for (const entry of config.clusters ?? []) {
    const current = entry.cluster?.server
    if (typeof current !== 'string' || current === server || !/^https:\/\/127\.0\.0\.1:\d+\/?$/.test(current)) continue
    entry.cluster = {...entry.cluster, server}
    changed = true
  }
  if (changed) writeFileSync(path, stringify(config), {mode: 0o600})
  return changed
}
