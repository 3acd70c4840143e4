// What kubemu's own commands (member, master, time) ask of the host: each opens the host of the
// cluster (through `kubemu up` when it runs), makes one call and closes it. Errors a user can cause
// come back as HostCommandError with the message to print; anything else is a bug.
import {KubernetesUnavailableError} from '../apiserver/open.js'
import {UnknownMemberError} from '../etcd/member-faults.js'
import {StorageError} from '../storage/errors.js'
import {TimeArgumentError} from './clock.js'
import {HostRequestError} from './control-api.js'
import {type AdvanceResult, type ClusterHost, type FaultAction, type FaultKind, type FaultResult, openHost, type TimeReading} from './host.js'
import {HostStateError} from './state.js'
import type {StepProgress} from './stepper.js'

export class HostCommandError extends Error {}

const userErrors = [HostRequestError, UnknownMemberError, TimeArgumentError, HostStateError, StorageError, KubernetesUnavailableError]

async function withHost<T>(environment: NodeJS.ProcessEnv, clusterName: string | undefined, work: (host: ClusterHost) => Promise<T>): Promise<T> {
  try {
    const host = await openHost({environment, ...(clusterName ? {clusterName} : {})})
    try {
      return await work(host)
    } finally {
      await host.close()
    }
  } catch (error) {
    if (userErrors.some((kind) => error instanceof kind)) throw new HostCommandError((error as Error).message)
    throw error
  }
}

export function applyFault(environment: NodeJS.ProcessEnv, clusterName: string | undefined, kind: FaultKind, name: string, action: FaultAction, force: boolean): Promise<FaultResult> {
  return withHost(environment, clusterName, (host) => host.fault(kind, name, action, force))
}

export function readClusterTime(environment: NodeJS.ProcessEnv, clusterName: string | undefined): Promise<TimeReading> {
  return withHost(environment, clusterName, (host) => host.time())
}

export function advanceClusterTime(environment: NodeJS.ProcessEnv, clusterName: string | undefined, milliseconds: number, onProgress?: (progress: StepProgress) => void): Promise<AdvanceResult> {
  return withHost(environment, clusterName, (host) => host.advance(milliseconds, onProgress))
}
