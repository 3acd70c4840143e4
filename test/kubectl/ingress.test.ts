// Ingress and IngressClass (networking.k8s.io/v1) through the real CLI: `kubectl create ingress`
// builds what kubectl 1.32 builds (compared with the real kubectl's client dry run) and refuses
// what it refuses; the API server stores them under kube's keys with the DefaultIngressClass
// plugin's class and refuses bad ones with its field errors; get and describe (the Rules table
// resolving backends to endpoints) print as kubectl 1.32 does, and the real kubectl against
// `kubemu up` prints the same.
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess} from '../support/up-process.js'

const defaultClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
  annotations:
    ingressclass.kubernetes.io/is-default-class: "true"
spec:
  controller: k8s.io/ingress-nginx
  parameters:
    apiGroup: k8s.example.com
    kind: IngressParameters
    name: external-lb
`

const badIngress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
  annotations:
    kubernetes.io/ingress.class: other
spec:
  ingressClassName: nginx
  tls:
  - hosts: ["*.a.com", "b..com"]
  rules:
  - host: 1.2.3.4
    http:
      paths:
      - path: relative
        pathType: Prefix
        backend:
          service: {name: web, port: {number: 80}}
          resource: {kind: Bucket, name: b}
      - path: /a//b/..
        pathType: Exact
        backend:
          service: {name: web, port: {number: 8080, name: http}}
      - path: x
        pathType: Weird
        backend:
          resource: {kind: "a/b", name: ".."}
      - path: /
        backend: {service: {name: web, port: {number: 80}}}
  - host: "foo.*.com"
    http: {paths: []}
`

const badClass = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: bad
spec:
  controller: nodomain
  parameters: {kind: K, name: params, scope: Namespace}
