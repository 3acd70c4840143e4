// The DER reader and the PKCS #10 parser: requests openssl makes (RSA, ECDSA, Ed25519) parse with
// their subject, key and alternative names, and their signatures check; broken ones fail in the
// words Go's encoding/asn1 and crypto/x509 use.
import {execFileSync} from 'node:child_process'
import {createPublicKey, generateKeyPairSync, sign} from 'node:crypto'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {derBitString, derElement, DerError, derChildren, derInteger, derObjectIdentifier, derSequence, derSet, derUtf8String, pemBlocks, readDer, readObjectIdentifier} from '../../src/core/util/der.js'
import {CertificateRequestError, checkRequestSignature, parseCertificateRequestDer, parseCertificateRequestPem} from '../../src/core/util/x509.js'
import {temporaryFolder} from '../support/temp.js'
import {hasOpenssl} from '../support/openssl.js'

describe('DER reader', () => {
  it('reads nested elements and object identifiers, and refuses what DER does not allow', () => {
    // SEQUENCE { OID 1.2.840.113549.1.1.11, NULL }
    const element = readDer(Buffer.from('300d06092a864886f70d01010b0500', 'hex'))
    const [oid, nothing] = derChildren(element)
    expect(readObjectIdentifier(oid!)).toBe('1.2.840.113549.1.1.11')
    expect(nothing!.tag).toBe(0x05)
    expect(() => readDer(Buffer.from('300d06092a', 'hex'))).toThrow(new DerError('data truncated'))
    expect(() => readDer(Buffer.from('05000500', 'hex'))).toThrow(new DerError('trailing data'))
    expect(() => readDer(Buffer.from('30800000', 'hex'))).toThrow(new DerError('indefinite length found (not DER)'))
    expect(() => readDer(Buffer.from('3081050500', 'hex'))).toThrow(new DerError('non-minimal length'))
  })
})

describe('PEM reader', () => {
  it('reads blocks as Go\'s pem.Decode does: BEGIN at a line\'s start, headers first, the first END naming the same type, nothing after it', () => {
    const text = [
      '-----END B-----', 'junk -----BEGIN A-----', 'AAEC', '-----END A-----',
      '-----BEGIN B-----\r', 'Proc-Type: 4,ENCRYPTED', '', 'AwQ=', '-----END B----- trailing',
      '-----BEGIN C-----', 'not base64!', '-----END C-----', '-----BEGIN D-----', '-----BEGIN E-----', 'BQ==', '-----END E-----',
    ].join('\n')
    // A: BEGIN not at a line's start; B: text after its END line; C: not base64; D: the first END names E.
    expect(pemBlocks(text).map(({type, bytes, headers}) => [type, bytes.toString('hex'), headers])).toEqual([['E', '05', false]])
    const clean = [
      '-----BEGIN A-B-----  ', 'Proc-Type: 4,ENCRYPTED', 'AAEC', '-----END A-B-----\t', 'x-----BEGIN Q-----',
      '-----BEGIN C-----', 'AAE', '-----END C-----', '-----BEGIN D-----', 'AA EC\tAA==', '-----END D-----', '-----BEGIN F-----', 'AAEC', 'K: v', '-----END F-----',
    ].join('\n')
    // A type may hold dashes; blanks end the marker lines; spaces and tabs in the body go; padding is required; a header after the body is not base64.
    expect(pemBlocks(clean).map(({type, bytes, headers}) => [type, bytes.toString('hex'), headers])).toEqual([['A-B', '000102', true], ['D', '00010200', false]])
    expect(pemBlocks(clean, 1).map((block) => block.type)).toEqual(['A-B'])
    expect(pemBlocks('-----BEGIN X-----\n-----END X-----').map(({type, bytes}) => [type, bytes.length])).toEqual([['X', 0]])
    // Cut off in its headers, a block ends the decoding: Go returns no block at all.
    expect(pemBlocks('-----BEGIN X-----\nAAEC\n-----END X-----\n-----BEGIN Y-----\nK: v\n-----BEGIN Z-----\nAAEC\n-----END Z-----').map((block) => block.type)).toEqual(['X', 'Z'])
    expect(pemBlocks('-----BEGIN X-----\nAAEC\n-----END X-----\n-----BEGIN Y-----\nK: v').map((block) => block.type)).toEqual(['X'])
  })

  it('reads a text of 100,000 BEGIN lines without an END in one pass', () => {
    // A backtracking pattern took minutes on this (each BEGIN searched the rest of the text).
    expect(pemBlocks('-----BEGIN A-----\n'.repeat(100_000))).toEqual([])
    expect(pemBlocks(Array.from({length: 100_000}, (_, index) => `-----BEGIN A${index}-----\n-----END B-----\n`).join(''))).toEqual([])
    expect(() => parseCertificateRequestPem('-----BEGIN CERTIFICATE REQUEST-----\n'.repeat(100_000))).toThrow(new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST'))
  })
})

/** One DER element: tag, definite length, contents. */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents)
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff])
  return Buffer.concat([Buffer.from([tag]), length, body])
}

