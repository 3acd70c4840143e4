// `edit` with an editor script and `--record` beside the real kubectl 1.32: edit --save-config
// saves the configuration with the managed fields kubectl hid from the editor, edit refuses any
// -o but json and yaml, and label's words (labeled, unlabeled, not labeled) weigh the object with
// --record's change-cause on it, as kubectl does.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {chmodSync, existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'
import {temporaryFolder} from '../support/temp.js'

describe.runIf(existsSync(realKubectl))('edit and --record as the real kubectl', () => {
  let cluster: ReferenceCluster
  const editorBefore = process.env.EDITOR

  beforeAll(async () => {
    const editor = join(temporaryFolder(), 'editor.sh')
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/replicas: [0-9]*/replicas: 2/" "$1"\n')
    chmodSync(editor, 0o755)
    // Both kubectls take the editor from the environment the cluster's commands run in.
    process.env.EDITOR = editor
    cluster = await referenceCluster()
    for (const namespace of ['r', 'o']) {
      expect((await cluster.real(`create namespace ${namespace}`)).status).toBe(0)
      expect((await cluster.real(`create deployment c -n ${namespace} --image=nginx`)).status).toBe(0)
    }
  }, 60_000)
  afterAll(async () => {
    if (editorBefore === undefined) delete process.env.EDITOR
    else process.env.EDITOR = editorBefore
    await cluster.close()
  })

  const sameAsReal = (line: string) => expectSameAsReal(cluster, line, ['-n r', '-n o'])

  /** The saved configuration's metadata keys and how many managed fields it holds. */
  const savedConfiguration = async (namespace: string) => {
    const object = JSON.parse((await cluster.real(`get deployment c -n ${namespace} -o json`)).stdout) as {metadata: {annotations: Record<string, string>}}
    const saved = JSON.parse(object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']!) as {metadata: Record<string, unknown[]>}
    return {keys: Object.keys(saved.metadata), managedFields: saved.metadata.managedFields?.length}
  }

  it('edit --save-config keeps the managed fields in the saved configuration; -o takes json or yaml only', async () => {
    expect((await sameAsReal('edit deployment/c --save-config')).stdout).toBe('deployment.apps/c edited\n')
    expect(await savedConfiguration('o')).toEqual(await savedConfiguration('r'))
    expect((await savedConfiguration('o')).keys).toContain('managedFields')
    for (const line of ['edit deployment/c -o name', 'edit deployment/c -o wide']) expect((await sameAsReal(line)).status).toBe(1)
  }, 60_000)

  it("label's words count --record's change-cause", async () => {
    for (const line of ['scale deployment c --replicas=3 --record', 'label deployment c q=1 --record', 'label deployment c q=1 --record', 'label deployment c q=1', 'label deployment c q- --record']) {
      expect((await sameAsReal(line)).status).toBe(0)
    }
  }, 60_000)
})
