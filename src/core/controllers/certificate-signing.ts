// kube-controller-manager 1.32's csrsigning controller: approved CertificateSigningRequests for the
// cluster's own signers get a certificate from the cluster CA (--cluster-signing-cert-file), written
// through /status. Each signer signs only what its rules allow (kube-apiserver-client: client
// usages; kube-apiserver-client-kubelet and kubelet-serving: a node's names and usages); a request
// they refuse gets a Failed condition with kube's words. legacy-unknown (requests only stored data
// can hold: v1 refuses to create them) is signed with no rule, as kube's signer for it runs whenever
// only --cluster-signing-cert-file is given, kubeadm's setting.
import {formatTimestamp, isJsonObject, type KubeObject} from '../api/object.js'
import type {RequestedCertificate} from '../apiserver/authentication/certificates.js'
import type {ApiClient} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {anyKind} from '../client/resources.js'
import {assert} from '../util/assert.js'
import type {Clock} from '../util/clock.js'
import {type CertificateRequestInfo, checkRequestSignature, parseCertificateRequestPem} from '../util/x509.js'
import {Controller} from './controller.js'

export const kubeletClientSignerName = 'kubernetes.io/kube-apiserver-client-kubelet'
export const certificateSigningRequests = anyKind({group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', namespaced: false})

/** kube-controller-manager's --cluster-signing-duration default: one year. */
export const signingDurationDefaultMilliseconds = 365 * 24 * 60 * 60 * 1000
/** How far back a certificate's validity starts, for clocks a little behind (kube's backdate). */
export const signingBackdateMilliseconds = 5 * 60 * 1000
/** The shortest certificate a signer issues, whatever expirationSeconds asks (twice the backdate). */
export const signingDurationMinMilliseconds = 10 * 60 * 1000
/** Certificates asked for at least this long also end a backdate early (kube's Short: the backdate is ~1% of it). */
export const signingShortDurationMilliseconds = 8 * 60 * 60 * 1000

/**
 * The validity kube's PermissiveSigningPolicy gives a certificate of `duration` signed at `now`, in
 * whole seconds as x509 writes them, never past the CA's own end; null when the CA has expired
 * (kube refuses to sign, "refusing to sign a certificate that expired in the past", and retries).
 */
export function signingValidity(now: number, duration: number, authorityNotAfter: number): {notBeforeMilliseconds: number; notAfterMilliseconds: number} | null {
  if (now >= authorityNotAfter) return null
  const notBefore = now - signingBackdateMilliseconds
  const notAfter = Math.min(duration < signingShortDurationMilliseconds ? now + duration : now + duration - signingBackdateMilliseconds, authorityNotAfter)
  return {notBeforeMilliseconds: Math.floor(notBefore / 1000) * 1000, notAfterMilliseconds: Math.floor(notAfter / 1000) * 1000}
}

/** Signs a certificate with the cluster CA (the certificates layer's writer). */
export type CertificateSigner = (request: RequestedCertificate, nowMilliseconds: number) => string

type Condition = {type?: string; status?: string; reason?: string; message?: string; lastUpdateTime?: string}
type SigningRequest = KubeObject & {
  spec?: {request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number}
  status?: {conditions?: Condition[]; certificate?: string}
}

const keyUsageBits: Readonly<Record<string, number>> = {
  'signing': 0, 'digital signature': 0, 'content commitment': 1, 'key encipherment': 2, 'data encipherment': 3, 'key agreement': 4,
  'cert sign': 5, 'crl sign': 6, 'encipher only': 7, 'decipher only': 8,
}
const extendedKeyUsageOids: Readonly<Record<string, string>> = {
  'any': '2.5.29.37.0', 'server auth': '1.3.6.1.5.5.7.3.1', 'client auth': '1.3.6.1.5.5.7.3.2', 'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4', 's/mime': '1.3.6.1.5.5.7.3.4', 'ipsec end system': '1.3.6.1.5.5.7.3.5', 'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7', 'timestamping': '1.3.6.1.5.5.7.3.8', 'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3', 'netscape sgc': '2.16.840.1.113730.4.1',
}

/** Go's x509.ExtKeyUsage values, in the enum's order: kube's signer sorts a certificate's usages by it. */
const extendedKeyUsageOrder = [
  '2.5.29.37.0', '1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.3', '1.3.6.1.5.5.7.3.4', '1.3.6.1.5.5.7.3.5', '1.3.6.1.5.5.7.3.6',
  '1.3.6.1.5.5.7.3.7', '1.3.6.1.5.5.7.3.8', '1.3.6.1.5.5.7.3.9', '1.3.6.1.4.1.311.10.3.3', '2.16.840.1.113730.4.1',
]

assert(Object.values(extendedKeyUsageOids).every((oid) => extendedKeyUsageOrder.includes(oid)), 'every extended key usage has its place in Go\'s order')

/** The extended key usages `usages` name, each once, in Go's enum order (kube's keyUsagesFromStrings). */
export function extendedKeyUsageOidsOf(usages: readonly string[]): string[] {
  const named = new Set(usages.map((usage) => extendedKeyUsageOids[usage]))
  return extendedKeyUsageOrder.filter((oid) => named.has(oid))
}

const sameSet = (left: ReadonlySet<string>, right: readonly string[]) => left.size === new Set(right).size && right.every((item) => left.has(item))
const sorted = (items: readonly string[]) => `[${[...items].sort().join(' ')}]`

/** ValidateKubeletClientCSR: why a request is not a node's client certificate, or null (the csrapproving controller's test too). */
export function kubeletClientFailure(request: CertificateRequestInfo, usages: ReadonlySet<string>): string | null {
  if (request.subject.organizations.length !== 1 || request.subject.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes'
  if (request.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed'
  if (request.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed'
  if (request.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed'
  if (request.uris.length > 0) return 'URI subjectAltNames are not allowed'
  if (!request.subject.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:'
  const required = ['digital signature', 'key encipherment', 'client auth']
  if (!sameSet(usages, required) && !sameSet(usages, ['digital signature', 'client auth'])) return `usages did not match ${sorted(required)}`
  return null
}

/** ValidateKubeletServingCSR: a node's serving certificate. */
function kubeletServingFailure(request: CertificateRequestInfo, usages: ReadonlySet<string>): string | null {
  if (request.subject.organizations.length !== 1 || request.subject.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes'
  if (request.dnsNames.length === 0 && request.ipAddresses.length === 0) return 'DNS or IP subjectAltName is required'
  if (request.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed'
  if (request.uris.length > 0) return 'URI subjectAltNames are not allowed'
  const required = ['digital signature', 'key encipherment', 'server auth']
  if (!sameSet(usages, required) && !sameSet(usages, ['digital signature', 'server auth'])) return `usages did not match ${sorted(required)}`
  if (!request.subject.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:'
  return null
}

/** kube-apiserver-client: any subject; client auth, with digital signature and key encipherment allowed besides. */
function apiServerClientFailure(_request: CertificateRequestInfo, usages: ReadonlySet<string>): string | null {
  for (const usage of usages) {
    if (!['digital signature', 'key encipherment', 'client auth'].includes(usage)) return `invalid usage for client certificate: ${usage}`
  }
  if (!usages.has('client auth')) return 'missing required usage for client certificate: client auth'
  return null
}

/** The cluster's signers and the rule each one signs by (legacy-unknown: none, for compatibility). */
const signerRules: Readonly<Record<string, (request: CertificateRequestInfo, usages: ReadonlySet<string>) => string | null>> = {
  'kubernetes.io/kube-apiserver-client': apiServerClientFailure,
  [kubeletClientSignerName]: kubeletClientFailure,
  'kubernetes.io/legacy-unknown': () => null,
  'kubernetes.io/kubelet-serving': kubeletServingFailure,
}

export class CertificateSigningController extends Controller {
  private readonly requests: Informer<SigningRequest>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
    private readonly sign: CertificateSigner,
    /** The CA's own end of validity: no certificate outlives it. */
    private readonly authorityNotAfterMilliseconds: () => number,
    private readonly durationMaxMilliseconds = signingDurationDefaultMilliseconds,
  ) {
    super('csrsigning', clock)
    this.requests = informers.informer<SigningRequest>(certificateSigningRequests)
    this.requests.onEvent((event) => {
      if (event.type !== 'DELETED') this.queue.add(String(event.object.metadata.name))
    })
  }

  protected async reconcile(name: string, now: number): Promise<void> {
    const found = this.requests.get(name)
    if (!found) return
    const conditions = found.status?.conditions ?? []
    const has = (type: string) => conditions.some((condition) => condition.type === type && condition.status === 'True')
    if ((found.status?.certificate ?? '').length > 0 || !has('Approved') || has('Failed')) return
    const signerName = found.spec?.signerName ?? ''
    const rule = signerRules[signerName]
    if (!rule) return
    let request: CertificateRequestInfo
    try {
      request = parseCertificateRequestPem(Buffer.from(found.spec?.request ?? '', 'base64').toString('latin1'))
    } catch {
      // The API server validated the request; one that no longer parses is not this signer's to fix.
      return
    }
    const usages = found.spec?.usages ?? []
    const failure = rule(request, new Set(usages))
    const csr: SigningRequest = {...structuredClone(found), kind: 'CertificateSigningRequest', apiVersion: 'certificates.k8s.io/v1'}
    const status: NonNullable<SigningRequest['status']> = isJsonObject(csr.status) ? csr.status : {}
    if (failure !== null) {
      status.conditions = [...(status.conditions ?? []), {type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: failure, lastUpdateTime: formatTimestamp(now)}]
      csr.status = status
      await this.client.update(certificateSigningRequests, csr, 'status')
      return
    }
    // A usage the CA cannot write (kube's keyUsagesFromStrings: "unrecognized usage values") signs
    // nothing; the request stays approved and unsigned, retried in vain.
    if (usages.some((usage) => keyUsageBits[usage] === undefined && extendedKeyUsageOids[usage] === undefined)) return
    // The CA signs only a request whose signature checks (kube's authority re-checks it); one that
    // does not stays approved and unsigned, as kube's signer retries it in vain.
    try {
      checkRequestSignature(request)
    } catch {
      return
    }
    // expirationSeconds is honoured between ten minutes and the signer's duration (kube's signer.duration).
    const requested = typeof found.spec?.expirationSeconds === 'number' ? Math.max(found.spec.expirationSeconds * 1000, signingDurationMinMilliseconds) : Infinity
    const validity = signingValidity(now, Math.min(requested, this.durationMaxMilliseconds), this.authorityNotAfterMilliseconds())
    // An expired CA signs nothing; the request stays approved and unsigned, as kube's signer leaves it.
    if (validity === null) return
    const certificate = this.sign({
      subject: request.subject,
      publicKeyDer: request.publicKeyDer,
      keyUsageBits: [...new Set(usages.map((usage) => keyUsageBits[usage]).filter((bit): bit is number => bit !== undefined))],
      extendedKeyUsageOids: extendedKeyUsageOidsOf(usages),
      dnsNames: request.dnsNames,
      ipAddresses: request.ipAddresses,
      emailAddresses: request.emailAddresses,
      uris: request.uris,
      ...validity,
    }, now)
    status.certificate = Buffer.from(certificate).toString('base64')
    csr.status = status
    await this.client.update(certificateSigningRequests, csr, 'status')
  }
}
