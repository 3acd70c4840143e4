// etcd's v3 HTTP gateway (/v3/kv/range, /v3/watch, …) against etcd 3.4's own: a transcript
// recorded from the real etcd replayed, the same requests side by side with a live etcd 3.4 when
// one is installed, and what a transcript cannot show (nothing written on bad input, oversize
// requests, tokens, live watch events, a watch ended by the client).
import {EventEmitter} from 'node:events'
import {readFileSync} from 'node:fs'
import type {IncomingMessage, ServerResponse} from 'node:http'
import {Readable} from 'node:stream'
import {afterEach, describe, expect, it} from 'vitest'
import type {Watcher} from '../../src/core/etcd/api.js'
import {etcdErrors} from '../../src/core/mvcc/errors.js'
import {serveEtcdGateway} from '../../src/core/server/etcd-gateway.js'
import {watchEventsBufferedPerStreamMax} from '../../src/core/server/etcd-gateway-streams.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {bytes} from '../support/temp.js'
import {type GatewayHarness, startGateway} from '../support/gateway-harness.js'
import {type GatewayAnswer, type GatewayStep, normalize, runGatewaySteps} from '../support/gateway-transcript.js'
import {RealEtcdCluster, RealEtcdMember} from '../support/real-etcd.js'

const golden = new URL('../golden/etcd-gateway/', import.meta.url)
const recorded = JSON.parse(readFileSync(new URL('recorded.json', golden), 'utf8')) as Array<{case: string; steps: GatewayAnswer[]}>
const cases = JSON.parse(readFileSync(new URL('cases.json', golden), 'utf8')) as Array<{case: string; steps: GatewayStep[]}>

const opened: GatewayHarness[] = []
const open = async (options: Parameters<typeof startGateway>[0] = {}) => {
  const harness = await startGateway({clock: new ManualClock(), ...options})
  opened.push(harness)
  return harness
}
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close()
})

const post = (harness: GatewayHarness, path: string, body: unknown, token?: string) =>
  fetch(`${harness.url}${path}`, {method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: token ? {authorization: token} : {}})
const base64 = (text: string) => Buffer.from(text).toString('base64')
const revisionOf = async (harness: GatewayHarness) => (await harness.client.kv.range({key: new Uint8Array([0]), rangeEnd: new Uint8Array([0])})).header.revision

/** Reads a streamed answer line by line. */
function lineReader(response: Response) {
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  let buffered = ''
  return {
    async next(): Promise<string> {
      while (!buffered.includes('\n')) {
        const {done, value} = await reader.read()
        if (done) throw new Error(`the stream ended; held: ${buffered}`)
        buffered += decoder.decode(value, {stream: true})
      }
      const line = buffered.slice(0, buffered.indexOf('\n'))
      buffered = buffered.slice(line.length + 1)
      return line
    },
    cancel: () => reader.cancel(),
  }
}

describe('the v3 gateway answers as etcd 3.4 recorded', () => {
  for (const transcript of recorded) {
    it(transcript.case, async () => {
      const harness = await open()
      const answers = await runGatewaySteps(harness.url, transcript.steps)
      for (const [index, step] of transcript.steps.entries()) {
        expect({step: index, path: step.path, body: step.body, status: answers[index]!.status, headers: answers[index]!.headers, answer: answers[index]!.answer}).toEqual({
          step: index,
          path: step.path,
          body: step.body,
          status: step.status,
          headers: step.headers,
          answer: step.answer,
        })
      }
    })
  }
})

