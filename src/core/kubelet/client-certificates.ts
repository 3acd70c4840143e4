// Each kubelet's client certificate, as kubelet 1.32's certificate manager (client-go's
// util/certificate) keeps it: a node without a certificate of its own makes an ECDSA P-256 key and
// a CertificateSigningRequest for kube-apiserver-client-kubelet (CN system:node:NAME, O
// system:nodes, usages digital signature and client auth, the name generated from csr-) as its
// bootstrap identity, waits for the certificate (15 minutes at most, then asks again), keeps it with
// the key, and renews it as itself at a jittered 70-90% of its life. A request that came to
// nothing is asked again after a back-off of 2 s doubling to 32 s. No timers: the kubelets' loop
// asks when the next node is due (the earliest renewal or wait), and a request's changes wake it.
import {createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate} from 'node:crypto'
import type {KubeObject} from '../api/object.js'
import type {ApiClient} from '../client/client.js'
import {ApiClientError} from '../client/client.js'
import type {InformerFactory} from '../client/informer-factory.js'
import type {Informer} from '../client/informer.js'
import {anyKind} from '../client/resources.js'
import type {Node} from '../api/kinds.js'
import {assert} from '../util/assert.js'
import {createCertificateRequestPem, subjectOf} from '../util/x509.js'
import {isStopped} from './heartbeat.js'
import {type KubeletClientCredentials, type KubeletCredentialStore, type KubeletIdentity, nodeIdentity} from './client-credentials.js'

const certificateSigningRequests = anyKind({group: 'certificates.k8s.io', version: 'v1', resource: 'certificatesigningrequests', namespaced: false})

/** How long the certificate manager waits for one request's certificate (certificateWaitTimeout). */
export const certificateWaitMilliseconds = 15 * 60 * 1000
/** A request that came to nothing is asked again after this back-off, doubling up to the maximum. */
export const certificateRetryInitialMilliseconds = 2_000
export const certificateRetryMaxMilliseconds = 32_000
/** Renewal falls between these fractions of a certificate's life (client-go's jitteryDuration). */
export const rotationFractionMin = 0.7
export const rotationFractionSpread = 0.2
/** The usages kubelet 1.32 asks for with an ECDSA key (DefaultKubeletClientGetUsages: key encipherment is RSA's). */
export const kubeletClientUsages = ['digital signature', 'client auth'] as const
/** Nodes with credentials that the loop tracks at most (more: a broken invariant). */
export const credentialNodesMax = 1_000_000

type SigningRequest = KubeObject & {status?: {conditions?: Array<{type?: string}>; certificate?: string}}

export interface KubeletCertificateOptions {
  readonly store: KubeletCredentialStore
  /** A client acting as `identity` (the bootstrap token's user, or the node's). */
  readonly clientAs: (identity: KubeletIdentity) => ApiClient
  /** Draws in [0, 1) for the renewal's jitter (the cluster's seeded stream, if it has one). */
  readonly random: () => number
}

/** When a certificate (PEM) is renewed: notBefore + its life × [0.7, 0.9). */
export function rotationDeadline(certificate: string, random: () => number): {rotateAtMilliseconds: number; notAfterMilliseconds: number} {
  const parsed = new X509Certificate(certificate)
  const notBefore = Date.parse(parsed.validFrom)
  const notAfter = Date.parse(parsed.validTo)
  return {rotateAtMilliseconds: notBefore + Math.floor((notAfter - notBefore) * (rotationFractionMin + rotationFractionSpread * random())), notAfterMilliseconds: notAfter}
}

/** Whether `certificatePem` is a certificate (the first of its chain) of the public half of `privateKeyPem`. */
function certifiesKey(certificatePem: string, privateKeyPem: string): boolean {
  try {
    const certified = new X509Certificate(certificatePem).publicKey.export({type: 'spki', format: 'der'})
    const own = createPublicKey(createPrivateKey(privateKeyPem)).export({type: 'spki', format: 'der'})
    return certified.equals(own)
  } catch {
    return false
  }
}

