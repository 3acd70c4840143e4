// label and annotate --list (the changes applied to what is listed, a heading per object when the
// builder does not take one object), label's checks before any request (values, one `=` a spec,
// --list with -o, --resource-version of several objects), and apply set-last-applied's printed
// object and edit-last-applied, beside the real kubectl 1.32 on one API server (the real one in
// namespace r, ours in o, each on objects of its own).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {chmodSync, existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {temporaryFolder} from '../support/temp.js'

describe.runIf(existsSync(realKubectl))('label --list and the last-applied verbs as the real kubectl', () => {
  let cluster: ReferenceCluster
  const editorBefore = process.env.EDITOR
  const folder = temporaryFolder()
  const manifest = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "${data}"\n`

  beforeAll(async () => {
    const editor = join(folder, 'editor.sh')
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/x: \\"2\\"/x: \\"3\\"/" "$1"\n')
    chmodSync(editor, 0o755)
    writeFileSync(join(folder, 'a1.yaml'), manifest('1'))
    writeFileSync(join(folder, 'a2.yaml'), manifest('2'))
    process.env.EDITOR = editor
    cluster = await referenceCluster()
    for (const namespace of ['r', 'o']) {
      for (const line of [`create namespace ${namespace}`, `apply -f ${folder}/a2.yaml -n ${namespace}`, `create cm b -n ${namespace}`, `create cm c -n ${namespace}`, `label cm a b -n ${namespace} app=x`]) {
        expect((await cluster.real(line)).status).toBe(0)
      }
    }
  }, 60_000)
  afterAll(async () => {
    if (editorBefore === undefined) delete process.env.EDITOR
    else process.env.EDITOR = editorBefore
    await cluster.close()
  })

  const sameAsReal = (line: string) => expectSameAsReal(cluster, line.replaceAll('FOLDER', folder), ['-n r', '-n o'])

  it('lists labels and annotations as kubectl does: one object bare, several under headings, with the changes asked', async () => {
    for (const line of ['label cm a --list', 'label cm/a --list app- q=1', 'label cm a b --list', 'label cm -l app=x --list', 'annotate cm b --list n=1', 'annotate cm b c --list n=1', 'label -f FOLDER/a1.yaml --list']) {
      expect((await sameAsReal(line)).status).toBe(0)
    }
  }, 60_000)

  it('checks label values, specs, --list with -o and --resource-version before any request', async () => {
    for (const line of ['label cm a "v=b c"', 'label cm a v=-x', 'label cm a v=b=c', `label cm a v=${'a'.repeat(64)}`, 'label cm a --list -o yaml', 'label cm a b --resource-version=1 z=1', 'label cm -l app=x --resource-version=1 z=1', 'annotate cm b --list -o name']) {
      await sameAsReal(line)
    }
  }, 60_000)

  it('set-last-applied prints the object it patched (on a client dry run the one it read); edit-last-applied saves the edited configuration', async () => {
    for (const line of ['apply set-last-applied -f FOLDER/a1.yaml --dry-run=client -o jsonpath={.data}', 'apply set-last-applied -f FOLDER/a1.yaml --dry-run=server -o jsonpath={.data}', 'apply edit-last-applied cm/b', 'apply edit-last-applied cm/nope', 'apply edit-last-applied cm/a -o wide']) {
      await sameAsReal(line)
    }
    expect((await sameAsReal('apply edit-last-applied cm/a')).stdout).toBe('configmap/a edited\n')
    // The saved configurations differ by their namespace only.
    const [theirs, ours] = [await cluster.real('apply view-last-applied cm/a -n r'), await cluster.ours('apply view-last-applied cm/a -n o')]
    expect(ours.stdout.replace('namespace: o', 'namespace: r')).toBe(theirs.stdout)
    expect(theirs.stdout).toContain('x: "3"')
    expect((await sameAsReal('get cm a -o jsonpath={.metadata.managedFields[*].manager}')).status).toBe(0)
    expect((await sameAsReal('apply edit-last-applied cm/a')).stderr).toBe('Edit cancelled, no changes made.\n')
  }, 60_000)
})
