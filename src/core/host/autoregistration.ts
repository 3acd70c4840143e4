// When the cluster's API servers start, as kube-apiserver's autoregister controller sees it: `up`
// starts them (and a master that starts again restarts its own); one-shot commands resume them, so
// they register the built-in APIServices only when this kubemu registers others than the
// cluster's API servers did at their last start (a folder made by an older kubemu: an upgrade).
import {autoregisteredApiServiceObjects} from '../apiserver/api-services.js'
import type {ApiServer} from '../apiserver/apiserver.js'
import {readHostState, updateHostState} from './state.js'

function autoregisteredNames(): string[] {
  return autoregisteredApiServiceObjects().map((object) => String((object.body.metadata as {name: string}).name))
}

/** Whether the API servers of this kubemu have not started on this folder yet (one-shot mode). */
export function autoregistrationDue(folder: string): boolean {
  const recorded = readHostState(folder).autoregisteredApiServices
  return recorded === undefined || recorded.join(',') !== autoregisteredNames().join(',')
}

/** Records that this kubemu's API servers started on the folder. */
export function recordAutoregistration(folder: string): void {
  updateHostState(folder, (state) => ({...state, autoregisteredApiServices: autoregisteredNames()}))
}

/**
 * The API servers start on the folder: the built-in APIServices registered before they serve,
 * quietly, and recorded. False when it failed (etcd without a quorum): the caller tries again later.
 */
export async function registerAtStart(api: ApiServer, folder: string): Promise<boolean> {
  try {
    await api.apiServices.registerOnStart()
  } catch (error) {
    if (error instanceof Error && error.name === 'InvariantError') throw error
    return false
  }
  recordAutoregistration(folder)
  return true
}
