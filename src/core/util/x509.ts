// PKCS #10 certificate requests and the parts of X.509 certificates Kubernetes reads (subject,
// public key, subject alternative names), from DER by hand; keys and signatures checked with
// node:crypto. Errors are worded as Go's crypto/x509 words them, which kube-apiserver passes on.
import {createPublicKey, type KeyObject, sign, verify, X509Certificate} from 'node:crypto'
import {derBitString, derElement, DerError, derChildren, type DerElement, derInteger, derObjectIdentifier, derSequence, derSet, derTags, derUtf8String, expectChildren, pemBlock, pemBlocks, readBitString, readDer, readObjectIdentifier, readString} from './der.js'

export const x509Oids = {
  commonName: '2.5.4.3',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
} as const

/** Signature algorithms Go's x509 checks, by OID: the hash node:crypto's verify takes (null: none, Ed25519). */
const signatureAlgorithms: Readonly<Record<string, {hash: string | null; key: 'RSA' | 'ECDSA' | 'Ed25519'}>> = {
  '1.2.840.113549.1.1.5': {hash: 'sha1', key: 'RSA'},
  '1.2.840.113549.1.1.11': {hash: 'sha256', key: 'RSA'},
  '1.2.840.113549.1.1.12': {hash: 'sha384', key: 'RSA'},
  '1.2.840.113549.1.1.13': {hash: 'sha512', key: 'RSA'},
  '1.2.840.10045.4.1': {hash: 'sha1', key: 'ECDSA'},
  '1.2.840.10045.4.3.2': {hash: 'sha256', key: 'ECDSA'},
  '1.2.840.10045.4.3.3': {hash: 'sha384', key: 'ECDSA'},
  '1.2.840.10045.4.3.4': {hash: 'sha512', key: 'ECDSA'},
  '1.3.101.112': {hash: null, key: 'Ed25519'},
}

export interface DistinguishedName {
  /** The last CN, as Go's pkix.Name keeps it. */
  readonly commonName: string
  readonly serialNumber: string
  readonly organizations: readonly string[]
  readonly organizationalUnits: readonly string[]
  readonly countries: readonly string[]
  readonly localities: readonly string[]
  readonly provinces: readonly string[]
  readonly streetAddresses: readonly string[]
  readonly postalCodes: readonly string[]
}

/** The multi-valued name attributes Go's pkix.Name keeps, by OID. */
const nameLists = {
  '2.5.4.10': 'organizations', '2.5.4.11': 'organizationalUnits', '2.5.4.6': 'countries', '2.5.4.7': 'localities',
  '2.5.4.8': 'provinces', '2.5.4.9': 'streetAddresses', '2.5.4.17': 'postalCodes',
} as const

export interface SubjectAlternativeNames {
  readonly dnsNames: readonly string[]
  readonly emailAddresses: readonly string[]
  readonly ipAddresses: readonly string[]
  readonly uris: readonly string[]
}

export interface CertificateRequestInfo extends SubjectAlternativeNames {
  readonly subject: DistinguishedName
  /** SubjectPublicKeyInfo, DER. */
  readonly publicKeyDer: Buffer
  readonly publicKeyAlgorithm: 'RSA' | 'ECDSA' | 'Ed25519' | 'unknown'
  /** The signed part and its signature. */
  readonly signed: Buffer
  readonly signatureAlgorithm: string
  readonly signature: Buffer
}

/** A request that does not parse or whose signature does not check, in Go's words. */
export class CertificateRequestError extends Error {}

/** The universal string tags encoding/asn1 decodes into a Go string (an interface{} value). */
const goStringTags: ReadonlySet<number> = new Set([derTags.printableString, derTags.numericString, derTags.ia5String, derTags.t61String, derTags.utf8String, derTags.bmpString])

/** Go's PrintableString characters when reading ('*' and '&' taken, as encoding/asn1 takes them). */
const printableOnRead = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/

/**
 * An attribute value as encoding/asn1 decodes one into an interface{} for a certificate request's
 * subject: a string type's text (checked as Go checks it), or null for any other value, which
 * pkix.Name's FillFromRDNSequence passes over.
 */
