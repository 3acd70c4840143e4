// Waiting for one object to reach a state: a GET, then a watch of its name from that
// resourceVersion, until the predicate holds or the deadline (on the injected clock) passes. A
// watch the server ends is opened again. (wait, rollout status and delete --wait follow the real
// kubectl's informer request by request instead: until-with-sync.ts.) Also the harness of every
// wait: the cluster kept running meanwhile, and the deadline.
import {isKubeObject, type KubeObject} from '../api/object.js'
import {KubectlError} from './errors.js'
import {type ApiResource, collectionPath, objectPath} from './resources.js'
import type {KubectlSession} from './session.js'

/** A watch that ends early is opened again at most this many times. */
export const objectWatchesMax = 100

/**
 * Runs `body` while the cluster keeps running (one-shot mode: this process drives it now and
 * then), with the writer lock given back first: whatever this command wrote is done, and others
 * may write while it waits. A failure to drive the cluster is the command's error, whatever
 * `body` found.
 */
export async function whileClusterRuns<T>(session: KubectlSession, body: () => Promise<T>): Promise<T> {
  await session.releaseWriter()
  const stop = new AbortController()
  let drivingError: unknown = null
  const driving = session.driveWhileWaiting(stop.signal).catch((error: unknown) => {
    drivingError = error
  })
  try {
    return await body()
  } finally {
    stop.abort()
    await driving
    // eslint-disable-next-line no-unsafe-finally
    if (drivingError) throw drivingError
  }
}

/** A promise of 'timed out' at the deadline on the session's clock (never, for Infinity), until `signal` aborts. */
export function deadlinePassing(session: Pick<KubectlSession, 'clock'>, deadline: number, signal: AbortSignal): Promise<'timed out'> {
  const {clock} = session
  // No deadline (Infinity): no timer at all, as a timer cannot be that long.
  return Number.isFinite(deadline) ? clock.sleep(Math.max(0, deadline - clock.nowMilliseconds()), signal).then(() => 'timed out' as const) : new Promise<'timed out'>(() => {})
}

/** Calls `satisfied` with the object (null once it is gone) until it returns true; false on timeout. */
export async function waitForObject(session: KubectlSession, resource: ApiResource, namespace: string, name: string, satisfied: (object: KubeObject | null) => boolean, deadline: number): Promise<boolean> {
  const stop = new AbortController()
  const timedOut = deadlinePassing(session, deadline, stop.signal)
  try {
    return await whileClusterRuns(session, async () => {
      for (let attempt = 0; attempt < objectWatchesMax; attempt++) {
        const current = await session.request('GET', objectPath(resource, namespace, name), {allow: [404]})
        const object = current.status === 404 ? null : current.body
        if (object !== null && !isKubeObject(object)) throw new KubectlError(`the server answered the GET of ${name} with no object`)
        if (satisfied(object)) return true
        if (session.clock.nowMilliseconds() >= deadline) return false
        const query: Record<string, string> = {watch: 'true', fieldSelector: `metadata.name=${name}`}
        if (object) query.resourceVersion = String(object.metadata.resourceVersion ?? '')
        const watch = (await session.request('GET', collectionPath(resource, namespace), {query})).watch
        if (!watch) throw new KubectlError('the server did not start a watch')
        try {
          for (;;) {
            const events = await Promise.race([watch.next(), timedOut])
            if (events === 'timed out') return false
            if (events === null) break
            for (const event of events) {
              if (event.type === 'BOOKMARK' || event.type === 'ERROR') continue
              if (event.type === 'DELETED') {
                if (satisfied(null)) return true
                continue
              }
              // client-go's StreamWatcher ends a watch on an event it cannot decode, with this error.
              if (!isKubeObject(event.object)) throw new KubectlError(`unable to decode an event from the watch stream: a ${event.type} event carries no object with metadata`)
              if (satisfied(event.object)) return true
            }
          }
        } finally {
          watch.cancel()
        }
      }
      return false
    })
  } finally {
    stop.abort()
  }
}
