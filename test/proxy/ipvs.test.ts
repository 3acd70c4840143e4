// ipvs mode as data: the virtual servers, kube-ipvs0's addresses, the ipsets and the small
// iptables part kube-proxy 1.32's ipvs proxier writes, printed as ipvsadm, ip, ipset and
// iptables-save print them; connections balanced round robin and pinned by persistence.
import {describe, expect, it} from 'vitest'
import type {KubeObject} from '../../src/core/api/object.js'
import {dummyInterface, ipsetListing, ipvsadmList, ipvsNodeState} from '../../src/core/proxy/ipvs.js'
import {routeIpvs} from '../../src/core/proxy/ipvs-route.js'
import {ProxyMemory} from '../../src/core/proxy/memory.js'
import {kubeProxyConfiguration, saveRules} from '../../src/core/proxy/node-rules.js'
import {proxiedServicePorts} from '../../src/core/proxy/service-ports.js'

function service(name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return {apiVersion: 'v1', kind: 'Service', metadata: {name, namespace: 'default'}, spec, status} as unknown as KubeObject
}

function slice(serviceName: string, port: number, endpoints: Array<{ip: string; node: string}>): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: {name: `${serviceName}-abcde`, namespace: 'default', labels: {'kubernetes.io/service-name': serviceName}},
    ports: [{name: '', port, protocol: 'TCP'}],
    endpoints: endpoints.map((endpoint) => ({addresses: [endpoint.ip], conditions: {ready: true}, nodeName: endpoint.node})),
  } as unknown as KubeObject
}

const worker1 = {name: 'worker-1', addresses: ['172.18.0.5'], clusterCIDR: '10.244.0.0/16'}
const three = [{ip: '10.244.1.2', node: 'worker-1'}, {ip: '10.244.2.2', node: 'worker-2'}, {ip: '10.244.3.2', node: 'worker-3'}]
const configMap = (text: string) => ({metadata: {name: 'kube-proxy', namespace: 'kube-system'}, data: {'config.conf': text}}) as unknown as KubeObject

