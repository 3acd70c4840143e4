// kubectl's verbs and flags as kubectl 1.32 runs them, beside it on the same API server: get -f,
// config view with templates, the warning of delete -n for a cluster-scoped kind.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'

/** stdout, stderr's first line and the exit code; ages and the server's port masked. */
function seen(result: ShellResult) {
  const mask = (text: string) => text.replace(/\b\d+s\b/g, 'AGE')
  const stderr = result.stderr.split('\n').filter((row) => !row.includes('memcache.go'))
  return {stdout: mask(result.stdout), stderr: mask(stderr[0] ?? ''), status: result.status}
}

const objects = `apiVersion: v1
kind: ConfigMap
metadata: {name: listed, namespace: other}
data: {a: "1"}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
`

describe('kubemu kubectl runs verbs and flags as the real kubectl', () => {
  let cluster: ReferenceCluster
  let file: string

  beforeAll(async () => {
    cluster = await referenceCluster()
    file = join(cluster.folder, 'objects.yaml')
    writeFileSync(file, objects)
    writeFileSync(join(cluster.folder, 'one.yaml'), objects.split('---\n')[0]!)
    expect((await cluster.ours('create namespace other')).status).toBe(0)
    expect((await cluster.ours('create configmap listed -n other --from-literal=a=1')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const same = async (line: string) => {
    const real = await cluster.real(line.replaceAll('FOLDER', cluster.folder))
    const ours = await cluster.ours(line.replaceAll('FOLDER', cluster.folder))
    expect({line, ...seen(ours)}).toEqual({line, ...seen(real)})
  }

  for (const line of [
    'get -f FOLDER/objects.yaml',
    'get -f FOLDER/one.yaml -o name',
    "get -f FOLDER/one.yaml -o jsonpath='{.data.a}'",
    'get -f FOLDER/objects.yaml cm',
    "config view -o jsonpath='{.contexts[*].name}'",
    "config view --minify -o jsonpath='{.users[0].name}'",
    "config view --template='{{.kind}}'",
    'config view -o wide',
    'delete namespace nothing-here -n other',
    'delete clusterrole nothing-here -n other --ignore-not-found',
  ]) {
    it(`prints the same for: kubectl ${line}`, () => same(line), 30_000)
  }
})
