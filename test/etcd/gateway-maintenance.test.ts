// The gateway's snapshot stream and member add, as etcd 3.4's gateway answers them: a snapshot
// that arrives whole (its blobs, then their SHA-256), refused to anyone but root, and member add
// with etcd's checks and errors, side by side with a live etcd 3.4 where the answer can be compared.
import {createHash} from 'node:crypto'
import {afterEach, describe, expect, it} from 'vitest'
import {ManualClock} from '../../src/core/util/clock.js'
import {snapshotBlobBytes} from '../../src/core/server/etcd-snapshot-stream.js'
import {type GatewayHarness, startGateway} from '../support/gateway-harness.js'
import {RealEtcdCluster, RealEtcdMember} from '../support/real-etcd.js'

const opened: GatewayHarness[] = []
afterEach(async () => {
  while (opened.length > 0) await opened.pop()!.close()
})
const open = async (clock = new ManualClock()) => {
  const harness = await startGateway({clock})
  opened.push(harness)
  return harness
}
const post = (url: string, path: string, body: string, token?: string) => fetch(`${url}${path}`, {method: 'POST', body, headers: token ? {authorization: token} : {}})
const base64 = (text: string) => Buffer.from(text).toString('base64')

interface SnapshotLine {
  result?: {blob?: string; remaining_bytes?: string}
  error?: {grpc_code: number; http_code: number; message: string; http_status: string}
}
const linesOf = (text: string) => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as SnapshotLine)

