// Kubelet TLS bootstrap as on a kubeadm cluster: on a fresh cluster each joined node's kubelet
// requests its client certificate with the bootstrap token (system:bootstrap:abcdef) and the first
// master's kubelet renews the certificate kubeadm signed for it (as system:node:control-plane);
// csrapproving approves, csrsigning issues, the kubelet keeps the certificate and its key, and
// csrcleaner removes the requests an hour after. `kubemu node add` joins the same way; a Node
// created through the API (kwok's) requests nothing. Renewal at 70-90% of the certificate's life is
// checked in process on the cluster clock (a year of `time advance` takes too long for a test).
import {createPrivateKey, createPublicKey, X509Certificate} from 'node:crypto'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiServer} from '../../src/core/apiserver/apiserver.js'
import {createCertificateAuthority} from '../../src/core/apiserver/authentication/certificates.js'
import {apiServerUser} from '../../src/core/apiserver/authentication/user.js'
import {ensureBootstrapped} from '../../src/core/apiserver/bootstrap.js'
import {ApiClient} from '../../src/core/client/client.js'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {certificateSigningRequests} from '../../src/core/controllers/certificate-signing.js'
import {joinDefaultKubelets, joinWithBootstrapToken, MemoryKubeletCredentials} from '../../src/core/kubelet/client-credentials.js'
import {anyKind} from '../../src/core/client/resources.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {oneShotCluster} from '../support/one-shot-cluster.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {upProcessesOfSuite} from '../support/up-process.js'
import {upWithRealKubectl} from '../support/up-with-real-kubectl.js'

type Request = KubeObject & {
  spec: {username: string; groups: string[]; usages: string[]; signerName: string; request: string}
  status?: {conditions?: Array<{type: string; reason?: string; message?: string}>; certificate?: string}
}

const joined = ['control-plane2', 'control-plane3', 'worker-1', 'worker-2', 'worker-3']
const bootstrapGroups = ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated']
/** `get csr` with its names and ages masked, columns one space apart (an age's width moves them). */
const rowsWithoutAge = (table: string) => table.trimEnd().split('\n').map((line) => line.replace(/^csr-[a-z0-9]{5}(\s+)\S+/, 'csr-XXXXX AGE').replace(/ +/g, ' '))

const freshTable = [
  'NAME AGE SIGNERNAME REQUESTOR REQUESTEDDURATION CONDITION',
  'csr-XXXXX AGE kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:abcdef <none> Approved,Issued',
  'csr-XXXXX AGE kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:abcdef <none> Approved,Issued',
  'csr-XXXXX AGE kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:abcdef <none> Approved,Issued',
  'csr-XXXXX AGE kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:abcdef <none> Approved,Issued',
  'csr-XXXXX AGE kubernetes.io/kube-apiserver-client-kubelet system:bootstrap:abcdef <none> Approved,Issued',
  'csr-XXXXX AGE kubernetes.io/kube-apiserver-client-kubelet system:node:control-plane <none> Approved,Issued',
]
const sortedRows = (table: string) => {
  const [header, ...rows] = rowsWithoutAge(table)
  return [header, ...rows.sort((a, b) => a.localeCompare(b))]
}

