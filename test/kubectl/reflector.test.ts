// kubectl's reflector (wait, rollout status, delete --wait) where `up` cannot show it: a server
// that ends a watch with 410, closes it, or refuses it. What client-go 1.32's reflector does then
// (tools/cache/reflector.go): after a 410 it lists again from the last resourceVersion it saw, and
// from the newest (resourceVersion unset) once that list answered 410 too; a watch closed after a
// while or after events is opened again at once; one closed at once with nothing is a "very short
// watch" (a warning, a backoff, a list); a refused watch is tried again after a backoff; and it
// never gives up before the deadline, however many watches the server ends.
import {describe, expect, it} from 'vitest'
import type {ApiResponse, WatchEvent} from '../../src/core/api/wire.js'
import {ConnectionRefusedError, ServerError} from '../../src/core/kubectl/errors.js'
import {reflectObject, type ReflectorClient, reflectorRewatchesWithoutPauseMax, type SyncEvent} from '../../src/core/kubectl/until-with-sync.js'
import {ManualClock} from '../../src/core/util/clock.js'

const configMap = (resourceVersion: number, data: Record<string, string> = {}) => ({kind: 'ConfigMap', apiVersion: 'v1', metadata: {name: 'c1', namespace: 'default', resourceVersion: String(resourceVersion)}, data})
const listed = (resourceVersion: number, ...items: unknown[]): ApiResponse => ({status: 200, body: {kind: 'ConfigMapList', metadata: {resourceVersion: String(resourceVersion)}, items}, warnings: []})
const expired: ServerError = new ServerError({message: 'too old resource version: 10 (15)', reason: 'Expired', code: 410})

/** A watch whose next() answers each batch in turn (a function runs first, e.g. to move the clock), then closes. */
function watched(...batches: Array<WatchEvent[] | (() => void)>): ApiResponse {
  const script = [...batches]
  return {
    status: 200,
    body: null,
    warnings: [],
    watch: {
      next: async () => {
        for (;;) {
          const step = script.shift()
          if (step === undefined) return null
          if (typeof step === 'function') step()
          else return step
        }
      },
      cancel: () => {},
    },
  }
}

/** A client that answers each request with the next of `answers` (a function's result, or what it throws), recording each query and log line. */
function scriptedClient(clock: ManualClock, answers: Array<() => ApiResponse>) {
  const queries: Array<Record<string, string>> = []
  const log: string[] = []
  const client: ReflectorClient = {
    clock,
    request: async (_method, _path, options = {}) => {
      queries.push({...options.query})
      const answer = answers.shift()
      if (!answer) throw new Error(`no answer scripted for request ${queries.length}`)
      return answer()
    },
    klog: (level, source, message) => {
      if (level <= 4) log.push(`I ${source}] ${message}`)
    },
    klogProblem: (severity, source, message) => log.push(`${severity} ${source}] ${message}`),
  }
  return {client, queries, log}
}

const wanted = (event: SyncEvent) => (event.object as {data?: Record<string, string>}).data?.z === '1'
const reflectWanted = (client: ReflectorClient) => reflectObject(client, '/api/v1/namespaces/default/configmaps', 'c1', {condition: wanted, deadline: Number.POSITIVE_INFINITY}, () => 0)
const listQuery = (resourceVersion?: string, limit?: string) => ({fieldSelector: 'metadata.name=c1', ...(limit ? {limit} : {}), ...(resourceVersion === undefined ? {} : {resourceVersion})})
const watchQuery = (resourceVersion: string) => ({allowWatchBookmarks: 'true', fieldSelector: 'metadata.name=c1', resourceVersion, timeoutSeconds: '300', watch: 'true'})

