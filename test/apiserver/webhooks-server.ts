// A small HTTPS admission webhook for the tests, with a certificate from kubemu's own X.509 code:
// each path answers its own way (patch, deny, garbage, hold until released), and every review
// it receives is kept for the test to read.
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {createCertificateAuthority, issueServingCertificate} from '../../src/core/apiserver/authentication/certificates.js'

export interface ReceivedReview {
  readonly path: string
  readonly query: string
  readonly review: {request: Record<string, any>}
}

export type Answer = (review: {request: Record<string, any>}) => unknown

const allow = (uid: string, extra: Record<string, unknown> = {}) => ({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: {uid, allowed: true, ...extra}})

/** Answers by path; '/hold' keeps the request open until release() (a webhook that times out). */
export const standardAnswers: Record<string, Answer | 'garbage' | 'not-json' | 'hold'> = {
  '/allow': (review) => allow(review.request.uid),
  '/add-label': (review) => allow(review.request.uid, {
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify([{op: 'add', path: '/metadata/labels', value: {...(review.request.object?.metadata?.labels ?? {}), mutated: 'yes'}}])).toString('base64'),
    warnings: ['label added by the webhook'],
  }),
  '/add-first': (review) => allow(review.request.uid, {
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify([{op: 'add', path: '/metadata/annotations', value: {first: String(review.request.object?.metadata?.labels?.mutated ?? 'no')}}])).toString('base64'),
  }),
  '/deny': (review) => ({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: {uid: review.request.uid, allowed: false, status: {code: 403, message: 'configmaps named bad are not allowed'}}}),
  '/deny-silently': (review) => ({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: {uid: review.request.uid, allowed: false}}),
  '/wrong-uid': () => allow('not-the-uid'),
  '/garbage': 'garbage',
  '/not-json': 'not-json',
  '/hold': 'hold',
}

export class WebhookServer {
  readonly received: ReceivedReview[] = []
  private readonly held: Array<() => void> = []
  private server: Server | null = null
  caBundle = ''
  port = 0

  async start(): Promise<void> {
    const now = Date.now()
    const authority = createCertificateAuthority(now, 'webhook-ca')
    const serving = issueServingCertificate(authority, ['127.0.0.1', 'localhost'], now)
    this.caBundle = Buffer.from(authority.certificate).toString('base64')
    this.server = createServer({key: serving.privateKey, cert: serving.certificate}, (request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const url = new URL(request.url ?? '/', 'https://127.0.0.1')
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {request: Record<string, any>}
        this.received.push({path: url.pathname, query: url.search, review})
        const answer = standardAnswers[url.pathname]
        if (answer === 'hold') {
          this.held.push(() => response.end())
          return
        }
        response.setHeader('content-type', 'application/json')
        if (answer === 'garbage') response.end('hello, not json')
        else if (answer === 'not-json') response.end('not json')
        else if (answer) response.end(JSON.stringify(answer(review)))
        else {
          response.statusCode = 404
          response.end('404 page not found\n')
        }
      })
    })
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  url(path: string): string {
    return `https://127.0.0.1:${this.port}${path}`
  }

  async close(): Promise<void> {
    for (const release of this.held.splice(0)) release()
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }
}

/** A configuration of one webhook at `url` for CREATE and UPDATE of config maps. */
export function configuration(kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', name: string, hook: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: {name},
    webhooks: [{
      name: `${name}.example.com`,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      rules: [{operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps']}],
      ...hook,
    }],
  }
}
