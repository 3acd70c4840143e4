// kustomize's JSON 6902 patches (`patches:` with a list of operations, `patchesJson6902:` from a
// file) beside the real `kubectl kustomize` of kubectl 1.32: kustomize applies evanphx/json-patch
// v4 and passes its error on as it is, so the v4 rules and words show in the build's output.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'vitest'
import {temporaryFolder} from '../support/temp.js'
import {compareKustomize, realKubectlMissing} from './kustomize-real.js'

const resource = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "1"\nlist: [1, 2, 3]\n'

/** A kustomization folder whose one patch is `operations` (YAML or JSON), inline or from a file. */
function fixture(root: string, name: string, operations: string, form: 'patches' | 'patchesJson6902'): string {
  const folder = join(root, name)
  mkdirSync(folder)
  writeFileSync(join(folder, 'cm.yaml'), resource)
  if (form === 'patches') {
    const inline = operations.split('\n').map((line) => `    ${line}`).join('\n')
    writeFileSync(join(folder, 'kustomization.yaml'), `resources: [cm.yaml]\npatches:\n- target: {kind: ConfigMap, name: c}\n  patch: |-\n${inline}\n`)
  } else {
    writeFileSync(join(folder, 'ops.yaml'), operations)
    writeFileSync(join(folder, 'kustomization.yaml'), 'resources: [cm.yaml]\npatchesJson6902:\n- target: {version: v1, kind: ConfigMap, name: c}\n  path: ops.yaml\n')
  }
  return folder
}

const inlineCases: Record<string, string> = {
  replaceMissing: '[{"op":"replace","path":"/data/zz","value":"2"}]',
  removeMissing: '[{"op":"remove","path":"/data/zz"}]',
  testMissingKey: '[{"op":"test","path":"/data/zz","value":"1"}]',
  testMissingParent: '[{"op":"test","path":"/nope/zz","value":"1"}]',
  testFails: '[{"op":"test","path":"/data/a","value":"2"}]',
  replaceMissingParent: '[{"op":"replace","path":"/nope/zz","value":"2"}]',
  addMissingParent: '[{"op":"add","path":"/nope/x","value":1}]',
  negativeIndex: '[{"op":"add","path":"/list/-1","value":0}]',
  indexOutOfRange: '[{"op":"add","path":"/list/9","value":0}]',
  unknownOp: '[{"op":"frob","path":"/data/zz"}]',
  addWithoutValue: '[{"op":"add","path":"/data/b"}]',
  copyMissing: '[{"op":"copy","from":"/data/zz","path":"/data/c"}]',
  moveMissing: '[{"op":"move","from":"/data/zz","path":"/data/c"}]',
  yamlOperations: '- op: add\n  path: /data/y\n  value: yes\n- op: replace\n  path: /list/-3\n  value: 0',
}

describe.skipIf(realKubectlMissing !== undefined)('kustomize JSON 6902 patches as the real kubectl kustomize', () => {
  const root = temporaryFolder()

  for (const [name, operations] of Object.entries(inlineCases)) {
    it(`patches: ${name}`, async () => {
      await compareKustomize(`kustomize ${fixture(root, name, operations, 'patches')}`, root)
    })
  }

  it('patchesJson6902 from a file', async () => {
    await compareKustomize(`kustomize ${fixture(root, 'fileTest', '- op: test\n  path: /data/a\n  value: "2"\n', 'patchesJson6902')}`, root)
    await compareKustomize(`kustomize ${fixture(root, 'fileReplace', '- op: replace\n  path: /data/new\n  value: x\n', 'patchesJson6902')}`, root)
  })
})