function requestNameValue(value: DerElement): string | null {
  if (!goStringTags.has(value.tag)) return null
  const bytes = value.contents
  switch (value.tag) {
    case derTags.printableString:
      if (!printableOnRead.test(bytes.toString('latin1'))) throw new DerError('PrintableString contains invalid character')
      return bytes.toString('latin1')
    case derTags.numericString:
      if (!/^[0-9 ]*$/.test(bytes.toString('latin1'))) throw new DerError('NumericString contains invalid character')
      return bytes.toString('latin1')
    case derTags.ia5String:
      if (bytes.some((byte) => byte >= 0x80)) throw new DerError('IA5String contains invalid character')
      return bytes.toString('latin1')
    case derTags.utf8String: {
      const text = bytes.toString('utf8')
      if (!Buffer.from(text, 'utf8').equals(bytes)) throw new DerError('invalid UTF-8 string')
      return text
    }
    case derTags.bmpString:
      if (bytes.length % 2 !== 0) throw new CertificateRequestError('pkcs12: odd-length BMP string')
      return readString(value)
    default:
      return readString(value)
  }
}

/**
 * A Name's attributes as pkix.Name keeps them. `fromRequest`: read as x509.ParseCertificateRequest
 * reads a request's subject (a value that is not a string is passed over); otherwise as a
 * certificate's, where every value must be a string.
 */
