// The object a `why` or `trace` names: TYPE/NAME (or TYPE NAME) resolved as kubectl resolves it
// (discovery, short names, groups), read through the host's API server at the cluster's time.
// Refusals are kubectl's own lines.
import {apiServerUser} from '../apiserver/authentication/user.js'
import type {KubeObject} from '../api/object.js'
import {ApiClient, ApiClientError} from '../client/client.js'
import {type ClusterHost, openHost} from '../host/host.js'
import {kindName, ResourceMapper, type ApiResource} from '../kubectl/resources.js'

/** A refusal printed as kubectl prints its own (the whole line), exit 1. */
export class TargetError extends Error {
  constructor(readonly line: string) {
    super(line)
    this.name = 'TargetError'
  }
}

export interface ResolvedTarget {
  readonly client: ApiClient
  readonly resource: ApiResource
  /** The object, with its kind set. */
  readonly object: KubeObject
  /** `deployment.apps/web`: as kubectl names it. */
  readonly label: string
  /** Cluster time (milliseconds). */
  readonly now: number
}

function parseWords(words: readonly string[]): {type: string; name: string} {
  if (words.length === 1 && words[0]!.includes('/')) {
    const [type, ...rest] = words[0]!.split('/')
    if (type && rest.join('/')) return {type, name: rest.join('/')}
  }
  if (words.length === 2 && !words[0]!.includes('/')) return {type: words[0]!, name: words[1]!}
  throw new TargetError('error: you must specify one object as TYPE/NAME or TYPE NAME (for example pod/web or deployment web)')
}

export async function resolveTarget(host: ClusterHost, words: readonly string[], namespace: string, userAgent: string): Promise<ResolvedTarget> {
  const {type, name} = parseWords(words)
  const client = new ApiClient(await host.kubernetes(), apiServerUser, userAgent)
  const mapper = await ResourceMapper.discover(client)
  const resource = mapper.find(type)
  if (!resource) throw new TargetError(`error: the server doesn't have a resource type "${type.split('.')[0]}"`)
  const ref = {group: resource.group, version: resource.version, resource: resource.resource, namespaced: resource.namespaced}
  let object: KubeObject
  try {
    object = await client.get(ref, resource.namespaced ? namespace : '', name)
  } catch (error) {
    if (error instanceof ApiClientError) throw new TargetError(`Error from server (${error.reason || 'InternalError'}): ${error.message}`)
    throw error
  }
  return {client, resource, object: {...object, kind: resource.kind}, label: `${kindName(resource)}/${name}`, now: (await host.time()).now}
}

export interface TargetOptions {
  readonly environment: NodeJS.ProcessEnv
  readonly cluster?: string
  readonly namespace: string
  /** `pod/web`, `deploy/web`, or the type and the name as two words. */
  readonly words: readonly string[]
}

/** Opens the cluster, brings it up to now as any reader does (one-shot mode), and hands `inspect` the named object. */
export async function inspectTarget<T>(options: TargetOptions, userAgent: string, inspect: (target: ResolvedTarget, host: ClusterHost) => Promise<T> | T): Promise<T> {
  const host = await openHost({environment: options.environment, clusterName: options.cluster})
  try {
    await host.catchUp()
    await host.release()
    return await inspect(await resolveTarget(host, options.words, options.namespace, userAgent), host)
  } finally {
    await host.close()
  }
}
