// NetworkPolicy through the real CLI: stored with the API server's defaults, refused with its
// field errors, printed and described as kubectl 1.32 prints and describes it.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

const badPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: bad
spec:
  podSelector:
    matchExpressions:
    - {key: app, operator: Equals, values: [web]}
  ingress:
  - ports:
    - port: 70000
    - port: http_port
      endPort: 90
    from:
    - {}
    - ipBlock: {cidr: 10.0.0.0/33}
    - ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}
      podSelector: {}
  policyTypes: [Ingress, Sideways]
`

const goodPolicy = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-frontend
spec:
  podSelector:
    matchLabels: {app: web}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: ops}}
      podSelector: {matchLabels: {role: frontend}}
    - ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}
    ports:
    - port: 80
    - port: http
  - {}
  egress:
  - to:
    - namespaceSelector: {}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports:
    - {port: 53, protocol: UDP}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-all
spec:
  podSelector: {}
`

describe('kubemu kubectl and NetworkPolicy', () => {
  let home: string
  const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})

  beforeAll(() => {
    home = temporaryFolder()
    writeFileSync(join(home, 'bad.yaml'), badPolicy)
    writeFileSync(join(home, 'good.yaml'), goodPolicy)
  })

  it("refuses a bad policy with the API server's field errors and stores nothing", async () => {
    const result = await kubectl('apply -f bad.yaml')
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(
      'The NetworkPolicy "bad" is invalid: \n' +
        '* spec.podSelector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator\n' +
        '* spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n' +
        '* spec.ingress[0].ports[1].endPort: Invalid value: 90: may not be specified when `port` is non-numeric\n' +
        '* spec.ingress[0].ports[1].port: Invalid value: "http_port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)\n' +
        '* spec.ingress[0].from[0]: Required value: must specify a peer\n' +
        '* spec.ingress[0].from[1].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)\n' +
        '* spec.ingress[0].from[2].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`\n' +
        '* spec.ingress[0].from[2]: Forbidden: may not specify both ipBlock and another peer\n' +
        '* spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"\n',
    )
  })

  it('stores good policies with policyTypes and protocols defaulted, lists and describes them', async () => {
    expect((await kubectl('apply -f good.yaml')).stdout).toBe('networkpolicy.networking.k8s.io/allow-frontend created\nnetworkpolicy.networking.k8s.io/deny-all created\n')
    const listed = await kubectl('get netpol')
    expect(listed.stdout.replace(/\d+s\n/g, 'AGE\n')).toBe('NAME             POD-SELECTOR   AGE\nallow-frontend   app=web        AGE\ndeny-all         <none>         AGE\n')
    const types = await kubectl("get networkpolicies -o jsonpath='{range .items[*]}{.metadata.name}={.spec.policyTypes} {end}'")
    expect(types.stdout).toBe('allow-frontend=["Ingress","Egress"] deny-all=["Ingress"] ')
    const described = await kubectl('describe networkpolicy allow-frontend deny-all')
    expect(described.stdout.replace(/Created on:   .*/g, 'Created on:   TIME')).toBe(
      'Name:         allow-frontend\n' +
        'Namespace:    default\n' +
        'Created on:   TIME\n' +
        'Labels:       <none>\n' +
        'Annotations:  <none>\n' +
        'Spec:\n' +
        '  PodSelector:     app=web\n' +
        '  Allowing ingress traffic:\n' +
        '    To Port: 80/TCP\n' +
        '    To Port: http/TCP\n' +
        '    From:\n' +
        '      NamespaceSelector: team=ops\n' +
        '      PodSelector: role=frontend\n' +
        '    From:\n' +
        '      IPBlock:\n' +
        '        CIDR: 192.168.0.0/16\n' +
        '        Except: 192.168.1.0/24\n' +
        '    ----------\n' +
        '    To Port: <any> (traffic allowed to all ports)\n' +
        '    From: <any> (traffic not restricted by source)\n' +
        '  Allowing egress traffic:\n' +
        '    To Port: 53/UDP\n' +
        '    To:\n' +
        '      NamespaceSelector: <none>\n' +
        '      PodSelector: k8s-app=kube-dns\n' +
        '  Policy Types: Ingress, Egress\n' +
        '\n\n' +
        'Name:         deny-all\n' +
        'Namespace:    default\n' +
        'Created on:   TIME\n' +
        'Labels:       <none>\n' +
        'Annotations:  <none>\n' +
        'Spec:\n' +
        '  PodSelector:     <none> (Allowing the specific traffic to all pods in this namespace)\n' +
        '  Allowing ingress traffic:\n' +
        '    <none> (Selected pods are isolated for ingress connectivity)\n' +
        '  Not affecting egress traffic\n' +
        '  Policy Types: Ingress\n',
    )
  })
})
