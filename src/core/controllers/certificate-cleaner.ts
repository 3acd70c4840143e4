// kube-controller-manager 1.32's csrcleaner: once an hour (while there are any) it deletes the CertificateSigningRequests
// that are done with: issued, denied or failed more than an hour ago, pending for more than a day,
// or whose certificate has expired.
import {X509Certificate} from 'node:crypto'
import type {KubeObject} from '../api/object.js'
import {type ApiClient, isNotFound} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import type {Clock} from '../util/clock.js'
import {pemBlocks} from '../util/der.js'
import {certificateSigningRequests} from './certificate-signing.js'
import {Controller} from './controller.js'

/** How often the cleaner looks (kube's pollingInterval). */
export const cleanerPollMilliseconds = 60 * 60 * 1000
/** Issued (since approval), denied or failed requests go after this long. */
export const settledRequestLifetimeMilliseconds = 60 * 60 * 1000
/** Requests nobody approved or denied go after this long. */
export const pendingRequestLifetimeMilliseconds = 24 * 60 * 60 * 1000

const sweepKey = 'sweep'

type Condition = {type?: string; lastUpdateTime?: string}
type SigningRequest = KubeObject & {status?: {conditions?: Condition[]; certificate?: string}}

/** Whether the request is done with at `now` (kube's isIssuedPastDeadline … isIssuedExpired). */
export function isRequestDone(request: SigningRequest, now: number): boolean {
  const conditions = request.status?.conditions ?? []
  const certificate = request.status?.certificate ?? ''
  const olderThan = (time: string | undefined, lifetime: number) => time !== undefined && Date.parse(time) + lifetime < now
  for (const condition of conditions) {
    if (condition.type === 'Approved' && certificate.length > 0 && olderThan(condition.lastUpdateTime, settledRequestLifetimeMilliseconds)) return true
    if ((condition.type === 'Denied' || condition.type === 'Failed') && olderThan(condition.lastUpdateTime, settledRequestLifetimeMilliseconds)) return true
  }
  if (conditions.length === 0 && olderThan(request.metadata.creationTimestamp ?? undefined, pendingRequestLifetimeMilliseconds)) return true
  // isIssuedExpired: an approved request whose certificate, the first one of its first PEM block, has expired.
  if (certificate.length > 0 && conditions.some((condition) => condition.type === 'Approved')) {
    const [block] = pemBlocks(Buffer.from(certificate, 'base64').toString('latin1'), 1)
    try {
      if (block && Date.parse(new X509Certificate(block.bytes).validTo) < now) return true
    } catch {
      // Not a certificate: nothing expires.
    }
  }
  return false
}

export class CertificateCleanerController extends Controller {
  private readonly requests: Informer<SigningRequest>

  constructor(
    private readonly client: ApiClient,
    informers: InformerFactory,
    clock: Clock,
  ) {
    super('csrcleaner', clock)
    this.requests = informers.informer<SigningRequest>(certificateSigningRequests)
    // A sweep when requests are first seen, then one an hour while there are any: a cluster
    // without requests has no hourly wake-up to step through.
    this.requests.onEvent((event) => {
      if (event.type !== 'DELETED' && !this.sweepScheduled) {
        this.sweepScheduled = true
        this.queue.add(sweepKey)
      }
    })
  }

  private sweepScheduled = false

  protected async reconcile(key: string, now: number): Promise<void> {
    if (key !== sweepKey) return
    try {
      for (const request of this.requests.list()) {
        if (!isRequestDone(request, now)) continue
        try {
          await this.client.delete(certificateSigningRequests, '', request.metadata.name ?? '', {preconditions: {uid: request.metadata.uid ?? ''}})
        } catch (error) {
          if (!isNotFound(error)) throw error
        }
      }
    } finally {
      this.sweepScheduled = this.requests.size > 0
      if (this.sweepScheduled) this.queue.addAfter(sweepKey, cleanerPollMilliseconds)
    }
  }
}
