// Cluster DNS over a real control plane (in this process, on an injected clock): CoreDNS's addon
// behind kube-dns, the endpointslice controller's slices and the StatefulSet's hostnames are what
// a pod's lookups answer from.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {resources} from '../../src/core/client/resources.js'
import {formatResolvConf, resolvConfOf, resolveName} from '../../src/core/network/dns.js'
import type {ClusterNetworkView, NetworkSource} from '../../src/core/network/types.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {type InProcessCluster, inProcessCluster} from '../support/in-process-cluster.js'

describe('cluster DNS on a running cluster', () => {
  const clock = new ManualClock(Date.UTC(2026, 11, 1, 12, 0, 0))
  let cluster: InProcessCluster
  let view: ClusterNetworkView

  const podTemplate = (labels: Record<string, string>) => ({metadata: {labels}, spec: {containers: [{name: 'main', image: 'nginx:1.27', ports: [{name: 'http', containerPort: 80}]}]}})

  beforeAll(async () => {
    cluster = await inProcessCluster(clock, 18)
    const {admin} = cluster
    const create = (resource: (typeof resources)[keyof typeof resources], body: Record<string, unknown>) => admin.create(resource, {metadata: {namespace: 'default'}, ...body} as KubeObject)
    await create(resources.services, {kind: 'Service', apiVersion: 'v1', metadata: {name: 'db', namespace: 'default'}, spec: {clusterIP: 'None', selector: {app: 'db'}, ports: [{name: 'http', port: 80}]}})
    await create(resources.statefulSets, {kind: 'StatefulSet', apiVersion: 'apps/v1', metadata: {name: 'db', namespace: 'default'}, spec: {serviceName: 'db', replicas: 2, selector: {matchLabels: {app: 'db'}}, template: podTemplate({app: 'db'})}})
    await create(resources.services, {kind: 'Service', apiVersion: 'v1', metadata: {name: 'web', namespace: 'default'}, spec: {selector: {app: 'web'}, ports: [{name: 'http', port: 80, targetPort: 'http'}]}})
    await create(resources.deployments, {kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'web', namespace: 'default'}, spec: {replicas: 2, selector: {matchLabels: {app: 'web'}}, template: podTemplate({app: 'web'})}})
    expect((await cluster.settle()).settled).toBe(true)
    const all = async (resource: (typeof resources)[keyof typeof resources]) => (await admin.list(resource)).items
    view = {
      services: await all(resources.services),
      endpointSlices: await all(resources.endpointSlices),
      pods: await all(resources.pods),
      nodes: await all(resources.nodes),
      namespaces: await all(resources.namespaces),
      networkPolicies: await all(resources.networkPolicies),
      clusterDomain: 'cluster.local',
      nowMilliseconds: clock.nowMilliseconds(),
    }
  })

  afterAll(async () => {
    await cluster?.close()
  })

  const podNamed = (prefix: string) => view.pods.find((pod) => pod.metadata.namespace === 'default' && pod.metadata.name!.startsWith(prefix))!
  const ipOf = (pod: KubeObject) => (pod.status as {podIP: string}).podIP

  it('runs the CoreDNS addon behind kube-dns at 10.96.0.10', () => {
    const kubeDns = view.services.find((service) => service.metadata.name === 'kube-dns')!
    expect(kubeDns.metadata.namespace).toBe('kube-system')
    expect((kubeDns.spec as {clusterIP: string}).clusterIP).toBe('10.96.0.10')
    const coredns = view.pods.filter((pod) => pod.metadata.labels?.['k8s-app'] === 'kube-dns')
    expect(coredns.map((pod) => (pod.status as {phase: string}).phase)).toEqual(['Running', 'Running'])
  })

  it("answers a pod's lookups from the services, slices and hostnames the controllers wrote", () => {
    const client = podNamed('web-')
    const from: NetworkSource = {kind: 'pod', namespace: 'default', name: client.metadata.name!}
    expect(formatResolvConf(resolvConfOf(view, client))).toBe('search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n')
    const web = view.services.find((service) => service.metadata.name === 'web')!
    expect(resolveName(view, from, 'web', 'A').records.map((record) => record.data)).toEqual([(web.spec as {clusterIP: string}).clusterIP])
    expect(resolveName(view, from, 'kubernetes', 'A').records.map((record) => record.data)).toEqual(['10.96.0.1'])
    expect(resolveName(view, from, 'kube-dns.kube-system', 'A').records.map((record) => record.data)).toEqual(['10.96.0.10'])
    const db0 = podNamed('db-0')
    const db1 = podNamed('db-1')
    expect(resolveName(view, from, 'db-0.db', 'A').records.map((record) => record.data)).toEqual([ipOf(db0)])
    expect(resolveName(view, from, 'db', 'A').records.map((record) => record.data).sort()).toEqual([ipOf(db0), ipOf(db1)].sort())
    expect(resolveName(view, from, '_http._tcp.db', 'SRV').records.map((record) => record.data).sort()).toEqual(['0 50 80 db-0.db.default.svc.cluster.local.', '0 50 80 db-1.db.default.svc.cluster.local.'])
    expect(resolveName(view, from, 'nope', 'A').rcode).toBe('NXDOMAIN')
  })
})
