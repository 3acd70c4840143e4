// create -f and apply -f print what they wrote with a template, as kubectl 1.32's PrintFlags
// allow (jsonpath, jsonpath-as-json, go-template, --template alone; apply prints a List of several
// objects), and refuse the table formats (wide, custom-columns) with kubectl's list of formats.
// Manifests' plain scalars resolve as go-yaml v2 resolves them.
import {afterAll, beforeAll, describe, it} from 'vitest'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

const two = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\n'

describe('create and apply with a template', () => {
  let cluster: ReferenceCluster
  beforeAll(async () => {
    cluster = await referenceCluster()
  })
  afterAll(async () => {
    await cluster.close()
  })

  it('read manifests\' plain scalars as go-yaml v2 does: dates and 1:20 stay strings, 0o17 is a number, infinities are refused', async () => {
    for (const value of ['2001-12-14', '1:20', '0o17', 'on', '.inf', '-.Inf', '.nan']) {
      const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: scalar}\ndata: {k: ${value}}\n`
      const line = "create -f - --dry-run=server -o 'jsonpath={.data.k}'"
      const [real, ours] = [await cluster.real(line, manifest), await cluster.ours(line, manifest)]
      await expectSameAsReal({...cluster, real: async () => real, ours: async () => ours}, `${line} # k: ${value}`)
    }
  })

  it('print as the real kubectl does', async () => {
    const lines = [
      "create -f - --dry-run=server -o 'jsonpath={.metadata.name} '",
      "apply -f - --dry-run=server -o 'jsonpath={.kind} {.items[*].metadata.name}'",
      "create -f - --dry-run=server -o 'go-template={{.kind}}'",
      "apply -f - --dry-run=client --template='{{.kind}}'",
      "create -f - --dry-run=server -o 'jsonpath-as-json={.metadata.name}'",
      'create -f - --dry-run=server -o wide',
      'apply -f - --dry-run=server -o custom-columns=N:.metadata.name',
      'create -f - --dry-run=server -o jsonpath',
    ]
    for (const line of lines) {
      const [real, ours] = [await cluster.real(line, two), await cluster.ours(line, two)]
      await expectSameAsReal({...cluster, real: async () => real, ours: async () => ours}, line)
    }
  })
})
