// kube-proxy rule sync for SERVICES Services (1,000 by default) of ENDPOINTS ready endpoints each
// (10) on NODES nodes (100): every node's proxier renders its nat and filter tables from the
// Service ports (the full syncProxyRules work: chains, hashes, the probability ladder) and its
// iptables-save text, in process. Printed as a ratio to a published sync latency.
//
// The reference: kube-proxy's iptables mode is built to sync within its default
// iptables.minSyncPeriod of 1 s ("Virtual IPs and Service Proxies", kubernetes.io/docs/reference/
// networking/virtual-ips/, section "Performance optimization for iptables mode"); maintainers
// report full iptables-restore runs of 4-5 s per sync on large clusters (kubernetes/kubernetes
// issue #92836). There is no published figure for exactly 1,000 × 10 on one node, so the ratio
// is to the 1 s budget, per node (each real node syncs its own rules, in parallel).
// Run: npx vite-node bench/proxy-sync.bench.ts   (SERVICES=… ENDPOINTS=… NODES=…)
import type {KubeObject} from '../src/core/api/object.js'
import {saveRules} from '../src/core/proxy/node-rules.js'
import {iptablesRules} from '../src/core/proxy/proxier.js'
import {proxiedServicePorts} from '../src/core/proxy/service-ports.js'

const serviceCount = Number(process.env.SERVICES ?? 1000)
const endpointCount = Number(process.env.ENDPOINTS ?? 10)
const nodeCount = Number(process.env.NODES ?? 100)
/** The reference sync latency of one node's kube-proxy (default minSyncPeriod), in milliseconds. */
const referenceSyncMilliseconds = 1_000

const ip = (value: number) => [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
const nodeName = (index: number) => `node-${String(index).padStart(3, '0')}`
const services: KubeObject[] = []
const slices: KubeObject[] = []
for (let index = 0; index < serviceCount; index++) {
  const name = `svc-${index}`
  services.push({apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec: {type: index % 10 === 0 ? 'NodePort' : 'ClusterIP', clusterIP: ip(0x0a600000 + index + 10), ports: [{name: 'http', port: 80, protocol: 'TCP', ...(index % 10 === 0 ? {nodePort: 30000 + index} : {})}]}} as unknown as KubeObject)
  slices.push({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: `${name}-x`, namespace: 'default', labels: {'kubernetes.io/service-name': name}},
    addressType: 'IPv4',
    ports: [{name: 'http', port: 8080, protocol: 'TCP'}],
    endpoints: Array.from({length: endpointCount}, (_, endpoint) => ({addresses: [ip(0x0af40000 + index * endpointCount + endpoint + 2)], conditions: {ready: true}, nodeName: nodeName((index + endpoint) % nodeCount)})),
  } as unknown as KubeObject)
}

const started = performance.now()
const ports = proxiedServicePorts(services, slices)
let lines = 0
for (let node = 0; node < nodeCount; node++) {
  const text = saveRules(iptablesRules(ports, {name: nodeName(node), addresses: [ip(0xac120000 + node + 2)], clusterCIDR: '10.244.0.0/16'}))
  lines += text.split('\n').length
}
const totalMilliseconds = performance.now() - started
const perNodeMilliseconds = totalMilliseconds / nodeCount
console.log(`${serviceCount} Services × ${endpointCount} endpoints on ${nodeCount} nodes: ${lines} rule lines in ${totalMilliseconds.toFixed(0)} ms, ${perNodeMilliseconds.toFixed(1)} ms per node`)
console.log(`ratio to kube-proxy's ${referenceSyncMilliseconds} ms sync budget per node: ${(perNodeMilliseconds / referenceSyncMilliseconds).toFixed(3)}`)
