// The "create a user" exercise: an openssl key and certificate request (CN=jane, O=dev) in a
// CertificateSigningRequest for kubernetes.io/kube-apiserver-client, `kubectl certificate
// approve`, the certificate kube-controller-manager's signer issues, a kubeconfig user with it,
// `auth whoami` and a Forbidden get until a RoleBinding. The real kubectl 1.32 and kubemu's kubectl
// run it side by side against one `kubemu up` (stdout, stderr's first line and exit codes compared,
// ages masked); kubemu's kubectl runs it one-shot too; bad requests get kube's error texts.
import {execFileSync} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {hasOpenssl} from '../support/openssl.js'

/** Polls are bounded: the signer answers within a few of up's ticks. */
const pollsMax = 200

const masked = (text: string) =>
  text
    .replace(/X509SHA256=[0-9a-f]{64}/g, 'X509SHA256=FINGERPRINT')
    .replace(/[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}/g, 'TIME')
    .replace(/(^|\s)(\d+m)?\d+s(?=\s|$)/gm, '$1AGE')
    .replace(/ +/g, ' ')

const view = (result: ShellResult) => ({status: result.status, stdout: masked(result.stdout), stderr: masked(result.stderr.split('\n')[0] ?? '')})

function csrManifest(name: string, requestPem: string, extra: {signerName?: string; usages?: string[]; expirationSeconds?: number} = {}): string {
  const usages = (extra.usages ?? ['client auth']).map((usage) => JSON.stringify(usage)).join(', ')
  return [
    'apiVersion: certificates.k8s.io/v1',
    'kind: CertificateSigningRequest',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    `  request: ${Buffer.from(requestPem).toString('base64')}`,
    `  signerName: ${extra.signerName ?? 'kubernetes.io/kube-apiserver-client'}`,
    ...(extra.expirationSeconds === undefined ? [] : [`  expirationSeconds: ${extra.expirationSeconds}`]),
    `  usages: [${usages}]`,
    '',
  ].join('\n')
}

/** A key and a certificate request made by openssl, as the exercise makes them. */
function opensslRequest(folder: string, subject: string, file: string): string {
  execFileSync('openssl', ['genrsa', '-out', join(folder, `${file}.key`), '2048'], {stdio: 'ignore'})
  execFileSync('openssl', ['req', '-new', '-key', join(folder, `${file}.key`), '-subj', subject, '-out', join(folder, `${file}.csr`)], {stdio: 'ignore'})
  return readFileSync(join(folder, `${file}.csr`), 'utf8')
}

async function issued(run: (line: string) => Promise<ShellResult>, name: string): Promise<string> {
  for (let poll = 0; poll < pollsMax; poll++) {
    const certificate = (await run(`get csr ${name} -o jsonpath={.status.certificate}`)).stdout
    if (certificate.length > 0) return Buffer.from(certificate, 'base64').toString('utf8')
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`no certificate was issued for ${name} after ${pollsMax} polls`)
}

