// kubectl edit over several objects (several names, or a type alone): kubectl 1.32 shows them as
// one v1 List, patches the ones changed ("edited") and names the rest ("skipped"). The real
// kubectl and kubemu's run the same editor script on the same API server: what the editor was
// shown, what each prints and the objects after must be the same.
import {chmodSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

describe('kubectl edit of several objects beside the real kubectl', () => {
  const folder = temporaryFolder()
  const shownFile = join(folder, 'shown.yaml')
  const editor = join(folder, 'editor.sh')
  let cluster: ReferenceCluster
  const savedEditor = process.env.EDITOR

  beforeAll(async () => {
    // The editor keeps what it was shown and changes e1's value only.
    writeFileSync(editor, `#!/bin/sh\ncp "$1" ${shownFile}\nsed -i 's/^    a: "1"$/    a: "1x"/; s/^  a: "1"$/  a: "1x"/' "$1"\n`)
    chmodSync(editor, 0o755)
    process.env.EDITOR = editor
    cluster = await referenceCluster()
    for (const line of ['create configmap e1 --from-literal=a=1', 'create configmap e2 --from-literal=a=2']) expect((await cluster.real(line)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    if (savedEditor === undefined) delete process.env.EDITOR
    else process.env.EDITOR = savedEditor
    await cluster.close()
  })

  /** Runs one kubectl's edit from the same starting point: what it printed, what the editor saw, the values after. */
  async function edit(run: (line: string) => Promise<ShellResult>, line: string) {
    expect((await cluster.real(`patch configmap e1 -p '{"data":{"a":"1"}}'`)).status).toBe(0)
    rmSync(shownFile, {force: true})
    const result = await run(line)
    const shown = readFileSync(shownFile, 'utf8').replace(/(resourceVersion"?: )"\d+"/g, "$1RV")
    const values = (await cluster.real("get configmap e1 e2 -o jsonpath='{.items[*].data.a}'")).stdout
    return {status: result.status, stdout: result.stdout, stderr: result.stderr, shown, values}
  }

  for (const line of ['edit configmap e1 e2', 'edit configmap/e1 configmap/e2', 'edit configmap', 'edit configmap e1', 'edit configmap e2 e1 -o json']) {
    it(`kubectl ${line} edits as the real kubectl does`, async () => {
      const theirs = await edit((text) => cluster.real(text), line)
      const ours = await edit((text) => cluster.ours(text), line)
      expect(theirs.status).toBe(0)
      expect(ours).toEqual(theirs)
    }, 30_000)
  }
})
