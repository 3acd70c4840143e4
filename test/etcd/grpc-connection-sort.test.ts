// The etcd front door's sorting of plain gRPC connections, with the real etcdctl 3.4 as the
// client: its main client's connections (authority host:port) go to the gRPC server as the socket
// itself; its per-endpoint clients' (authority "http://host:port", which Node's HTTP/2 refuses) go
// through the :authority rewrite. The front door's own SETTINGS acknowledgement never reaches the
// server.
import {spawn} from 'node:child_process'
import {createServer, type Socket} from 'node:net'
import {afterAll, describe, expect, it} from 'vitest'
import * as sorting from '../../src/core/server/grpc-connection-sort.js'
import {type GrpcConnectionKind, sortGrpcConnection} from '../../src/core/server/grpc-connection-sort.js'
import {AuthorityRewriter, connectionPreface} from '../../src/core/server/http2-authority.js'

const sorted: Array<{kind: GrpcConnectionKind; bytes: Buffer; settingsAckPending: boolean}> = []
const server = createServer((socket: Socket) => {
  // etcdctl is killed once its connection is sorted: its reset must not be an uncaught error.
  socket.on('error', () => socket.destroy())
  socket.once('data', (head: Buffer) => {
    socket.pause()
    sortGrpcConnection(socket, head, (kind, bytes, settingsAckPending) => {
      sorted.push({kind, bytes, settingsAckPending})
      socket.destroy()
    })
  })
})
const listening = new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as {port: number}).port)))
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

/** Runs etcdctl until the front door has sorted one of its connections (it then fails: nothing answers). */
async function sortOf(args: string[]): Promise<{kind: GrpcConnectionKind; bytes: Buffer; settingsAckPending: boolean}> {
  const before = sorted.length
  const etcdctl = spawn('etcdctl', ['--dial-timeout=3s', '--command-timeout=3s', ...args], {env: {...process.env, ETCDCTL_API: '3'}, stdio: 'ignore'})
  const exited = new Promise((resolve) => etcdctl.once('exit', resolve))
  for (let attempt = 0; attempt < 100 && sorted.length === before; attempt++) await new Promise((resolve) => setTimeout(resolve, 50))
  etcdctl.kill()
  await exited
  expect(sorted.length).toBeGreaterThan(before)
  return sorted[before]!
}

/** The frame types in `bytes` after the connection preface. */
function frameTypes(bytes: Buffer): number[] {
  const types: number[] = []
  for (let position = connectionPreface.length; position + 9 <= bytes.length; position += 9 + bytes.readUIntBE(position, 3)) types.push(bytes[position + 3]! * 16 + (bytes[position + 4]! & 1))
  return types
}

describe('sorting plain gRPC connections', () => {
  it("sends etcdctl's main client's connection to the server as the socket, its per-endpoint client's through the rewrite", async () => {
    const port = await listening
    const main = await sortOf([`--endpoints=127.0.0.1:${port}`, 'get', 'foo'])
    expect(main.kind).toBe('direct')
    expect(main.settingsAckPending).toBe(false)
    expect(main.bytes.subarray(0, connectionPreface.length).equals(connectionPreface)).toBe(true)
    // The client's SETTINGS, then its request's HEADERS; no SETTINGS acknowledgement (type 4, ACK) among them.
    expect(frameTypes(main.bytes)).toContain(0x4 * 16)
    expect(frameTypes(main.bytes)).toContain(0x1 * 16)
    expect(frameTypes(main.bytes)).not.toContain(0x4 * 16 + 1)
    const perEndpoint = await sortOf([`--endpoints=http://127.0.0.1:${port}`, 'endpoint', 'status'])
    expect(perEndpoint.kind).toBe('rewrite')
    expect(frameTypes(perEndpoint.bytes)).not.toContain(0x4 * 16 + 1)
    // The same clients again: sorted alike, without asking nghttp2 again (its verdict is kept by the authority's bytes).
    const asked = sorting.nghttp2Asks
    expect((await sortOf([`--endpoints=127.0.0.1:${port}`, 'get', 'foo'])).kind).toBe('direct')
    expect((await sortOf([`--endpoints=http://127.0.0.1:${port}`, 'endpoint', 'status'])).kind).toBe('rewrite')
    expect(sorting.nghttp2Asks).toBe(asked)
  }, 30_000)

  it('the rewrite drops the acknowledgement of the front door SETTINGS when it comes later, and only that one', async () => {
    const frame = (type: number, flags: number) => Buffer.from([0, 0, 0, type, flags, 0, 0, 0, 0])
    const rewriter = new AuthorityRewriter('127.0.0.1:2379', true)
    const output: Buffer[] = []
    rewriter.on('data', (chunk: Buffer) => output.push(chunk))
    rewriter.end(Buffer.concat([connectionPreface, frame(0x4, 0), frame(0x4, 1), frame(0x8, 0), frame(0x4, 1)]))
    await new Promise((resolve) => rewriter.on('end', resolve))
    expect(frameTypes(Buffer.concat(output))).toEqual([0x4 * 16, 0x8 * 16, 0x4 * 16 + 1])
  })
})
