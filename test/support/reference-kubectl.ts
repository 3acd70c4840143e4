// The real kubectl and kubemu's side by side on one cluster: an API server in the test process,
// served over HTTP (the real kubectl connects as system:anonymous, bound to cluster-admin, since
// kubectl sends no credentials over plain HTTP), and kubemu's kubectl run in-process against the
// same API server. Both print for the same objects, so their outputs must be equal.
import {existsSync, mkdirSync, symlinkSync, writeFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {expect} from 'vitest'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {adminKubeconfig} from '../../src/core/apiserver/kubeconfig.js'
import {AttachedHost} from '../../src/core/host/attached-host.js'
import {runKubectl} from '../../src/core/kubectl/kubectl.js'
import {startHttpApi} from '../../src/core/server/http-api.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import type {Clock} from '../../src/core/util/clock.js'
import {runShell, type ShellResult} from './shell.js'
import {realKubectl} from './up-with-real-kubectl.js'
import {temporaryFolder} from './temp.js'

/** Splits a command line as sh would (single and double quotes, backslashes). */
export function shellWords(line: string): string[] {
  const words: string[] = []
  let current = ''
  let started = false
  let quote: string | null = null
  for (let index = 0; index < line.length; index++) {
    const character = line[index]!
    if (quote) {
      if (character === quote) quote = null
      else if (character === '\\' && quote === '"' && index + 1 < line.length) current += line[++index]
      else current += character
    } else if (character === "'" || character === '"') {
      quote = character
      started = true
    } else if (character === '\\' && index + 1 < line.length) {
      current += line[++index]
      started = true
    } else if (/\s/.test(character)) {
      if (started) words.push(current)
      current = ''
      started = false
    } else {
      current += character
      started = true
    }
  }
  if (started) words.push(current)
  return words
}

/**
 * The real kubectl 1.32: its versioned binary when installed, else `kubectl` on PATH, which may be
 * a dispatcher between versions whose own errors differ from kubectl's (`Error: unknown flag`
 * where kubectl 1.32 says `error: unknown flag`).
 */
export const referenceKubectl = existsSync(realKubectl) ? realKubectl : 'kubectl'

/**
 * PATH with a folder first where `kubectl` is the reference binary: kubectl names itself after
 * its file (its user agent, so managedFields' manager and --record's change-cause, and its
 * examples in errors), so the versioned binary runs under the name `kubectl`.
 */
function referencePath(folder: string): string {
  const bin = join(folder, 'reference-bin')
  mkdirSync(bin, {recursive: true})
  if (referenceKubectl !== 'kubectl') symlinkSync(referenceKubectl, join(bin, 'kubectl'))
  return `${bin}${delimiter}${process.env.PATH ?? ''}`
}

export interface ReferenceCluster {
  readonly api: ApiServer
  readonly folder: string
  real(line: string, stdin?: string): Promise<ShellResult>
  ours(line: string, stdin?: string): Promise<ShellResult>
  close(): Promise<void>
}

export async function referenceCluster(clock?: Clock): Promise<ReferenceCluster> {
  const folder = temporaryFolder()
  const store = new LazyEmbeddedStore(folder, clock ? {clock} : {})
  const api = new ApiServer({store, ...(clock ? {clock} : {})})
  await ensureBootstrapped(api, (clock ?? {nowMilliseconds: () => Date.now()}).nowMilliseconds())
  await api.handle({
    method: 'POST',
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    user: apiServerUser,
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name: 'reference-anonymous-admin'},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin'},
      subjects: [{apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous'}],
    }),
  })
  const http = await startHttpApi(api)
  const kubeconfig = join(folder, 'kubeconfig')
  writeFileSync(kubeconfig, adminKubeconfig('default', api.credentials.adminToken(), {server: http.url}))
  const environment = {...process.env, KUBECONFIG: kubeconfig, KUBEMU_HOME: folder}
  const realEnvironment = {...environment, PATH: referencePath(folder)}
  const host = new AttachedHost(api, {folder, url: http.url, ...(clock ? {clock} : {})})
  return {
    api,
    folder,
    real: (line, stdin) => runShell(`kubectl ${line}`, {cwd: folder, env: realEnvironment, stdin}),
    ours: async (line, stdin) => {
      let stdout = ''
      let stderr = ''
      const status = await runKubectl(shellWords(line), {
        stdout: (text) => (stdout += text),
        stderr: (text) => (stderr += text),
        readStdin: async () => stdin ?? '',
        environment,
        host,
        ...(clock ? {clock} : {}),
      })
      return {stdout, stderr, status}
    },
    close: async () => {
      await http.close()
      await store.close()
    },
  }
}

/**
 * The line with the real kubectl, then with kubemu's (each after its own prefix, e.g. `-n r` and
 * `-n o` so that both change objects of their own): the same stdout, stderr and exit status, or
 * the test fails naming the line. The real kubectl's result.
 */
export async function expectSameAsReal(cluster: ReferenceCluster, line: string, prefixes: readonly [string, string] = ['', '']): Promise<ShellResult> {
  const [realPrefix, ourPrefix] = prefixes.map((prefix) => (prefix ? `${prefix} ` : ''))
  const [theirs, ours] = [await cluster.real(`${realPrefix}${line}`), await cluster.ours(`${ourPrefix}${line}`)]
  expect({line, ...ours}).toEqual({line, ...theirs})
  return theirs
}

/**
 * kubectl's stderr as two runs can compare it: klog's header (time, pid) and durations masked, the
 * config preamble and discovery left out, and the lines `alsoLeftOut` matches.
 */
export function comparableKlog(stderr: string, alsoLeftOut?: RegExp): string {
  return stderr
    .split('\n')
    .filter((line) => !/loader\.go|envvar\.go|memcache\.go|\/(api|apis)\?/.test(line) && !alsoLeftOut?.test(line))
    .map((line) => line.replace(/^([IWE])\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /, '$1 ').replace(/in \d+ milliseconds/, 'in N milliseconds'))
    .join('\n')
}
