// Admission with one webhook on the path: the per-request time of creating a config map through
// the API server (in process, on the embedded cluster) with no webhook, then with one validating
// webhook that allows everything (an HTTPS server in this process), then one mutating webhook
// that adds a label; reported as ratios to the request without a webhook.
// Run: npx vite-node bench/webhook-admission.bench.ts
import {createServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ApiServer} from '../src/core/apiserver/apiserver.js'
import {createCertificateAuthority, issueServingCertificate} from '../src/core/apiserver/authentication/certificates.js'
import {apiServerUser} from '../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../src/core/apiserver/bootstrap.js'
import {LazyEmbeddedStore} from '../src/core/store/lazy-embedded-store.js'
import {systemClock} from '../src/core/util/clock.js'

const requests = Number(process.env.BENCH_REQUESTS ?? 400)
const home = mkdtempSync(join(tmpdir(), 'kubemu-webhook-bench-'))

const authority = createCertificateAuthority(Date.now(), 'webhook-ca')
const serving = issueServingCertificate(authority, ['127.0.0.1'], Date.now())
const server = createServer({key: serving.privateKey, cert: serving.certificate}, (request, response) => {
  const chunks: Buffer[] = []
  request.on('data', (chunk: Buffer) => chunks.push(chunk))
  request.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {request: {uid: string}}
    const patch = request.url?.startsWith('/mutate')
      ? {patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{op: 'add', path: '/metadata/labels', value: {mutated: 'yes'}}])).toString('base64')}
      : {}
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify({apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: {uid: review.request.uid, allowed: true, ...patch}}))
  })
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const port = (server.address() as AddressInfo).port

const store = new LazyEmbeddedStore(home, {clock: systemClock})
const api = new ApiServer({store})
await ensureBootstrapped(api, Date.now())
const post = (path: string, body: unknown) => api.handle({method: 'POST', path, headers: {'content-type': 'application/json'}, user: apiServerUser, body: JSON.stringify(body)})

function hook(kind: 'Validating' | 'Mutating', path: string) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: `${kind}WebhookConfiguration`, metadata: {name: `bench-${kind.toLowerCase()}`},
    webhooks: [{
      name: `bench.${kind.toLowerCase()}.example.com`, sideEffects: 'None', admissionReviewVersions: ['v1'],
      clientConfig: {url: `https://127.0.0.1:${port}${path}`, caBundle: Buffer.from(authority.certificate).toString('base64')},
      rules: [{operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps']}],
    }],
  }
}

/** Median milliseconds of one create, over `requests` creates one after the other. */
async function perRequest(label: string): Promise<number> {
  const times: number[] = []
  for (let index = 0; index < requests; index++) {
    const started = process.hrtime.bigint()
    const response = await post('/api/v1/namespaces/default/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `${label}-${index}`}, data: {a: '1'}})
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    if (response.status !== 201) throw new Error(`${label}: ${JSON.stringify(response.body)}`)
  }
  times.sort((left, right) => left - right)
  return times[Math.floor(times.length / 2)]!
}

try {
  await perRequest('warm-up')
  const bare = await perRequest('bare')
  await post('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', hook('Validating', '/validate'))
  const validating = await perRequest('validating')
  await api.handle({method: 'DELETE', path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/bench-validating', headers: {}, user: apiServerUser})
  await post('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', hook('Mutating', '/mutate'))
  const mutating = await perRequest('mutating')
  console.log(`config map create, median of ${requests}: no webhook ${bare.toFixed(2)} ms`)
  console.log(`  one validating webhook: ${validating.toFixed(2)} ms (${(validating / bare).toFixed(2)}x)`)
  console.log(`  one mutating webhook (JSON patch): ${mutating.toFixed(2)} ms (${(mutating / bare).toFixed(2)}x)`)
} finally {
  server.close()
  await store.close()
  rmSync(home, {recursive: true, force: true})
}