describe.runIf(RealEtcdCluster.available())('side by side with a live etcd 3.4', () => {
  it('every case answers the same, and a watch streams the same first lines', {timeout: 120_000}, async () => {
    // A fresh real etcd per case, as recorded.
    for (const definition of cases) {
      const etcd = await RealEtcdMember.start()
      try {
        const ours = await runGatewaySteps((await open()).url, definition.steps)
        const theirs = await runGatewaySteps(etcd.url, definition.steps)
        const shown = (answers: GatewayAnswer[]) => ({case: definition.case, answers: answers.map(({path, body, status, headers, answer}) => ({path, body, status, headers, answer}))})
        expect(shown(ours)).toEqual(shown(theirs))
      } finally {
        await etcd.stop()
      }
    }
    // Live events: the created line, then two puts and a delete as they happen.
    const etcd = await RealEtcdMember.start()
    try {
      const streams = []
      for (const url of [(await open()).url, etcd.url]) {
        const response = await fetch(`${url}/v3/watch`, {method: 'POST', body: JSON.stringify({create_request: {key: base64('k'), prev_kv: true}})})
        const lines = lineReader(response)
        const created = await lines.next()
        await fetch(`${url}/v3/kv/put`, {method: 'POST', body: JSON.stringify({key: base64('k'), value: base64('v1')})})
        await fetch(`${url}/v3/kv/put`, {method: 'POST', body: JSON.stringify({key: base64('k'), value: base64('v2')})})
        await fetch(`${url}/v3/kv/deleterange`, {method: 'POST', body: JSON.stringify({key: base64('k')})})
        streams.push([created, await lines.next(), await lines.next(), await lines.next()].map(normalize))
        await lines.cancel()
      }
      expect(streams[0]).toEqual(streams[1])
    } finally {
      await etcd.stop()
    }
  })
})

describe('bad input writes nothing', () => {
  it('malformed JSON and base64 fail with HTTP 400, code 3, and the revision stays', async () => {
    const harness = await open()
    await post(harness, '/v3/kv/put', {key: base64('a'), value: base64('1')})
    const before = await revisionOf(harness)
    for (const body of ['{"key":"YQ==","value":', '{"key":"YQ==","value":"!!"}', '{"key":"YQ==","lease":"x"}', '[1]']) {
      const response = await post(harness, '/v3/kv/put', body)
      expect(response.status).toBe(400)
      expect((await response.json()) as {code: number}).toMatchObject({code: 3})
    }
    const txn = await post(harness, '/v3/kv/txn', {success: [{request_put: {key: base64('b'), value: 'not base64!'}}]})
    expect(await txn.json()).toEqual({error: 'illegal base64 data at input byte 3', message: 'illegal base64 data at input byte 3', code: 3})
    expect(await revisionOf(harness)).toBe(before)
  })

  it("oversize requests fail as etcd's: over --max-request-bytes, then over gRPC's receive limit", async () => {
    const harness = await open()
    const tooLarge = await post(harness, '/v3/kv/put', {key: base64('big'), value: Buffer.alloc(1_600_000).toString('base64')})
    expect(tooLarge.status).toBe(400)
    expect(await tooLarge.json()).toEqual({error: 'etcdserver: request is too large', message: 'etcdserver: request is too large', code: 3})
    const overLimit = await post(harness, '/v3/kv/put', {key: base64('YQ'), value: Buffer.alloc(5_000_000).toString('base64')})
    expect(overLimit.status).toBe(429)
    const message = 'grpc: received message larger than max (5000009 vs. 2097152)'
    expect(await overLimit.json()).toEqual({error: message, message, code: 8})
    expect(await revisionOf(harness)).toBe(1)
  })
})