/** Certificate requests put together by hand with a part left out, as a client could send them. */
const shapelessRequests = (() => {
  const sequence = (...contents: Buffer[]) => tlv(0x30, ...contents)
  const ecPublicKey = tlv(0x06, Buffer.from('2a8648ce3d0201', 'hex'))
  const key = tlv(0x03, Buffer.from([0, 4, 1, 2]))
  const info = (spki: Buffer, ...rest: Buffer[]) => sequence(tlv(0x02, Buffer.from([0])), sequence(), spki, ...rest)
  const goodInfo = info(sequence(sequence(ecPublicKey), key), tlv(0xa0))
  const algorithm = sequence(tlv(0x06, Buffer.from('2a8648ce3d040302', 'hex')))
  const signature = tlv(0x03, Buffer.from([0, 1]))
  return {
    noSignature: sequence(goodInfo, algorithm),
    emptySignatureAlgorithm: sequence(goodInfo, sequence(), signature),
    emptyPublicKeyAlgorithm: sequence(info(sequence(sequence(), key), tlv(0xa0)), algorithm, signature),
    noPublicKey: sequence(info(sequence(sequence(ecPublicKey)), tlv(0xa0)), algorithm, signature),
    noAttributes: sequence(info(sequence(sequence(ecPublicKey), key)), algorithm, signature),
    whole: sequence(goodInfo, algorithm, signature),
  }
})()

describe('certificate requests missing a part', () => {
  it('fail as encoding/asn1 fails a SEQUENCE that ends before a required field', () => {
    expect(parseCertificateRequestDer(shapelessRequests.whole).publicKeyAlgorithm).toBe('ECDSA')
    for (const [name, der] of Object.entries(shapelessRequests)) {
      if (name === 'whole') continue
      expect(() => parseCertificateRequestDer(der), name).toThrow(new CertificateRequestError('asn1: syntax error: sequence truncated'))
    }
  })
})