describe('POST /v3/maintenance/snapshot', () => {
  it('streams the snapshot in 32 KiB blobs counting down the bytes left, then their SHA-256', async () => {
    const harness = await open()
    const value = base64('v'.repeat(4000))
    for (let index = 0; index < 60; index++) await post(harness.url, '/v3/kv/put', JSON.stringify({key: base64(`key-${index}`), value}))
    const response = await post(harness.url, '/v3/maintenance/snapshot', '{}')
    expect([response.status, response.headers.get('content-type'), response.headers.get('grpc-metadata-content-type')]).toEqual([200, 'application/json', 'application/grpc'])
    const lines = linesOf(await response.text())
    const blobs = lines.map((line) => Buffer.from(line.result!.blob!, 'base64'))
    const data = Buffer.concat(blobs.slice(0, -1))
    expect(data.length).toBeGreaterThan(4000 * 60)
    expect(blobs.slice(0, -2).every((blob) => blob.length === snapshotBlobBytes)).toBe(true)
    // Each line counts what is still to come; a zero is left out, as Go's JSON leaves out defaults.
    let left = data.length
    for (const [index, line] of lines.slice(0, -1).entries()) {
      left -= blobs[index]!.length
      expect(line.result!.remaining_bytes).toBe(left === 0 ? undefined : String(left))
    }
    expect(blobs.at(-1)!.equals(createHash('sha256').update(data).digest())).toBe(true)
    expect(data.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000')
  })

  it("refuses a user who is not root with the auth store's error chunk, and a bad token or none likewise", async () => {
    const harness = await open()
    for (const body of [{name: 'root', password: 'pw'}, {name: 'bob', password: 'pw'}]) await post(harness.url, '/v3/auth/user/add', JSON.stringify(body))
    await post(harness.url, '/v3/auth/user/grant', JSON.stringify({user: 'root', role: 'root'}))
    await post(harness.url, '/v3/auth/enable', '{}')
    const tokenOf = async (name: string) => ((await (await post(harness.url, '/v3/auth/authenticate', JSON.stringify({name, password: 'pw'}))).json()) as {token: string}).token
    const refusal = (message: string) => ({error: {grpc_code: 2, http_code: 500, message, http_status: 'Internal Server Error'}})
    for (const [token, message] of [[await tokenOf('bob'), 'auth: permission denied'], ['bad', 'auth: invalid auth token'], [undefined, 'auth: user name is empty']] as const) {
      const response = await post(harness.url, '/v3/maintenance/snapshot', '{}', token)
      expect([response.status, linesOf(await response.text())]).toEqual([500, [refusal(message)]])
    }
    const root = await post(harness.url, '/v3/maintenance/snapshot', '{}', await tokenOf('root'))
    expect([root.status, linesOf(await root.text()).every((line) => line.result?.blob !== undefined)]).toEqual([200, true])
  })

  describe.runIf(RealEtcdCluster.available())('side by side with a live etcd 3.4', () => {
    it('answers a malformed body and an empty one as etcd does', async () => {
      const etcd = await RealEtcdMember.start()
      try {
        const harness = await open()
        for (const body of ['xx', '{"unknown":1}', '']) {
          const answers = []
          for (const url of [harness.url, etcd.url]) {
            const response = await post(url, '/v3/maintenance/snapshot', body)
            const text = await response.text()
            answers.push({status: response.status, shape: response.status === 200 ? linesOf(text).map((line) => Object.keys(line.result!).sort()).at(-1) : text})
          }
          expect(answers[0], `body ${JSON.stringify(body)}`).toEqual(answers[1])
        }
      } finally {
        await etcd.stop()
      }
    })
  })
})

describe('POST /v3/cluster/member/add', () => {
  it("adds a learner under the next free name and answers with etcd's member fields; then etcd's refusals", async () => {
    const clock = new ManualClock()
    const harness = await open(clock)
    // etcd reconfigures only a cluster whose voters have been connected for 5 s.
    clock.advance(5000)
    const added = (await (await post(harness.url, '/v3/cluster/member/add', JSON.stringify({peerURLs: ['http://127.0.0.1:42380'], isLearner: true}))).json()) as {
      member: Record<string, unknown>
      members: Array<Record<string, unknown>>
    }
    expect(Object.keys(added.member).sort()).toEqual(['ID', 'isLearner', 'peerURLs'])
    expect(added.members).toHaveLength(4)
    expect(harness.client.embedded.layout.members.map((member) => member.name)).toContain('infra4')
    const refusals: Array<[unknown, number, string, number]> = [
      [{peerURLs: ['http://127.0.0.1:42380']}, 412, 'etcdserver: member ID already exist', 9],
      [{peerURLs: ['http://127.0.0.1:52380'], isLearner: true}, 412, 'etcdserver: too many learner members in cluster', 9],
      [{peerURLs: ['bad']}, 400, 'etcdserver: given member URLs are invalid', 3],
    ]
    for (const [body, status, message, code] of refusals) {
      const response = await post(harness.url, '/v3/cluster/member/add', JSON.stringify(body))
      expect([response.status, await response.json()], JSON.stringify(body)).toEqual([status, {error: message, message, code}])
    }
    clock.advance(1000)
    const again = await post(harness.url, '/v3/cluster/member/add', JSON.stringify({peerURLs: ['http://127.0.0.1:42380']}))
    expect((await again.json()) as {error: string}).toMatchObject({error: 'etcdserver: Peer URLs already exists', code: 9})
  })

  describe.runIf(RealEtcdCluster.available())('side by side with a live etcd 3.4', () => {
    it('answers a bad URL, no URL and a learner add with the same status, error and fields', async () => {
      const etcd = await RealEtcdMember.start()
      try {
        const clock = new ManualClock()
        const harness = await open(clock)
        clock.advance(5000)
        for (const body of [{peerURLs: ['bad']}, {peerURLs: ['http://127.0.0.1:1/x']}, {peerURLs: ['http://127.0.0.1:42380'], isLearner: true}]) {
          const answers = []
          for (const url of [harness.url, etcd.url]) {
            const response = await post(url, '/v3/cluster/member/add', JSON.stringify(body))
            const answer = (await response.json()) as Record<string, unknown>
            answers.push({status: response.status, answer: 'member' in answer ? Object.keys(answer.member as object).sort() : answer})
          }
          expect(answers[0], JSON.stringify(body)).toEqual(answers[1])
        }
      } finally {
        await etcd.stop()
      }
    })
  })
})