function readName(element: DerElement, fromRequest = false): DistinguishedName {
  let commonName = ''
  let serialNumber = ''
  const lists: Record<(typeof nameLists)[keyof typeof nameLists], string[]> = {
    organizations: [], organizationalUnits: [], countries: [], localities: [], provinces: [], streetAddresses: [], postalCodes: [],
  }
  for (const rdn of expectChildren(element, derTags.sequence, 'name')) {
    for (const attribute of expectChildren(rdn, derTags.set, 'name')) {
      const [type, value] = expectChildren(attribute, derTags.sequence, 'name')
      if (!type || !value) throw new DerError('malformed name')
      const oid = readObjectIdentifier(type)
      const text = fromRequest ? requestNameValue(value) : readString(value)
      if (text === null) continue
      if (oid === x509Oids.commonName) commonName = text
      else if (oid === '2.5.4.5') serialNumber = text
      else if (oid in nameLists) lists[nameLists[oid as keyof typeof nameLists]].push(text)
    }
  }
  return {commonName, serialNumber, ...lists}
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.')
  if (bytes.length !== 16) throw new DerError('invalid IP length')
  const groups: string[] = []
  for (let index = 0; index < 16; index += 2) groups.push(bytes.readUInt16BE(index).toString(16))
  // The longest run of zero groups (two or more) becomes "::", as Go prints an IPv6 address.
  let bestStart = -1
  let bestLength = 0
  for (let start = 0; start < 8;) {
    if (groups[start] !== '0') {
      start++
      continue
    }
    let end = start
    while (end < 8 && groups[end] === '0') end++
    if (end - start > bestLength && end - start >= 2) {
      bestStart = start
      bestLength = end - start
    }
    start = end
  }
  if (bestStart < 0) return groups.join(':')
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLength).join(':')}`
}

function readAlternativeNames(value: Buffer): SubjectAlternativeNames {
  const names = {dnsNames: [] as string[], emailAddresses: [] as string[], ipAddresses: [] as string[], uris: [] as string[]}
  for (const entry of expectChildren(readDer(value), derTags.sequence, 'subject alternative names')) {
    const text = () => entry.contents.toString('latin1')
    if (entry.tag === 0x81) names.emailAddresses.push(text())
    else if (entry.tag === 0x82) names.dnsNames.push(text())
    else if (entry.tag === 0x86) names.uris.push(text())
    else if (entry.tag === 0x87) names.ipAddresses.push(ipText(entry.contents))
  }
  return names
}

/** The value of the extension `oid` in a list of Extension SEQUENCEs, or null. */
function extensionValue(extensions: DerElement[], oid: string): Buffer | null {
  for (const extension of extensions) {
    const parts = expectChildren(extension, derTags.sequence, 'extension')
    if (parts.length < 2 || readObjectIdentifier(parts[0]!) !== oid) continue
    const value = parts[parts.length - 1]!
    if (value.tag !== derTags.octetString) throw new DerError('malformed extension')
    return value.contents
  }
  return null
}

/** A field the structure must have: encoding/asn1 calls a SEQUENCE that ends before it truncated. */
function present(element: DerElement | undefined): DerElement {
  if (!element) throw new DerError('sequence truncated')
  return element
}

function publicKeyAlgorithmOf(spki: DerElement): CertificateRequestInfo['publicKeyAlgorithm'] {
  const [algorithm, key] = expectChildren(spki, derTags.sequence, 'public key info')
  const [algorithmOid] = expectChildren(present(algorithm), derTags.sequence, 'public key algorithm')
  readBitString(present(key))
  const oid = readObjectIdentifier(present(algorithmOid))
  if (oid === x509Oids.rsaEncryption) return 'RSA'
  if (oid === x509Oids.ecPublicKey) return 'ECDSA'
  if (oid === x509Oids.ed25519) return 'Ed25519'
  return 'unknown'
}

const derSyntaxFaults: ReadonlySet<string> = new Set([
  'data truncated', 'sequence truncated', 'trailing data', 'indefinite length found (not DER)', 'non-minimal length', 'length too large',
  'PrintableString contains invalid character', 'NumericString contains invalid character', 'IA5String contains invalid character', 'invalid UTF-8 string',
])

/** Parses DER of a PKCS #10 CertificationRequest (x509.ParseCertificateRequest). */
export function parseCertificateRequestDer(der: Buffer): CertificateRequestInfo {
  try {
    // Every field is required (the attributes too: an empty [0] when there are none), in Go's certificateRequest order.
    const [infoElement, algorithm, signature] = expectChildren(readDer(der), derTags.sequence, 'certificate request')
    const info = present(infoElement)
    const [version, subjectElement, spkiElement, attributesElement] = expectChildren(info, derTags.sequence, 'certificate request info')
    if (present(version).tag !== derTags.integer) throw new DerError('malformed certificate request info')
    const subject = present(subjectElement)
    const spki = present(spkiElement)
    const attributes = present(attributesElement)
    if (attributes.tag !== 0xa0) throw new DerError('malformed certificate request attributes')
    const [signatureAlgorithm] = expectChildren(present(algorithm), derTags.sequence, 'signature algorithm')
    const signatureOid = readObjectIdentifier(present(signatureAlgorithm))
    const {bytes: signatureBytes} = readBitString(present(signature))
    let alternativeNames: SubjectAlternativeNames = {dnsNames: [], emailAddresses: [], ipAddresses: [], uris: []}
    for (const attribute of derChildren(attributes)) {
      const [type, values] = expectChildren(attribute, derTags.sequence, 'attribute')
      if (readObjectIdentifier(present(type)) !== x509Oids.extensionRequest) continue
      for (const value of expectChildren(present(values), derTags.set, 'attribute values')) {
        const san = extensionValue(expectChildren(value, derTags.sequence, 'extensions'), x509Oids.subjectAltName)
        if (san) alternativeNames = readAlternativeNames(san)
      }
    }
    return {
      subject: readName(subject, true),
      publicKeyDer: Buffer.from(spki.encoded),
      publicKeyAlgorithm: publicKeyAlgorithmOf(spki),
      signed: Buffer.from(info.encoded),
      signatureAlgorithm: signatureOid,
      signature: Buffer.from(signatureBytes),
      ...alternativeNames,
    }
  } catch (error) {
    // Go's encoding/asn1 calls a broken encoding a syntax error, a well-formed one of the wrong shape a structure error.
    if (error instanceof DerError) throw new CertificateRequestError(`asn1: ${derSyntaxFaults.has(error.message) ? 'syntax' : 'structure'} error: ${error.message}`)
    throw error
  }
}

/** The request in the first PEM block, which must be a CERTIFICATE REQUEST (kube's certificates.ParseCSR). */
export function parseCertificateRequestPem(pem: string): CertificateRequestInfo {
  const block = pemBlocks(pem, 1)[0]
  if (!block || block.type !== 'CERTIFICATE REQUEST') throw new CertificateRequestError('PEM block type must be CERTIFICATE REQUEST')
  return parseCertificateRequestDer(block.bytes)
}

/** The request's public key; null when node:crypto cannot read it. */
export function requestPublicKey(request: CertificateRequestInfo): KeyObject | null {
  try {
    return createPublicKey({key: request.publicKeyDer, format: 'der', type: 'spki'})
  } catch {
    return null
  }
}

/** Checks the request's self-signature (CheckSignature); throws CertificateRequestError in Go's words. */
export function checkRequestSignature(request: CertificateRequestInfo): void {
  const algorithm = signatureAlgorithms[request.signatureAlgorithm]
  if (!algorithm) throw new CertificateRequestError('x509: cannot verify signature: algorithm unimplemented')
  const key = requestPublicKey(request)
  if (!key || request.publicKeyAlgorithm !== algorithm.key) throw new CertificateRequestError('x509: signature algorithm specifies an ' + algorithm.key + ' public key, but have public key of type ' + (request.publicKeyAlgorithm === 'unknown' ? 'unknown' : `*${request.publicKeyAlgorithm.toLowerCase()}.PublicKey`))
  let valid = false
  try {
    valid = verify(algorithm.hash, request.signed, key, request.signature)
  } catch {
    valid = false
  }
  if (valid) return
  if (algorithm.key === 'ECDSA') throw new CertificateRequestError('x509: ECDSA verification failure')
  if (algorithm.key === 'Ed25519') throw new CertificateRequestError('x509: Ed25519 verification failure')
  throw new CertificateRequestError('crypto/rsa: verification error')
}

/** The subject of a certificate (DER), as Go's x509 reads it. */
export function certificateSubject(certificate: X509Certificate): DistinguishedName {
  const [tbs] = expectChildren(readDer(certificate.raw), derTags.sequence, 'certificate')
  const parts = expectChildren(tbs, derTags.sequence, 'certificate')
  // version [0] is optional; then serial, signature algorithm, issuer, validity, subject.
  const offset = parts[0]?.tag === 0xa0 ? 1 : 0
  const subject = parts[offset + 4]
  if (!subject) throw new DerError('malformed certificate')
  return readName(subject)
}

/** Go's PrintableString characters (encoding/asn1 writes '*' and '&' as UTF8String). */
const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/

/**
 * A subject as Go's x509 writes it (pkix.Name.ToRDNSequence): C, ST, L, STREET, POSTALCODE, O,
 * OU, CN, SERIALNUMBER, each attribute's values one multi-valued RDN (a SET, its members in DER
 * order), PrintableString where the text allows it, UTF8String otherwise.
 */
export function encodeName(subject: DistinguishedName): Buffer {
  const rdns: Array<[string, readonly string[]]> = [
    ['2.5.4.6', subject.countries], ['2.5.4.8', subject.provinces], ['2.5.4.7', subject.localities], ['2.5.4.9', subject.streetAddresses],
    ['2.5.4.17', subject.postalCodes], ['2.5.4.10', subject.organizations], ['2.5.4.11', subject.organizationalUnits],
    ['2.5.4.3', subject.commonName ? [subject.commonName] : []], ['2.5.4.5', subject.serialNumber ? [subject.serialNumber] : []],
  ]
  const value = (text: string) => (printable.test(text) ? derElement(derTags.printableString, Buffer.from(text, 'ascii')) : derUtf8String(text))
  return derSequence(...rdns.filter(([, values]) => values.length > 0).map(([oid, values]) =>
    derSet(...values.map((text) => derSequence(derObjectIdentifier(oid), value(text))).sort(Buffer.compare))))
}

/** A subject with only a common name and organizations (a node's, a user's). */
export function subjectOf(commonName: string, organizations: readonly string[] = []): DistinguishedName {
  return {commonName, serialNumber: '', organizations, organizationalUnits: [], countries: [], localities: [], provinces: [], streetAddresses: [], postalCodes: []}
}

/**
 * A PKCS #10 request (PEM) for `subject` and the ECDSA P-256 key `privateKey`, signed with it
 * (ecdsa-with-SHA256), as Go's x509.CreateCertificateRequest writes one with no extensions: its
 * attributes an empty [0].
 */
export function createCertificateRequestPem(subject: DistinguishedName, privateKey: KeyObject): string {
  const spki = createPublicKey(privateKey).export({type: 'spki', format: 'der'})
  const info = derSequence(derInteger(Buffer.from([0])), encodeName(subject), spki, derElement(0xa0))
  const algorithm = derSequence(derObjectIdentifier('1.2.840.10045.4.3.2'))
  return pemBlock('CERTIFICATE REQUEST', derSequence(info, algorithm, derBitString(sign('sha256', info, privateKey))))
}