describe('ipvs mode', () => {
  const ports = proxiedServicePorts(
    [
      service('web', {type: 'NodePort', clusterIP: '10.96.100.10', ports: [{port: 80, nodePort: 30080, protocol: 'TCP'}]}),
      service('sticky', {type: 'ClusterIP', clusterIP: '10.96.100.20', sessionAffinity: 'ClientIP', ports: [{port: 80, protocol: 'TCP'}]}),
      service('lb', {type: 'LoadBalancer', clusterIP: '10.96.100.30', externalTrafficPolicy: 'Local', ports: [{port: 443, nodePort: 30443, protocol: 'TCP'}]}, {loadBalancer: {ingress: [{ip: '172.18.255.200'}]}}),
      service('empty', {type: 'ClusterIP', clusterIP: '10.96.100.40', ports: [{port: 80, protocol: 'TCP'}]}),
    ],
    [slice('web', 8080, three), slice('sticky', 80, three), slice('lb', 8443, three)],
  )

  it('reads the scheduler and periods from the ipvs section of the ConfigMap, and refuses a scheduler IPVS does not have', () => {
    expect(kubeProxyConfiguration(configMap('mode: ipvs\n'))).toMatchObject({mode: 'ipvs', ipvsScheduler: 'rr', syncPeriodMilliseconds: 30_000})
    expect(kubeProxyConfiguration(configMap('mode: ipvs\nipvs: {scheduler: sh, syncPeriod: 1m, minSyncPeriod: 5s}\n'))).toMatchObject({mode: 'ipvs', ipvsScheduler: 'sh', syncPeriodMilliseconds: 60_000, minSyncPeriodMilliseconds: 5_000})
    expect(() => kubeProxyConfiguration(configMap('mode: ipvs\nipvs: {scheduler: fastest}\n'))).toThrow(/unknown ipvs.scheduler "fastest"/)
  })

  it('lists a virtual server per ClusterIP, NodePort (per node address) and load-balancer IP, as ipvsadm -Ln prints them', () => {
    const text = ipvsadmList(ipvsNodeState(ports, worker1, 'rr'))
    expect(text).toBe(
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  10.96.100.10:80 rr',
        '  -> 10.244.1.2:8080              Masq    1      0          0         ',
        '  -> 10.244.2.2:8080              Masq    1      0          0         ',
        '  -> 10.244.3.2:8080              Masq    1      0          0         ',
        'TCP  10.96.100.20:80 rr persistent 10800',
        '  -> 10.244.1.2:80                Masq    1      0          0         ',
        '  -> 10.244.2.2:80                Masq    1      0          0         ',
        '  -> 10.244.3.2:80                Masq    1      0          0         ',
        'TCP  10.96.100.30:443 rr',
        '  -> 10.244.1.2:8443              Masq    1      0          0         ',
        '  -> 10.244.2.2:8443              Masq    1      0          0         ',
        '  -> 10.244.3.2:8443              Masq    1      0          0         ',
        'TCP  10.96.100.40:80 rr',
        // Local policy: only the node's own endpoint behind the NodePort and the load-balancer IP.
        'TCP  172.18.0.5:30080 rr',
        '  -> 10.244.1.2:8080              Masq    1      0          0         ',
        '  -> 10.244.2.2:8080              Masq    1      0          0         ',
        '  -> 10.244.3.2:8080              Masq    1      0          0         ',
        'TCP  172.18.0.5:30443 rr',
        '  -> 10.244.1.2:8443              Masq    1      0          0         ',
        'TCP  172.18.255.200:443 rr',
        '  -> 10.244.1.2:8443              Masq    1      0          0         ',
        '',
      ].join('\n'),
    )
  })

  it('binds the Service addresses to kube-ipvs0 and fills the ipsets kube-proxy matches on', () => {
    const state = ipvsNodeState(ports, worker1, 'rr')
    expect(dummyInterface(state, worker1)).toMatch(/^3: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default \n    link\/ether [0-9a-f:]{17} brd ff:ff:ff:ff:ff:ff\n    inet 10\.96\.100\.10\/32 scope global kube-ipvs0\n       valid_lft forever preferred_lft forever\n/)
    expect(state.dummyAddresses).toEqual(['10.96.100.10', '10.96.100.20', '10.96.100.30', '10.96.100.40', '172.18.255.200'])
    const listing = ipsetListing(state)
    expect(listing).toContain('Name: KUBE-CLUSTER-IP\nType: hash:ip,port\nHeader: family inet hashsize 1024 maxelem 65536 comment\nNumber of entries: 4\nMembers:\n10.96.100.10,tcp:80\n10.96.100.20,tcp:80\n10.96.100.30,tcp:443\n10.96.100.40,tcp:80\n')
    expect(listing).toContain('Name: KUBE-NODE-PORT-TCP\nType: bitmap:port\nHeader: range 0-65535 comment\nNumber of entries: 2\nMembers:\n30080\n30443\n')
    expect(listing).toContain('Name: KUBE-NODE-PORT-LOCAL-TCP\nType: bitmap:port\nHeader: range 0-65535 comment\nNumber of entries: 1\nMembers:\n30443\n')
    // Hairpin: the node's own endpoints, one per Service port.
    expect(listing).toContain('Name: KUBE-LOOP-BACK\nType: hash:ip,port,ip\nHeader: family inet hashsize 1024 maxelem 65536 comment\nNumber of entries: 3\nMembers:\n10.244.1.2,tcp:80,10.244.1.2\n10.244.1.2,tcp:8080,10.244.1.2\n10.244.1.2,tcp:8443,10.244.1.2\n')
    expect(listing).toContain('Name: KUBE-LOAD-BALANCER-LOCAL\nType: hash:ip,port\nHeader: family inet hashsize 1024 maxelem 65536 comment\nNumber of entries: 1\nMembers:\n172.18.255.200,tcp:443\n')
  })

  it('writes only the small iptables part: KUBE-SERVICES matching the ipsets, KUBE-NODE-PORT, KUBE-MARK-MASQ, KUBE-POSTROUTING', () => {
    const nat = saveRules(ipvsNodeState(ports, worker1, 'rr').rules, 'nat')
    expect(nat).toBe(
      [
        '*nat',
        ':PREROUTING ACCEPT [0:0]',
        ':INPUT ACCEPT [0:0]',
        ':OUTPUT ACCEPT [0:0]',
        ':POSTROUTING ACCEPT [0:0]',
        ':KUBE-LOAD-BALANCER - [0:0]',
        ':KUBE-MARK-MASQ - [0:0]',
        ':KUBE-NODE-PORT - [0:0]',
        ':KUBE-POSTROUTING - [0:0]',
        ':KUBE-SERVICES - [0:0]',
        '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
        '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
        '-A KUBE-LOAD-BALANCER -m comment --comment "Kubernetes service load balancer ip + port with externalTrafficPolicy=local" -m set --match-set KUBE-LOAD-BALANCER-LOCAL dst,dst -j RETURN',
        '-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ',
        '-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000',
        '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port with externalTrafficPolicy=local" -m set --match-set KUBE-NODE-PORT-LOCAL-TCP dst -j RETURN',
        '-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ',
        '-A KUBE-POSTROUTING -m comment --comment "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose" -m set --match-set KUBE-LOOP-BACK dst,dst,src -j MASQUERADE',
        '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
        '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
        '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN',
        '-A KUBE-SERVICES -m comment --comment "Kubernetes service lb portal" -m set --match-set KUBE-LOAD-BALANCER dst,dst -j KUBE-LOAD-BALANCER',
        '-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ',
        '-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT',
        '-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT',
        '-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    )
    const filter = saveRules(ipvsNodeState(ports, worker1, 'rr').rules, 'filter')
    expect(filter).toContain('-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER\n-A INPUT -m comment --comment "kube-proxy firewall rules" -j KUBE-PROXY-FIREWALL\n-A INPUT -m comment --comment "kubernetes health check rules" -j KUBE-NODE-PORT\n')
    expect(filter).toContain('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT --reject-with icmp-port-unreachable\n')
  })

  it('balances round robin over the real servers, pins a client by persistence, and refuses without real servers', () => {
    const state = ipvsNodeState(ports, worker1, 'rr')
    const memory = new ProxyMemory()
    const connect = (ip: string, port: number, sourceIp = '10.244.1.9', now = 0) => routeIpvs(state, 'worker-1', {sourceIp, destinationIp: ip, destinationPort: port, protocol: 'tcp'}, memory, now)
    const picked = Array.from({length: 6}, () => connect('10.96.100.10', 80).real?.endpoint.endpoint)
    expect(picked).toEqual(['10.244.1.2:8080', '10.244.2.2:8080', '10.244.3.2:8080', '10.244.1.2:8080', '10.244.2.2:8080', '10.244.3.2:8080'])
    expect(connect('10.96.100.10', 80).steps.at(-1)).toBe('round robin: real server 1 of 3')
    const first = connect('10.96.100.20', 80, '10.244.2.7', 0).real!.endpoint.endpoint
    for (let second = 1; second <= 5; second++) expect(connect('10.96.100.20', 80, '10.244.2.7', second * 1000).real!.endpoint.endpoint).toBe(first)
    expect(connect('10.96.100.20', 80, '10.244.2.7', 6000).steps.at(-1)).toMatch(/^persistence: client 10\.244\.2\.7 reached \S+ 1s ago \(template kept 10800s\)$/)
    expect(connect('10.96.100.40', 80).verdict).toBe('no real servers')
    expect(connect('10.244.1.2', 8080).verdict).toBe('no virtual server')
    expect(connect('172.18.255.200', 443).real?.endpoint.endpoint).toBe('10.244.1.2:8443')
  })
})
