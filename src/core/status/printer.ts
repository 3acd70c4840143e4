// The terminal picture of `kubemu status`: aligned sections, colour only when asked (a terminal
// without NO_COLOR). `--watch` redraws the same picture.
import {Chalk, type ChalkInstance} from 'chalk'
import type {ClusterStatus, EventStatus, MemberStatus} from './model.js'
import {formatGoDuration} from '../util/go-duration.js'
import {clockBasis} from '../printers/host.js'

/** At most this many pod names are listed per node (the count is always shown). */
export const podsListedPerNodeMax = 6
/** The terminal shows this many of the newest events. */
export const eventsPrintedMax = 5
/** At most this many work queues are listed (the busiest first); the others are counted. */
export const queuesListedMax = 8

function stripped(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '')
}

function table(rows: string[][]): string {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, index) => (widths[index] = Math.max(widths[index] ?? 0, stripped(cell).length)))
  return rows.map((row) => `  ${row.map((cell, index) => (index === row.length - 1 ? cell : cell + ' '.repeat(widths[index]! - stripped(cell).length))).join('   ')}`.trimEnd()).join('\n') + '\n'
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

const seconds = (milliseconds: number) => new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z')
const number = (value: number | null) => (value === null ? '-' : String(value))

function memberRows(members: readonly MemberStatus[], colour: ChalkInstance): string[][] {
  return members.map((member) => [
    member.name,
    member.id,
    member.endpoint,
    member.leader ? colour.green('*') : '',
    member.role === 'leader' ? colour.green(member.role) : member.role === 'stopped' ? colour.red(member.role) : member.role === 'follower' ? member.role : colour.yellow(member.role),
    number(member.term),
    number(member.index),
    number(member.appliedIndex),
    number(member.logEntries),
    number(member.snapshotIndex),
    member.healthy ? colour.green('healthy') : colour.red(`unhealthy${member.error ? ` (${member.error})` : ''}`),
  ])
}

function eventRows(events: readonly EventStatus[], colour: ChalkInstance): string[][] {
  return events.map((event) => [event.time.replace(/\.\d+Z$/, 'Z'), event.type === 'Warning' ? colour.yellow(event.type) : event.type, event.reason, event.object, event.component, event.message])
}

function queues(status: ClusterStatus, colour: ChalkInstance): string {
  const title = '\n' + colour.bold('work queues') + '\n'
  if (!status.queues.running) return title + '  not running: the controllers run inside each one-shot command (kubemu up keeps them running)\n'
  const busy = [...status.queues.loops].filter((loop) => loop.queued + loop.waiting > 0).sort((a, b) => b.queued + b.waiting - (a.queued + a.waiting) || a.name.localeCompare(b.name))
  const listed = busy.length === 0 ? '' : table([['CONTROLLER', 'QUEUED', 'WAITING'], ...busy.slice(0, queuesListedMax).map((loop) => [loop.name, String(loop.queued), String(loop.waiting)])])
  return `${title}  ${status.queues.loops.length} loops, ${busy.length} with keys\n${listed}`
}

export interface StatusFormat {
  /** ANSI colours (a terminal without NO_COLOR). */
  readonly colours: boolean
}

export function formatStatus(status: ClusterStatus, format: StatusFormat = {colours: false}): string {
  const colour = new Chalk({level: format.colours ? 1 : 0})
  let out = `${colour.bold('cluster time')} ${seconds(status.time.now)} (${clockBasis(status.time)})\n\n`
  const role = (running: boolean, leads: boolean) => (!running ? colour.red('stopped') : leads ? colour.green('leader') : 'standby')
  out += colour.bold('masters') + '\n'
  out += table([
    ['NODE', 'ETCD MEMBER', 'KUBE-APISERVER', 'KUBE-SCHEDULER', 'KUBE-CONTROLLER-MANAGER'],
    ...status.masters.map((master) => [master.node, master.member, master.running ? colour.green('running') : colour.red('stopped'), role(master.running, master.schedulerLeads), role(master.running, master.controllerManagerLeads)]),
  ])
  out += '\n' + colour.bold('etcd members') + '\n'
  out += table([['NAME', 'ID', 'ENDPOINT', 'LEADER', 'ROLE', 'TERM', 'COMMIT', 'APPLIED', 'LOG', 'SNAPSHOT', 'HEALTH'], ...memberRows(status.members, colour)])
  if (status.unavailable) return out + `\n${colour.red(`the API server does not answer (${status.unavailable}): no Leases, nodes, pods or events to show`)}\n` + queues(status, colour)
  out += '\n' + colour.bold('leader election') + '\n'
  out += table([
    ['LEASE', 'HOLDER', 'RENEWED'],
    ...status.leases.map((lease) => {
      const renewed = lease.renewTime === null ? null : Date.parse(lease.renewTime)
      const ago = renewed === null || Number.isNaN(renewed) ? '-' : `${lease.renewTime!.replace(/\.\d+Z$/, 'Z')} (${formatGoDuration(Math.max(0, Math.round((status.time.now - renewed) / 1000) * 1000))} ago)`
      return [`kube-system/${lease.name}`, lease.holder || '<none>', ago]
    }),
  ])
  out += '\n' + colour.bold('nodes') + '\n'
  out += table([
    ['NAME', 'STATUS', 'CPU REQUESTS', 'MEMORY REQUESTS', 'PODS'],
    ...status.nodes.map((node) => {
      const state = [node.ready, ...(node.schedulable ? [] : ['SchedulingDisabled']), ...(node.stopped ? ['kubelet stopped'] : [])].join(',')
      const shown = node.pods.slice(0, podsListedPerNodeMax).map((pod) => (pod.phase === 'Running' ? pod.name : `${pod.name} (${pod.phase})`))
      const more = node.pods.length > podsListedPerNodeMax ? ` … +${node.pods.length - podsListedPerNodeMax}` : ''
      return [
        node.name,
        node.ready === 'Ready' ? colour.green(state) : colour.red(state),
        `${cpu(node.cpu.requested)}/${cpu(node.cpu.allocatable)} (${percent(node.cpu.requested, node.cpu.allocatable)})`,
        `${memory(node.memory.requested)}/${memory(node.memory.allocatable)} (${percent(node.memory.requested, node.memory.allocatable)})`,
        `${node.pods.length}${shown.length > 0 ? `: ${shown.join(', ')}${more}` : ''}`,
      ]
    }),
  ])
  out += '\n' + colour.bold(`pending pods (${status.pending.length})`) + '\n'
  out += status.pending.length === 0 ? '  none\n' : table(status.pending.map((pod) => [pod.name, colour.yellow(pod.reason)]))
  out += queues(status, colour)
  const events = status.events.slice(-eventsPrintedMax)
  out += '\n' + colour.bold(`last events (${events.length})`) + '\n'
  out += events.length === 0 ? '  none\n' : table([['TIME', 'TYPE', 'REASON', 'OBJECT', 'FROM', 'MESSAGE'], ...eventRows(events, colour)])
  return out
}
