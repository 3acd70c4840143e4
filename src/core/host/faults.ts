// Member and master faults as the host applies them: which etcd members a stop leaves running,
// the warning when that is no quorum, and a master's stop as its components' (its etcd member
// with it). The same rules for one-shot commands and for a running `kubemu up`.
import {currentLayout, readClusterState} from '../etcd/cluster-files.js'
import {apiServerOutage} from './stepper.js'
import {UnknownMemberError} from '../etcd/member-faults.js'
import {type MasterLayout, defaultMasters, masterNamed, UnknownMasterError} from '../api/masters.js'
import {HostRequestError} from './control-api.js'
import {readHostState, updateHostState} from './state.js'

/** The member names of the cluster in `folder`, or a clear error for one it does not have. */
export function checkMemberName(folder: string, name: string): void {
  const names = currentLayout(folder).members.map((member) => member.name)
  if (!names.includes(name)) throw new UnknownMemberError(`no etcd member named "${name}" (members: ${names.join(', ')})`)
}

/**
 * What stopping `stopping` (more etcd members) costs when it leaves no quorum, or null. Said
 * before the stop; `kubemu up` asks for --force, as stopping it there stops the running cluster.
 */
export function quorumLossWarning(folder: string, stopping: readonly string[]): string | null {
  const members = currentLayout(folder).members.map((member) => member.name)
  const stopped = new Set([...readClusterState(folder).stopped, ...stopping])
  const running = members.filter((name) => !stopped.has(name)).length
  const quorum = Math.floor(members.length / 2) + 1
  if (running >= quorum) return null
  return `stopping ${stopping.join(', ')} leaves ${running} of ${members.length} etcd members running, and a quorum needs ${quorum}: etcd elects no leader, so writes, linearizable reads and every Kubernetes request fail until a member starts again`
}

/** The master behind a name, as a host request error the user reads. */
export function masterFor(name: string): MasterLayout {
  try {
    return masterNamed(name, defaultMasters)
  } catch (error) {
    if (error instanceof UnknownMasterError) throw new HostRequestError(error.message)
    throw error
  }
}

export function isMasterStopped(folder: string, master: MasterLayout): boolean {
  return readHostState(folder).stoppedMasters.includes(master.node)
}

export function recordMasterStopped(folder: string, master: MasterLayout, stopped: boolean): void {
  updateHostState(folder, (state) => ({
    ...state,
    stoppedMasters: stopped ? [...new Set([...state.stoppedMasters, master.node])].sort() : state.stoppedMasters.filter((node) => node !== master.node),
  }))
}

/** The masters whose API servers serve: not stopped. */
export function runningMasters(folder: string): MasterLayout[] {
  const stopped = new Set(readHostState(folder).stoppedMasters)
  return defaultMasters.filter((master) => !stopped.has(master.node))
}

/**
 * A settle's failure that lasts until a fault changes (no etcd quorum running, every master
 * stopped), as `time advance` lets the rest of its span pass: the 5xx's message, else null (any
 * other failure is the advance's own error).
 */
export function lastingOutage(folder: string, error: unknown, everyMasterStopped: boolean): string | null {
  const reason = apiServerOutage(error)
  if (reason === null) return null
  return everyMasterStopped || quorumLossWarning(folder, []) !== null ? reason : null
}
