import {describe, expect, it} from 'vitest'
import {formatResolvConf, resolvConfOf, resolveName} from '../../src/core/network/dns.js'
import type {NetworkSource} from '../../src/core/network/types.js'
import {endpointSlice, kubeDns, pod, service, view} from './view-fixture.js'

const client: NetworkSource = {kind: 'pod', namespace: 'default', name: 'client'}

function cluster() {
  return view([
    ...kubeDns(),
    pod('client', {ip: '10.244.1.9'}),
    service('web', {clusterIP: '10.96.12.5', clusterIPs: ['10.96.12.5'], ports: [{name: 'http', port: 80, protocol: 'TCP', targetPort: 8080}, {port: 9000, protocol: 'TCP'}]}),
    endpointSlice('web', [{ip: '10.244.1.5'}, {ip: '10.244.2.5'}], [{name: 'http', port: 8080}]),
    service('db', {clusterIP: 'None', clusterIPs: ['None'], ports: [{name: 'pg', port: 5432, protocol: 'TCP'}]}),
    pod('db-0', {ip: '10.244.1.20', spec: {hostname: 'db-0', subdomain: 'db'}}),
    pod('db-1', {ip: '10.244.2.20', spec: {hostname: 'db-1', subdomain: 'db'}}),
    pod('stray', {ip: '10.244.3.20'}),
    endpointSlice('db', [{ip: '10.244.1.20', pod: 'db-0'}, {ip: '10.244.2.20', pod: 'db-1'}, {ip: '10.244.3.20', pod: 'stray'}, {ip: '10.244.3.21', ready: false}], [{name: 'pg', port: 5432}]),
    service('search', {type: 'ExternalName', externalName: 'www.example.com'}),
    service('api', {clusterIP: '10.96.33.1', clusterIPs: ['10.96.33.1'], ports: [{port: 443, protocol: 'TCP'}]}, 'other'),
  ])
}

