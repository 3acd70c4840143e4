// kube-controller-manager 1.32's csrapproving controller (its SubjectAccessReview approver): a
// pending request for the kube-apiserver-client-kubelet signer that is a node's client
// certificate (organization exactly system:nodes, CN system:node:NAME, no subject alternative
// names, the kubelet's usages) is approved when its requester may create
// certificatesigningrequests/selfnodeclient (renewing its own certificate: the CN is the requester)
// or certificatesigningrequests/nodeclient (kubeadm binds these to system:nodes and to the bootstrap
// token's group). It never denies: what it does not recognise, or may not approve, stays pending,
// and a refused review is asked again after the certificate controllers' back-off.
import type {KubeObject} from '../api/object.js'
import type {ApiClient} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {anyKind} from '../client/resources.js'
import {assert} from '../util/assert.js'
import type {Clock} from '../util/clock.js'
import {type CertificateRequestInfo, parseCertificateRequestPem} from '../util/x509.js'
import {certificateSigningRequests, kubeletClientFailure, kubeletClientSignerName} from './certificate-signing.js'
import {Controller} from './controller.js'

const subjectAccessReviews = anyKind({group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', namespaced: false})

/** The certificate controllers' rate limiter: 200 ms, doubling per failure of a request, at most 1000 s. */
export const approvalRetryInitialMilliseconds = 200
export const approvalRetryMaxMilliseconds = 1_000_000
/** Requests whose review was refused, remembered for their back-off (more: a broken invariant, as the cleaner removes pending requests after a day). */
export const approvalRetriesMax = 1_000_000

export const autoApprovedReason = 'AutoApproved'

type Condition = {type?: string; status?: string; reason?: string; message?: string}
type SigningRequest = KubeObject & {
  spec?: {request?: string; signerName?: string; usages?: string[]; username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]>}
  status?: {conditions?: Condition[]; certificate?: string}
}

interface Recognizer {
  readonly subresource: string
  readonly message: string
  recognize(csr: SigningRequest, request: CertificateRequestInfo): boolean
}

const isNodeClient = (csr: SigningRequest, request: CertificateRequestInfo) =>
  csr.spec?.signerName === kubeletClientSignerName && kubeletClientFailure(request, new Set(csr.spec?.usages ?? [])) === null

/** In kube's order: a node renewing its own certificate first, then any node client request. */
const recognizers: readonly Recognizer[] = [
  {
    subresource: 'selfnodeclient',
    message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
    recognize: (csr, request) => csr.spec?.username === request.subject.commonName && isNodeClient(csr, request),
  },
  {subresource: 'nodeclient', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', recognize: isNodeClient},
]

export class CertificateApprovingController extends Controller {
  private readonly requests: Informer<SigningRequest>
  /** Requests whose review was refused: how many times in a row. */
  private readonly refusals = new Map<string, number>()

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('csrapproving', clock)
    this.requests = informers.informer<SigningRequest>(certificateSigningRequests)
    this.requests.onEvent((event) => {
      const name = String(event.object.metadata.name)
      if (event.type === 'DELETED') this.refusals.delete(name)
      else this.queue.add(name)
    })
  }

  protected async reconcile(name: string): Promise<void> {
    const found = this.requests.get(name)
    if (!found) return
    if ((found.status?.certificate ?? '').length > 0) return
    if ((found.status?.conditions ?? []).some((condition) => condition.type === 'Approved' || condition.type === 'Denied')) return
    let request: CertificateRequestInfo
    try {
      request = parseCertificateRequestPem(Buffer.from(found.spec?.request ?? '', 'base64').toString('latin1'))
    } catch {
      // The API server validated it; one that no longer parses is kube's "unable to parse csr", not retried here.
      return
    }
    let tried = false
    for (const recognizer of recognizers) {
      if (!recognizer.recognize(found, request)) continue
      tried = true
      if (!(await this.allowed(found, recognizer.subresource))) continue
      const csr: SigningRequest = {...structuredClone(found), kind: 'CertificateSigningRequest', apiVersion: 'certificates.k8s.io/v1'}
      csr.status = {...(csr.status ?? {}), conditions: [...(csr.status?.conditions ?? []), {type: 'Approved', status: 'True', reason: autoApprovedReason, message: recognizer.message}]}
      await this.client.update(certificateSigningRequests, csr, 'approval')
      this.refusals.delete(name)
      return
    }
    if (!tried) return
    // Recognised but not allowed: asked again after the back-off, as kube's ignorable error is requeued.
    const refusals = (this.refusals.get(name) ?? 0) + 1
    this.refusals.set(name, refusals)
    assert(this.refusals.size <= approvalRetriesMax, `more than ${approvalRetriesMax} certificate requests wait for approval`)
    this.queue.addAfter(name, Math.min(approvalRetryMaxMilliseconds, approvalRetryInitialMilliseconds * 2 ** Math.min(refusals - 1, 30)))
  }

  /** A SubjectAccessReview for the requester: may it create certificatesigningrequests/SUBRESOURCE? */
  private async allowed(csr: SigningRequest, subresource: string): Promise<boolean> {
    const spec = csr.spec ?? {}
    const review = await this.client.create<KubeObject & {status?: {allowed?: boolean}}>(subjectAccessReviews, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: {},
      spec: {
        user: spec.username ?? '',
        ...(spec.uid ? {uid: spec.uid} : {}),
        ...(spec.groups ? {groups: spec.groups} : {}),
        ...(spec.extra ? {extra: spec.extra} : {}),
        resourceAttributes: {group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource},
      },
    } as KubeObject)
    return review.status?.allowed === true
  }
}
