// The etcd front door's relay: a client's literal :authority is written as the address it reached,
// everything else in the HPACK header block (indexed fields, other literals) byte for byte.
import {describe, expect, it} from 'vitest'
import {AuthorityRewriter, rewriteAuthority} from '../../src/core/server/http2-authority.js'

const literal = (prefix: number, value: string) => [prefix, value.length, ...Buffer.from(value)]

describe('the :authority relay', () => {
  it('rewrites literal authorities in header blocks and copies the rest', () => {
    // :method POST (indexed 3), :scheme http (indexed 6), :path (literal, indexed name 4), :authority (literal with incremental indexing, name 1),
    // content-type (literal without indexing, name 31), then an indexed dynamic entry (62).
    const contentType = [0x0f, 0x10, 16, ...Buffer.from('application/grpc')] // name index 31: 15 in the prefix, 16 after
    const block = Buffer.from([0x83, 0x86, ...literal(0x44, '/etcdserverpb.Maintenance/Status'), ...literal(0x41, 'http://127.0.0.1:2379'), ...contentType, 0xbe])
    const rewritten = rewriteAuthority(block, '127.0.0.1:2379')!
    expect([...rewritten]).toEqual([0x83, 0x86, ...literal(0x44, '/etcdserverpb.Maintenance/Status'), ...literal(0x41, '127.0.0.1:2379'), ...contentType, 0xbe])
    // Never-indexed literals keep their representation; a block without a literal authority is left alone.
    expect([...rewriteAuthority(Buffer.from(literal(0x11, 'http://x:1')), 'x:1')!]).toEqual(literal(0x11, 'x:1'))
    expect(rewriteAuthority(Buffer.from([0x83, 0x86, 0xbe]), 'x:1')).toBeNull()
  })

  it('rewrites HEADERS frames of a connection split anywhere, and passes other frames and padding as they were', async () => {
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')
    const frame = (type: number, flags: number, stream: number, payload: number[]) => {
      const header = Buffer.alloc(9)
      header.writeUIntBE(payload.length, 0, 3)
      header[3] = type
      header[4] = flags
      header.writeUInt32BE(stream, 5)
      return Buffer.concat([header, Buffer.from(payload)])
    }
    const settings = frame(0x4, 0, 0, [])
    const headers = frame(0x1, 0x4 | 0x8, 1, [2, 0x83, ...literal(0x41, 'http://127.0.0.1:2379'), 0, 0]) // END_HEADERS, PADDED by 2
    const data = frame(0x0, 0x1, 1, [0, 0, 0, 0, 1, 42])
    const input = Buffer.concat([preface, settings, headers, data])
    const rewriter = new AuthorityRewriter('127.0.0.1:2379')
    const output: Buffer[] = []
    rewriter.on('data', (chunk: Buffer) => output.push(chunk))
    for (let offset = 0; offset < input.length; offset += 7) rewriter.write(input.subarray(offset, offset + 7))
    rewriter.end()
    await new Promise((resolve) => rewriter.on('end', resolve))
    expect([...Buffer.concat(output)]).toEqual([...Buffer.concat([preface, settings, frame(0x1, 0x4, 1, [0x83, ...literal(0x41, '127.0.0.1:2379')]), data])])
  })
})