describe('kubectl’s reflector, as client-go 1.32’s', () => {
  it('lists again after a watch ends with 410 from the last resourceVersion seen, then from the newest once that list answers 410', async () => {
    const clock = new ManualClock()
    const start = clock.nowMilliseconds()
    const {client, queries, log} = scriptedClient(clock, [
      () => listed(10, configMap(10)),
      () => watched([{type: 'MODIFIED', object: configMap(12)}], [{type: 'ERROR', object: {kind: 'Status', ...expired.status}}]),
      () => {
        throw expired
      },
      () => listed(20, configMap(20)),
      () => watched([{type: 'MODIFIED', object: configMap(21, {z: '1'})}]),
    ])
    expect(await reflectWanted(client)).toBe(true)
    expect(queries).toEqual([listQuery('0', '500'), watchQuery('10'), listQuery('12'), listQuery(undefined), watchQuery('20')])
    expect(log).toContain('I reflector.go:479] k8s.io/client-go/tools/watch/informerwatcher.go:146: watch of *unstructured.Unstructured closed with: too old resource version: 10 (15)')
    // A backoff came between the watch's end and the list.
    expect(clock.nowMilliseconds() - start).toBeGreaterThanOrEqual(800)
  })

  it('watches again at once after a watch closed with events; after one closed at once with nothing, warns, backs off and lists', async () => {
    const clock = new ManualClock()
    const {client, queries, log} = scriptedClient(clock, [
      () => listed(10, configMap(10)),
      () => watched([{type: 'MODIFIED', object: configMap(11)}]),
      () => watched(),
      () => listed(11, configMap(11)),
      () => watched([{type: 'MODIFIED', object: configMap(13, {z: '1'})}]),
    ])
    expect(await reflectWanted(client)).toBe(true)
    expect(queries).toEqual([listQuery('0', '500'), watchQuery('10'), watchQuery('11'), listQuery('11'), watchQuery('11')])
    expect(log).toContain('I reflector.go:879] k8s.io/client-go/tools/watch/informerwatcher.go:146: Watch close - *unstructured.Unstructured total 1 items received')
    expect(log).toContain(
      'W reflector.go:492] k8s.io/client-go/tools/watch/informerwatcher.go:146: watch of *unstructured.Unstructured ended with: very short watch: k8s.io/client-go/tools/watch/informerwatcher.go:146: Unexpected watch close - watch lasted less than a second and no items received',
    )
  })

  it('tries a refused watch again after a backoff, from the same resourceVersion', async () => {
    const clock = new ManualClock()
    const refused = new ConnectionRefusedError('https://127.0.0.1:6443')
    refused.request = {method: 'GET', url: 'https://127.0.0.1:6443/api/v1/namespaces/default/configmaps?watch=true'}
    const {client, queries, log} = scriptedClient(clock, [
      () => listed(10, configMap(10)),
      () => {
        throw refused
      },
      () => watched([{type: 'MODIFIED', object: configMap(11, {z: '1'})}]),
    ])
    expect(await reflectWanted(client)).toBe(true)
    expect(queries).toEqual([listQuery('0', '500'), watchQuery('10'), watchQuery('10')])
    expect(log.some((line) => line.includes('connect: connection refused - backing off'))).toBe(true)
  })

  it('outlasts any number of watches the server ends, pausing for a backoff after a run of them', async () => {
    const clock = new ManualClock()
    const watches = reflectorRewatchesWithoutPauseMax * 2 + 50
    // Each watch lasts 2 s of the clock and ends with nothing; the last one brings the change.
    const ended = Array.from({length: watches - 1}, () => () => watched(() => clock.advance(2_000)))
    const {client, queries} = scriptedClient(clock, [() => listed(10, configMap(10)), ...ended, () => watched([{type: 'MODIFIED', object: configMap(11, {z: '1'})}])])
    const start = clock.nowMilliseconds()
    expect(await reflectWanted(client)).toBe(true)
    expect(queries.length).toBe(watches + 1)
    expect(queries.slice(1).every((query) => query.watch === 'true')).toBe(true)
    // Two pauses, after the first and the second run of watches opened again at once: each the
    // first backoff's 800 ms, as more than 2 minutes passed since the one before.
    expect(clock.nowMilliseconds() - start).toBe((watches - 1) * 2_000 + 800 + 800)
  })
})
