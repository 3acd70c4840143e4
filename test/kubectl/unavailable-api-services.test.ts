// An APIService that sends its group version to a Service nobody serves, through the real kubectl
// 1.32 and kubemu's against `up`: requests under it answer kube-aggregator's 503, the aggregated
// discovery marks it Stale (kubectl leaves the group out: api-resources prints the rest and exits
// 0), and a namespace being deleted stays Terminating with the namespace controller's
// NamespaceDeletionDiscoveryFailure until the APIService is gone.
import {describe, expect, it} from 'vitest'
import {realKubectlFound} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {kubemu} from '../support/up-process.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

const apiService = `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.example.com
spec:
  group: example.com
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
  insecureSkipTLSVerify: true
  service:
    namespace: default
    name: example-api
`

const service = `apiVersion: v1
kind: Service
metadata:
  name: example-api
  namespace: default
spec:
  ports:
  - {name: https, port: 443, targetPort: 8443}
`
const endpoints = (portName: string) => `apiVersion: v1
kind: Endpoints
metadata:
  name: example-api
  namespace: default
subsets:
- addresses:
  - ip: 10.244.3.9
  ports:
  - {name: ${portName}, port: 8443}
`

describe.runIf(realKubectlFound)('an APIService whose Service is not served, with both kubectls', () => {
  const {ours, real, home} = kubectlsOnUp(['--manual-clock'])
  const both = async (line: string) => {
    const [theirs, mine] = [await real(line), await ours(line)]
    const firstLine = (text: string) => text.split('\n')[0]
    expect({status: mine.status, stdout: mine.stdout, stderr: firstLine(mine.stderr)}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: firstLine(theirs.stderr)})
    return theirs
  }
  const advance = async (duration: string) => expect((await runShell(`${kubemu} time advance ${duration}`, {cwd: home(), env: {...process.env, KUBEMU_HOME: home(), KUBECONFIG: ''}})).status).toBe(0)

  it('answers its requests 503 and leaves its group out of what kubectl discovers', async () => {
    expect((await ours('apply -f -', apiService)).status).toBe(0)
    expect((await both('get apiservice v1beta1.example.com --no-headers')).stdout).toMatch(/^v1beta1\.example\.com +default\/example-api +False \(ServiceNotFound\) /)
    for (const path of ['/apis/example.com/v1beta1', '/apis/example.com/v1beta1/namespaces/default/foos/x']) {
      expect(await both(`get --raw ${path}`)).toMatchObject({status: 1, stdout: '', stderr: 'Error from server (ServiceUnavailable): the server is currently unable to handle the request\n'})
    }
    // The legacy discovery lists the group from the APIServices, as kube-aggregator's /apis handler.
    expect(JSON.parse((await both('get --raw /apis/example.com')).stdout)).toMatchObject({kind: 'APIGroup', name: 'example.com', preferredVersion: {groupVersion: 'example.com/v1beta1'}})
    expect((await both('get --raw /apis')).stdout).toContain('"name":"example.com"')
    // kubectl 1.32 reads the aggregated discovery, where the version is Stale: no resources, no error.
    const resources = await both('api-resources')
    expect(resources).toMatchObject({status: 0, stderr: ''})
    expect(resources.stdout).toContain('apiservices ')
    expect(resources.stdout).not.toContain('example.com')
    expect((await both('api-versions')).stdout).not.toContain('example.com')
    expect(await both('get foos.example.com')).toMatchObject({status: 1, stderr: 'error: the server doesn\'t have a resource type "foos"\n'})
  }, 120_000)

  it('follows the writes to its Service and Endpoints at once (the clock stands still: no resync)', async () => {
    const condition = "get apiservice v1beta1.example.com -o jsonpath='{.status.conditions[0].status} {.status.conditions[0].reason}: {.status.conditions[0].message}'"
    const said = async () => (await both(condition)).stdout
    expect((await ours('apply -f -', apiService)).status).toBe(0)
    // A client that marks it Available is answered by the controllers' next check at once.
    const passed = `patch apiservice v1beta1.example.com --subresource=status --type=merge -p '{"status":{"conditions":[{"type":"Available","status":"True","reason":"Passed","message":"all checks passed","lastTransitionTime":"2026-12-07T08:00:00Z"}]}}'`
    expect((await real(passed)).status).toBe(0)
    expect(await said()).toBe('False ServiceNotFound: service/example-api in "default" is not present')
    expect((await ours('apply -f -', service)).status).toBe(0)
    expect(await said()).toBe('False EndpointsNotFound: cannot find endpoints for service/example-api in "default"')
    expect((await real('apply -f -', endpoints('metrics'))).status).toBe(0)
    expect(await said()).toBe('False MissingEndpoints: endpoints for service/example-api in "default" have no addresses with port name "https"')
    expect((await real('apply -f -', endpoints('https'))).status).toBe(0)
    const clusterIp = (await ours("get service example-api -o jsonpath='{.spec.clusterIP}'")).stdout
    // No simulated container answers the discovery request.
    expect(await said()).toBe(`False FailedDiscoveryCheck: failing or missing response from https://${clusterIp}:443/apis/example.com/v1beta1: Get "https://${clusterIp}:443/apis/example.com/v1beta1": dial tcp ${clusterIp}:443: connect: connection refused`)
    expect((await both('get --raw /apis/example.com/v1beta1')).stderr).toBe('Error from server (ServiceUnavailable): the server is currently unable to handle the request\n')
    expect((await ours('delete endpoints example-api')).status).toBe(0)
    expect(await said()).toBe('False EndpointsNotFound: cannot find endpoints for service/example-api in "default"')
    expect((await real('delete service example-api')).status).toBe(0)
    expect(await said()).toBe('False ServiceNotFound: service/example-api in "default" is not present')
  }, 120_000)

  it("keeps answering metrics.k8s.io itself once its APIService names metrics-server's Service, as HPA tutorials apply it", async () => {
    expect((await both('top nodes')).status).toBe(0)
    const toService = `patch apiservice v1beta1.metrics.k8s.io --type=merge -p '{"spec":{"service":{"namespace":"kube-system","name":"metrics-server"},"insecureSkipTLSVerify":true}}'`
    expect((await ours(toService)).status).toBe(0)
    expect((await both('get apiservice v1beta1.metrics.k8s.io --no-headers')).stdout).toMatch(/^v1beta1\.metrics\.k8s\.io +kube-system\/metrics-server +False \(ServiceNotFound\) /)
    // kubemu's metrics stand in for metrics-server: top, HPAs and namespace deletion go on working.
    expect((await both('top nodes')).status).toBe(0)
    expect((await both('top pods -A')).status).toBe(0)
    expect((await both('get --raw /apis/metrics.k8s.io/v1beta1/nodes')).status).toBe(0)
    const local = `patch apiservice v1beta1.metrics.k8s.io --type=json -p '[{"op":"remove","path":"/spec/service"},{"op":"remove","path":"/spec/insecureSkipTLSVerify"}]'`
    expect((await real(local)).status).toBe(0)
    expect((await both('top nodes')).status).toBe(0)
  }, 120_000)

  it('keeps a namespace being deleted Terminating with the discovery failure until the APIService is gone', async () => {
    expect((await ours('apply -f -', apiService)).status).toBe(0)
    expect((await ours('create namespace doomed')).status).toBe(0)
    expect((await ours('create configmap settings -n doomed --from-literal=a=b')).status).toBe(0)
    expect((await ours('delete namespace doomed --wait=false')).status).toBe(0)
    const conditions = "get namespace doomed -o jsonpath='{range .status.conditions[*]}{.type} {.status} {.reason}: {.message}{\"\\n\"}{end}'"
    expect((await both(conditions)).stdout).toBe(
      'NamespaceDeletionDiscoveryFailure True DiscoveryFailed: Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: example.com/v1beta1: stale GroupVersion discovery: example.com/v1beta1\n' +
        'NamespaceDeletionGroupVersionParsingFailure False ParsedGroupVersions: All legacy kube types successfully parsed\n' +
        'NamespaceDeletionContentFailure False ContentDeleted: All content successfully deleted, may be waiting on finalization\n' +
        'NamespaceContentRemaining False ContentRemoved: All content successfully removed\n' +
        'NamespaceFinalizersRemaining False ContentHasNoFinalizers: All content-preserving finalizers finished\n',
    )
    // What it could discover is deleted all the same; the namespace stays.
    expect((await both('get configmaps -n doomed')).stderr).toBe('No resources found in doomed namespace.\n')
    expect((await both('get namespace doomed --no-headers')).stdout).toMatch(/^doomed +Terminating +/)
    await advance('2m')
    expect((await both('get namespace doomed --no-headers')).stdout).toMatch(/^doomed +Terminating +/)
    expect((await ours('delete apiservice v1beta1.example.com')).status).toBe(0)
    // The controller's next try (its rate limiter waits 60 s at most) finds discovery complete.
    await advance('61s')
    expect(await both('get namespace doomed')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): namespaces "doomed" not found\n'})
  }, 120_000)
})