describe('tokens, paths and members', () => {
  it('a token from /v3/auth/authenticate in the Authorization header runs the request as its user', async () => {
    const harness = await open()
    for (const [path, body] of [
      ['/v3/auth/user/add', {name: 'root', password: 'r'}],
      ['/v3/auth/user/grant', {user: 'root', role: 'root'}],
      ['/v3/auth/user/add', {name: 'reader', password: 'p'}],
      ['/v3/auth/role/add', {name: 'readers'}],
      ['/v3/auth/role/grant', {name: 'readers', perm: {permType: 'READ', key: base64('a'), range_end: base64('b')}}],
      ['/v3/auth/user/grant', {user: 'reader', role: 'readers'}],
      ['/v3/auth/enable', {}],
    ] as const) {
      expect((await post(harness, path, body)).status).toBe(200)
    }
    const login = (await (await post(harness, '/v3/auth/authenticate', {name: 'reader', password: 'p'})).json()) as {token: string}
    expect((await post(harness, '/v3/kv/range', {key: base64('a1')}, login.token)).status).toBe(200)
    const denied = await post(harness, '/v3/kv/put', {key: base64('a1'), value: base64('x')}, login.token)
    expect(denied.status).toBe(403)
    expect(await denied.json()).toEqual({error: 'etcdserver: permission denied', message: 'etcdserver: permission denied', code: 7})
    const anonymous = await post(harness, '/v3/kv/range', {key: base64('a1')})
    expect(await anonymous.json()).toMatchObject({code: 3, message: 'etcdserver: user name is empty'})
    const bogus = await post(harness, '/v3/kv/range', {key: base64('a1')}, 'bogus.1')
    expect(bogus.status).toBe(401)
    // etcd answers a watch with a bad token on the stream, as a refused watch.
    const watch = lineReader(await fetch(`${harness.url}/v3/watch`, {method: 'POST', body: JSON.stringify({create_request: {key: base64('a')}}), headers: {authorization: 'bogus.1'}}))
    expect(JSON.parse(await watch.next())).toMatchObject({result: {watch_id: '-1', created: true, canceled: true, cancel_reason: `rpc error: code = Unauthenticated desc = ${etcdErrors.invalidAuthToken().message}`}})
    await watch.cancel()
  })

  it('member list names the URL served; unknown paths, other methods and preflights as etcd', async () => {
    const harness = await open()
    const list = (await (await post(harness, '/v3/cluster/member/list', {})).json()) as {members: Array<{name: string; clientURLs: string[]}>}
    expect(list.members.find((entry) => entry.name === 'infra1')!.clientURLs).toEqual([harness.url])
    const missing = await post(harness, '/v3/kv/nothing', {})
    expect([missing.status, await missing.text()]).toEqual([404, 'Not Found\n'])
    const get = await fetch(`${harness.url}/v3/kv/range`)
    expect([get.status, await get.text()]).toEqual([405, 'Method Not Allowed\n'])
    const preflight = await fetch(`${harness.url}/v3/kv/range`, {method: 'OPTIONS'})
    expect([preflight.status, preflight.headers.get('access-control-allow-methods')]).toEqual([200, 'POST, GET, OPTIONS, PUT, DELETE'])
  })
})

describe('watch streams', () => {
  it('stream live events, and end their watches when the client hangs up', async () => {
    const cancelled: Watcher[] = []
    let bothCancelled = () => {}
    const ended = new Promise<void>((resolve) => (bothCancelled = resolve))
    const harness = await open({
      watchOpened: (watcher) => {
        const cancel = watcher.cancel.bind(watcher)
        watcher.cancel = () => {
          cancelled.push(watcher)
          cancel()
          if (cancelled.length === 2) bothCancelled()
        }
      },
    })
    const abort = new AbortController()
    const response = await fetch(`${harness.url}/v3/watch`, {
      method: 'POST',
      body: `${JSON.stringify({create_request: {key: base64('a'), range_end: base64('b')}})}${JSON.stringify({create_request: {key: base64('x')}})}`,
      signal: abort.signal,
    })
    const lines = lineReader(response)
    expect(JSON.parse(await lines.next())).toMatchObject({result: {created: true}})
    expect(JSON.parse(await lines.next())).toMatchObject({result: {watch_id: '1', created: true}})
    await post(harness, '/v3/kv/txn', {success: [{request_put: {key: base64('a1'), value: base64('1')}}, {request_put: {key: base64('a2'), value: base64('2')}}]})
    const events = JSON.parse(await lines.next()) as {result: {header: {revision: string}; events: Array<{kv: {key: string}}>}}
    expect(events.result.header.revision).toBe('2')
    expect(events.result.events.map((entry) => Buffer.from(entry.kv.key, 'base64').toString())).toEqual(['a1', 'a2'])
    abort.abort()
    await ended
    expect(cancelled).toHaveLength(2)
  })
})

/** An answer whose client stops reading: every write pushes back until drain() (it reads again). */
class StalledResponse extends EventEmitter {
  statusCode = 200
  text = ''
  writableEnded = false
  destroyed = false
  private stalled = true
  private readonly waiters: Array<{done: (text: string) => boolean; resolve: () => void}> = []

  get writableNeedDrain(): boolean {
    return this.stalled
  }

  setHeader(): void {}

