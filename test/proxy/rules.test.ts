// kube-proxy's rules as data: chain names hashed as kube-proxy hashes them, the structure of the
// nat and filter tables for each kind of Service, and a connection walked through them.
import {createHash} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {endpointChainName, serviceChainName} from '../../src/core/proxy/chain-names.js'
import {savedProbability} from '../../src/core/proxy/iptables.js'
import {iptablesRules} from '../../src/core/proxy/proxier.js'
import {RecentLists, routeConnection} from '../../src/core/proxy/route.js'
import {saveRules} from '../../src/core/proxy/node-rules.js'
import {proxiedServicePorts} from '../../src/core/proxy/service-ports.js'
import {SeededRandom} from '../../src/core/util/random.js'

/** The published algorithm, written out again: sha256, RFC 4648 base32, the first 16 characters. */
function handHash(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const bits = [...createHash('sha256').update(text).digest()].map((byte) => byte.toString(2).padStart(8, '0')).join('')
  let out = ''
  for (let index = 0; index < 80; index += 5) out += alphabet[parseInt(bits.slice(index, index + 5), 2)]
  return out
}

function service(name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec, status} as unknown as KubeObject
}

function slice(serviceName: string, port: {name?: string; port: number}, endpoints: Array<{ip: string; node: string; ready?: boolean}>): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: `${serviceName}-abcde`, namespace: 'default', labels: {'kubernetes.io/service-name': serviceName}},
    addressType: 'IPv4',
    ports: [{name: port.name ?? '', port: port.port, protocol: 'TCP'}],
    endpoints: endpoints.map((endpoint) => ({addresses: [endpoint.ip], conditions: {ready: endpoint.ready ?? true}, nodeName: endpoint.node})),
  } as unknown as KubeObject
}

const worker1 = {name: 'worker-1', addresses: ['172.18.0.5'], clusterCIDR: '10.244.0.0/16'}
const three = [{ip: '10.244.1.2', node: 'worker-1'}, {ip: '10.244.2.2', node: 'worker-2'}, {ip: '10.244.3.2', node: 'worker-3'}]

