// The etcd client over the v3 JSON gateway (what kubemu's etcdctl uses while `kubemu up` runs)
// side by side with the gRPC client, each through a fresh cluster's etcd front door on a free
// port: every store conformance case must give the same transcript (answers, errors and their
// codes, watches, leases, auth, members), so the etcdctl clone prints the same whichever door
// it takes. A refused port is waited for until the command's deadline, as over gRPC.
import {createServer} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {EtcdClient} from '../../src/core/etcd/api.js'
import {serveEtcdGateway} from '../../src/core/server/etcd-gateway.js'
import {startEtcdFrontDoor} from '../../src/core/server/etcd-grpc.js'
import {GatewayEtcdClient} from '../../src/core/store/gateway-etcd-client.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {RealEtcdClient} from '../../src/core/store/real-etcd-client.js'
import {type Connect, Recorder, conformanceCases} from '../store/conformance-cases.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {temporaryFolder} from '../support/temp.js'

type ClientOf = (url: string, credentials?: {user: string; password: string}) => EtcdClient

/** The conformance transcripts of a fresh cluster's front door, with its URL written as <url>. */
async function transcripts(clientOf: ClientOf): Promise<Map<string, string[]>> {
  // The cluster's clock stands still: how long the cases before take on a busy machine cannot move
  // the membership case out of the 5 s after start in which etcd refuses reconfiguration.
  const store = new LazyEmbeddedStore(temporaryFolder(), {seed: 1, clock: new ManualClock(Date.parse('2026-01-01T00:00:00Z'))})
  const door = await startEtcdFrontDoor(await store.embeddedClient(), [{member: 'infra1', host: '127.0.0.1', port: 0}], {gateway: serveEtcdGateway})
  const url = door.urls.get('infra1')!
  const client = clientOf(url)
  const others: EtcdClient[] = []
  const connect: Connect = (user, password) => {
    const other = clientOf(url, {user, password})
    others.push(other)
    return other
  }
  const results = new Map<string, string[]>()
  const recorder = new Recorder()
  try {
    for (const item of conformanceCases) {
      const before = recorder.lines.length
      await item.run(client, recorder, connect)
      results.set(item.name, recorder.lines.slice(before).map((line) => JSON.stringify(line).replaceAll(url, '<url>')))
    }
  } finally {
    for (const other of others) await other.close()
    await client.close()
    await door.close()
    await store.close()
  }
  return results
}

describe('the etcd client over the JSON gateway', () => {
  let overGrpc: Map<string, string[]>
  let overGateway: Map<string, string[]>
  const opened: EtcdClient[] = []
  afterAll(async () => {
    for (const client of opened) await client.close()
  })

  beforeAll(async () => {
    overGrpc = await transcripts((url, credentials) => new RealEtcdClient(url, credentials ?? {}))
    overGateway = await transcripts((url, credentials) => new GatewayEtcdClient(url, credentials ?? {}))
  }, 120_000)

  for (const item of conformanceCases) {
    it(`${item.name}: the same as over gRPC`, () => {
      const [grpc, gateway] = [overGrpc.get(item.name)!, overGateway.get(item.name)!]
      expect(gateway.length, 'lines').toBe(grpc.length)
      for (let index = 0; index < grpc.length; index++) expect(gateway[index]).toBe(grpc[index])
    })
  }

  it('waits for a refused port until the command deadline, then answers "context deadline exceeded"', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as {port: number}).port
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const client = new GatewayEtcdClient(`http://127.0.0.1:${port}`, {commandTimeoutMilliseconds: 400})
    opened.push(client)
    const started = Date.now()
    await expect(client.kv.put({key: new Uint8Array([97]), value: new Uint8Array([98])})).rejects.toMatchObject({message: 'context deadline exceeded', grpcCode: 'DeadlineExceeded'})
    expect(Date.now() - started).toBeGreaterThanOrEqual(390)
  })
})
