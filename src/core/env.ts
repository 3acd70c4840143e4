// `kubemu env`: shims that run kubemu's tools for one cluster, and the shell lines that put them
// first on PATH. The shims live in the cluster's own folder, never where the real tools are.
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {delimiter, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {etcdClientFiles} from './etcd/pki-files.js'
import {clusterFolder, defaultClusterName, kubemuHome} from './home.js'
import {runningUp} from './host/up-marker.js'

/** The tools kubemu has shims for. */
export const shimmedTools = ['etcdctl', 'kubectl'] as const

export type ShellKind = 'sh' | 'fish'

const kubemuEntry = fileURLToPath(new URL('../../bin/kubemu', import.meta.url))

/** A word for sh: single-quoted, with each ' written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`
}

export function shimFolder(environment: NodeJS.ProcessEnv, clusterName?: string): string {
  return join(clusterFolder(environment, clusterName), 'shims')
}

/** Writes (or refreshes) the shims of one cluster; returns their folder. */
export function writeShims(environment: NodeJS.ProcessEnv, clusterName?: string): string {
  const cluster = clusterName ?? environment.KUBEMU_CLUSTER ?? defaultClusterName
  const folder = shimFolder(environment, cluster)
  mkdirSync(folder, {recursive: true})
  for (const tool of shimmedTools) {
    const path = join(folder, tool)
    const variables = `KUBEMU_HOME=${shellQuote(kubemuHome(environment))} KUBEMU_CLUSTER=${shellQuote(cluster)}`
    writeFileSync(path, `#!/bin/sh\n# ${tool} for the kubemu cluster "${cluster}" (written by \`kubemu env\`)\n${variables} exec ${shellQuote(process.execPath)} ${shellQuote(kubemuEntry)} ${tool} "$@"\n`)
    chmodSync(path, 0o755)
  }
  return folder
}

/**
 * The lines to eval: PATH with the shim folder first (or, with `unset`, without it). PATH is
 * rebuilt from the current one, so evaluating the lines twice changes nothing.
 */
export function environmentLines(environment: NodeJS.ProcessEnv, options: {clusterName?: string; unset?: boolean; shell?: ShellKind} = {}): string {
  const folder = options.unset ? shimFolder(environment, options.clusterName) : writeShims(environment, options.clusterName)
  const others = (environment.PATH ?? '').split(delimiter).filter((entry) => entry !== '' && entry !== folder)
  const path = options.unset ? others : [folder, ...others]
  const how = options.unset ? 'kubemu env --unset' : 'kubemu env'
  const etcdctl = etcdctlVariables(clusterFolder(environment, options.clusterName))
  if (options.shell === 'fish') {
    const variables = etcdctl.map(([name, value]) => (options.unset ? `set -e ${name};\n` : `set -gx ${name} ${shellQuote(value)};\n`)).join('')
    return `set -gx PATH ${path.map(shellQuote).join(' ')};\n${variables}# Run this command to configure your shell:\n# ${how} | source\n`
  }
  const variables = etcdctl.map(([name, value]) => (options.unset ? `unset ${name}\n` : `export ${name}=${shellQuote(value)}\n`)).join('')
  return `export PATH=${shellQuote(path.join(delimiter))}\n${variables}# Run this command to configure your shell:\n# eval "$(${how})"\n`
}

/** While `up` serves etcd over TLS: etcdctl's endpoints and the root client's certificate files. */
function etcdctlVariables(folder: string): Array<[string, string]> {
  const urls = Object.values(runningUp(folder)?.etcd ?? {})
  if (!urls.some((url) => url.startsWith('https://'))) return []
  const files = etcdClientFiles(folder)
  return [
    ['ETCDCTL_ENDPOINTS', urls.join(',')],
    ['ETCDCTL_CACERT', files.cacert],
    ['ETCDCTL_CERT', files.cert],
    ['ETCDCTL_KEY', files.key],
  ]
}