describe('kube-proxy chain names', () => {
  it('hash the service port name and protocol as kube-proxy does (the kubernetes Service is KUBE-SVC-NPX46M4PTMTKRN6Y on every cluster)', () => {
    expect(serviceChainName('KUBE-SVC', 'default/kubernetes:https', 'TCP')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y')
    expect(serviceChainName('KUBE-SVC', 'default/web', 'TCP')).toBe(`KUBE-SVC-${handHash('default/webtcp')}`)
    expect(serviceChainName('KUBE-EXT', 'default/web', 'TCP')).toBe(`KUBE-EXT-${handHash('default/webtcp')}`)
    expect(endpointChainName('default/web', 'TCP', '10.244.1.2:80')).toBe(`KUBE-SEP-${handHash('default/webtcp10.244.1.2:80')}`)
  })
})

describe('iptables rules of a node', () => {
  it('write the ClusterIP ladder with 1/3 then 1/2 probabilities, as iptables-save prints the kernel kept value', () => {
    const ports = proxiedServicePorts([service('web', {type: 'ClusterIP', clusterIP: '10.96.100.10', ports: [{port: 80, protocol: 'TCP'}]})], [slice('web', {port: 8080}, three)])
    const text = saveRules(iptablesRules(ports, worker1), 'nat')
    const svc = `KUBE-SVC-${handHash('default/webtcp')}`
    const sep = (ip: string) => `KUBE-SEP-${handHash(`default/webtcp${ip}:8080`)}`
    expect(text).toContain(`-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j ${svc}\n`)
    expect(text).toContain(`-A ${svc} ! -s 10.244.0.0/16 -d 10.96.100.10/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ\n`)
    expect(text).toContain(`-A ${svc} -m comment --comment "default/web -> 10.244.1.2:8080" -m statistic --mode random --probability 0.33333333349 -j ${sep('10.244.1.2')}\n`)
    expect(text).toContain(`-A ${svc} -m comment --comment "default/web -> 10.244.2.2:8080" -m statistic --mode random --probability 0.50000000000 -j ${sep('10.244.2.2')}\n`)
    expect(text).toContain(`-A ${svc} -m comment --comment "default/web -> 10.244.3.2:8080" -j ${sep('10.244.3.2')}\n`)
    expect(text).toContain(`-A ${sep('10.244.3.2')} -p tcp -m comment --comment "default/web" -m tcp -j DNAT --to-destination 10.244.3.2:8080\n`)
    expect(text.startsWith('*nat\n:PREROUTING ACCEPT [0:0]\n')).toBe(true)
    expect(text.endsWith('COMMIT\n')).toBe(true)
    expect(savedProbability('0.2500000000')).toBe('0.25000000000')
  })

  it('REJECT a Service port without ready endpoints in the filter table, and leave not-ready pods out', () => {
    const ports = proxiedServicePorts([service('web', {type: 'NodePort', clusterIP: '10.96.100.10', ports: [{port: 80, nodePort: 30080, protocol: 'TCP'}]})], [slice('web', {port: 80}, [{ip: '10.244.1.2', node: 'worker-1', ready: false}])])
    const rules = iptablesRules(ports, worker1)
    const filter = saveRules(rules, 'filter')
    expect(filter).toContain('-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment "default/web has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable\n')
    expect(filter).toContain('-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web has no endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j REJECT --reject-with icmp-port-unreachable\n')
    expect(saveRules(rules, 'nat')).not.toContain('KUBE-SEP-')
    const walked = routeConnection(rules, {sourceIp: '10.244.2.9', fromNode: false, destinationIp: '10.96.100.10', destinationPort: 80, protocol: 'tcp'}, {nodeAddresses: worker1.addresses, random: () => 0.5, recent: new RecentLists(), nowMilliseconds: 0})
    expect(walked.verdict).toBe('reject')
  })

  it('give headless and ExternalName Services no rules', () => {
    const ports = proxiedServicePorts([service('headless', {clusterIP: 'None', ports: [{port: 80}]}), service('ext', {type: 'ExternalName', externalName: 'example.com'})], [])
    expect(ports).toEqual([])
  })

  it('send NodePort and LoadBalancer traffic through KUBE-EXT, KUBE-FW with source ranges, and KUBE-SVL for a Local policy', () => {
    const lb = service('lb', {type: 'LoadBalancer', clusterIP: '10.96.100.20', externalTrafficPolicy: 'Local', loadBalancerSourceRanges: ['192.0.2.0/24'], ports: [{port: 80, nodePort: 30090, protocol: 'TCP'}]}, {loadBalancer: {ingress: [{ip: '172.18.255.200'}]}})
    const rules = iptablesRules(proxiedServicePorts([lb], [slice('lb', {port: 80}, three)]), worker1)
    const nat = saveRules(rules, 'nat')
    const hash = handHash('default/lbtcp')
    expect(nat).toContain(`-A KUBE-NODEPORTS -p tcp -m comment --comment "default/lb" -m tcp --dport 30090 -j KUBE-EXT-${hash}\n`)
    expect(nat).toContain(`-A KUBE-SERVICES -d 172.18.255.200/32 -p tcp -m comment --comment "default/lb loadbalancer IP" -m tcp --dport 80 -j KUBE-FW-${hash}\n`)
    expect(nat).toContain(`-A KUBE-FW-${hash} -s 192.0.2.0/24 -m comment --comment "default/lb loadbalancer IP" -j KUBE-EXT-${hash}\n`)
    expect(nat).toContain(`-A KUBE-EXT-${hash} -s 10.244.0.0/16 -m comment --comment "pod traffic for default/lb external destinations" -j KUBE-SVC-${hash}\n`)
    expect(nat).toContain(`-A KUBE-EXT-${hash} -j KUBE-SVL-${hash}\n`)
    // Only the local endpoint behind KUBE-SVL.
    expect(nat).toContain(`-A KUBE-SVL-${hash} -m comment --comment "default/lb -> 10.244.1.2:80" -j KUBE-SEP-`)
    const context = {nodeAddresses: worker1.addresses, random: new SeededRandom(1).next.bind(new SeededRandom(1)), recent: new RecentLists(), nowMilliseconds: 0}
    const outside = routeConnection(rules, {sourceIp: '192.0.2.7', fromNode: false, destinationIp: '172.18.0.5', destinationPort: 30090, protocol: 'tcp'}, context)
    expect(outside.endpoint?.ip).toBe('10.244.1.2')
    const refused = routeConnection(rules, {sourceIp: '198.51.100.1', fromNode: false, destinationIp: '172.18.255.200', destinationPort: 80, protocol: 'tcp'}, context)
    expect(refused.verdict).toBe('drop')
  })

  it('pin a client to its endpoint with ClientIP affinity until the timeout passes', () => {
    const sticky = service('sticky', {clusterIP: '10.96.100.30', sessionAffinity: 'ClientIP', sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}, ports: [{port: 80}]})
    const rules = iptablesRules(proxiedServicePorts([sticky], [slice('sticky', {port: 80}, three)]), worker1)
    expect(saveRules(rules, 'nat')).toContain('-m recent --rcheck --seconds 60 --reap --name KUBE-SEP-')
    const random = new SeededRandom(7)
    const recent = new RecentLists()
    const connection = {sourceIp: '10.244.2.9', fromNode: false, destinationIp: '10.96.100.30', destinationPort: 80, protocol: 'tcp'}
    const first = routeConnection(rules, connection, {nodeAddresses: worker1.addresses, random: () => random.next(), recent, nowMilliseconds: 0})
    for (let second = 1; second <= 60; second += 7) {
      const again = routeConnection(rules, connection, {nodeAddresses: worker1.addresses, random: () => random.next(), recent, nowMilliseconds: second * 1000})
      expect(again.endpoint?.ip).toBe(first.endpoint?.ip)
      expect(again.steps.some((step) => step.why?.startsWith('session affinity'))).toBe(true)
    }
  })
})

