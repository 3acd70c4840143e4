// kube-controller-manager's csrapproving controller in a bootstrapped cluster in this process: it
// approves a node's client certificate request from the bootstrap token's group (nodeclient) and a
// node's renewal of its own (selfnodeclient) after a SubjectAccessReview, with kube's condition;
// everything else stays pending, and so does a request whose requester lost the permission.
import {generateKeyPairSync} from 'node:crypto'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {ApiClient} from '../../src/core/client/client.js'
import {certificateSigningRequests} from '../../src/core/controllers/certificate-signing.js'
import {anyKind} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {createCertificateRequestPem, subjectOf} from '../../src/core/util/x509.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'

const clusterRoleBindings = anyKind({group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', namespaced: false})
const bootstrapUser = {name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated']}
const nodeUser = (node: string) => ({name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated']})
const kubeletUsages = ['digital signature', 'client auth']

type Request = KubeObject & {status?: {conditions?: Array<{type: string; status: string; reason?: string; message?: string; lastUpdateTime?: string}>}}

let cluster: InProcessCluster

beforeEach(async () => {
  cluster = await inProcessCluster(new ManualClock(Date.UTC(2026, 0, 1)), 1)
})
afterEach(() => cluster.close())

async function request(as: {name: string; groups: string[]}, name: string, commonName: string, options: {organizations?: string[]; signerName?: string; usages?: string[]} = {}): Promise<void> {
  const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'prime256v1'})
  const pem = createCertificateRequestPem(subjectOf(commonName, options.organizations ?? ['system:nodes']), privateKey)
  await new ApiClient(cluster.api, as).create(certificateSigningRequests, {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: {name},
    spec: {request: Buffer.from(pem).toString('base64'), signerName: options.signerName ?? 'kubernetes.io/kube-apiserver-client-kubelet', usages: options.usages ?? kubeletUsages},
  } as KubeObject)
}

const conditionsOf = async (name: string) => ((await cluster.admin.get<Request>(certificateSigningRequests, '', name)).status?.conditions ?? [])

describe('csrapproving', () => {
  it('approves a node client request from the bootstrap token and a node renewing its own certificate', async () => {
    await request(bootstrapUser, 'joining', 'system:node:worker-9')
    await request(nodeUser('worker-1'), 'renewing', 'system:node:worker-1', {usages: ['digital signature', 'key encipherment', 'client auth']})
    await cluster.settle()
    expect(await conditionsOf('joining')).toEqual([{type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.', lastUpdateTime: '2026-01-01T00:00:00Z', lastTransitionTime: '2026-01-01T00:00:00Z'}])
    expect(await conditionsOf('renewing')).toMatchObject([{type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving self kubelet client certificate after SubjectAccessReview.'}])
  })

  it('leaves what it does not recognise, or may not approve, pending', async () => {
    await request(bootstrapUser, 'other-signer', 'system:node:worker-9', {signerName: 'kubernetes.io/kube-apiserver-client'})
    await request(bootstrapUser, 'not-a-node', 'jane')
    await request(bootstrapUser, 'two-organizations', 'system:node:worker-9', {organizations: ['system:nodes', 'dev']})
    await request(bootstrapUser, 'serving-usage', 'system:node:worker-9', {usages: ['digital signature', 'client auth', 'server auth']})
    await request(bootstrapUser, 'no-signature-usage', 'system:node:worker-9', {usages: ['client auth']})
    // A node asking for another node's certificate: a node client request, but system:nodes may only renew its own.
    await request(nodeUser('worker-1'), 'other-node', 'system:node:worker-2')
    await cluster.settle()
    for (const name of ['other-signer', 'not-a-node', 'two-organizations', 'serving-usage', 'no-signature-usage', 'other-node']) {
      expect({name, conditions: await conditionsOf(name)}).toEqual({name, conditions: []})
    }
  })

  it('leaves the bootstrap token\'s request pending without kubeadm\'s binding, and approves it once the binding is back', async () => {
    const binding = await cluster.admin.get(clusterRoleBindings, '', 'kubeadm:node-autoapprove-bootstrap')
    await cluster.admin.delete(clusterRoleBindings, '', 'kubeadm:node-autoapprove-bootstrap')
    await request(bootstrapUser, 'joining', 'system:node:worker-9')
    await cluster.settle()
    expect(await conditionsOf('joining')).toEqual([])
    await cluster.admin.create(clusterRoleBindings, {...binding, metadata: {name: 'kubeadm:node-autoapprove-bootstrap'}})
    await cluster.settle()
    expect(await conditionsOf('joining')).toMatchObject([{type: 'Approved', reason: 'AutoApproved'}])
  })

  it('has kubeadm\'s bindings for kubelet TLS bootstrap on a fresh cluster', async () => {
    const roleAndSubjects = async (name: string) => {
      const binding = await cluster.admin.get<KubeObject & {roleRef?: {name?: string}; subjects?: Array<{kind: string; name: string}>}>(clusterRoleBindings, '', name)
      return [binding.roleRef?.name, binding.subjects?.map((subject) => `${subject.kind}/${subject.name}`)]
    }
    expect(await roleAndSubjects('kubeadm:kubelet-bootstrap')).toEqual(['system:node-bootstrapper', ['Group/system:bootstrappers:kubeadm:default-node-token']])
    expect(await roleAndSubjects('kubeadm:node-autoapprove-bootstrap')).toEqual(['system:certificates.k8s.io:certificatesigningrequests:nodeclient', ['Group/system:bootstrappers:kubeadm:default-node-token']])
    expect(await roleAndSubjects('kubeadm:node-autoapprove-certificate-rotation')).toEqual(['system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', ['Group/system:nodes']])
  })
})
