// -o jsonpath-as-json prints each template node's results as an indented JSON array, as kubectl
// 1.32 does (not as plain jsonpath text): beside the real kubectl on one API server.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'

const realKubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'

describe.runIf(existsSync(realKubectl))('kubectl -o jsonpath-as-json beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const real = (line: string) => runShell(`${realKubectl} --kubeconfig ${join(cluster.folder, 'kubeconfig')} ${line}`, {cwd: cluster.folder, env: process.env})

  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const name of ['a', 'b']) expect((await cluster.ours(`create configmap ${name} --from-literal=key=${name}`)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    "get cm -o jsonpath-as-json='{.items[0].metadata.name}'",
    "get cm -o jsonpath-as-json='{range .items[*]}{.metadata.name}{end}'",
    "get cm a -o jsonpath-as-json='{.data}'",
    'get cm -o jsonpath-as-json=\'{.items[*].metadata.name}{"x"}\'',
    'get cm -o jsonpath-as-json=\'{.items[?(@.metadata.name=="b")].data}\'',
  ]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const [theirs, ours] = [await real(line), await cluster.ours(line)]
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 30_000)
  }
})