describe.runIf(existsSync(realKubectl) && hasOpenssl)('CertificateSigningRequests and kubectl certificate', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
  const kubeconfig = join(home, 'default', 'kubeconfig')
  const real = (line: string) => runShell(`timeout 60 ${realKubectl} --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env})
  const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env})
  let request = ''

  beforeAll(async () => {
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
    request = opensslRequest(home, '/CN=jane/O=dev', 'jane')
  })

  it('runs the create-a-user exercise alike with the real kubectl and with kubemu kubectl through up', async () => {
    for (const [tool, run] of [['real', real], ['ours', ours]] as const) writeFileSync(join(home, `${tool}.yaml`), csrManifest(`jane-${tool}`, request, {expirationSeconds: 86400}))
    const same = async (line: (tool: string) => string) => {
      const theirs = view(await real(line('real')))
      const mine = view(await ours(line('ours')))
      const named = (result: typeof theirs, tool: string) => ({line: line('TOOL'), ...result, stdout: result.stdout.replaceAll(tool, 'TOOL'), stderr: result.stderr.replaceAll(tool, 'TOOL')})
      expect(named(mine, 'ours')).toEqual(named(theirs, 'real'))
      return named(theirs, 'real')
    }
    expect((await same((tool) => `create -f ${tool}.yaml`)).stdout).toBe('certificatesigningrequest.certificates.k8s.io/jane-TOOL created\n')
    expect((await same((tool) => `get csr jane-${tool}`)).stdout).toBe('NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION\njane-TOOL AGE kubernetes.io/kube-apiserver-client kubernetes-admin 24h Pending\n')
    await same((tool) => `describe csr jane-${tool}`)
    expect((await same((tool) => `certificate approve jane-${tool}`)).stdout).toBe('certificatesigningrequest.certificates.k8s.io/jane-TOOL approved\n')
    const certificates = {real: await issued(real, 'jane-real'), ours: await issued(ours, 'jane-ours')}
    expect((await same((tool) => `get csr jane-${tool} --no-headers`)).stdout).toMatch(/ 24h Approved,Issued\n$/)
    for (const line of [(tool: string) => `describe csr jane-${tool}`, (tool: string) => `get csr jane-${tool} -o wide`, (tool: string) => `get csr jane-${tool} -o name`]) await same(line)
    // Approving again changes nothing and says so as kubectl does; deny then refuses; a missing request is NotFound.
    await same((tool) => `certificate approve jane-${tool}`)
    expect((await same((tool) => `certificate deny jane-${tool}`)).stderr).toBe('error: certificate signing request "jane-TOOL" is already Approved')
    expect((await same(() => 'certificate approve nobody')).stderr).toBe('Error from server (NotFound): certificatesigningrequests.certificates.k8s.io "nobody" not found')
    // TYPE/NAME names a request too; another cluster-scoped type is read and refused, a namespaced one has no namespace here.
    for (const type of ['csr', 'certificatesigningrequest', 'certificatesigningrequests.certificates.k8s.io']) {
      expect((await same((tool) => `certificate approve ${type}/jane-${tool}`)).stdout).toBe('certificatesigningrequest.certificates.k8s.io/jane-TOOL approved\n')
    }
    expect((await same(() => 'certificate deny node/worker-1')).stderr).toBe('error: can only handle CertificateSigningRequest.certificates.k8s.io objects, got Node')
    expect((await same(() => 'certificate deny node/nothere')).stderr).toBe('Error from server (NotFound): nodes "nothere" not found')
    expect((await same(() => 'certificate approve csr/nobody')).stderr).toBe('Error from server (NotFound): certificatesigningrequests.certificates.k8s.io "nobody" not found')
    expect((await same((tool) => `certificate approve jane-${tool} configmap/kube-root-ca.crt`)).stderr).toBe('error: namespace may not be empty when retrieving a resource by name')
    expect((await same(() => 'certificate approve csr/')).stderr).toBe('error: arguments in resource/name form must have a single resource and name')
    expect((await same(() => 'certificate approve csr/a/b')).stderr).toBe('error: arguments in resource/name form may not have more than one slash')
    expect((await same(() => 'certificate approve nosuchtype/a')).stderr).toBe('error: the server doesn\'t have a resource type "nosuchtype"')
    expect((await same((tool) => `certificate approve -f ${tool}.yaml jane-${tool}`)).stderr).toBe('error: resource/name arguments cannot be provided when a path is specified')
    // -f names the requests of a file; -o prints the request as kubectl read it.
    expect((await same((tool) => `certificate approve -f ${tool}.yaml --force -o jsonpath='{.metadata.name} {.status.conditions[*].type}'`)).stdout).toBe('jane-TOOL Approved')
    writeFileSync(join(home, 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n')
    expect((await same(() => 'certificate deny -f configmap.yaml')).stderr).toBe('error: no namespace set on resource /v1, Resource=configmaps "settings"')
    writeFileSync(join(home, 'configmap.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-root-ca.crt\n  namespace: default\n')
    expect((await same(() => 'certificate deny -f configmap.yaml')).stderr).toBe('error: can only handle CertificateSigningRequest.certificates.k8s.io objects, got ConfigMap')

    // The certificate is the cluster CA's, for CN=jane O=dev, a client certificate for a day.
    const authority = new X509Certificate(readFileSync(join(home, 'default', 'pki', 'tls', 'ca.crt')))
    for (const pem of Object.values(certificates)) {
      const certificate = new X509Certificate(pem)
      expect(certificate.verify(authority.publicKey)).toBe(true)
      expect(certificate.subject.split('\n').sort()).toEqual(['CN=jane', 'O=dev'])
      expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2'])
      expect(Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)).toBeLessThanOrEqual((86400 + 5 * 60) * 1000)
    }

    // A kubeconfig user with the key and the issued certificate authenticates as CN/O, on both kubectls.
    writeFileSync(join(home, 'jane.crt'), certificates.real)
    const userKubeconfig = join(home, 'jane-kubeconfig')
    writeFileSync(userKubeconfig, readFileSync(kubeconfig))
    const asJane = (kubectl: string) => (line: string) => runShell(`timeout 60 ${kubectl} ${line}`, {cwd: home, env: {...env, KUBECONFIG: userKubeconfig}})
    const realJane = asJane(realKubectl)
    const ourJane = asJane(`${kubemu} kubectl`)
    expect((await realJane(`config set-credentials jane --client-key=${join(home, 'jane.key')} --client-certificate=${join(home, 'jane.crt')} --embed-certs=true`)).stdout).toBe('User "jane" set.\n')
    const whoami = await realJane('--user jane auth whoami')
    expect(masked(whoami.stdout)).toBe('ATTRIBUTE VALUE\nUsername jane\nGroups [dev system:authenticated]\nExtra: authentication.kubernetes.io/credential-id [X509SHA256=FINGERPRINT]\n')
    expect(view(await ourJane('--user jane auth whoami'))).toEqual(view(whoami))
    const forbidden = await realJane('--user jane get pods')
    expect(view(forbidden)).toEqual({status: 1, stdout: '', stderr: 'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"'})
    expect(view(await ourJane('--user jane get pods'))).toEqual(view(forbidden))
    expect((await real('create rolebinding jane-view --clusterrole=view --user=jane')).status).toBe(0)
    const allowed = await realJane('--user jane get pods')
    expect(view(allowed)).toEqual({status: 0, stdout: '', stderr: 'No resources found in default namespace.'})
    expect(view(await ourJane('--user jane get pods'))).toEqual(view(allowed))
    // The wrong key for the certificate is refused by kubemu's kubectl before any request.
    execFileSync('openssl', ['genrsa', '-out', join(home, 'other.key'), '2048'], {stdio: 'ignore'})
    expect(view(await ourJane(`--user jane --client-key=${join(home, 'other.key')} get pods`))).toEqual({status: 1, stdout: '', stderr: 'error: tls: private key does not match public key'})
  })

  it('prints kubectl 1.32\'s help and usage errors for kubectl certificate', async () => {
    for (const line of ['certificate', 'certificate --help', 'certificate approve --help', 'certificate deny -h', 'certificate approve', 'certificate deny -o yaml']) {
      const [theirs, mine] = [await real(line), await ours(line)]
      expect({line, ...mine}).toEqual({line, ...theirs})
    }
  })

  it('reads an ECDSA request with subject alternative names: describe lists them, the signer copies them', async () => {
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(home, 'ec.key')], {stdio: 'ignore'})
    execFileSync('openssl', ['req', '-new', '-key', join(home, 'ec.key'), '-subj', '/CN=svc/O=a/O=b/OU=unit/C=NL/L=Delft/ST=ZH/serialNumber=42', '-addext',
      'subjectAltName=DNS:svc.example,DNS:svc,IP:10.0.0.1,IP:fd00::1,email:svc@example.com,URI:spiffe://cluster/svc', '-out', join(home, 'ec.csr')], {stdio: 'ignore'})
    writeFileSync(join(home, 'ec.yaml'), csrManifest('ec', readFileSync(join(home, 'ec.csr'), 'utf8'), {usages: ['digital signature', 'client auth'], expirationSeconds: 3600}))
    expect((await ours('create -f ec.yaml')).status).toBe(0)
    const described = await real('describe csr ec')
    expect(masked(described.stdout)).toContain('Subject Alternative Names:\n DNS Names: svc.example\n svc\n Email Addresses: svc@example.com\n URIs: spiffe://cluster/svc\n IP Addresses: 10.0.0.1\n fd00::1\n')
    expect(view(await ours('describe csr ec'))).toEqual(view(described))
    expect((await real('certificate approve ec')).status).toBe(0)
    const certificate = new X509Certificate(await issued(real, 'ec'))
    expect(certificate.subjectAltName).toBe('DNS:svc.example, DNS:svc, email:svc@example.com, IP Address:10.0.0.1, IP Address:FD00:0:0:0:0:0:0:1, URI:spiffe://cluster/svc')
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2'])
    expect(view(await ours('delete csr ec'))).toEqual({status: 0, stdout: 'certificatesigningrequest.certificates.k8s.io "ec" deleted\n', stderr: ''})
  })

  it('refuses bad requests with kube-apiserver\'s words, the same for both kubectls', async () => {
    const bad = (name: string, manifest: string) => writeFileSync(join(home, `${name}.yaml`), manifest)
    const der = execFileSync('openssl', ['req', '-in', join(home, 'jane.csr'), '-outform', 'DER'])
    der[der.length - 5]! ^= 0xff
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE REQUEST-----\n`
    bad('notpem', csrManifest('notpem', 'hello\n'))
    bad('badsig', csrManifest('badsig', tampered))
    bad('badsigner', csrManifest('badsigner', request, {signerName: 'example'}))
    bad('legacy', csrManifest('legacy', request, {signerName: 'kubernetes.io/legacy-unknown'}))
    bad('short', csrManifest('short', request, {expirationSeconds: 100}))
    bad('nousage', csrManifest('nousage', request, {usages: []}))
    bad('masters', csrManifest('masters', opensslRequest(home, '/CN=root/O=system:masters', 'root')))
    const expected: Record<string, string> = {
      notpem: 'The CertificateSigningRequest "notpem" is invalid: spec.request: Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xa}: PEM block type must be CERTIFICATE REQUEST',
      badsig: 'crypto/rsa: verification error',
      badsigner: 'The CertificateSigningRequest "badsigner" is invalid: spec.signerName: Invalid value: "example": must be a fully qualified domain and path of the form \'example.com/signer-name\'',
      legacy: 'The CertificateSigningRequest "legacy" is invalid: spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
      short: 'The CertificateSigningRequest "short" is invalid: spec.expirationSeconds: Invalid value: 100: may not specify a duration less than 600 seconds (10 minutes)',
      nousage: 'The CertificateSigningRequest "nousage" is invalid: spec.usages: Required value',
      masters: 'Error from server (Forbidden): error when creating "masters.yaml": certificatesigningrequests.certificates.k8s.io "masters" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed',
    }
    for (const [name, text] of Object.entries(expected)) {
      const theirs = await real(`create -f ${name}.yaml`)
      expect({name, status: theirs.status}).toEqual({name, status: 1})
      if (name === 'badsig') expect(theirs.stderr).toMatch(/^The CertificateSigningRequest "badsig" is invalid: spec.request: Invalid value: \[\]byte\{0x2d, .*\}: crypto\/rsa: verification error\n$/)
      else expect(theirs.stderr.split('\n')[0]).toBe(text)
      expect(view(await ours(`create -f ${name}.yaml`))).toEqual(view(theirs))
    }
    expect((await real('get csr notpem badsig badsigner legacy short nousage masters --ignore-not-found')).stdout).toBe('')

    // A client's certificate for server auth is approved, then failed by the signer in kube's words.
    writeFileSync(join(home, 'server.yaml'), csrManifest('server', request, {usages: ['server auth']}))
    expect((await ours('create -f server.yaml')).status).toBe(0)
    expect((await ours('certificate approve server')).stdout).toBe('certificatesigningrequest.certificates.k8s.io/server approved\n')
    let condition = ''
    for (let poll = 0; poll < pollsMax && !condition.includes('Failed'); poll++) condition = (await real('get csr server --no-headers')).stdout
    expect(masked(condition)).toBe('server AGE kubernetes.io/kube-apiserver-client kubernetes-admin <none> Approved,Failed\n')
    expect((await real(`get csr server -o jsonpath='{.status.conditions[?(@.type=="Failed")].message}'`)).stdout).toBe('invalid usage for client certificate: server auth')

    // Status written through the main resource is ignored; both Approved and Denied is refused; a deny of a pending request works.
    writeFileSync(join(home, 'pending.yaml'), csrManifest('pending', request))
    expect((await real('create -f pending.yaml')).status).toBe(0)
    const patched = await real(`patch csr pending --type=merge -p '{"status":{"conditions":[{"type":"Approved","status":"True"}]}}'`)
    expect(view(await ours(`patch csr pending --type=merge -p '{"status":{"conditions":[{"type":"Approved","status":"True"}]}}'`))).toEqual(view(patched))
    expect(patched.stdout).toBe('certificatesigningrequest.certificates.k8s.io/pending patched (no change)\n')
    writeFileSync(join(home, 'both.json'), JSON.stringify({apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: {name: 'pending'}, status: {conditions: [{type: 'Approved', status: 'True'}, {type: 'Denied', status: 'True'}]}}))
    const both = await real('replace --raw /apis/certificates.k8s.io/v1/certificatesigningrequests/pending/approval -f both.json')
    expect(both.status).toBe(1)
    expect(both.stderr).toBe('The CertificateSigningRequest "pending" is invalid: status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive\n')
    expect(view(await ours('replace --raw /apis/certificates.k8s.io/v1/certificatesigningrequests/pending/approval -f both.json'))).toEqual(view(both))
    expect((await ours('certificate deny pending')).stdout).toBe('certificatesigningrequest.certificates.k8s.io/pending denied\n')
    for (const line of ['certificate approve pending', 'certificate approve pending --force', 'get csr --field-selector spec.signerName=kubernetes.io/kube-apiserver-client -o name', 'get csr --field-selector spec.signerName=example.com/none']) {
      expect({line, ...view(await ours(line))}).toEqual({line, ...view(await real(line))})
    }
    expect((await real('certificate approve pending --force')).stderr).toBe('error: certificate signing request "pending" is already Denied\n')
    expect(masked((await ours('get csr pending --no-headers')).stdout)).toBe('pending AGE kubernetes.io/kube-apiserver-client kubernetes-admin <none> Denied\n')
  })
})