describe('cluster DNS as CoreDNS answers it', () => {
  it('answers a ClusterIP service with its cluster IP, walking the search list from the pod namespace', () => {
    const answer = resolveName(cluster(), client, 'web', 'A')
    expect(answer).toEqual({
      question: 'web',
      resolvedName: 'web.default.svc.cluster.local',
      rcode: 'NOERROR',
      records: [{name: 'web.default.svc.cluster.local.', type: 'A', ttlSeconds: 30, data: '10.96.12.5'}],
      server: '10.96.0.10',
      tried: ['web.default.svc.cluster.local'],
    })
  })

  it('walks on through the search list after NXDOMAIN: svc.ns, then cluster.local, then the name itself', () => {
    expect(resolveName(cluster(), client, 'api.other', 'A')).toMatchObject({resolvedName: 'api.other.svc.cluster.local', tried: ['api.other.default.svc.cluster.local', 'api.other.svc.cluster.local'], records: [{data: '10.96.33.1'}]})
    const missing = resolveName(cluster(), client, 'nothing', 'A')
    expect(missing).toMatchObject({rcode: 'NXDOMAIN', resolvedName: null, records: []})
    expect(missing.tried).toEqual(['nothing.default.svc.cluster.local', 'nothing.svc.cluster.local', 'nothing.cluster.local', 'nothing'])
  })

  it('asks a name with five dots or a trailing dot as it is first (ndots:5)', () => {
    expect(resolveName(cluster(), client, 'web.default.svc.cluster.local.', 'A').tried).toEqual(['web.default.svc.cluster.local'])
    const fourDots = resolveName(cluster(), client, 'web.default.svc.cluster.local', 'A')
    expect(fourDots.tried[0]).toBe('web.default.svc.cluster.local.default.svc.cluster.local')
    expect(fourDots.resolvedName).toBe('web.default.svc.cluster.local')
    expect(resolveName(cluster(), client, 'a.b.c.d.e.f', 'A').tried[0]).toBe('a.b.c.d.e.f')
  })

  it('answers a headless service with its ready endpoints and names hostnames under it', () => {
    const answer = resolveName(cluster(), client, 'db', 'A')
    expect(answer.records.map((entry) => entry.data)).toEqual(['10.244.1.20', '10.244.2.20', '10.244.3.20'])
    expect(resolveName(cluster(), client, 'db-1.db', 'A')).toMatchObject({resolvedName: 'db-1.db.default.svc.cluster.local', records: [{data: '10.244.2.20'}]})
    expect(resolveName(cluster(), client, '10-244-3-20.db', 'A').records.map((entry) => entry.data)).toEqual(['10.244.3.20'])
    expect(resolveName(cluster(), client, '10-244-3-21.db', 'A').rcode).toBe('NXDOMAIN')
  })

  it('answers SRV for named ports: the service name for a ClusterIP service, one target per endpoint for a headless one', () => {
    expect(resolveName(cluster(), client, '_http._tcp.web.default.svc.cluster.local', 'SRV').records).toEqual([
      {name: '_http._tcp.web.default.svc.cluster.local.', type: 'SRV', ttlSeconds: 30, data: '0 100 80 web.default.svc.cluster.local.'},
    ])
    expect(resolveName(cluster(), client, '_pg._tcp.db', 'SRV').records.map((entry) => entry.data)).toEqual([
      '0 33 5432 db-0.db.default.svc.cluster.local.',
      '0 33 5432 db-1.db.default.svc.cluster.local.',
      '0 33 5432 10-244-3-20.db.default.svc.cluster.local.',
    ])
    expect(resolveName(cluster(), client, '_http._udp.web', 'SRV').rcode).toBe('NXDOMAIN')
  })

  it('answers an ExternalName service with a CNAME', () => {
    expect(resolveName(cluster(), client, 'search', 'A').records).toEqual([{name: 'search.default.svc.cluster.local.', type: 'CNAME', ttlSeconds: 30, data: 'www.example.com.'}])
  })

  it('answers pod records from their dashed address in an existing namespace', () => {
    expect(resolveName(cluster(), client, '10-244-1-5.default.pod.cluster.local', 'A').records).toEqual([{name: '10-244-1-5.default.pod.cluster.local.', type: 'A', ttlSeconds: 30, data: '10.244.1.5'}])
    expect(resolveName(cluster(), client, '10-244-1-5.nowhere.pod.cluster.local', 'A').rcode).toBe('NXDOMAIN')
  })

  it('answers PTR for a service IP and a headless endpoint, NXDOMAIN for other addresses', () => {
    expect(resolveName(cluster(), client, '10.96.12.5', 'PTR').records).toEqual([{name: '5.12.96.10.in-addr.arpa.', type: 'PTR', ttlSeconds: 30, data: 'web.default.svc.cluster.local.'}])
    expect(resolveName(cluster(), client, '10.244.1.20', 'PTR').records[0]?.data).toBe('db-0.db.default.svc.cluster.local.')
    expect(resolveName(cluster(), client, '10.1.2.3', 'PTR').rcode).toBe('NXDOMAIN')
  })

  it('answers NOERROR with no records for a type the name does not have', () => {
    expect(resolveName(cluster(), client, 'web.default.svc.cluster.local.', 'AAAA')).toMatchObject({rcode: 'NOERROR', records: [], resolvedName: null})
    expect(resolveName(cluster(), client, 'default.svc.cluster.local.', 'A')).toMatchObject({rcode: 'NOERROR', records: []})
  })

  it('times out without a CoreDNS endpoint behind kube-dns, and a Default pod cannot see cluster names', () => {
    const withoutDns = view([pod('client'), service('web', {clusterIP: '10.96.12.5'})])
    expect(resolveName(withoutDns, client, 'web', 'A')).toMatchObject({rcode: 'SERVFAIL', server: '10.96.0.10'})
    const defaultPod = view([...kubeDns(), pod('client', {spec: {dnsPolicy: 'Default'}}), service('web', {clusterIP: '10.96.12.5'})])
    expect(resolveName(defaultPod, client, 'web.default.svc.cluster.local', 'A')).toMatchObject({rcode: 'NXDOMAIN', server: '172.18.0.1', tried: ['web.default.svc.cluster.local']})
  })
})

describe("the pod's resolv.conf as the kubelet writes it", () => {
  const base = cluster()
  it('ClusterFirst: kube-dns, the namespace search list and ndots:5', () => {
    const conf = resolvConfOf(base, pod('p', {namespace: 'other'}))
    expect(formatResolvConf(conf)).toBe('search other.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n')
  })

  it('hostNetwork pods get the node resolver unless they ask for ClusterFirstWithHostNet', () => {
    expect(resolvConfOf(base, pod('p', {spec: {hostNetwork: true}})).nameservers).toEqual(['172.18.0.1'])
    expect(resolvConfOf(base, pod('p', {spec: {hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet'}})).nameservers).toEqual(['10.96.0.10'])
    expect(resolvConfOf(base, pod('p', {spec: {dnsPolicy: 'Default'}}))).toEqual({nameservers: ['172.18.0.1'], searches: [], options: []})
  })

  it('None takes dnsConfig alone; dnsConfig merges into ClusterFirst with options overriding by name', () => {
    const none = pod('p', {spec: {dnsPolicy: 'None', dnsConfig: {nameservers: ['1.1.1.1'], searches: ['corp.example'], options: [{name: 'ndots', value: '2'}, {name: 'edns0'}]}}})
    expect(formatResolvConf(resolvConfOf(base, none))).toBe('search corp.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n')
    const merged = pod('p', {spec: {dnsConfig: {options: [{name: 'ndots', value: '1'}]}}})
    expect(resolvConfOf(base, merged).options).toEqual(['ndots:1'])
  })
})
