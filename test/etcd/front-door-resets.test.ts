// Clients that reset their connections in the middle of gRPC requests: `kubemu up` hands each
// client connection to its gRPC server in-process, and Node's HTTP/2 over such a stream must never
// see it fail (an internal assertion would take the whole process down). Raw HTTP/2 connections
// send puts (half of them with the `http://` authority etcdctl's endpoint commands send) and are
// reset at several points; afterwards `up` still runs and serves.
import {connect} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {UpProcess} from '../support/up-process.js'

/** Connections reset in the test, spread over the members. */
const resetConnections = 150
/** Puts sent on each connection before it is reset. */
const putsPerConnection = 10

const frameOf = (type: number, flags: number, stream: number, payload: Buffer): Buffer => {
  const header = Buffer.alloc(9)
  header.writeUIntBE(payload.length, 0, 3)
  header[3] = type
  header[4] = flags
  header.writeUInt32BE(stream, 5)
  return Buffer.concat([header, payload])
}

/** An HPACK literal without indexing, with a new name, neither string Huffman-coded (both under 127 bytes). */
const literal = (name: string, value: string): Buffer => Buffer.concat([Buffer.from([0x00, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)])

/** A length-prefixed gRPC message of PutRequest{key, value: 1 KiB}. */
function putMessage(key: string): Buffer {
  const keyBytes = Buffer.from(key)
  const request = Buffer.concat([Buffer.from([0x0a, keyBytes.length]), keyBytes, Buffer.from([0x12, 0x80, 0x08]), Buffer.alloc(1024, 0x78)])
  const prefix = Buffer.alloc(5)
  prefix.writeUInt32BE(request.length, 1)
  return Buffer.concat([prefix, request])
}

/** The bytes of a connection that sends `putsPerConnection` puts at once. */
function requests(connection: number, authority: string): Buffer {
  const frames = [Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frameOf(0x4, 0, 0, Buffer.alloc(0))]
  for (let put = 0; put < putsPerConnection; put++) {
    const stream = 2 * put + 1
    const headers = [literal(':method', 'POST'), literal(':scheme', 'http'), literal(':path', '/etcdserverpb.KV/Put'), literal(':authority', authority), literal('content-type', 'application/grpc'), literal('te', 'trailers')]
    frames.push(frameOf(0x1, 0x4, stream, Buffer.concat(headers)), frameOf(0x0, 0x1, stream, putMessage(`/resets/${connection}/${put}`)))
  }
  return Buffer.concat(frames)
}

/** Sends a connection's puts and resets it: at once, or when the server's first bytes come back. */
function resetMidway(url: string, connection: number): Promise<void> {
  const {hostname, port} = new URL(url)
  const authority = Math.floor(connection / 2) % 2 === 0 ? `${hostname}:${port}` : url
  const resetAtOnce = connection % 2 === 0
  return new Promise((done) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(requests(connection, authority))
      if (resetAtOnce) socket.resetAndDestroy()
    })
    socket.on('data', () => {
      if (!socket.destroyed) socket.resetAndDestroy()
    })
    socket.on('close', () => done())
    socket.on('error', () => {})
  })
}

describe('the etcd front door when clients reset their connections mid-request', () => {
  let up: UpProcess
  beforeAll(async () => {
    up = new UpProcess(temporaryFolder())
    await up.until(/etcd: \S+ is the leader/)
  }, 120_000)
  afterAll(async () => {
    await up?.stop()
  })

  it('keeps up running and serving', async () => {
    const urls = Object.values(up.etcdUrls())
    for (let connection = 0; connection < resetConnections; connection += urls.length) {
      await Promise.all(urls.map((url, index) => resetMidway(url, connection + index)))
    }
    expect(up.child.exitCode, up.output).toBeNull()
    const endpoints = urls.join(',')
    const env = {...process.env, ETCDCTL_API: '3'}
    const put = await runShell(`etcdctl --endpoints=${endpoints} put /resets/after done`, {cwd: process.cwd(), env})
    expect(put.stdout, put.stderr).toBe('OK\n')
    const get = await runShell(`etcdctl --endpoints=${urls[1]} get /resets/after --print-value-only`, {cwd: process.cwd(), env})
    expect(get.stdout, get.stderr).toBe('done\n')
  }, 120_000)
})
