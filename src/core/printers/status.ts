// The terminal picture of `kubemu status`: aligned sections, colour only on a terminal (chalk
// follows NO_COLOR and non-TTY output).
import chalk from 'chalk'
import type {ClusterStatus} from '../status/status.js'
import {formatGoDuration} from '../util/go-duration.js'

/** At most this many pod names are listed per node (the count is always shown). */
export const podsListedPerNodeMax = 6

function table(rows: string[][]): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, stripped(cell).length)))
  return rows.map((row) => `  ${row.map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat(widths[index]! - stripped(cell).length))).join('   ')}`.trimEnd()).join('\n') + '\n'
}

function stripped(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

function percent(used: number, total: number): string {
  return total > 0 ? `${Math.round((used / total) * 100)}%` : '-'
}

function cpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`
}

function memory(bytes: number): string {
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1 && value % 1024 === 0) {
    value /= 1024
    unit++
  }
  return `${value}${units[unit]}`
}

export function formatStatus(status: ClusterStatus): string {
  let out = `${chalk.bold('cluster time')} ${new Date(status.time.now).toISOString().replace(/\.\d{3}Z$/, 'Z')} (wall clock + ${formatGoDuration(status.time.offsetMilliseconds)})\n\n`
  const role = (running: boolean, leads: boolean) => (!running ? chalk.red('stopped') : leads ? chalk.green('leader') : 'standby')
  out += chalk.bold('masters') + '\n'
  out += table([
    ['NODE', 'ETCD MEMBER', 'KUBE-APISERVER', 'KUBE-SCHEDULER', 'KUBE-CONTROLLER-MANAGER'],
    ...status.masters.map((master) => [
      master.node,
      master.member,
      master.running ? chalk.green('running') : chalk.red('stopped'),
      role(master.running, master.schedulerLeads),
      role(master.running, master.controllerManagerLeads),
    ]),
  ])
  out += '\n' + chalk.bold('etcd members') + '\n'
  out += table([
    ['NAME', 'ID', 'ENDPOINT', 'LEADER', 'TERM', 'INDEX', 'HEALTH'],
    ...status.members.map((member) => [
      member.name,
      member.id,
      member.endpoint,
      member.leader ? chalk.green('*') : '',
      member.term === null ? '-' : String(member.term),
      member.index === null ? '-' : String(member.index),
      member.healthy ? chalk.green('healthy') : chalk.red(`unhealthy${member.error ? ` (${member.error})` : ''}`),
    ]),
  ])
  out += '\n' + chalk.bold('nodes') + '\n'
  out += table([
    ['NAME', 'STATUS', 'CPU REQUESTS', 'MEMORY REQUESTS', 'PODS'],
    ...status.nodes.map((node) => {
      const state = [node.ready, ...(node.schedulable ? [] : ['SchedulingDisabled']), ...(node.stopped ? ['kubelet stopped'] : [])].join(',')
      const shown = node.pods.slice(0, podsListedPerNodeMax).map((pod) => (pod.phase === 'Running' ? pod.name : `${pod.name} (${pod.phase})`))
      const more = node.pods.length > podsListedPerNodeMax ? ` … +${node.pods.length - podsListedPerNodeMax}` : ''
      return [
        node.name,
        node.ready === 'Ready' ? chalk.green(state) : chalk.red(state),
        `${cpu(node.cpu.requested)}/${cpu(node.cpu.allocatable)} (${percent(node.cpu.requested, node.cpu.allocatable)})`,
        `${memory(node.memory.requested)}/${memory(node.memory.allocatable)} (${percent(node.memory.requested, node.memory.allocatable)})`,
        `${node.pods.length}${shown.length > 0 ? `: ${shown.join(', ')}${more}` : ''}`,
      ]
    }),
  ])
  out += '\n' + chalk.bold(`pending pods (${status.pending.length})`) + '\n'
  out += status.pending.length === 0 ? '  none\n' : table(status.pending.map((pod) => [pod.name, chalk.yellow(pod.reason)]))
  return out
}
