// apply --force as kubectl 1.32 does it: a patch the server refuses as invalid (an immutable
// field) deletes the object and creates it anew, reported as configured; the flags that cannot go
// with --force or --force-conflicts are refused first. Each side works on its own copy of the
// objects, beside the real kubectl on the same API server.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'

const service = (name: string, ip: string) => `apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  clusterIP: ${ip}
  ports: [{port: 80}]
`

const pod = (name: string, container: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  containers: [{name: ${container}, image: nginx:1.27}]
`

/** The side's name and its Service's address masked. */
const seen = (result: ShellResult, side: string) => ({
  stdout: result.stdout.replaceAll(side, 'SIDE'),
  stderr: result.stderr.split('\n').filter((row) => !row.includes('memcache.go')).join('\n').replaceAll(side, 'SIDE').replace(/10\.96\.0\.5\d/g, 'IP'),
  status: result.status,
})

describe('kubectl apply --force', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
    // Each side's files: the real kubectl's objects end in -real, ours in -ours.
    let address = 50
    for (const side of ['real', 'ours']) {
      writeFileSync(join(cluster.folder, `svc1-${side}.yaml`), service(`fixed-${side}`, `10.96.0.${address++}`))
      writeFileSync(join(cluster.folder, `svc2-${side}.yaml`), service(`fixed-${side}`, `10.96.0.${address++}`))
      for (const name of ['now', 'later']) {
        writeFileSync(join(cluster.folder, `pod1-${name}-${side}.yaml`), pod(`${name}-${side}`, 'main'))
        writeFileSync(join(cluster.folder, `pod2-${name}-${side}.yaml`), pod(`${name}-${side}`, 'other'))
      }
    }
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** Runs a line on each side's own objects (SIDE in the line); both print the same. */
  const same = async (line: string) => {
    const real = seen(await cluster.real(line.replaceAll('FOLDER', cluster.folder).replaceAll('SIDE', 'real')), 'real')
    const ours = seen(await cluster.ours(line.replaceAll('FOLDER', cluster.folder).replaceAll('SIDE', 'ours')), 'ours')
    expect({line, ...ours}).toEqual({line, ...real})
    return ours
  }

  it('replaces a Service whose clusterIP a patch may not change', async () => {
    expect(await same('apply -f FOLDER/svc1-SIDE.yaml')).toMatchObject({stdout: 'service/fixed-SIDE created\n', status: 0})
    expect((await same('apply -f FOLDER/svc2-SIDE.yaml')).stderr).toMatch(/^The Service "fixed-SIDE" is invalid: spec.clusterIPs\[0\]: Invalid value: \[\]string\{"IP"\}: may not change once set\n$/)
    const before = (await cluster.ours("get svc fixed-ours -o jsonpath='{.metadata.uid}'")).stdout
    expect(await same('apply -f FOLDER/svc2-SIDE.yaml --force')).toMatchObject({stdout: 'service/fixed-SIDE configured\n', stderr: '', status: 0})
    expect((await cluster.ours("get svc fixed-ours -o jsonpath='{.spec.clusterIP}'")).stdout).toBe('10.96.0.53')
    expect((await cluster.ours("get svc fixed-ours -o jsonpath='{.metadata.uid}'")).stdout).not.toBe(before)
    expect(await same('apply -f FOLDER/svc2-SIDE.yaml --force')).toMatchObject({stdout: 'service/fixed-SIDE unchanged\n', status: 0})
  })

  it('replaces a scheduled Pod at once with --grace-period=0; without it, the pod still terminating, fails as kubectl does', async () => {
    for (const name of ['now', 'later']) expect((await same(`apply -f FOLDER/pod1-${name}-SIDE.yaml`)).status).toBe(0)
    expect(await same('apply -f FOLDER/pod2-now-SIDE.yaml --force --grace-period=0 -o name')).toMatchObject({stdout: 'pod/now-SIDE\n', status: 0})
    expect((await same("get pod now-SIDE -o jsonpath='{.spec.containers[0].name}'")).stdout).toBe('other')
    const failed = await same('apply -f FOLDER/pod2-later-SIDE.yaml --force')
    expect(failed.status).toBe(1)
    expect(failed.stderr).toMatch(/^error: error when applying patch:\n\{.*\n\nto:\nResource: "\/v1, Resource=pods", GroupVersionKind: "\/v1, Kind=Pod"\nName: "later-SIDE", Namespace: "default"\nfor: ".*pod2-later-SIDE.yaml": context deadline exceeded\n$/)
  })

  for (const line of [
    'apply -f FOLDER/svc1-SIDE.yaml --force --server-side',
    'apply -f FOLDER/svc1-SIDE.yaml --force --dry-run=server',
    'apply -f FOLDER/svc1-SIDE.yaml --force-conflicts',
    'apply -f FOLDER/svc1-SIDE.yaml --server-side --dry-run=client',
    'apply -f FOLDER/svc1-SIDE.yaml --force --dry-run=client',
  ]) {
    it(line, async () => {
      await same(line)
    })
  }
})