describe('kubelet TLS bootstrap, one-shot', () => {
  const cluster = oneShotCluster()

  it('has one issued request per kubelet on a fresh cluster, and each kubelet keeps its certificate and key', async () => {
    const table = await cluster.kubectl('get csr')
    expect(table.status).toBe(0)
    expect(sortedRows(table.stdout)).toEqual(freshTable)
    const items = (JSON.parse((await cluster.kubectl('get csr -o json')).stdout) as {items: Request[]}).items
    const byNode = new Map<string, Request>()
    for (const item of items) {
      expect(item.metadata.name).toMatch(/^csr-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
      expect(item.spec.usages).toEqual(['digital signature', 'client auth'])
      expect(item.status?.conditions).toMatchObject([{type: 'Approved', reason: 'AutoApproved'}])
      const issued = new X509Certificate(Buffer.from(item.status!.certificate!, 'base64'))
      byNode.set(/CN=system:node:(\S+)/.exec(issued.subject)![1]!, item)
      expect(issued.subject.split('\n').sort()).toEqual([expect.stringMatching(/^CN=system:node:/), 'O=system:nodes'])
    }
    expect([...byNode.keys()].sort()).toEqual(['control-plane', ...joined])
    expect(byNode.get('control-plane')!.spec).toMatchObject({username: 'system:node:control-plane', groups: ['system:nodes', 'system:authenticated']})
    expect(byNode.get('control-plane')!.status?.conditions?.[0]?.message).toBe('Auto approving self kubelet client certificate after SubjectAccessReview.')
    for (const node of joined) {
      expect(byNode.get(node)!.spec).toMatchObject({username: 'system:bootstrap:abcdef', groups: bootstrapGroups})
      expect(byNode.get(node)!.status?.conditions?.[0]?.message).toBe('Auto approving kubelet client certificate after SubjectAccessReview.')
      // The kubelet keeps the issued certificate with the key it made for the request.
      const kept = JSON.parse(readFileSync(join(cluster.home(), 'default', 'kubelet-pki', `${node}.json`), 'utf8')) as {current: {certificate: string; privateKey: string}}
      expect(kept.current.certificate).toBe(Buffer.from(byNode.get(node)!.status!.certificate!, 'base64').toString())
      const publicKey = createPublicKey(createPrivateKey(kept.current.privateKey)).export({type: 'spki', format: 'der'})
      expect(new X509Certificate(kept.current.certificate).publicKey.export({type: 'spki', format: 'der'})).toEqual(publicKey)
    }
  })

  it('lets csrcleaner remove the requests an hour after issue', async () => {
    expect((await cluster.kubemu('time advance 2h')).status).toBe(0)
    expect(await cluster.kubectl('get csr')).toMatchObject({status: 0, stdout: '', stderr: 'No resources found\n'})
  })

  it('bootstraps a node that `kubemu node add` joins, and nothing for a Node created through the API', async () => {
    // A name the API server refuses gets its error, and no credentials.
    const refused = await cluster.kubemu('node add Bad_Name')
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/^Error from server \(Invalid\): Node "Bad_Name" is invalid: metadata.name: Invalid value/)
    expect((await cluster.kubemu('node add worker-4')).status).toBe(0)
    const kwokNode = JSON.stringify({apiVersion: 'v1', kind: 'Node', metadata: {name: 'fake-1', annotations: {'kwok.x-k8s.io/node': 'fake'}}})
    expect((await cluster.kubectl('create -f -', kwokNode)).status).toBe(0)
    const table = await cluster.kubectl('get csr')
    expect(sortedRows(table.stdout)).toEqual([freshTable[0], freshTable[1]])
    const item = (JSON.parse((await cluster.kubectl('get csr -o json')).stdout) as {items: Request[]}).items[0]!
    expect(new X509Certificate(Buffer.from(item.status!.certificate!, 'base64')).subject).toContain('CN=system:node:worker-4')
    // Removed, the node's kubelet credentials go with it.
    expect((await cluster.kubemu('node remove worker-4')).status).toBe(0)
    expect(() => readFileSync(join(cluster.home(), 'default', 'kubelet-pki', 'worker-4.json'))).toThrow(/ENOENT/)
  })

  it('keeps the keys owner-only, and a node whose file was damaged does not stop the other kubelets', async () => {
    const folder = join(cluster.home(), 'default', 'kubelet-pki')
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    expect(statSync(join(folder, 'worker-2.json')).mode & 0o777).toBe(0o600)
    writeFileSync(join(folder, 'worker-1.json'), '{"bootstrap":')
    for (const node of ['worker-1', 'worker-2', 'worker-3']) {
      const pod = JSON.stringify({apiVersion: 'v1', kind: 'Pod', metadata: {name: `on-${node}`}, spec: {nodeName: node, containers: [{name: 'c', image: 'nginx'}]}})
      expect((await cluster.kubectl('create -f -', pod)).status).toBe(0)
    }
    const phases = await cluster.kubectl(`get pods -o 'jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}'`)
    expect(phases.stdout.trim().split(' ').sort()).toEqual(['on-worker-1=Running', 'on-worker-2=Running', 'on-worker-3=Running'])
    expect(readFileSync(join(folder, 'worker-1.json.unreadable'), 'utf8')).toBe('{"bootstrap":')
  })
})

