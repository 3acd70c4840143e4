// The requests a container's own command sends, kept with the run that sends them: each replay of
// the run hands over every request it met; what was met up to the moment the run was looked at is
// settled (a later replay that reaches another backend changes none of it), what lies ahead is
// provisional; a run that ended keeps nothing after its end; a server's access log reads the lines
// of every run that reached it, in memory and on disk alike.
import {readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {type ReplayedRequest, ReplayedRequests, replayedRequestsFolderName, replayedRequestsPerRunMax} from '../../src/core/kubelet/replayed-requests.js'
import type {ServedRecord} from '../../src/core/kubelet/served-requests.js'
import {temporaryFolder} from '../support/temp.js'

const served = (atMilliseconds: number, clientIp = '10.244.1.2'): ServedRecord => ({atMilliseconds, clientIp, method: 'GET', target: '/', protocol: 'HTTP/1.1', status: 200, bodyBytes: 615, userAgent: 'Wget', format: 'nginx'})
const request = (server: string, atMilliseconds: number): ReplayedRequest => ({server, record: served(atMilliseconds)})
const times = (records: readonly ServedRecord[]) => records.map((record) => record.atMilliseconds)

describe.each([
  ['in memory', () => ReplayedRequests.inMemory()],
  ['on disk', () => ReplayedRequests.inFolder(temporaryFolder())],
])('replayed requests %s', (_where, open) => {
  it('a replay again leaves one line per request, and what was settled stays with the backend that answered it', () => {
    const store = open()
    // Looked at 25 s, an hour ahead: requests every 10 s, two backends taking turns.
    const first = [0, 10_000, 20_000, 30_000, 40_000].map((at, index) => request(index % 2 === 0 ? 'web-a/nginx/0' : 'web-b/nginx/0', at))
    expect(store.record('client/sh/0', 25_000, 3_625_000, first)).toBeNull()
    // The next replay (looked at 45 s) finds every request at the other backend.
    const second = [0, 10_000, 20_000, 30_000, 40_000, 50_000].map((at) => request('web-b/nginx/0', at))
    store.record('client/sh/0', 45_000, 3_645_000, second)
    expect(times(store.servedBy('web-a/nginx/0', 0, 60_000))).toEqual([0, 20_000])
    expect(times(store.servedBy('web-b/nginx/0', 0, 60_000))).toEqual([10_000, 30_000, 40_000, 50_000])
    // A log read at 35 s shows only what was sent by then.
    expect(times(store.servedBy('web-b/nginx/0', 0, 35_000))).toEqual([10_000, 30_000])
  })

  it("a log that showed a request settles it: a replay after the read moves none of the lines shown", () => {
    const store = open()
    // The kubelet looked at 0, an hour ahead: two requests ahead of the look, at web-a.
    store.record('client/sh/0', 0, 3_600_000, [10_000, 20_000].map((at) => request('web-a/nginx', at)))
    expect(times(store.servedBy('web-a/nginx', 0, 15_000))).toEqual([10_000])
    // A replay at 25 s reaches web-b for both: the one shown stays at web-a, the other moves.
    store.record('client/sh/0', 25_000, 25_000, [10_000, 20_000].map((at) => request('web-b/nginx', at)))
    expect(times(store.servedBy('web-a/nginx', 0, 30_000))).toEqual([10_000])
    expect(times(store.servedBy('web-b/nginx', 0, 30_000))).toEqual([20_000])
  })

  it("a server run's log takes the requests of its own time only", () => {
    const store = open()
    store.record('client/sh/0', 30_000, 30_000, [5_000, 15_000, 25_000].map((at) => request('web/nginx', at)))
    expect(times(store.servedBy('web/nginx', 10_000, 20_000))).toEqual([15_000])
  })

  it("a replay that did not run the exec probes keeps their requests", () => {
    const store = open()
    const probe = (at: number): ReplayedRequest => ({...request('web/nginx', at), probe: true})
    store.record('prober/sh/0', 0, 3_600_000, [probe(10_000), probe(20_000), request('web/nginx', 15_000)], null, true)
    // A log read at 25 s replays the command alone.
    store.record('prober/sh/0', 25_000, 25_000, [request('web/nginx', 15_000)])
    expect(times(store.servedBy('web/nginx', 0, 30_000))).toEqual([10_000, 15_000, 20_000])
  })

  it('a shorter replay (a log read now) keeps what a longer one found ahead of it', () => {
    const store = open()
    store.record('client/sh/0', 0, 3_600_000, [0, 10_000, 20_000, 30_000].map((at) => request('web/nginx/0', at)))
    store.record('client/sh/0', 15_000, 15_000, [0, 10_000].map((at) => request('web/nginx/0', at)))
    expect(times(store.servedBy('web/nginx/0', 0, 3_600_000))).toEqual([0, 10_000, 20_000, 30_000])
  })

  it('a run that ended keeps nothing after its end, whatever a replay forecast', () => {
    const store = open()
    store.record('client/sh/0', 0, 3_600_000, [0, 10_000, 20_000, 30_000].map((at) => request('web/nginx/0', at)))
    // Open until its end is known (the kubelet ends the open runs of pods that are gone).
    expect(store.openRuns()).toEqual(['client/sh/0'])
    store.end('client/sh/0', 15_000)
    expect(store.openRuns()).toEqual([])
    expect(times(store.servedBy('web/nginx/0', 0, 3_600_000))).toEqual([0, 10_000])
    store.record('client/sh/0', 40_000, 3_640_000, [0, 10_000, 20_000, 30_000].map((at) => request('web/nginx/0', at)))
    expect(times(store.servedBy('web/nginx/0', 0, 3_600_000))).toEqual([0, 10_000])
    // A probe's kill given with a look ends the run the same way.
    store.record('other/sh/0', 30_000, 3_630_000, [5_000, 25_000, 35_000].map((at) => request('web/nginx/0', at)), 20_000)
    expect(times(store.servedBy('web/nginx/0', 0, 3_600_000))).toEqual([0, 5_000, 10_000])
  })

  it('keeps a bounded number of requests a run, and says when to look again once the ones ahead were cut', () => {
    const store = open()
    const many = Array.from({length: 4 * replayedRequestsPerRunMax}, (_, index) => request('web/nginx/0', index * 1_000))
    const lookedAt = 2 * replayedRequestsPerRunMax * 1_000
    const cutAt = store.record('client/sh/0', lookedAt, 5 * replayedRequestsPerRunMax * 1_000, many)
    expect(cutAt).toBe((lookedAt / 1_000 + replayedRequestsPerRunMax) * 1_000)
    const kept = times(store.servedBy('web/nginx/0', 0, Number.MAX_SAFE_INTEGER))
    expect(kept).toHaveLength(2 * replayedRequestsPerRunMax)
    // The newest settled ones and the soonest ahead.
    expect(kept[0]).toBe((lookedAt / 1_000 - replayedRequestsPerRunMax + 1) * 1_000)
    expect(kept.at(-1)).toBe(cutAt)
  })

  it('a run that never reached a server writes nothing; several clients of one server read together, in time order', () => {
    const store = open()
    expect(store.record('quiet/sh/0', 0, 3_600_000, [])).toBeNull()
    store.record('one/sh/0', 30_000, 30_000, [request('web/nginx/0', 20_000)])
    store.record('two/sh/0', 30_000, 30_000, [request('web/nginx/0', 10_000), request('site/httpd/0', 15_000)])
    expect(times(store.servedBy('web/nginx/0', 0, 30_000))).toEqual([10_000, 20_000])
    expect(times(store.servedBy('site/httpd/0', 0, 30_000))).toEqual([15_000])
    expect(store.servedBy('nobody/x/0', 0, 30_000)).toEqual([])
    expect(() => store.record('one/sh/0', 40_000, 30_000, [])).toThrow(RangeError)
  })
})

it("on disk: a client's file cut short (a crash before the rename's data reached the disk) loses its lines, not the server's log", () => {
  const folder = temporaryFolder()
  const store = ReplayedRequests.inFolder(folder)
  store.record('uid/sh/0', 30_000, 30_000, [request('web/nginx/0', 10_000)])
  store.record('other/sh/0', 30_000, 30_000, [request('web/nginx/0', 20_000)])
  writeFileSync(join(folder, replayedRequestsFolderName, 'uid_sh_0.json'), '{"lookedAtMill')
  expect(times(ReplayedRequests.inFolder(folder).servedBy('web/nginx/0', 0, 30_000))).toEqual([20_000])
})

it('on disk: read back by another process, one file per client run and the index', () => {
  const folder = temporaryFolder()
  ReplayedRequests.inFolder(folder).record('uid/sh/0', 30_000, 30_000, [request('web/nginx/0', 10_000)])
  expect(times(ReplayedRequests.inFolder(folder).servedBy('web/nginx/0', 0, 30_000))).toEqual([10_000])
  expect(readdirSync(join(folder, replayedRequestsFolderName)).sort()).toEqual(['index.json', 'uid_sh_0.json'])
})