  write(chunk: string): boolean {
    this.text += chunk
    for (const waiter of [...this.waiters]) {
      if (waiter.done(this.text)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
    return !this.stalled
  }

  end(): void {
    this.writableEnded = true
  }

  until(done: (text: string) => boolean): Promise<void> {
    return done(this.text) ? Promise.resolve() : new Promise((resolve) => this.waiters.push({done, resolve}))
  }

  drain(): void {
    this.stalled = false
    this.emit('drain')
  }
}

describe('a streamed request body', () => {
  it('is read request by request however it is cut', async () => {
    const harness = await open()
    // Cut inside a number, a string, a multi-byte character and between requests.
    const body = `${JSON.stringify({note: 'ééé (an unknown field)', create_request: {key: base64('é'), watch_id: 12}})} ${JSON.stringify({create_request: {key: base64('x'), watch_id: 345}})}`
    const pieces = Buffer.from(body)
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < pieces.length; offset += 3) controller.enqueue(pieces.subarray(offset, offset + 3))
        controller.close()
      },
    })
    const response = await fetch(`${harness.url}/v3/watch`, {method: 'POST', body: stream, duplex: 'half'} as RequestInit)
    const lines = lineReader(response)
    expect(JSON.parse(await lines.next())).toMatchObject({result: {watch_id: '12', created: true}})
    expect(JSON.parse(await lines.next())).toMatchObject({result: {watch_id: '345', created: true}})
    await post(harness, '/v3/kv/put', {key: base64('é'), value: base64('1')})
    expect(JSON.parse(await lines.next())).toMatchObject({result: {watch_id: '12', events: [{kv: {key: base64('é')}}]}})
    await lines.cancel()
  })
})

describe('a watch whose client does not read', () => {
  it(`holds at most ${watchEventsBufferedPerStreamMax} events (and one revision) and, read again, delivers every event in order`, {timeout: 120_000}, async () => {
    const operationsPerTxn = 128
    let pulled = 0
    let limitReached = () => {}
    const reached = new Promise<void>((resolve) => (limitReached = resolve))
    const harness = await open({
      watchOpened: (watcher) => {
        const next = watcher.next.bind(watcher)
        watcher.next = async () => {
          const answer = await next()
          pulled += answer?.events.length ?? 0
          if (pulled >= watchEventsBufferedPerStreamMax) limitReached()
          return answer
        }
      },
    })
    const response = new StalledResponse()
    const request = Object.assign(Readable.from([Buffer.from(JSON.stringify({create_request: {key: base64('k'), range_end: base64('l')}}))]), {method: 'POST', url: '/v3/watch', headers: {}})
    void serveEtcdGateway(request as unknown as IncomingMessage, response as unknown as ServerResponse, harness.context)
    await response.until((text) => text.includes('"created":true'))
    const txns = Math.ceil(watchEventsBufferedPerStreamMax / operationsPerTxn) + 20
    for (let txn = 0; txn < txns; txn++) {
      const success = Array.from({length: operationsPerTxn}, (_, index) => ({requestPut: {key: bytes(`k${txn}/${index}`), value: bytes('v')}}))
      await harness.client.kv.txn({compare: [], success, failure: []})
    }
    await reached
    // Let the stream run on as far as it would (it has every event it could pull).
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve))
    expect(pulled).toBeLessThanOrEqual(watchEventsBufferedPerStreamMax + operationsPerTxn)
    expect(pulled).toBeLessThan(txns * operationsPerTxn)

    response.drain()
    const total = txns * operationsPerTxn
    const countEvents = (text: string) => text.split('\n').filter((line) => line.includes('"events"')).reduce((sum, line) => sum + (JSON.parse(line) as {result: {events: unknown[]}}).result.events.length, 0)
    await response.until((text) => countEvents(text) >= total)
    const revisions = response.text
      .split('\n')
      .filter((line) => line.includes('"events"'))
      .flatMap((line) => (JSON.parse(line) as {result: {events: Array<{kv: {mod_revision: string}}>}}).result.events.map((entry) => Number(entry.kv.mod_revision)))
    expect(revisions).toEqual(Array.from({length: total}, (_, index) => 2 + Math.floor(index / operationsPerTxn)))
    response.emit('close')
  })
})
