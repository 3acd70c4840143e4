// The admin kubeconfig of a cluster, as kubeadm writes admin.conf: one cluster, one user with
// the admin's bearer token, one context, current. kubectl (real or kubemu's) reads it.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {stringify} from 'yaml'
import {apiServerSecurePort} from './bootstrap.js'

export const kubeconfigFileName = 'kubeconfig'

export function kubeconfigPath(folder: string): string {
  return join(folder, kubeconfigFileName)
}

export function adminKubeconfig(clusterName: string, token: string): string {
  const cluster = `kubemu-${clusterName}`
  const user = `${cluster}-admin`
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{cluster: {server: `http://127.0.0.1:${apiServerSecurePort}`}, name: cluster}],
    contexts: [{context: {cluster, user}, name: cluster}],
    'current-context': cluster,
    preferences: {},
    users: [{name: user, user: {token}}],
  })
}

export function writeAdminKubeconfig(folder: string, clusterName: string, token: string): string {
  const path = kubeconfigPath(folder)
  writeFileSync(path, adminKubeconfig(clusterName, token), {mode: 0o600})
  return path
}