`

const subdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const wildcardMessage =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

/** Ages move between two commands: the comparisons leave them out. */
const withoutAges = (text: string) => text.replace(/ {2}\d+(?:m\d+)?s( +|$)/gm, '  AGE$1').replace(/ +/g, ' ')

describe('kubectl create ingress', () => {
  const home = temporaryFolder()
  const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}

  it('builds what the real kubectl builds, rules, TLS, class, default backend and annotations', async () => {
    const lines = [
      'simple --rule="foo.com/bar=svc1:8080,tls=my-cert" --rule="foo.com/baz*=svc2:http" --rule="/x=s:1,tls" --class=nginx --default-backend=def:80 --annotation b=2 --annotation a=1 -o yaml',
      'multi --rule="a.com/=svc:https,tls" --rule="b.com/p/*=other:8080,tls" --rule="c.com/=x:80,tls=s2" -o json',
      'ing -n team --rule="*.example.com/*=svc:http" -o yaml',
      'only --default-backend=svc:web -o name',
    ]
    for (const line of lines) {
      const real = await runShell(`kubectl create ingress ${line} --dry-run=client`, {cwd: home, env: {...process.env, KUBECONFIG: '/dev/null'}})
      const ours = await runShell(`${kubemu} kubectl create ingress ${line} --dry-run=client`, {cwd: home, env: environment})
      expect(real.status).toBe(0)
      expect(ours).toMatchObject({status: 0, stdout: real.stdout})
    }
  })

  it("refuses what the real kubectl refuses, in its words", async () => {
    for (const line of ['y', 'y --rule=bad', 'y --rule=/a=b:c --annotation foo', 'y --default-backend=foo', 'a b --rule=/a=b:c']) {
      const real = await runShell(`kubectl create ingress ${line} --dry-run=client`, {cwd: home, env: {...process.env, KUBECONFIG: '/dev/null'}})
      const ours = await runShell(`${kubemu} kubectl create ingress ${line} --dry-run=client`, {cwd: home, env: environment})
      expect(real.status).toBe(1)
      expect(ours).toMatchObject({status: 1, stdout: '', stderr: real.stderr})
    }
  })
})

describe('kubemu kubectl and Ingress', () => {
  let home: string
  const kubectl = (line: string, stdin?: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}, stdin})

  beforeAll(() => {
    home = temporaryFolder()
  })

  it("refuses bad ingresses and classes with kube-apiserver's field errors", async () => {
    expect(await kubectl('apply -f -', badIngress)).toMatchObject({
      status: 1,
      stderr:
        'The Ingress "bad" is invalid: \n' +
        '* spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address\n' +
        '* spec.rules[0].http.paths[0].path: Invalid value: "relative": must be an absolute path\n' +
        '* spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends\n' +
        '* spec.rules[0].http.paths[1].path: Invalid value: "/a//b/..": must not contain \'//\'\n' +
        '* spec.rules[0].http.paths[1].path: Invalid value: "/a//b/..": cannot end with \'/..\'\n' +
        '* spec.rules[0].http.paths[1].backend: Invalid value: "": cannot set both port name & port number\n' +
        '* spec.rules[0].http.paths[2].pathType: Unsupported value: "Weird": supported values: "Exact", "ImplementationSpecific", "Prefix"\n' +
        '* spec.rules[0].http.paths[2].backend.resource.kind: Invalid value: "a/b": may not contain \'/\'\n' +
        '* spec.rules[0].http.paths[2].backend.resource.name: Invalid value: "..": may not be \'..\'\n' +
        '* spec.rules[0].http.paths[3].pathType: Required value: pathType must be specified\n' +
        `* spec.rules[1].host: Invalid value: "foo.*.com": ${wildcardMessage}\n` +
        '* spec.rules[1].http.paths: Required value\n' +
        `* spec.tls[0].hosts[1]: Invalid value: "b..com": ${subdomainMessage}\n` +
        '* annotations.kubernetes.io/ingress.class: Invalid value: "other": must match `ingressClassName` when both are specified\n',
    })
    expect(await kubectl('apply -f -', 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: empty}\nspec: {}\n')).toMatchObject({
      status: 1,
      stderr: 'The Ingress "empty" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified\n',
    })
    expect(await kubectl('apply -f -', badClass)).toMatchObject({
      status: 1,
      stderr:
        'The IngressClass "bad" is invalid: \n' +
        '* spec.controller: Invalid value: "nodomain": must be a domain-prefixed path (such as "acme.io/foo")\n' +
        "* spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'\n",
    })
    expect(await kubectl('create ingress bad --rule=foo.com/a=svc:0')).toMatchObject({
      status: 1,
      stderr: 'error: failed to create ingress: Ingress.networking.k8s.io "bad" is invalid: spec.rules[0].http.paths[0].backend: Required value: port name or number is required\n',
    })
    expect(await kubectl('get ingress,ingressclass')).toMatchObject({stdout: '', stderr: 'No resources found in default namespace.\n'})
  })

  it('stores a class with its parameters scope, gives a new ingress the default class, and prints both as kubectl does', async () => {
    expect((await kubectl('apply -f -', defaultClass)).stdout).toBe('ingressclass.networking.k8s.io/nginx created\n')
    expect((await kubectl("get ingressclass nginx -o jsonpath='{.spec.parameters.scope}'")).stdout).toBe('Cluster')
    expect(await kubectl("patch ingressclass nginx -p '{\"spec\":{\"controller\":\"example.com/other\"}}'")).toMatchObject({status: 1, stderr: 'The IngressClass "nginx" is invalid: spec.controller: Invalid value: "example.com/other": field is immutable\n'})
    expect((await kubectl('create deployment web --image=nginx --port=80 --replicas=2')).status).toBe(0)
    expect((await kubectl('expose deployment web --port=80')).status).toBe(0)
    expect((await kubectl('create ingress site --rule=foo.com/bar=web:80,tls=site-cert --rule=foo.com/docs*=missing:http --default-backend=web:80 --annotation team=web')).stdout).toBe('ingress.networking.k8s.io/site created\n')
    expect((await kubectl("get ingress site -o jsonpath='{.spec.ingressClassName} {.status}'")).stdout).toBe('nginx {"loadBalancer":{}}')
    expect((await runShell(`${kubemu} etcdctl get /registry/ingress/ --prefix --keys-only`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})).stdout).toBe('/registry/ingress/default/site\n\n')
    expect(withoutAges((await kubectl('get ing')).stdout)).toBe('NAME CLASS HOSTS ADDRESS PORTS AGE\nsite nginx foo.com 80, 443 AGE\n')
    expect(withoutAges((await kubectl('get ingressclasses')).stdout)).toBe('NAME CONTROLLER PARAMETERS AGE\nnginx k8s.io/ingress-nginx IngressParameters.k8s.example.com/external-lb AGE\n')
    const endpoints = (await kubectl("get endpointslices -l kubernetes.io/service-name=web -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}:80,{end}'")).stdout.replace(/,$/, '')
    expect(endpoints.split(',')).toHaveLength(2)
    const description = (await kubectl('describe ingress site')).stdout
    expect(description).toBe(
      [
        'Name:             site',
        'Labels:           <none>',
        'Namespace:        default',
        'Address:          ',
        'Ingress Class:    nginx',
        `Default backend:  web:80 (${endpoints})`,
        'TLS:',
        '  site-cert terminates foo.com',
        'Rules:',
        '  Host        Path  Backends',
        '  ----        ----  --------',
        '  foo.com     ',
        `              /bar    web:80 (${endpoints})`,
        '              /docs   missing:http (<error: services "missing" not found>)',
        'Annotations:  team: web',
        'Events:       <none>',
        '',
      ].join('\n'),
    )
    expect((await kubectl('describe ingressclass nginx')).stdout).toBe(
      [
        'Name:         nginx',
        'Labels:       <none>',
        'Annotations:  ingressclass.kubernetes.io/is-default-class: true',
        'Controller:   k8s.io/ingress-nginx',
        'Parameters:',
        '  APIGroup:  k8s.example.com',
        '  Kind:      IngressParameters',
        '  Name:      external-lb',
        'Events:      <none>',
        '',
      ].join('\n'),
    )
  })
})

describe('the real kubectl and Ingress against kubemu up', () => {
  let up: UpProcess | null = null
  afterAll(async () => {
    await up?.stop()
  })

  it('creates ingresses with its generator and prints them as kubemu kubectl does', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    up = new UpProcess(home)
    await up.until(/leader election: \S+ leads/)
    const real = (line: string, stdin?: string) => runShell(`kubectl --kubeconfig=${join(home, 'default', 'kubeconfig')} ${line}`, {cwd: home, env: environment, stdin})
    const ours = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
    expect(await real('apply -f -', defaultClass)).toMatchObject({status: 0, stdout: 'ingressclass.networking.k8s.io/nginx created\n'})
    expect((await real('create ingress site --rule=foo.com/bar*=web:80,tls=site-cert --rule=/=web:http --annotation team=web')).stdout).toBe('ingress.networking.k8s.io/site created\n')
    const refused = 'create ingress bad --rule=foo.com/a=Svc:80'
    const [theirError, ourError] = [await real(refused), await ours(refused)]
    expect(theirError.status).toBe(1)
    expect(theirError.stderr).toMatch(/^error: failed to create ingress: Ingress\.networking\.k8s\.io "bad" is invalid: spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.name: Invalid value: "Svc": a DNS-1035 label/)
    expect(ourError).toMatchObject({status: 1, stderr: theirError.stderr})
    for (const line of ['get ingress', 'get ingress -o wide', 'get ingressclass', 'describe ingress site', 'describe ingressclass nginx']) {
      const [theirs, mine] = [await real(line), await ours(line)]
      expect(theirs.status).toBe(0)
      expect(withoutAges(mine.stdout)).toBe(withoutAges(theirs.stdout))
    }
  })
})
