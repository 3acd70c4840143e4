// --record (deprecated, still accepted by the verbs that change objects in kubectl 1.32): the
// command line goes into the kubernetes.io/change-cause annotation, which `rollout history`
// shows as CHANGE-CAUSE.
import type {KubeObject} from '../api/object.js'
import type {KubectlFlag, ParsedKubectlFlags} from './flags.js'
import type {RequestOptions, KubectlSession} from './session.js'

export const changeCauseAnnotation = 'kubernetes.io/change-cause'

export const recordFlag: KubectlFlag = {name: 'record', kind: 'bool', deprecated: '--record will be removed in the future'}

/**
 * The cause kubectl writes: the program name, the arguments that are not flags (command words
 * included), then every flag as given, by its long name: `kubectl scale deploy web --replicas=2 --record=true`.
 */
export function changeCauseOf(flags: ParsedKubectlFlags): string | null {
  if (flags.values.get('record') !== 'true') return null
  const words = [...flags.positionals, ...flags.rest]
  return `kubectl${words.map((word) => ` ${word}`).join('')}${flags.given.map((flag) => ` --${flag.name}=${flag.value}`).join('')}`
}

/** The object with the change cause set, when --record asks for it (the object itself otherwise). */
export function recorded<T extends KubeObject>(session: KubectlSession, object: T): T {
  const cause = changeCauseOf(session.flags)
  if (cause === null) return object
  return {...object, metadata: {...object.metadata, annotations: {...(object.metadata.annotations ?? {}), [changeCauseAnnotation]: cause}}}
}

/** After a change made through a patch or a subresource: the cause in a merge patch of its own, as kubectl sends it. */
export async function recordAfter(session: KubectlSession, path: string, query?: RequestOptions['query']): Promise<void> {
  const cause = changeCauseOf(session.flags)
  if (cause === null) return
  await session.request('PATCH', path, {body: {metadata: {annotations: {[changeCauseAnnotation]: cause}}}, contentType: 'application/merge-patch+json', query})
}
