// APIServices (apiregistration.k8s.io/v1) beside the real kubectl 1.32: the ones kube-apiserver
// registers for the groups it serves (Local, Available), one per CRD group version, and one a
// client writes for a Service, whose availability follows kube-aggregator's checks in their order
// (no Service, no port, no Endpoints, no endpoint, then the discovery request).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {ManualClock} from '../../src/core/util/clock.js'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectlFound} from '../support/real-kubectl.js'
import {temporaryFolder} from '../support/temp.js'
import {widgetsCrd} from '../support/widgets-crd.js'

const apiService = (name: string, spec: string) => `apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: ${name}
spec:
${spec}
`

describe.runIf(realKubectlFound)('APIServices beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const folder = temporaryFolder()
  const file = (name: string, text: string) => {
    const path = join(folder, name)
    writeFileSync(path, text)
    return path
  }

  beforeAll(async () => {
    cluster = await referenceCluster(new ManualClock())
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('lists the APIServices kube-apiserver registers for its groups, Local and Available', async () => {
    const listed = await expectSameAsReal(cluster, 'get apiservices')
    const lines = listed.stdout.split('\n')
    expect(lines[0]).toMatch(/^NAME +SERVICE +AVAILABLE +AGE$/)
    expect(lines[1]).toMatch(/^v1\. +Local +True +0s$/)
    expect(lines.map((line) => line.split(/ +/)[0])).toEqual(expect.arrayContaining(['v1.apps', 'v1.batch', 'v2.autoscaling', 'v1.autoscaling', 'v1.rbac.authorization.k8s.io']))
    expect(listed.stdout).not.toContain('apiregistration.k8s.io')
    await expectSameAsReal(cluster, "get apiservice v1.apps -o jsonpath='{.metadata.labels}{\" \"}{.spec}{\" \"}{.status.conditions[0].reason}: {.status.conditions[0].message}'")
    expect((await cluster.ours("get apiservice v1.apps -o jsonpath='{.spec.groupPriorityMinimum}/{.spec.versionPriority} {.status.conditions[0].message}'")).stdout).toBe('17800/15 Local APIServices are always available')
    const resources = await expectSameAsReal(cluster, 'api-resources --api-group=apiregistration.k8s.io')
    expect(resources.stdout).toContain('apiservices                apiregistration.k8s.io/v1   false        APIService')
    await expectSameAsReal(cluster, 'get apiservices -l kube-aggregator.kubernetes.io/automanaged=onstart -o name')
  }, 60_000)

  it('writes an APIService for a Service unavailable for the reason kube-aggregator finds first, and deletes it', async () => {
    const manifest = file('remote.yaml', apiService('v1beta1.custom.example.com', '  group: custom.example.com\n  version: v1beta1\n  groupPriorityMinimum: 1000\n  versionPriority: 15\n  insecureSkipTLSVerify: true\n  service:\n    name: custom-api\n    namespace: default'))
    // Each kubectl creates it once (the other's copy deleted in between): the same answer.
    const created = await cluster.real(`create -f ${manifest}`)
    expect(created).toEqual({status: 0, stdout: 'apiservice.apiregistration.k8s.io/v1beta1.custom.example.com created\n', stderr: ''})
    expect((await cluster.real('delete apiservice v1beta1.custom.example.com')).status).toBe(0)
    expect(await cluster.ours(`create -f ${manifest}`)).toEqual(created)
    const said = async (line: string) => (await cluster.ours(line)).stdout
    expect(await said('get apiservice v1beta1.custom.example.com --no-headers')).toMatch(/^v1beta1\.custom\.example\.com +default\/custom-api +False \(ServiceNotFound\) +0s\n$/)
    expect(await said("get apiservice v1beta1.custom.example.com -o jsonpath='{.spec.service.port} {.status.conditions[0].message}'")).toBe('443 service/custom-api in "default" is not present')
    await expectSameAsReal(cluster, 'get apiservice v1beta1.custom.example.com')
    // The Service without the port, then with it but with no pod behind it.
    expect((await cluster.ours('create service clusterip custom-api --tcp=80:8080')).status).toBe(0)
    expect(await said("get apiservice v1beta1.custom.example.com -o jsonpath='{.status.conditions[0].reason}: {.status.conditions[0].message}'")).toBe('ServicePortError: service/custom-api in "default" is not listening on port 443')
    expect((await cluster.ours('delete service custom-api')).status).toBe(0)
    expect((await cluster.ours('create service clusterip custom-api --tcp=443:8443')).status).toBe(0)
    expect(await said("get apiservice v1beta1.custom.example.com -o jsonpath='{.status.conditions[0].reason}: {.status.conditions[0].message}'")).toBe('MissingEndpoints: endpoints for service/custom-api in "default" have no addresses with port name "443-8443"')
    await expectSameAsReal(cluster, 'get apiservice v1beta1.custom.example.com')
    expect(await cluster.ours('delete apiservice v1beta1.custom.example.com')).toEqual({status: 0, stdout: 'apiservice.apiregistration.k8s.io "v1beta1.custom.example.com" deleted\n', stderr: ''})
    await expectSameAsReal(cluster, 'get apiservice v1beta1.custom.example.com')
    await expectSameAsReal(cluster, 'delete apiservice v1beta1.custom.example.com')
  }, 60_000)

  it('refuses an APIService that breaks kube-aggregator\'s rules, in its words', async () => {
    for (const [name, spec] of [
      ['wrong', '  group: custom.example.com\n  version: v1beta1\n  caBundle: aGVsbG8='],
      ['v1.', '  version: v1\n  groupPriorityMinimum: 20001\n  versionPriority: 1001\n  insecureSkipTLSVerify: true'],
      ['v2.', '  version: v2\n  groupPriorityMinimum: 1\n  versionPriority: 1\n  service: {}'],
      ['V1.x', '  group: x\n  version: V1\n  groupPriorityMinimum: 1\n  versionPriority: 1\n  insecureSkipTLSVerify: true\n  caBundle: aGVsbG8=\n  service:\n    name: s\n    namespace: n'],
    ] as const) {
      await expectSameAsReal(cluster, `create -f ${file(`bad-${name}.yaml`, apiService(name, spec))}`)
    }
    expect((await cluster.ours(`create -f ${join(folder, 'bad-wrong.yaml')}`)).stderr).toBe(
      'The APIService "wrong" is invalid: \n* metadata.name: Invalid value: "wrong": must be `spec.version+"."+spec.group`: "v1beta1.custom.example.com"\n* spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000\n* spec.versionPriority: Invalid value: 0: must be positive and less than 1000\n* spec.caBundle: Invalid value: "5 bytes": local APIServices may not have a caBundle\n',
    )
  }, 60_000)

  it('registers an APIService for each version a CRD serves, and removes it with the CRD', async () => {
    const crd = file('crd.yaml', widgetsCrd('{name: v1beta1, served: false, storage: false, schema: {openAPIV3Schema: {type: object}}}'))
    expect((await cluster.ours(`create -f ${crd}`)).status).toBe(0)
    const registered = await expectSameAsReal(cluster, 'get apiservices -l kube-aggregator.kubernetes.io/automanaged=true')
    expect(registered.stdout).toMatch(/^NAME +SERVICE +AVAILABLE +AGE\nv1\.stable\.example\.com +Local +True +0s\n$/)
    expect((await cluster.ours("get apiservice v1.stable.example.com -o jsonpath='{.spec.groupPriorityMinimum}/{.spec.versionPriority}'")).stdout).toBe('1000/100')
    expect((await cluster.ours(`delete -f ${crd}`)).status).toBe(0)
    await expectSameAsReal(cluster, 'get apiservices -l kube-aggregator.kubernetes.io/automanaged=true')
  }, 60_000)
})