describe.runIf(hasOpenssl)('CertificateSigningRequests one-shot', {timeout: 120_000}, () => {
  it('creates, approves and issues with kubemu kubectl alone, and the certificate authenticates as CN/O', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const ours = (line: string, kubeconfig = '') => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...env, KUBECONFIG: kubeconfig}})
    writeFileSync(join(home, 'csr.yaml'), csrManifest('jane', opensslRequest(home, '/CN=jane/O=dev/O=ops', 'jane')))
    expect((await ours('create -f csr.yaml')).stdout).toBe('certificatesigningrequest.certificates.k8s.io/jane created\n')
    expect((await ours('certificate approve -f csr.yaml')).stdout).toBe('certificatesigningrequest.certificates.k8s.io/jane approved\n')
    // The nodes' kubelets have their own requests on a fresh cluster (TLS bootstrap): jane's is named.
    expect(masked((await ours('get csr jane')).stdout)).toBe('NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION\njane AGE kubernetes.io/kube-apiserver-client kubernetes-admin <none> Approved,Issued\n')
    const certificate = Buffer.from((await ours('get csr jane -o jsonpath={.status.certificate}')).stdout, 'base64').toString('utf8')
    const authority = new X509Certificate(readFileSync(join(home, 'default', 'pki', 'tls', 'ca.crt')))
    expect(new X509Certificate(certificate).verify(authority.publicKey)).toBe(true)
    // One year at most: the signer's default duration when the request names none.
    const validity = new X509Certificate(certificate)
    expect(Date.parse(validity.validTo) - Date.parse(validity.validFrom)).toBeLessThanOrEqual((365 * 24 * 60 + 5) * 60 * 1000)
    const userKubeconfig = join(home, 'jane-kubeconfig')
    writeFileSync(userKubeconfig, readFileSync(join(home, 'default', 'kubeconfig')))
    writeFileSync(join(home, 'jane.crt'), certificate)
    expect((await ours(`config set-credentials jane --client-key=${join(home, 'jane.key')} --client-certificate=${join(home, 'jane.crt')} --embed-certs=true`, userKubeconfig)).status).toBe(0)
    expect(masked((await ours('--user jane auth whoami', userKubeconfig)).stdout)).toBe('ATTRIBUTE VALUE\nUsername jane\nGroups [dev ops system:authenticated]\nExtra: authentication.kubernetes.io/credential-id [X509SHA256=FINGERPRINT]\n')
    expect(view(await ours('--user jane get pods', userKubeconfig))).toEqual({status: 1, stdout: '', stderr: 'Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"'})
    // A certificate the cluster CA did not issue is no user: the request is anonymous.
    execFileSync('openssl', ['req', '-x509', '-key', join(home, 'jane.key'), '-subj', '/CN=jane/O=dev', '-days', '1', '-out', join(home, 'self.crt')], {stdio: 'ignore'})
    expect((await ours(`config set-credentials self --client-key=${join(home, 'jane.key')} --client-certificate=${join(home, 'self.crt')} --embed-certs=true`, userKubeconfig)).status).toBe(0)
    expect((await ours('--user self get pods', userKubeconfig)).stderr).toContain('User "system:anonymous" cannot')
  })
})
