// The validity kube's PermissiveSigningPolicy gives an issued certificate, and what the signer does
// with stored requests the API server would refuse (a bad signature, a duration under ten minutes).
import {generateKeyPairSync, X509Certificate} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {formatTimestamp, type KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {createCertificateAuthority, type RequestedCertificate, signRequestedCertificate} from '../../src/core/apiserver/authentication/certificates.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {InformerFactory} from '../../src/core/client/informer-factory.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {ControlPlaneRunner} from '../../src/core/controlplane/runner.js'
import {CertificateSigningController, certificateSigningRequests, extendedKeyUsageOidsOf, signingValidity} from '../../src/core/controllers/certificate-signing.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {pemBlock, pemBlocks} from '../../src/core/util/der.js'
import {createCertificateRequestPem, subjectOf} from '../../src/core/util/x509.js'
import {temporaryFolder} from '../support/temp.js'

const now = Date.UTC(2026, 11, 5, 12, 0, 0, 700)
const minute = 60 * 1000
const hour = 60 * minute
const authorityNotAfter = now + 400 * 24 * hour

describe('csrsigning validity', () => {
  it('starts five minutes back; ends a long certificate five minutes early and a short one on time; whole seconds', () => {
    const second = (milliseconds: number) => Math.floor(milliseconds / 1000) * 1000
    expect(signingValidity(now, hour, authorityNotAfter)).toEqual({notBeforeMilliseconds: second(now - 5 * minute), notAfterMilliseconds: second(now + hour)})
    expect(signingValidity(now, 8 * hour - 1, authorityNotAfter)?.notAfterMilliseconds).toBe(second(now + 8 * hour - 1))
    expect(signingValidity(now, 8 * hour, authorityNotAfter)?.notAfterMilliseconds).toBe(second(now + 8 * hour - 5 * minute))
    expect(signingValidity(now, 365 * 24 * hour, authorityNotAfter)?.notAfterMilliseconds).toBe(second(now + 365 * 24 * hour - 5 * minute))
  })

  it('never outlives the CA, and signs nothing once the CA has expired', () => {
    expect(signingValidity(now, 365 * 24 * hour, now + hour)?.notAfterMilliseconds).toBe(Math.floor((now + hour) / 1000) * 1000)
    expect(signingValidity(now, hour, now)).toBeNull()
    expect(signingValidity(now, hour, now - 1)).toBeNull()
  })
})

describe('csrsigning extended key usages', () => {
  it('lists them once each in Go\'s enum order, as kube\'s signer sorts them', () => {
    expect(extendedKeyUsageOidsOf(['client auth', 'digital signature', 's/mime', 'server auth', 'email protection', 'any', 'client auth']))
      .toEqual(['2.5.29.37.0', '1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.4'])
  })
})

describe('csrsigning on stored requests the API would not take', () => {
  // Written past the API server (through etcd), as a restore or another writer could leave them.
  // The API server refuses the signer's status write for both, as kube-apiserver does; what differs
  // is what the CA signs, so the signer runs alone with a signing function that records its calls.
  it('signs a legacy-unknown request with the usages it names, and none that names a usage the CA cannot write', async () => {
    const start = Date.UTC(2026, 0, 1)
    const clock = new ManualClock(start)
    const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
    const api = new ApiServer({store, clock})
    try {
      await ensureBootstrapped(api, start)
      const admin = new ApiClient(api, apiServerUser)
      const stored = async (name: string, usages: string[]) => {
        const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
        await admin.create(certificateSigningRequests, {
          apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: {name},
          spec: {request: Buffer.from(createCertificateRequestPem(subjectOf(name), privateKey)).toString('base64'), signerName: 'example.com/any', usages: ['client auth']},
        } as KubeObject)
        const key = `/registry/certificatesigningrequests/${name}`
        const {object} = await store.get(key)
        const request = JSON.parse(Buffer.from(object!.value).toString()) as Record<string, any>
        request.spec.signerName = 'kubernetes.io/legacy-unknown'
        request.spec.usages = usages
        request.status = {conditions: [{type: 'Approved', status: 'True', reason: 'Test', message: '', lastUpdateTime: formatTimestamp(start), lastTransitionTime: formatTimestamp(start)}]}
        await store.update(key, Buffer.from(JSON.stringify(request)), object!.modRevision)
      }
      await stored('legacy', ['digital signature', 'server auth', 'client auth'])
      await stored('legacy-unknown-usage', ['client auth', 'frobnicate'])
      const authority = createCertificateAuthority(start)
      const plane = new ControlPlane(api, clock, () => 0.5, undefined, {certificateAuthority: () => authority})
      try {
        await plane.settle()
      } finally {
        plane.stop()
      }
      const status = async (name: string) => (await admin.get<KubeObject & {status?: {certificate?: string; conditions?: Array<{type: string}>}}>(certificateSigningRequests, '', name)).status
      const issued = new X509Certificate(Buffer.from((await status('legacy'))!.certificate!, 'base64'))
      expect(issued.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])
      expect(await status('legacy-unknown-usage')).toEqual({conditions: [expect.objectContaining({type: 'Approved'})]})
    } finally {
      await store.close()
    }
  })

  it('has the CA sign only a request whose signature checks, and for ten minutes at least whatever expirationSeconds asks', async () => {
    const start = Date.UTC(2026, 0, 1)
    const clock = new ManualClock(start)
    const folder = temporaryFolder()
    const store = new LazyEmbeddedStore(folder, {clock})
    const api = new ApiServer({store, clock})
    try {
      await ensureBootstrapped(api, start)
      const admin = new ApiClient(api, apiServerUser)
      const authority = createCertificateAuthority(start)
      const tampered = async (name: string, change: (request: Record<string, any>) => void) => {
        const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
        const pem = createCertificateRequestPem(subjectOf(name, ['dev']), privateKey)
        await admin.create(certificateSigningRequests, {
          apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: {name},
          spec: {request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth']},
        } as KubeObject)
        const key = `/registry/certificatesigningrequests/${name}`
        const {object} = await store.get(key)
        const stored = JSON.parse(Buffer.from(object!.value).toString()) as Record<string, any>
        stored.status = {conditions: [{type: 'Approved', status: 'True', reason: 'Test', message: '', lastUpdateTime: formatTimestamp(start), lastTransitionTime: formatTimestamp(start)}]}
        change(stored)
        await store.update(key, Buffer.from(JSON.stringify(stored)), object!.modRevision)
      }
      await tampered('bad-signature', (stored) => {
        const der = pemBlocks(Buffer.from(stored.spec.request, 'base64').toString('latin1'))[0]!.bytes
        der[der.length - 1] ^= 0x01
        stored.spec.request = Buffer.from(pemBlock('CERTIFICATE REQUEST', der)).toString('base64')
      })
      await tampered('one-minute', (stored) => {
        stored.spec.expirationSeconds = 60
      })
      const signed: RequestedCertificate[] = []
      const informers = new InformerFactory(admin)
      const runner = new ControlPlaneRunner(informers, [admin], [{
        component: 'kube-controller-manager',
        build: () => new CertificateSigningController(admin, informers, clock, (request, now) => {
          signed.push(request)
          return signRequestedCertificate(authority, request, now)
        }, () => start + 3650 * 24 * 60 * minute),
      }], clock)
      try {
        await runner.settle(true)
      } finally {
        runner.stop()
      }
      expect(signed.map((request) => request.subject.commonName)).toEqual(['one-minute'])
      expect(signed[0]!.notAfterMilliseconds).toBe(start + 10 * minute)
    } finally {
      await store.close()
    }
  })
})
