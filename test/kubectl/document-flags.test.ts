// Flags that take a document (`patch -p`/`--patch-file`, `run`/`expose --overrides`) given a
// malformed one, beside the real kubectl 1.32: the fault in the words of the Go library kubectl
// reads it with (go-yaml's for a YAML patch, quoted as Go quotes it; the merge patch library's,
// strategic merge's or encoding/json's for overrides), never the JavaScript parser's.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

describe.runIf(existsSync(realKubectl))('malformed documents in flags, as the real kubectl words them', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.real('create deployment a --image=nginx')).status).toBe(0)
    writeFileSync(join(cluster.folder, 'bad-patch.yaml'), 'spec: [a\n')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const sameAsReal = (line: string) => expectSameAsReal(cluster, line)

  it('patch -p with malformed YAML or JSON', async () => {
    // Several lines in one argument: a line break inside the single quotes.
    for (const patch of ['spec: [a', 'a: b: c', '[{', '{', '[a,', 'a: {b: 1', 'a: "x', 'a: @x', '- a\nb: c', 'a:\n b\nc', 'a: [1,\n 2', 'a: b\n  c: d', '{"spec":', '{bad}']) {
      expect((await sameAsReal(`patch deployment a --type=merge -p '${patch}'`)).status).toBe(1)
    }
    expect((await sameAsReal(`patch deployment a --patch-file=${join(cluster.folder, 'bad-patch.yaml')}`)).stderr).toMatch(/^error: unable to parse "": yaml: line 1: /)
  }, 60_000)

  it('run and expose --overrides with a malformed document, or one that is no object', async () => {
    for (const flags of [
      "--overrides='{bad'",
      "--overrides='{\"a\":'",
      "--overrides='a: b'",
      '--overrides=5',
      '--overrides=null',
      "--overrides='[1]'",
      "--overrides='[1]' --override-type=strategic",
      "--overrides='{bad' --override-type=strategic",
      "--overrides='{bad' --override-type=json",
      "--overrides='[{' --override-type=json",
      "--overrides='[1]' --override-type=json",
      "--overrides='{}' --override-type=json",
    ]) {
      expect((await sameAsReal(`run p --image=x --dry-run=client ${flags}`)).status).toBe(1)
    }
    expect((await sameAsReal(`expose deployment a --port=80 --dry-run=client --overrides='{bad'`)).status).toBe(1)
    expect((await sameAsReal(`expose deployment a --port=80 --dry-run=client --overrides='{"spec":{"type":"NodePort"}}' -o yaml`)).stdout).toContain('type: NodePort')
  }, 60_000)
})
