// GET pods/NAME/log: the simulated containers' output, as the kubelet would stream it through
// kube-apiserver. A container run by `echo …` (or `sh -c "echo …"`) prints what it echoes; any
// other container prints one line saying what kubemu simulates. kube's errors for a container
// still waiting, a missing previous run, or an ambiguous container name.
import type {KubeObject} from '../api/object.js'
import {apiErrors} from './status.js'

type ContainerStatus = {name: string; restartCount?: number; state?: {waiting?: {reason?: string}; running?: {startedAt?: string}; terminated?: {startedAt?: string; finishedAt?: string; exitCode?: number}}; lastState?: {terminated?: {startedAt?: string; exitCode?: number}}}
type Container = {name: string; image?: string; command?: string[]; args?: string[]}

/** A --tail larger than this is read as this many lines (a bound; simulated logs are short). */
export const logLinesMax = 100_000

/** What an `echo` command would print, when the container's command is one. */
function echoed(container: Container): string | null {
  const words = [...(container.command ?? []), ...(container.args ?? [])]
  if (words[0] === 'echo') return `${words.slice(1).join(' ')}\n`
  if (['sh', '/bin/sh', 'bash', '/bin/bash'].includes(words[0] ?? '') && words[1] === '-c' && words[2]) {
    const lines = words[2].split(/\s*(?:;|&&)\s*/).map((part) => /^echo\s+(.*)$/.exec(part.trim())?.[1]).filter((line): line is string => line !== undefined)
    if (lines.length > 0) return lines.map((line) => `${line.replace(/^(["'])(.*)\1$/, '$2')}\n`).join('')
  }
  return null
}

export function podLogs(pod: KubeObject, query: Readonly<Record<string, string>>): string {
  const spec = (pod.spec ?? {}) as {containers?: Container[]; initContainers?: Container[]; ephemeralContainers?: Container[]}
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]
  const podName = String(pod.metadata.name)
  const name = query.container || (spec.containers ?? [])[0]?.name || ''
  const container = containers.find((entry) => entry.name === name)
  if (!container) throw apiErrors.badRequest(`container ${name} is not valid for pod ${podName}`)
  const statuses = ((pod.status ?? {}) as {containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; ephemeralContainerStatuses?: ContainerStatus[]})
  const status = [...(statuses.containerStatuses ?? []), ...(statuses.initContainerStatuses ?? []), ...(statuses.ephemeralContainerStatuses ?? [])].find((entry) => entry.name === name)
  const previous = query.previous === 'true'
  if (previous) {
    if (!status?.lastState?.terminated) throw apiErrors.badRequest(`previous terminated container "${name}" in pod "${podName}" not found`)
  } else if (!status || (!status.state?.running && !status.state?.terminated)) {
    const reason = status?.state?.waiting?.reason ?? 'ContainerCreating'
    throw apiErrors.badRequest(`container "${name}" in pod "${podName}" is waiting to start: ${reason}`)
  }
  const run = previous ? status!.lastState!.terminated! : (status!.state!.running ?? status!.state!.terminated!)
  const startedAt = run.startedAt ?? ''
  let text = echoed(container) ?? `kubemu: simulated container "${name}" (image ${container.image ?? ''}) started at ${startedAt}\n`
  if (query.timestamps === 'true') text = text.split('\n').filter(Boolean).map((line) => `${startedAt.replace('Z', '.000000000Z')} ${line}\n`).join('')
  const tail = query.tailLines === undefined ? -1 : Math.min(Number(query.tailLines), logLinesMax)
  if (tail >= 0) {
    const lines = text.split('\n').filter((line, index, all) => index < all.length - 1 || line !== '')
    text = tail === 0 ? '' : lines.slice(-tail).map((line) => `${line}\n`).join('')
  }
  return text
}
