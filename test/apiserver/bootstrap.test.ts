// The Kubernetes side of a real cluster folder: bootstrap on first use, the keys a real cluster
// writes (read back with the real CLI), Service allocation, and the admin kubeconfig.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {openKubernetes} from '../../src/core/apiserver/open.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')

describe('the Kubernetes side of a cluster folder', () => {
  it('bootstraps on first use and stores every object under the real key layout', async () => {
    const home = temporaryFolder()
    const auditLog = join(home, 'audit.log')
    const environment = {...process.env, KUBEMU_HOME: home}
    const connection = await openKubernetes({environment: {...environment, KUBEMU_AUDIT_LOG: auditLog}})
    const token = connection.api.credentials.adminToken()
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) =>
      (await connection.api.handle({method, path, body: body === undefined ? undefined : JSON.stringify(body), headers: {authorization: `Bearer ${token}`, 'content-type': 'application/json'}})) as {status: number; body: any}
    try {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'web'},
        spec: {replicas: 2, selector: {matchLabels: {app: 'web'}}, template: {metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image: 'nginx:1.27'}]}}},
      }
      expect((await call('POST', '/apis/apps/v1/namespaces/default/deployments', deployment)).status).toBe(201)
      expect((await call('POST', '/api/v1/namespaces/default/configmaps', {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'settings'}, data: {a: '1'}})).status).toBe(201)
      const service = await call('POST', '/api/v1/namespaces/default/services', {apiVersion: 'v1', kind: 'Service', metadata: {name: 'web'}, spec: {type: 'NodePort', selector: {app: 'web'}, ports: [{port: 80}]}})
      expect(service.status).toBe(201)
      expect(service.body.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/)
      expect(service.body.spec.clusterIPs).toEqual([service.body.spec.clusterIP])
      expect(service.body.spec.ipFamilies).toEqual(['IPv4'])
      expect(service.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000)
      expect(service.body.spec.ports[0].nodePort).toBeLessThanOrEqual(32767)
      const taken = await call('POST', '/api/v1/namespaces/default/services', {apiVersion: 'v1', kind: 'Service', metadata: {name: 'again'}, spec: {clusterIP: '10.96.0.1', ports: [{port: 80}]}})
      expect(taken.status).toBe(422)
      expect(taken.body.message).toBe('Service "again" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: failed to allocate IP 10.96.0.1: provided IP is already allocated')
      const kubernetes = await call('GET', '/api/v1/namespaces/default/services/kubernetes')
      expect(kubernetes.body.spec.clusterIP).toBe('10.96.0.1')
      const nodes = await call('GET', '/api/v1/nodes')
      // kind's names for an HA control plane: three tainted control-plane nodes, then the workers.
      expect(nodes.body.items.map((node: any) => node.metadata.name)).toEqual(['control-plane', 'control-plane2', 'control-plane3', 'worker-1', 'worker-2', 'worker-3'])
      for (const master of nodes.body.items.slice(0, 3)) {
        expect(master.spec.taints).toEqual([{key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule'}])
        expect(master.metadata.labels).toMatchObject({'node-role.kubernetes.io/control-plane': '', 'node.kubernetes.io/exclude-from-external-load-balancers': ''})
      }
      expect(nodes.body.items.map((node: any) => `${node.status.addresses[0].address} ${node.spec.podCIDR}`)).toEqual([0, 1, 2, 3, 4, 5].map((index) => `172.18.0.${index + 2} 10.244.${index}.0/24`))
      expect(nodes.body.items[3].spec.taints).toBeUndefined()
      expect(nodes.body.items[3].status.capacity).toEqual({cpu: '4', memory: '8Gi', pods: '110'})
    } finally {
      await connection.close()
    }
    const audit = readFileSync(auditLog, 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const created = audit.find((event) => event.verb === 'create' && event.objectRef?.resource === 'deployments' && event.objectRef?.namespace === 'default')
    expect(created).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/apis/apps/v1/namespaces/default/deployments',
      user: {username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated']},
      objectRef: {resource: 'deployments', namespace: 'default', apiGroup: 'apps', apiVersion: 'v1'},
      responseStatus: {code: 201},
    })
    const refused = audit.find((event) => event.objectRef?.name === undefined && event.responseStatus.code === 422)
    expect(refused.responseStatus).toMatchObject({status: 'Failure', reason: 'Invalid', code: 422})
    expect(audit.filter((event) => event.user.username === 'system:apiserver').length).toBeGreaterThan(40)
    const kubeconfig = parse(readFileSync(connection.kubeconfig, 'utf8'))
    expect(kubeconfig.users[0].user.token).toBe(token)

    // A second open finds the cluster bootstrapped and writes nothing.
    const again = await openKubernetes({environment})
    const revision = (await again.store.get('/registry/none')).revision
    await again.close()
    const third = await openKubernetes({environment})
    expect((await third.store.get('/registry/none')).revision).toBe(revision)
    await third.close()

    // Concurrent first writes of a process that started lock-free open the cluster once.
    const busy = await openKubernetes({environment})
    const adminHeaders = {authorization: `Bearer ${busy.api.credentials.adminToken()}`, 'content-type': 'application/json'}
    const statuses = await Promise.all(Array.from({length: 20}, (_, index) =>
      busy.api.handle({method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: adminHeaders, body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `burst-${index}`}})}).then((response) => response.status)))
    await busy.close()
    expect(statuses).toEqual(Array.from({length: 20}, () => 201))

    const keys = await runShell('bin/kubemu etcdctl get /registry --prefix --keys-only', {cwd: projectRoot, env: environment})
    expect(keys.status).toBe(0)
    const listed = keys.stdout.split('\n').filter((line) => line.length > 0)
    for (const key of [
      '/registry/minions/worker-1',
      '/registry/minions/control-plane',
      '/registry/minions/control-plane3',
      '/registry/namespaces/kube-node-lease',
      '/registry/services/specs/default/kubernetes',
      '/registry/services/endpoints/default/kubernetes',
      '/registry/endpointslices/default/kubernetes',
      '/registry/serviceaccounts/kube-system/default',
      '/registry/clusterroles/cluster-admin',
      '/registry/clusterrolebindings/cluster-admin',
      '/registry/priorityclasses/system-node-critical',
      '/registry/ranges/serviceips',
      '/registry/ranges/servicenodeports',
      '/registry/deployments/default/web',
      '/registry/configmaps/default/settings',
      '/registry/services/specs/default/web',
    ]) {
      expect(listed).toContain(key)
    }
    expect(listed.every((key) => key.startsWith('/registry/'))).toBe(true)
    const value = await runShell('bin/kubemu etcdctl get /registry/deployments/default/web --print-value-only', {cwd: projectRoot, env: environment})
    const stored = JSON.parse(value.stdout)
    expect(stored.kind).toBe('Deployment')
    expect(stored.apiVersion).toBe('apps/v1')
    expect(stored.spec.strategy.rollingUpdate).toEqual({maxUnavailable: '25%', maxSurge: '25%'})
    expect(stored.metadata.resourceVersion).toBeUndefined()
  }, 60_000)
})