describe('kubelet TLS bootstrap under a seed', () => {
  it('names the requests the same in two fresh clusters with the same seed', async () => {
    const names = async () => {
      const home = temporaryFolder()
      const listed = await runShell(`${join(import.meta.dirname, '..', '..', 'bin', 'kubemu')} --seed 42 kubectl get csr -o custom-columns=NAME:.metadata.name,REQUESTOR:.spec.username --no-headers`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: ''}})
      expect(listed.status).toBe(0)
      return listed.stdout
    }
    const first = await names()
    expect(first.trimEnd().split('\n')).toHaveLength(6)
    expect(await names()).toBe(first)
  })
})

describe('kubelet client certificate renewal', () => {
  it('renews at 70-90% of the certificate\'s life as the node itself, auto-approved as its own renewal', async () => {
    const {clock, store, admin, credentials, settle} = await inProcessBootstrap({seed: 3, approved: true})
    try {
      await settle()
      const first = credentials.get('worker-1')!.current!
      const life = first.notAfterMilliseconds - Date.parse(new X509Certificate(first.certificate).validFrom)
      const rotateAt = first.rotateAtMilliseconds - Date.parse(new X509Certificate(first.certificate).validFrom)
      expect(rotateAt / life).toBeGreaterThanOrEqual(0.7)
      expect(rotateAt / life).toBeLessThan(0.9)
      // Just before its renewal nothing is asked; at it, the node asks as itself.
      clock.advance(first.rotateAtMilliseconds - 1 - clock.nowMilliseconds())
      await settle()
      const before = (await admin.list<Request>(certificateSigningRequests)).items.filter((item) => item.spec.username === 'system:node:worker-1')
      expect(before).toEqual([])
      clock.advance(1)
      await settle()
      const renewals = (await admin.list<Request>(certificateSigningRequests)).items.filter((item) => item.spec.username === 'system:node:worker-1')
      expect(renewals).toHaveLength(1)
      expect(renewals[0]!.status?.conditions?.[0]?.message).toBe('Auto approving self kubelet client certificate after SubjectAccessReview.')
      const renewed = credentials.get('worker-1')!.current!
      expect(renewed.certificate).toBe(Buffer.from(renewals[0]!.status!.certificate!, 'base64').toString())
      expect(renewed.notAfterMilliseconds).toBeGreaterThan(first.notAfterMilliseconds)
    } finally {
      await store.close()
    }
  })
})

/**
 * One cluster in this process with its kubelets' credentials in memory: approved, every default node
 * joined as on a fresh cluster; not approved, kubeadm's auto-approval of bootstrap requests removed
 * and worker-1 alone joined by the bootstrap token. `settle` runs the control plane once.
 */
async function inProcessBootstrap(options: {seed: number; approved: boolean}) {
  const start = Date.UTC(2026, 0, 1)
  const clock = new ManualClock(start)
  const store = new LazyEmbeddedStore(temporaryFolder(), {clock})
  const api = new ApiServer({store, clock})
  await ensureBootstrapped(api, clock.nowMilliseconds())
  const admin = new ApiClient(api, apiServerUser)
  const credentials = new MemoryKubeletCredentials()
  if (options.approved) joinDefaultKubelets(credentials)
  else {
    await admin.delete(anyKind({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespaced: false}), '', 'kubeadm:node-autoapprove-bootstrap')
    joinWithBootstrapToken(credentials, 'worker-1')
  }
  const authority = createCertificateAuthority(start)
  const random = new SeededRandom(options.seed)
  const settle = async () => {
    const plane = new ControlPlane(api, clock, () => random.next(), undefined, {certificateAuthority: () => authority, kubeletCredentials: {store: credentials, random: () => random.next()}})
    try {
      await plane.settle()
    } finally {
      plane.stop()
    }
  }
  return {clock, store, admin, credentials, authority, settle}
}