describe.runIf(hasOpenssl)('certificate requests', () => {
  const folder = temporaryFolder()
  const request = (keyArguments: string[], subject: string, extra: string[] = []) => {
    const key = join(folder, `key-${Math.random().toString(36).slice(2)}.pem`)
    execFileSync('openssl', [keyArguments[0]!, '-out', key, ...keyArguments.slice(1)], {stdio: 'ignore'})
    return execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject, ...extra]).toString()
  }

  it('parses RSA, ECDSA and Ed25519 requests and checks their signatures', () => {
    const rsa = parseCertificateRequestPem(request(['genrsa', '2048'], '/CN=jane/O=dev/O=ops'))
    expect(rsa).toMatchObject({subject: {commonName: 'jane', organizations: ['dev', 'ops']}, publicKeyAlgorithm: 'RSA', dnsNames: []})
    checkRequestSignature(rsa)
    const ec = parseCertificateRequestPem(request(['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], '/CN=system:node:worker-1/O=system:nodes', ['-addext', 'subjectAltName=DNS:worker-1,IP:172.18.0.5,IP:2001:db8::1,email:a@b.c,URI:spiffe://x/y']))
    expect(ec).toMatchObject({publicKeyAlgorithm: 'ECDSA', dnsNames: ['worker-1'], ipAddresses: ['172.18.0.5', '2001:db8::1'], emailAddresses: ['a@b.c'], uris: ['spiffe://x/y']})
    checkRequestSignature(ec)
    const ed = parseCertificateRequestPem(request(['genpkey', '-algorithm', 'ed25519'], '/CN=ed'))
    expect(ed.publicKeyAlgorithm).toBe('Ed25519')
    checkRequestSignature(ed)
  })

  it('fails a request that is not one, or whose signature does not check, in Go\'s words', () => {
    const pem = request(['genrsa', '2048'], '/CN=jane')
    expect(() => parseCertificateRequestPem('hello')).toThrow(new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST'))
    expect(() => parseCertificateRequestPem(pem.replaceAll('CERTIFICATE REQUEST', 'CERTIFICATE'))).toThrow(new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST'))
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64')
    expect(() => parseCertificateRequestDer(der.subarray(0, der.length - 10))).toThrow(new CertificateRequestError('asn1: syntax error: data truncated'))
    const tampered = Buffer.from(der)
    tampered[tampered.length - 5]! ^= 0xff
    expect(() => checkRequestSignature(parseCertificateRequestDer(tampered))).toThrow(new CertificateRequestError('crypto/rsa: verification error'))
    const ecPem = request(['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], '/CN=ec')
    const ecDer = Buffer.from(ecPem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64')
    // The subject's last byte (inside the signed part) changed: the signature no longer covers it.
    const subjectAt = ecDer.indexOf(Buffer.from([0x0c, 0x02, 0x65, 0x63]))
    expect(subjectAt).toBeGreaterThan(0)
    ecDer[subjectAt + 2] = 'f'.charCodeAt(0)
    expect(() => checkRequestSignature(parseCertificateRequestDer(ecDer))).toThrow(new CertificateRequestError('x509: ECDSA verification failure'))
  })
})

describe('a certificate request\'s subject', () => {
  /** A request signed by a fresh ECDSA key whose subject is `name` (DER), written by hand. */
  const requestWithName = (name: Buffer) => {
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
    const info = derSequence(derInteger(Buffer.from([0])), name, createPublicKey(privateKey).export({type: 'spki', format: 'der'}), derElement(0xa0))
    return derSequence(info, derSequence(derObjectIdentifier('1.2.840.10045.4.3.2')), derBitString(sign('sha256', info, privateKey)))
  }
  const attribute = (oid: string, value: Buffer) => derSet(derSequence(derObjectIdentifier(oid), value))
  const organization = '2.5.4.10'
  const commonName = '2.5.4.3'

  it('passes over values that are not strings, as pkix.Name keeps only strings, and reads NumericString', () => {
    const name = derSequence(
      attribute(organization, derInteger(Buffer.from([7]))),
      attribute(organization, derSequence(derUtf8String('nested'))),
      attribute(organization, derElement(0x12, Buffer.from('12 34'))),
      attribute(commonName, derUtf8String('system:node:a')),
    )
    const request = parseCertificateRequestDer(requestWithName(name))
    expect(request.subject).toMatchObject({commonName: 'system:node:a', organizations: ['12 34']})
    checkRequestSignature(request)
  })

  it('fails a string value Go\'s encoding/asn1 refuses, in its words', () => {
    const failing = (value: Buffer) => () => parseCertificateRequestDer(requestWithName(derSequence(attribute(commonName, value))))
    expect(failing(derElement(0x13, Buffer.from('a@b')))).toThrow(new CertificateRequestError('asn1: syntax error: PrintableString contains invalid character'))
    expect(failing(derElement(0x12, Buffer.from('12a')))).toThrow(new CertificateRequestError('asn1: syntax error: NumericString contains invalid character'))
    expect(failing(derElement(0x16, Buffer.from([0x61, 0xe9])))).toThrow(new CertificateRequestError('asn1: syntax error: IA5String contains invalid character'))
    expect(failing(derElement(0x0c, Buffer.from([0x61, 0xff])))).toThrow(new CertificateRequestError('asn1: syntax error: invalid UTF-8 string'))
    expect(failing(derElement(0x1e, Buffer.from([0x00, 0x61, 0x00])))).toThrow(new CertificateRequestError('pkcs12: odd-length BMP string'))
    // '*' and '&' are PrintableString when read, as Go reads them.
    expect(parseCertificateRequestDer(requestWithName(derSequence(attribute(commonName, derElement(0x13, Buffer.from('a*&b')))))).subject.commonName).toBe('a*&b')
  })
})
