// CertificateSigningRequests in the API server, in process: the requester written by the server,
// what each write path may change (main resource, /status, /approval), who may approve for a
// signer, the csrsigning controller's rules per signer, and x509 authentication with what it issues.
import {execFileSync} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {request as httpsRequest} from 'node:https'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import type {UserInfo} from '../../src/core/api/wire.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {ClientCertificateKeyPair, clientCertificateProofSkewMillisecondsMax} from '../../src/core/api/client-certificate-proof.js'
import {FileCredentials} from '../../src/core/apiserver/authentication/credentials.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient, ApiClientError} from '../../src/core/client/client.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {certificateSigningRequests} from '../../src/core/controllers/certificate-signing.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {startHttpApi} from '../../src/core/server/http-api.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {derChildren, readDer} from '../../src/core/util/der.js'
import {temporaryFolder} from '../support/temp.js'
import {hasOpenssl} from '../support/openssl.js'

type Csr = KubeObject & {spec: Record<string, unknown>; status?: {conditions?: Array<Record<string, unknown>>; certificate?: string}}

describe.runIf(hasOpenssl)('CertificateSigningRequests in the API server', {timeout: 60_000}, () => {
  const folder = temporaryFolder()
  const clock = new ManualClock(Date.UTC(2026, 11, 5, 12, 0, 0))
  const store = new LazyEmbeddedStore(join(folder, 'cluster'), {clock})
  const credentials = new FileCredentials(join(folder, 'cluster'))
  const api = new ApiServer({store, clock, credentials})
  const admin = new ApiClient(api, apiServerUser)
  const random = new SeededRandom(5)
  let keyCount = 0

  /** An EC key and a request for `subject` (openssl's -subj), with subjectAltName `sans` when given. */
  function requestFor(subject: string, sans = ''): {pem: string; key: string} {
    const key = join(folder, `key-${++keyCount}.pem`)
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], {stdio: 'ignore'})
    const extra = sans ? ['-addext', `subjectAltName=${sans}`] : []
    const pem = execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject, ...extra]).toString()
    return {pem, key: readFileSync(key, 'utf8')}
  }

  const manifest = (name: string, pem: string, spec: Record<string, unknown> = {}): Csr => ({
    kind: 'CertificateSigningRequest',
    apiVersion: 'certificates.k8s.io/v1',
    metadata: {name},
    spec: {request: Buffer.from(pem).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'], ...spec},
  })

  const settle = async () => {
    const authority = () => credentials.certificates(clock.nowMilliseconds()).authority
    const plane = new ControlPlane(api, clock, () => random.next(), undefined, {certificateAuthority: authority})
    try {
      await plane.settle(true)
    } finally {
      plane.stop()
    }
  }
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(() => null, (caught: unknown) => caught)
    expect(error).toBeInstanceOf(ApiClientError)
    return (error as ApiClientError).message
  }
  const approval = (csr: Csr, conditions: Array<Record<string, unknown>>) => admin.update<Csr>(certificateSigningRequests, {...csr, status: {...csr.status, conditions}}, 'approval')

  beforeAll(async () => {
    await ensureBootstrapped(api, clock.nowMilliseconds())
  })
  afterAll(() => store.close())

  it('writes the requester from the request\'s user and drops a status given on create; the main resource changes neither spec nor status', async () => {
    const alice: UserInfo = {name: 'alice', uid: 'u-1', groups: ['team', 'system:masters', 'system:authenticated'], extra: {scopes: ['a', 'b']}}
    const asAlice = new ApiClient(api, alice)
    const given = manifest('owned', requestFor('/CN=alice').pem, {username: 'mallory', groups: ['system:masters']})
    const created = await asAlice.create<Csr>(certificateSigningRequests, {...given, status: {conditions: [{type: 'Approved', status: 'True'}]}} as KubeObject)
    expect(created.spec).toMatchObject({username: 'alice', uid: 'u-1', groups: ['team', 'system:masters', 'system:authenticated'], extra: {scopes: ['a', 'b']}})
    expect(created.status).toEqual({})
    const updated = await admin.update<Csr>(certificateSigningRequests, {...created, spec: {...created.spec, signerName: 'example.com/other'}, status: {conditions: [{type: 'Approved', status: 'True'}]}} as KubeObject)
    expect(updated.spec.signerName).toBe('kubernetes.io/kube-apiserver-client')
    expect(updated.status).toEqual({})
  })

  it('takes approval conditions only through /approval and the certificate only through /status, as kube validates them', async () => {
    const csr = await admin.create<Csr>(certificateSigningRequests, manifest('paths', requestFor('/CN=paths').pem, {signerName: 'example.com/custom'}))
    expect(await refusal(admin.update(certificateSigningRequests, {...csr, status: {conditions: [{type: 'Approved', status: 'True'}]}}, 'status')))
      .toBe('CertificateSigningRequest.certificates.k8s.io "paths" is invalid: status.conditions: Forbidden: updates may not add a condition of type "Approved"')
    const approved = await approval(csr, [{type: 'Approved', reason: 'Test'}])
    // The status defaults to True; times are the API server's.
    expect(approved.status?.conditions).toEqual([{type: 'Approved', status: 'True', reason: 'Test', lastUpdateTime: '2026-12-05T12:00:00Z', lastTransitionTime: '2026-12-05T12:00:00Z'}])
    expect(await refusal(approval(approved, [...approved.status!.conditions!, {type: 'Denied', status: 'True'}])))
      .toBe('CertificateSigningRequest.certificates.k8s.io "paths" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive')
    expect(await refusal(approval(approved, []))).toBe('CertificateSigningRequest.certificates.k8s.io "paths" is invalid: status.conditions: Forbidden: updates may not remove a condition of type "Approved"')
    expect(await refusal(admin.update(certificateSigningRequests, {...approved, status: {...approved.status, certificate: Buffer.from('junk').toString('base64')}}, 'status')))
      .toBe('CertificateSigningRequest.certificates.k8s.io "paths" is invalid: status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block')
    // A certificate through /approval is ignored; through /status it is set once and then fixed.
    const certificate = Buffer.from(credentials.certificates(clock.nowMilliseconds()).authority.certificate).toString('base64')
    expect((await admin.update<Csr>(certificateSigningRequests, {...approved, status: {...approved.status, certificate}}, 'approval')).status?.certificate).toBeUndefined()
    const issued = await admin.update<Csr>(certificateSigningRequests, {...approved, status: {...approved.status, certificate}}, 'status')
    expect(issued.status?.certificate).toBe(certificate)
    expect(await refusal(admin.update(certificateSigningRequests, {...issued, status: {...issued.status, certificate: Buffer.from(credentials.certificates(0).serving.certificate).toString('base64')}}, 'status')))
      .toBe('CertificateSigningRequest.certificates.k8s.io "paths" is invalid: status.certificate: Forbidden: updates may not modify existing certificate content')
    // A custom signer's request is no business of the cluster's signer.
    await settle()
    expect((await admin.get<Csr>(certificateSigningRequests, '', 'paths')).status?.conditions?.map((condition) => condition.type)).toEqual(['Approved'])
  })

  it('refuses a request missing its signature with a 422 in encoding/asn1\'s words', async () => {
    // The request openssl made, its signature cut off: CertificationRequest SEQUENCE { info, algorithm }.
    const der = Buffer.from(requestFor('/CN=unsigned').pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64')
    const parts = derChildren(readDer(der))
    const unsigned = Buffer.concat([parts[0]!.encoded, parts[1]!.encoded])
    const length = unsigned.length < 0x80 ? [unsigned.length] : unsigned.length < 0x100 ? [0x81, unsigned.length] : [0x82, unsigned.length >> 8, unsigned.length & 0xff]
    const shortened = Buffer.concat([Buffer.from([0x30, ...length]), unsigned])
    const pem = `-----BEGIN CERTIFICATE REQUEST-----\n${shortened.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`
    const goBytes = `[]byte{${[...Buffer.from(pem)].map((byte) => `0x${byte.toString(16)}`).join(', ')}}`
    expect(await refusal(admin.create(certificateSigningRequests, manifest('unsigned', pem))))
      .toBe(`CertificateSigningRequest.certificates.k8s.io "unsigned" is invalid: spec.request: Invalid value: ${goBytes}: asn1: syntax error: sequence truncated`)
  })

  it('lets only those allowed to approve for the signer approve, by its name or its domain/*', async () => {
    const csr = await admin.create<Csr>(certificateSigningRequests, manifest('who', requestFor('/CN=who').pem))
    const bob = new ApiClient(api, {name: 'bob', groups: ['system:authenticated']})
    await admin.create({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', namespaced: false}, {
      kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: {name: 'csr-updater'},
      rules: [{apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/approval'], verbs: ['update']}],
    } as unknown as KubeObject)
    const bind = (name: string, role: string) => admin.create({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespaced: false}, {
      kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: {name},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role}, subjects: [{kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'bob'}],
    } as unknown as KubeObject)
    await bind('bob-updates', 'csr-updater')
    expect(await refusal(bob.update(certificateSigningRequests, {...csr, status: {conditions: [{type: 'Approved', status: 'True'}]}}, 'approval')))
      .toBe('certificatesigningrequests.certificates.k8s.io "who" is forbidden: user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client"')
    await bind('bob-approves', 'system:certificates.k8s.io:kube-apiserver-client-approver')
    const approved = await bob.update<Csr>(certificateSigningRequests, {...csr, status: {conditions: [{type: 'Approved', status: 'True'}]}}, 'approval')
    expect(approved.status?.conditions?.[0]?.type).toBe('Approved')
  })

  it('signs by each signer\'s rules, fails what they refuse in kube\'s words, and the certificate authenticates as CN and O until it expires', async () => {
    const client = requestFor('/CN=carol/O=dev/O=ops')
    const cases: Array<[string, Csr]> = [
      ['client', manifest('client', client.pem, {expirationSeconds: 3600})],
      ['serving', manifest('serving', requestFor('/O=system:nodes/CN=system:node:worker-1', 'DNS:worker-1,IP:172.18.0.5').pem, {signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth']})],
      ['serving-no-names', manifest('serving-no-names', requestFor('/O=system:nodes/CN=system:node:worker-1').pem, {signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth']})],
      ['kubelet-client', manifest('kubelet-client', requestFor('/O=system:nodes/CN=system:node:worker-2').pem, {signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth']})],
      ['kubelet-wrong-group', manifest('kubelet-wrong-group', requestFor('/O=dev/CN=system:node:worker-2').pem, {signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth']})],
      ['client-server-usage', manifest('client-server-usage', client.pem, {usages: ['client auth', 'server auth']})],
      ['client-no-client-auth', manifest('client-no-client-auth', client.pem, {usages: ['digital signature', 'key encipherment']})],
      ['client-many-names', manifest('client-many-names', requestFor('/CN=erin/O=zeta/OU=team/O=ab/1.2.3.4=dropped/C=US/ST=st*ar/CN=last').pem)],
    ]
    for (const [, csr] of cases) {
      const created = await admin.create<Csr>(certificateSigningRequests, csr)
      await approval(created, [{type: 'Approved', status: 'True', reason: 'Test'}])
    }
    await settle()
    const outcome = async (name: string) => {
      const csr = await admin.get<Csr>(certificateSigningRequests, '', name)
      const failed = csr.status?.conditions?.find((condition) => condition.type === 'Failed')
      return failed ? `Failed: ${String(failed.message)}` : csr.status?.certificate ? 'Issued' : 'Pending'
    }
    expect(Object.fromEntries(await Promise.all(cases.map(async ([name]) => [name, await outcome(name)] as const)))).toEqual({
      'client': 'Issued',
      'serving': 'Issued',
      'serving-no-names': 'Failed: DNS or IP subjectAltName is required',
      'kubelet-client': 'Issued',
      'kubelet-wrong-group': 'Failed: subject organization is not system:nodes',
      'client-server-usage': 'Failed: invalid usage for client certificate: server auth',
      'client-no-client-auth': 'Failed: missing required usage for client certificate: client auth',
      'client-many-names': 'Issued',
    })
    // The subject written again as Go's x509 writes a parsed name: its order, one RDN per attribute, the last CN, unknown attributes dropped.
    const manyNames = Buffer.from((await admin.get<Csr>(certificateSigningRequests, '', 'client-many-names')).status!.certificate!, 'base64')
    expect(execFileSync('openssl', ['x509', '-noout', '-subject', '-nameopt', 'sep_comma_plus,show_type'], {input: manyNames}).toString())
      .toBe('subject=C=PRINTABLESTRING:US,ST=UTF8STRING:st*ar,O=PRINTABLESTRING:ab+O=PRINTABLESTRING:zeta,OU=PRINTABLESTRING:team,CN=PRINTABLESTRING:last\n')
    // A year's certificate (the default duration) starts and ends five minutes early, as kube's signing policy backdates it.
    const serving = new X509Certificate(Buffer.from((await admin.get<Csr>(certificateSigningRequests, '', 'serving')).status!.certificate!, 'base64'))
    expect([Date.parse(serving.validFrom), Date.parse(serving.validTo)]).toEqual([clock.nowMilliseconds() - 5 * 60 * 1000, clock.nowMilliseconds() + 365 * 24 * 60 * 60 * 1000 - 5 * 60 * 1000])
    // The client certificate is carol in dev and ops, through kubemu kubectl's proof of the key.
    const certificate = Buffer.from((await admin.get<Csr>(certificateSigningRequests, '', 'client')).status!.certificate!, 'base64').toString()
    const pair = new ClientCertificateKeyPair(certificate, client.key)
    const review = {method: 'POST', path: '/apis/authentication.k8s.io/v1/selfsubjectreviews', body: JSON.stringify({kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1'})} as const
    const asked = async (proof: Record<string, string>) => {
      const response = await api.handle({...review, headers: {'content-type': 'application/json', ...proof}})
      return response.status === 201 ? (response.body as {status: {userInfo: {username: string; groups: string[]}}}).status.userInfo : response.status
    }
    const whoami = () => asked(pair.headersFor(review, Date.now()))
    expect(await whoami()).toMatchObject({username: 'carol', groups: ['dev', 'ops', 'system:authenticated']})
    // A proof is good for the request it signs, for a few minutes: not for another request, not replayed later.
    expect(await asked(pair.headersFor({method: 'GET', path: '/api/v1/namespaces/default/pods'}, Date.now()))).toBe(403)
    expect(await asked(pair.headersFor({...review, body: '{}'}, Date.now()))).toBe(403)
    expect(await asked(pair.headersFor(review, Date.now() - clientCertificateProofSkewMillisecondsMax - 60_000))).toBe(403)
    // On the HTTPS port a client certificate comes in the TLS handshake only: the proof headers are not taken there.
    const served = credentials.certificates(clock.nowMilliseconds())
    const https = await startHttpApi(api, {tls: served.serving, clientCertificateAuthority: served.authority.certificate})
    try {
      const overTls = await new Promise<number>((done, failed) => {
        const sent = httpsRequest(`${https.url}${review.path}`, {method: 'POST', rejectUnauthorized: false, headers: {'content-type': 'application/json', ...pair.headersFor(review, Date.now())}}, (response) => {
          response.resume()
          response.on('end', () => done(response.statusCode ?? 0))
        })
        sent.on('error', failed)
        sent.end(review.body)
      })
      expect(overTls).toBe(403)
    } finally {
      await https.close()
    }
    // The same certificate presented by TLS (the field the front door fills in).
    const presented = await api.handle({method: 'GET', path: '/api/v1/namespaces/default/pods', clientCertificate: certificate})
    expect((presented.body as {message: string}).message).toBe('pods is forbidden: User "carol" cannot list resource "pods" in API group "" in the namespace "default"')
    // An hour later (expirationSeconds) it is no user: the request is anonymous.
    clock.advance(3601 * 1000)
    expect(await whoami()).toBe(403)
    // kubemu's kubectl will not make a proof with a key that is not the certificate's.
    expect(() => new ClientCertificateKeyPair(certificate, requestFor('/CN=x').key)).toThrow('tls: private key does not match public key')
  })

  it('cleans up as csrcleaner does: settled requests an hour after, pending ones after a day', async () => {
    const names = async () => (await admin.list<Csr>(certificateSigningRequests)).items.map((csr) => csr.metadata.name).sort()
    for (const csr of (await admin.list<Csr>(certificateSigningRequests)).items) await admin.delete(certificateSigningRequests, '', csr.metadata.name ?? '')
    const {pem} = requestFor('/CN=dave')
    const denied = await admin.create<Csr>(certificateSigningRequests, manifest('denied', pem))
    await approval(denied, [{type: 'Denied', status: 'True', reason: 'Test'}])
    await admin.create<Csr>(certificateSigningRequests, manifest('pending', pem))
    await settle()
    expect(await names()).toEqual(['denied', 'pending'])
    clock.advance(61 * 60 * 1000)
    await settle()
    expect(await names()).toEqual(['pending'])
    clock.advance(22 * 60 * 60 * 1000)
    await settle()
    expect(await names()).toEqual(['pending'])
    clock.advance(2 * 60 * 60 * 1000)
    await settle()
    expect(await names()).toEqual([])
  })
})
