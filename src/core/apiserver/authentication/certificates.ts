// The certificates of a cluster's HTTPS front door, as kubeadm makes them: a self-signed CA
// (`kubernetes`) and a serving certificate for the API server signed by it, with the names and
// addresses clients dial. ECDSA P-256 with SHA-256; DER written by hand (a few ASN.1 types), keys
// and signatures from node:crypto.
import {createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate} from 'node:crypto'
import {existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {isIP} from 'node:net'
import {join} from 'node:path'
import {assert} from '../../util/assert.js'
import {derBitString, derElement, derInteger, derObjectIdentifier, derSequence, derSet, derUtf8String, pemBlock} from '../../util/der.js'
import {type DistinguishedName, encodeName} from '../../util/x509.js'

/** How long the certificates are valid: kubemu's clusters are for learning and CI, not for rotation. */
export const certificateValidityDays = 3650

// ---- DER ------------------------------------------------------------------------------------

const tlv = derElement
const sequence = derSequence
const set = derSet
const explicit = (tag: number, item: Buffer) => tlv(0xa0 | tag, item)
const octetString = (bytes: Buffer) => tlv(0x04, bytes)
const utf8String = derUtf8String
const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]))
const bitString = derBitString
const integer = derInteger
const objectIdentifier = derObjectIdentifier

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(milliseconds: number): Buffer {
  const iso = new Date(milliseconds).toISOString()
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '')
  const year = Number(iso.slice(0, 4))
  return year < 2050 ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${digits}Z`))
}

const oids = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
}

function name(commonName: string, organization?: string): Buffer {
  const attribute = (oid: string, value: string) => set(sequence(objectIdentifier(oid), utf8String(value)))
  return sequence(...(organization ? [attribute(oids.organization, organization)] : []), attribute(oids.commonName, commonName))
}

const extension = (oid: string, critical: boolean, value: Buffer) => sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value))

function ipAddressBytes(address: string): Buffer {
  if (isIP(address) === 4) return Buffer.from(address.split('.').map(Number))
  // IPv6: expand "::" and write the eight groups.
  const [head, tail] = address.includes('::') ? address.split('::') : [address, '']
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
  return Buffer.concat(groups.map((group) => Buffer.from(group.padStart(4, '0'), 'hex')))
}

// ---- certificates ---------------------------------------------------------------------------

export interface KeyAndCertificate {
  /** PEM. */
  readonly certificate: string
  /** PEM (PKCS #8). */
  readonly privateKey: string
}

interface Validity {
  readonly notBeforeMilliseconds: number
  readonly notAfterMilliseconds: number
}

interface Issuer {
  readonly name: Buffer
  readonly key: KeyObject
  readonly keyIdentifier: Buffer
}

/** The SHA-1 of the public key's bits, as RFC 5280's method (1) for key identifiers. */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({type: 'spki', format: 'der'})
  // The BIT STRING is the last element of SubjectPublicKeyInfo; for P-256 it is 66 bytes long.
  const bits = spki.subarray(spki.length - 65)
  return createHash('sha1').update(bits).digest()
}

function certificate(subject: Buffer, publicKey: KeyObject | Buffer, issuer: Issuer, extensions: Buffer[], nowMilliseconds: number, validity?: Validity): string {
  const notBefore = validity?.notBeforeMilliseconds ?? nowMilliseconds - 60 * 60 * 1000
  const notAfter = validity?.notAfterMilliseconds ?? nowMilliseconds + certificateValidityDays * 24 * 60 * 60 * 1000
  const serial = randomBytes(16)
  serial[0] = serial[0]! & 0x7f
  const algorithm = sequence(objectIdentifier(oids.ecdsaWithSha256))
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    issuer.name,
    sequence(time(notBefore), time(notAfter)),
    subject,
    Buffer.isBuffer(publicKey) ? publicKey : publicKey.export({type: 'spki', format: 'der'}),
    explicit(3, sequence(...extensions)),
  )
  const signature = sign('sha256', tbs, issuer.key)
  return pemBlock('CERTIFICATE', sequence(tbs, algorithm, bitString(signature)))
}

const newKey = () => generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
const pkcs8 = (key: KeyObject) => key.export({type: 'pkcs8', format: 'pem'}).toString()

/** A self-signed CA named `kubernetes`, as kubeadm's ca.crt (or `etcd-ca`, as its etcd/ca.crt). */
export function createCertificateAuthority(nowMilliseconds: number, commonName = 'kubernetes'): KeyAndCertificate {
  const {privateKey, publicKey} = newKey()
  const subject = name(commonName)
  const identifier = keyIdentifier(publicKey)
  const issuer: Issuer = {name: subject, key: privateKey, keyIdentifier: identifier}
  const extensions = [
    // digitalSignature, keyCertSign, cRLSign.
    extension(oids.keyUsage, true, bitString(Buffer.from([0x86]), 1)),
    extension(oids.basicConstraints, true, sequence(boolean(true))),
    extension(oids.subjectKeyIdentifier, false, octetString(identifier)),
  ]
  return {certificate: certificate(subject, publicKey, issuer, extensions, nowMilliseconds), privateKey: pkcs8(privateKey)}
}

export interface CertificateRequest {
  readonly commonName: string
  readonly organization?: string
  /** The DNS names and IP addresses a serving certificate covers (none for a client's). */
  readonly hosts?: readonly string[]
  readonly usages: ReadonlyArray<'serverAuth' | 'clientAuth'>
}

/** A certificate signed by `authority` (a CA whose subject is its CN alone, as those made here). */
export function issueCertificate(authority: KeyAndCertificate, request: CertificateRequest, nowMilliseconds: number): KeyAndCertificate {
  const authorityKey = createPrivateKey(authority.privateKey)
  const authorityName = /^CN=(.*)$/.exec(new X509Certificate(authority.certificate).subject)?.[1]
  assert(authorityName !== undefined, 'a CA made here is named by its CN alone')
  const issuer: Issuer = {name: name(authorityName), key: authorityKey, keyIdentifier: keyIdentifier(createPublicKey(authorityKey))}
  const {privateKey, publicKey} = newKey()
  const hosts = request.hosts ?? []
  const alternativeNames = hosts.map((host) => (isIP(host) ? tlv(0x87, ipAddressBytes(host)) : tlv(0x82, Buffer.from(host, 'ascii'))))
  const extensions = [
    // digitalSignature, keyEncipherment.
    extension(oids.keyUsage, true, bitString(Buffer.from([0xa0]), 5)),
    extension(oids.extendedKeyUsage, false, sequence(...request.usages.map((usage) => objectIdentifier(oids[usage])))),
    extension(oids.basicConstraints, true, sequence()),
    extension(oids.authorityKeyIdentifier, false, sequence(tlv(0x80, issuer.keyIdentifier))),
    ...(hosts.length > 0 ? [extension(oids.subjectAltName, false, sequence(...alternativeNames))] : []),
  ]
  return {certificate: certificate(name(request.commonName, request.organization), publicKey, issuer, extensions, nowMilliseconds), privateKey: pkcs8(privateKey)}
}

/** What a signer puts in a certificate it issues for a certificate request (kube's x509.Certificate template). */
export interface RequestedCertificate extends Validity {
  /** The request's subject as parsed: written again in Go's order, attributes Go's pkix.Name does not keep dropped. */
  readonly subject: DistinguishedName
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKeyDer: Buffer
  /** KeyUsage bit numbers (0 digitalSignature … 8 decipherOnly). */
  readonly keyUsageBits: readonly number[]
  readonly extendedKeyUsageOids: readonly string[]
  readonly dnsNames: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly emailAddresses: readonly string[]
  readonly uris: readonly string[]
}

/** The KeyUsage BIT STRING: bit n is the byte n/8's bit 7 - n%8, trailing zero bits cut (Go's encoding). */
function keyUsageBitString(bits: readonly number[]): Buffer {
  const highest = Math.max(...bits)
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1)
  for (const bit of bits) bytes[Math.floor(bit / 8)]! |= 0x80 >> (bit % 8)
  return bitString(bytes, 7 - (highest % 8))
}

/** A certificate for `request`, signed by `authority` (kube-controller-manager's csrsigning signer). */
export function signRequestedCertificate(authority: KeyAndCertificate, request: RequestedCertificate, nowMilliseconds: number): string {
  const authorityKey = createPrivateKey(authority.privateKey)
  const authorityName = /^CN=(.*)$/.exec(new X509Certificate(authority.certificate).subject)?.[1]
  assert(authorityName !== undefined, 'a CA made here is named by its CN alone')
  const issuer: Issuer = {name: name(authorityName), key: authorityKey, keyIdentifier: keyIdentifier(createPublicKey(authorityKey))}
  // In Go's order: DNS names, email addresses, IP addresses, URIs.
  const alternativeNames = [
    ...request.dnsNames.map((host) => tlv(0x82, Buffer.from(host, 'ascii'))),
    ...request.emailAddresses.map((address) => tlv(0x81, Buffer.from(address, 'ascii'))),
    ...request.ipAddresses.map((address) => tlv(0x87, ipAddressBytes(address))),
    ...request.uris.map((uri) => tlv(0x86, Buffer.from(uri, 'ascii'))),
  ]
  const extensions = [
    ...(request.keyUsageBits.length > 0 ? [extension(oids.keyUsage, true, keyUsageBitString(request.keyUsageBits))] : []),
    ...(request.extendedKeyUsageOids.length > 0 ? [extension(oids.extendedKeyUsage, false, sequence(...request.extendedKeyUsageOids.map(objectIdentifier)))] : []),
    extension(oids.basicConstraints, true, sequence()),
    extension(oids.authorityKeyIdentifier, false, sequence(tlv(0x80, issuer.keyIdentifier))),
    ...(alternativeNames.length > 0 ? [extension(oids.subjectAltName, false, sequence(...alternativeNames))] : []),
  ]
  return certificate(encodeName(request.subject), request.publicKeyDer, issuer, extensions, nowMilliseconds, request)
}

/** The API server's serving certificate (kubeadm's apiserver.crt), signed by `authority`. */
export function issueServingCertificate(authority: KeyAndCertificate, hosts: readonly string[], nowMilliseconds: number): KeyAndCertificate {
  assert(hosts.length > 0, 'a serving certificate names at least one host')
  return issueCertificate(authority, {commonName: 'kube-apiserver', hosts, usages: ['serverAuth']}, nowMilliseconds)
}

/** The names and addresses the API server's certificate covers (kubeadm's, on loopback). */
export const servingHosts = ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', '127.0.0.1', '::1', '10.96.0.1'] as const

export interface ClusterCertificates {
  readonly authority: KeyAndCertificate
  readonly serving: KeyAndCertificate
}

/**
 * Makes `folder` with the certificates `issue` gives (file name → key and certificate, written as
 * name.crt and name.key) unless it exists. The files are written into a fresh folder that is then
 * renamed into place, so two processes starting at once both end up with the one set that won.
 */
export function writeCertificateFolderOnce(folder: string, issue: () => Record<string, KeyAndCertificate>): void {
  if (existsSync(folder)) return
  const staging = mkdtempSync(`${folder}-`)
  for (const [file, pair] of Object.entries(issue())) {
    writeFileSync(join(staging, `${file}.crt`), pair.certificate)
    writeFileSync(join(staging, `${file}.key`), pair.privateKey, {mode: 0o600})
  }
  try {
    renameSync(staging, folder)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
    rmSync(staging, {recursive: true, force: true})
  }
}

/** name.crt and name.key of `folder`. */
export function readKeyAndCertificate(folder: string, file: string): KeyAndCertificate {
  return {certificate: readFileSync(join(folder, `${file}.crt`), 'utf8'), privateKey: readFileSync(join(folder, `${file}.key`), 'utf8')}
}

/** The cluster's CA and serving certificate in `<pki>/tls` (kubeadm's ca.crt and apiserver.crt), made on first use. */
export function clusterCertificates(pki: string, nowMilliseconds: number): ClusterCertificates {
  const folder = join(pki, 'tls')
  writeCertificateFolderOnce(folder, () => {
    const authority = createCertificateAuthority(nowMilliseconds)
    return {ca: authority, apiserver: issueServingCertificate(authority, servingHosts, nowMilliseconds)}
  })
  return {authority: readKeyAndCertificate(folder, 'ca'), serving: readKeyAndCertificate(folder, 'apiserver')}
}