describe('a kubelet whose request nobody approves', () => {
  it('waits 15 minutes for its certificate, then asks again with a new key', async () => {
    const {clock, store, admin, credentials, settle} = await inProcessBootstrap({seed: 5, approved: false})
    try {
      const requests = async () => (await admin.list<Request>(certificateSigningRequests)).items.map((item) => ({name: item.metadata.name, conditions: item.status?.conditions ?? [], key: item.spec.request}))
      await settle()
      const first = await requests()
      expect(first).toMatchObject([{conditions: []}])
      expect(credentials.get('worker-1')).toMatchObject({pending: {name: first[0]!.name}})
      clock.advance(15 * 60 * 1000 - 1)
      await settle()
      expect(await requests()).toHaveLength(1)
      // The wait runs out; after the certificate manager's 2 s back-off, a new request with a new key.
      clock.advance(1)
      await settle()
      clock.advance(2000)
      await settle()
      const second = await requests()
      expect(second).toHaveLength(2)
      expect(new Set(second.map((request) => request.key)).size).toBe(2)
      expect(credentials.get('worker-1')?.current).toBeUndefined()
    } finally {
      await store.close()
    }
  })
})

describe('a kubelet given a certificate of another key', () => {
  it('does not keep it, and asks again with a new key after the back-off', async () => {
    const {clock, store, admin, credentials, authority, settle} = await inProcessBootstrap({seed: 6, approved: false})
    try {
      await settle()
      const [pending] = (await admin.list<Request>(certificateSigningRequests)).items
      // Approved by hand, and "issued" with a certificate of another key (the CA's own).
      const approved = await admin.update<Request>(certificateSigningRequests, {...pending!, kind: 'CertificateSigningRequest', apiVersion: 'certificates.k8s.io/v1', status: {conditions: [{type: 'Approved', status: 'True', reason: 'ByHand', message: 'by hand'}]}} as unknown as KubeObject, 'approval')
      await admin.update(certificateSigningRequests, {...approved, kind: 'CertificateSigningRequest', apiVersion: 'certificates.k8s.io/v1', status: {...approved.status, certificate: Buffer.from(authority.certificate).toString('base64')}} as unknown as KubeObject, 'status')
      await settle()
      expect(credentials.get('worker-1')?.current).toBeUndefined()
      clock.advance(2000)
      await settle()
      const requests = (await admin.list<Request>(certificateSigningRequests)).items
      expect(requests).toHaveLength(2)
      expect(new Set(requests.map((request) => request.spec.request)).size).toBe(2)
    } finally {
      await store.close()
    }
  })
})

describe('kubelet TLS bootstrap through up', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()

  it('shows the real kubectl 1.32 the issued requests, in get and describe as kubemu kubectl shows them', async () => {
    const {home, env, real} = await upWithRealKubectl(processes)
    const ours = (line: string) => runShell(`timeout 60 ${join(import.meta.dirname, '..', '..', 'bin', 'kubemu')} kubectl ${line}`, {cwd: home, env})
    let table = ''
    for (let attempt = 0; attempt < 100 && sortedRows(table).join('\n') !== freshTable.join('\n'); attempt++) table = (await real('get csr')).stdout
    expect(sortedRows(table)).toEqual(freshTable)
    expect(sortedRows((await ours('get csr')).stdout)).toEqual(freshTable)
    const name = /^(csr-\S+)\s.*system:node:control-plane/m.exec(table)![1]!
    const described = await real(`describe csr ${name}`)
    expect(described.status).toBe(0)
    expect(described.stdout).toMatch(/^Requesting User:\s+system:node:control-plane$/m)
    expect(described.stdout).toMatch(/^Status:\s+Approved,Issued$/m)
    expect((await ours(`describe csr ${name}`)).stdout).toBe(described.stdout)
  })
})
