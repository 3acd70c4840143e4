// --allow-missing-template-keys=false, as kubectl 1.32 gives it to its printers: text/template's
// missingkey=error (`map has no entry for key "bogus"`) and JSONPath without allowMissingKeys
// (`bogus is not found`), in get and in the objects create and apply write (each object's
// failure its own, the others still printed). The real kubectl against up is the reference.
import {describe, expect, it} from 'vitest'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

/** What differs between two objects made by two runs: their UIDs and times. */
const masked = (result: {stdout: string; stderr: string; status: number | null}) => {
  const mask = (text: string) => text.replace(/"uid":"[^"]+"|uid:[0-9a-f-]+/g, 'uid').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'time')
  return {stdout: mask(result.stdout), stderr: mask(result.stderr), status: result.status}
}

describe('--allow-missing-template-keys=false, both kubectls through up', () => {
  const {ours, real} = kubectlsOnUp()
  const two = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict-a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: strict-b}\n'

  it('fails a template on a missing key, as kubectl does', async () => {
    const lines = [
      'get namespace default -o jsonpath={.bogus} --allow-missing-template-keys=false',
      'get namespace default -o go-template={{.bogus}} --allow-missing-template-keys=false',
      'get namespace default -o jsonpath={.metadata.bogus}{.metadata.name} --allow-missing-template-keys=false',
      'get namespaces -o jsonpath={.items[*].metadata.bogus} --allow-missing-template-keys=false',
      'get namespace default -o go-template={{.bogus}}',
      'create -f - --dry-run=server -o go-template={{.bogus}} --allow-missing-template-keys=false',
      'apply -f - --dry-run=server -o jsonpath={.bogus} --allow-missing-template-keys=false',
    ]
    for (const line of lines) {
      const [theirs, own] = [masked(await real(line, two)), masked(await ours(line, two))]
      expect({line, ...own}).toEqual({line, ...theirs})
    }
    expect((await ours(lines[0]!)).stderr).toContain('bogus is not found')
    expect((await ours(lines[1]!)).stderr).toContain('map has no entry for key "bogus"')
  })
})