describe('userspace mode', () => {
  it('redirects each cluster IP to a proxy port on the node and hands connections out round-robin', async () => {
    const {userspaceRules, userspaceTable, userspaceProxyPort, kubeProxyConfiguration} = await import('../../src/core/proxy/node-rules.js')
    const {ProxyMemory} = await import('../../src/core/proxy/memory.js')
    const configMap = {metadata: {name: 'kube-proxy', namespace: 'kube-system'}, data: {'config.conf': 'kind: KubeProxyConfiguration\nmode: userspace\n'}} as unknown as KubeObject
    expect(kubeProxyConfiguration(configMap)).toEqual({mode: 'userspace', clusterCIDR: '10.244.0.0/16', minSyncPeriodMilliseconds: 1_000, syncPeriodMilliseconds: 30_000})
    expect(kubeProxyConfiguration({...configMap, data: {'config.conf': 'iptables: {minSyncPeriod: 2.5s}\n'}} as unknown as KubeObject)).toEqual({mode: 'iptables', clusterCIDR: '10.244.0.0/16', minSyncPeriodMilliseconds: 2_500, syncPeriodMilliseconds: 30_000})
    expect(() => kubeProxyConfiguration({...configMap, data: {'config.conf': 'iptables: {minSyncPeriod: soon}\n'}} as unknown as KubeObject)).toThrow(/invalid iptables.minSyncPeriod: time: invalid duration "soon"/)
    expect(() => kubeProxyConfiguration({...configMap, data: {'config.conf': 'mode: nftablez\n'}} as unknown as KubeObject)).toThrow(/unknown mode "nftablez"/)
    const ports = proxiedServicePorts([service('web', {clusterIP: '10.96.100.10', ports: [{port: 80}]})], [slice('web', {port: 8080}, three)])
    const proxyPort = userspaceProxyPort('worker-1', ports[0]!)
    expect(proxyPort).toBeGreaterThanOrEqual(32_768)
    const nat = saveRules(userspaceRules(ports, worker1), 'nat')
    expect(nat).toContain(`-A KUBE-PORTALS-CONTAINER -d 10.96.100.10/32 -p tcp -m comment --comment "default/web" -m tcp --dport 80 -j REDIRECT --to-ports ${proxyPort}\n`)
    expect(nat).toContain(`-A KUBE-PORTALS-HOST -d 10.96.100.10/32 -p tcp -m comment --comment "default/web" -m tcp --dport 80 -j DNAT --to-destination 172.18.0.5:${proxyPort}\n`)
    const memory = new ProxyMemory()
    expect(userspaceTable(ports, worker1, memory)).toMatch(/default\/web +TCP +10\.96\.100\.10:80 +\d+ +10\.244\.1\.2:8080,10\.244\.2\.2:8080,10\.244\.3\.2:8080 +10\.244\.1\.2:8080\n$/)
    expect([0, 1, 2, 3].map(() => memory.next('worker-1', 'default/web', 3))).toEqual([0, 1, 2, 0])
    expect(userspaceTable(ports, worker1, memory)).toMatch(/ 10\.244\.2\.2:8080\n$/)
  })
})