export class KubeletClientCertificates {
  private readonly requests: Informer<SigningRequest>
  /** When each node with credentials is next due (null: waiting on an event only); rebuilt for the nodes that changed. */
  private readonly dueAtByNode = new Map<string, number | null>()
  /** Nodes to look at again; null: every node (before the first look). */
  private changed: Set<string> | null = null
  /** The node waiting on each request, by the request's name. */
  private readonly nodeByRequest = new Map<string, string>()
  /**
   * Nodes seen without credentials (kwok's): a node gets them only before its Node is created, so
   * they are looked for again only when a Node of that name is added, not at each status update.
   */
  private readonly withoutCredentials = new Set<string>()

  constructor(
    private readonly nodes: Informer<Node>,
    informers: InformerFactory,
    private readonly options: KubeletCertificateOptions,
  ) {
    this.requests = informers.informer<SigningRequest>(certificateSigningRequests)
    this.nodes.onEvent((event) => {
      const name = String(event.object.metadata.name)
      if (event.type !== 'MODIFIED') this.withoutCredentials.delete(name)
      this.changedNode(name)
    })
    this.requests.onEvent((event) => {
      const name = String(event.object.metadata.name)
      const node = this.nodeByRequest.get(name)
      if (node !== undefined) this.changedNode(node)
      // A request gone is waited on no more than its wait's end (dueAt sets the entry again if so): the map holds live requests only.
      if (event.type === 'DELETED') this.nodeByRequest.delete(name)
    })
  }

  private changedNode(node: string): void {
    if (this.changed === null) return
    assert(this.changed.size < credentialNodesMax, `${credentialNodesMax} nodes wait for their client certificate's due time`)
    this.changed.add(node)
  }

  /** When the node's kubelet next has certificate work: now, a renewal or a wait's end, or null (none, or only a request's change). */
  private dueAt(node: Node, credentials: KubeletClientCredentials): number | null {
    if (isStopped(node)) return null
    const pending = credentials.pending
    if (pending) {
      this.nodeByRequest.set(pending.name, String(node.metadata.name))
      const request = this.requests.get(pending.name)
      // Not seen yet, or gone: the wait runs out, as the certificate manager's does.
      if (request && request.metadata.uid === pending.uid && requestOutcome(request) !== 'waiting') return 0
      return pending.requestedAtMilliseconds + certificateWaitMilliseconds
    }
    if (credentials.retry) return credentials.retry.atMilliseconds
    return credentials.current ? credentials.current.rotateAtMilliseconds : 0
  }

  private refresh(): void {
    const names = this.changed ?? this.nodes.list().map((node) => String(node.metadata.name))
    if (this.changed === null) this.dueAtByNode.clear()
    this.changed = new Set()
    for (const name of names) {
      const node = this.withoutCredentials.has(name) ? undefined : this.nodes.get(name)
      const credentials = node ? this.options.store.get(name) : undefined
      if (node && !credentials) {
        this.withoutCredentials.add(name)
        assert(this.withoutCredentials.size <= credentialNodesMax, `more than ${credentialNodesMax} nodes without kubelet credentials`)
      }
      if (!node || !credentials) this.dueAtByNode.delete(name)
      else this.dueAtByNode.set(name, this.dueAt(node, credentials))
    }
    assert(this.dueAtByNode.size <= credentialNodesMax, `more than ${credentialNodesMax} nodes with kubelet credentials`)
  }

  /** The earliest cluster time some node's certificate work is due, or null. */
  nextDue(): number | null {
    if (this.changed === null || this.changed.size > 0) this.refresh()
    let earliest: number | null = null
    for (const at of this.dueAtByNode.values()) if (at !== null && (earliest === null || at < earliest)) earliest = at
    return earliest
  }

  due(now: number): boolean {
    const at = this.nextDue()
    return at !== null && at <= now
  }

