// `kubemu why` from a command line: resolve KIND/NAME as kubectl does (discovery, short names,
// groups), read the object through the host's API server at the cluster's time, and explain it.
import {apiServerUser} from '../apiserver/authentication/user.js'
import type {KubeObject} from '../api/object.js'
import {ApiClient, ApiClientError} from '../client/client.js'
import {openHost} from '../host/host.js'
import {kindName, ResourceMapper} from '../kubectl/resources.js'
import {readSchedulingReport} from '../scheduler/reports.js'
import {explain} from './why.js'
import type {Diagnosis} from './diagnosis.js'
import {clientReader} from './reader.js'

/** A refusal printed as kubectl prints its own (the whole line), exit 1. */
export class WhyError extends Error {
  constructor(readonly line: string) {
    super(line)
    this.name = 'WhyError'
  }
}

export interface WhyTarget {
  readonly environment: NodeJS.ProcessEnv
  readonly cluster?: string
  readonly namespace: string
  /** `pod/web`, `deploy/web`, or the type and the name as two words. */
  readonly words: readonly string[]
}

function parseTarget(words: readonly string[]): {type: string; name: string} {
  if (words.length === 1 && words[0]!.includes('/')) {
    const [type, ...rest] = words[0]!.split('/')
    if (type && rest.join('/')) return {type, name: rest.join('/')}
  }
  if (words.length === 2 && !words[0]!.includes('/')) return {type: words[0]!, name: words[1]!}
  throw new WhyError('error: you must specify one object as TYPE/NAME or TYPE NAME (for example pod/web or deployment web)')
}

export async function why(target: WhyTarget): Promise<Diagnosis> {
  const {type, name} = parseTarget(target.words)
  const host = await openHost({environment: target.environment, clusterName: target.cluster})
  try {
    // A reader like any other: the cluster first catches up to now (one-shot mode).
    await host.catchUp()
    await host.release()
    const client = new ApiClient(await host.kubernetes(), apiServerUser, 'kubemu-why')
    const mapper = await ResourceMapper.discover(client)
    const resource = mapper.find(type)
    if (!resource) throw new WhyError(`error: the server doesn't have a resource type "${type.split('.')[0]}"`)
    const ref = {group: resource.group, version: resource.version, resource: resource.resource, namespaced: resource.namespaced}
    let object: KubeObject
    try {
      object = await client.get(ref, resource.namespaced ? target.namespace : '', name)
    } catch (error) {
      if (error instanceof ApiClientError) throw new WhyError(`Error from server (${error.reason || 'InternalError'}): ${error.message}`)
      throw error
    }
    // The scheduler keeps its last attempt per pod in the cluster folder (one-shot and under `up`).
    const reader = clientReader(client, (await host.time()).now, async (pod) => readSchedulingReport(host.folder, String(pod.metadata.uid)))
    return await explain({...object, kind: resource.kind}, resource.group, `${kindName(resource)}/${name}`, reader)
  } finally {
    await host.close()
  }
}
