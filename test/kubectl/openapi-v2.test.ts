// /openapi/v2 as kube-apiserver 1.32 serves it, read by the real kubectl: client-side validation of
// a `kind: List` manifest (create -f, apply -f), its errors for unknown fields, wrong types and
// missing required fields, and `explain --output=plaintext-openapiv2`. The JSON form answers a
// client that asks for no protobuf.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'

const list = (names: string[]) => `apiVersion: v1
kind: List
items:
${names.map((name) => `- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: ${name}}\n  data: {a: "1"}\n`).join('')}`

const invalidList = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: invalid-one}
  bogus: 1
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: invalid-two}
  spec:
    replicas: "x"
    selector: {matchLabels: {a: b}}
    template:
      metadata: {labels: {a: b}}
      spec:
        containers: [{image: nginx}]
`

const mistyped = JSON.stringify({
  apiVersion: 'v1',
  kind: 'List',
  items: [
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {name: 'p', labels: {a: 1}},
      spec: {containers: [{name: 'c', image: 'x', ports: [{containerPort: '80'}], args: ['a', 2], env: 'x'}], nodeSelector: [], priority: 1.5, hostNetwork: 'yes'},
    },
    {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}, data: {x: 1}, binaryData: 'no'},
  ],
})

/** A ConfigMap with a field it does not have, named for the side that writes it. */
const unknownField = (side: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${side}-unknown}\nbogus: 1\n`

describe('/openapi/v2 for the real kubectl', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
    writeFileSync(join(cluster.folder, 'created.yaml'), list(['listed-one', 'listed-two']))
    writeFileSync(join(cluster.folder, 'applied.yaml'), list(['applied-one']))
    writeFileSync(join(cluster.folder, 'invalid.yaml'), invalidList)
    writeFileSync(join(cluster.folder, 'mistyped.json'), mistyped)
    for (const side of ['real', 'ours']) writeFileSync(join(cluster.folder, `${side}-unknown.yaml`), unknownField(side))
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('create -f of a List validates each item and creates them', async () => {
    const result = await cluster.real(`create -f ${cluster.folder}/created.yaml`)
    expect(result).toMatchObject({stdout: 'configmap/listed-one created\nconfigmap/listed-two created\n', status: 0})
  })

  it('apply -f of a List creates, then finds nothing to change', async () => {
    expect(await cluster.real(`apply -f ${cluster.folder}/applied.yaml`)).toMatchObject({stdout: 'configmap/applied-one created\n', status: 0})
    expect(await cluster.real(`apply -f ${cluster.folder}/applied.yaml`)).toMatchObject({stdout: 'configmap/applied-one unchanged\n', status: 0})
  })

  it('refuses a List with invalid items before it writes anything', async () => {
    const result = await cluster.real(`create -f ${cluster.folder}/invalid.yaml`)
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(
      `error: error validating "${cluster.folder}/invalid.yaml": error validating data: [ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap, ` +
        'ValidationError(Deployment.spec.replicas): invalid type for io.k8s.api.apps.v1.DeploymentSpec.replicas: got "string", expected "integer", ' +
        'ValidationError(Deployment.spec.template.spec.containers[0]): missing required field "name" in io.k8s.api.core.v1.Container]',
    )
    expect((await cluster.real('get configmap invalid-one --ignore-not-found')).stdout).toBe('')
  })

  it('explain reads the v2 document', async () => {
    const result = await cluster.real('explain deployments.spec.replicas --output=plaintext-openapiv2')
    expect(result).toMatchObject({status: 0})
    expect(result.stdout).toContain('FIELD:    replicas <integer>')
    expect(result.stdout).toContain('Number of desired pods.')
  })

  it('serves JSON to a client that asks for no protobuf', async () => {
    const result = await cluster.real('get --raw /openapi/v2')
    expect(result.status).toBe(0)
    const document = JSON.parse(result.stdout) as {swagger: string; definitions: Record<string, {'x-kubernetes-group-version-kind'?: unknown}>; paths: Record<string, unknown>}
    expect(document.swagger).toBe('2.0')
    expect(document.definitions['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind']).toEqual([{group: 'apps', kind: 'Deployment', version: 'v1'}])
    expect(Object.keys(document.paths)).toContain('/api/v1/namespaces/{namespace}/configmaps/{name}')
  })

  // kubemu's kubectl validates a List's items itself too, and reads --validate as kubectl does.
  const seen = (result: ShellResult, side: string) => ({
    stdout: result.stdout.replaceAll(side, 'SIDE'),
    stderr: result.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n').replaceAll(side, 'SIDE'),
    status: result.status,
  })
  for (const line of [
    'create -f FOLDER/invalid.yaml',
    'apply -f FOLDER/mistyped.json',
    'create -f FOLDER/SIDE-unknown.yaml --validate=bad',
    'apply -f FOLDER/SIDE-unknown.yaml --validate=nope',
    'create configmap SIDE-generated --validate=maybe',
    'create -f FOLDER/SIDE-unknown.yaml',
    'create -f FOLDER/SIDE-unknown.yaml --validate=false',
    'delete -f FOLDER/SIDE-unknown.yaml',
    'create -f FOLDER/SIDE-unknown.yaml --validate=warn',
    'delete -f FOLDER/SIDE-unknown.yaml',
    'apply -f FOLDER/SIDE-unknown.yaml --validate=ignore',
  ]) {
    it(`kubemu's kubectl: ${line}`, async () => {
      const run = (side: 'real' | 'ours') => cluster[side](line.replaceAll('FOLDER', cluster.folder).replaceAll('SIDE', side))
      const real = seen(await run('real'), 'real')
      const ours = seen(await run('ours'), 'ours')
      expect({line, ...ours}).toEqual({line, ...real})
    })
  }
})