  /** Does the work of every node due at `now`; how many writes that took. */
  async process(now: number): Promise<number> {
    this.nextDue()
    const due = [...this.dueAtByNode].filter(([, at]) => at !== null && at <= now).map(([name]) => name)
    let written = 0
    for (const name of due) {
      const credentials = this.options.store.get(name)
      if (credentials) written += await this.step(name, credentials, now)
      this.changedNode(name)
    }
    return written
  }

  private async step(node: string, credentials: KubeletClientCredentials, now: number): Promise<number> {
    const {store} = this.options
    const pending = credentials.pending
    if (pending) {
      this.nodeByRequest.delete(pending.name)
      const request = this.requests.get(pending.name)
      const outcome = request && request.metadata.uid === pending.uid ? requestOutcome(request) : 'waiting'
      const certificate = outcome === 'issued' ? Buffer.from(request!.status?.certificate ?? '', 'base64').toString('latin1') : ''
      // Kept only when it is a certificate of the key the kubelet made (client-go's store loads the
      // pair with tls.X509KeyPair, which refuses any other): else the request failed, as below.
      if (outcome === 'issued' && certifiesKey(certificate, pending.privateKey)) {
        store.set(node, {bootstrap: credentials.bootstrap, current: {certificate, privateKey: pending.privateKey, ...rotationDeadline(certificate, this.options.random)}})
        return 0
      }
      // Still waiting, and not for too long: nothing to do yet.
      if (outcome === 'waiting' && now < pending.requestedAtMilliseconds + certificateWaitMilliseconds) return 0
      // Denied, failed, gone, a certificate of another key, or not signed in time: another request after the back-off.
      const {pending: _dropped, ...rest} = credentials
      store.set(node, {...rest, retry: retryAfter(credentials.retry?.failures ?? 0, now)})
      return 0
    }
    if (credentials.retry && now < credentials.retry.atMilliseconds) return 0
    if (credentials.current && now < credentials.current.rotateAtMilliseconds) return 0
    // A certificate of its own that is still good authenticates the renewal; otherwise the bootstrap identity.
    const identity = credentials.current && now < credentials.current.notAfterMilliseconds ? nodeIdentity(node) : credentials.bootstrap
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
    const request = createCertificateRequestPem(subjectOf(`system:node:${node}`, ['system:nodes']), privateKey)
    try {
      const created = await this.options.clientAs(identity).create(certificateSigningRequests, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: {generateName: 'csr-'},
        spec: {request: Buffer.from(request).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: [...kubeletClientUsages]},
      } as unknown as KubeObject)
      const {retry: _retry, ...rest} = credentials
      const name = String(created.metadata.name)
      this.nodeByRequest.set(name, node)
      store.set(node, {...rest, pending: {name, uid: String(created.metadata.uid), privateKey: privateKey.export({type: 'sec1', format: 'pem'}).toString(), requestedAtMilliseconds: now}})
    } catch (error) {
      if (!(error instanceof ApiClientError)) throw error
      store.set(node, {...credentials, retry: retryAfter(credentials.retry?.failures ?? 0, now)})
    }
    return 1
  }
}

/** What the certificate manager makes of a request: Denied or Failed ends the wait, an approved one with a certificate is issued. */
function requestOutcome(request: SigningRequest): 'issued' | 'refused' | 'waiting' {
  const types = (request.status?.conditions ?? []).map((condition) => condition.type)
  if (types.includes('Denied') || types.includes('Failed')) return 'refused'
  return types.includes('Approved') && (request.status?.certificate ?? '').length > 0 ? 'issued' : 'waiting'
}

function retryAfter(failures: number, now: number): {atMilliseconds: number; failures: number} {
  const delay = Math.min(certificateRetryMaxMilliseconds, certificateRetryInitialMilliseconds * 2 ** Math.min(failures, 30))
  return {atMilliseconds: now + delay, failures: failures + 1}
}
