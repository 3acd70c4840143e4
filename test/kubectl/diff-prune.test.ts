// `kubectl diff --prune` as kubectl 1.32: the objects `apply --prune` would delete show as a diff
// from the live object (managedFields and all) to nothing, with --prune-allowlist and its errors;
// cluster-scoped objects' files have an empty namespace (`v1.Namespace..name`); and -l on files
// filters only objects whose kind maps, so an unknown kind is still an error.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

describe.runIf(existsSync(realKubectl))('diff --prune as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** What must differ: Go's temporary folders and file times, the namespace, klog's header, uids and times. */
  const masked = (text: string) =>
    text
      .replace(/(LIVE|MERGED)-\d+/g, '$1-N')
      .replace(/\t\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \+0000/g, '\tTIME')
      .replace(/^W\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /gm, 'W ')
      .replace(/(uid|creationTimestamp|resourceVersion|time): .*$/gm, '$1: MASKED')
      .replace(/"?(prune-real|prune-ours)"?/g, 'NS')

  it('shows what apply --prune would delete, in a namespace and cluster-wide, and fails alike', async () => {
    const configMap = (name: string, label: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  labels: {app: ${label}}\ndata: {k: v}\n`
    for (const side of ['prune-real', 'prune-ours']) {
      const folder = join(cluster.folder, side)
      mkdirSync(join(folder, 'all'), {recursive: true})
      mkdirSync(join(folder, 'kept'), {recursive: true})
      writeFileSync(join(folder, 'all', 'objects.yaml'), `${configMap('a', 'x')}---\n${configMap('b', 'x')}---\n${configMap('c', 'other')}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${side}-gone\n  labels: {app: x}\n`)
      writeFileSync(join(folder, 'kept', 'objects.yaml'), configMap('a', 'x'))
      writeFileSync(join(folder, 'undecodable.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yes\n')
      writeFileSync(join(folder, 'empty.yaml'), '')
      writeFileSync(join(folder, 'nope.yaml'), 'apiVersion: v1\nkind: Nope\nmetadata:\n  name: nn\n')
      expect((await cluster.ours(`create ns ${side}`)).status).toBe(0)
      expect((await cluster.ours(`apply -f ${join(folder, 'all')} -n ${side}`)).status).toBe(0)
    }
    for (const line of [
      'diff --prune -l app=x -f DIR/kept',
      'diff --prune -l app=x -f DIR/kept --prune-allowlist=core/v1/ConfigMap',
      'diff --prune -f DIR/kept --prune-allowlist=core/v1/ConfigMap',
      'diff --prune -l app=x -f DIR/kept --prune-allowlist=bad',
      'diff --prune -l app=x -f DIR/kept --prune-allowlist=core/v1/Nope',
      'diff --prune -l app=x -f DIR/kept -f DIR/nope.yaml',
      'diff -l app=x -f DIR/nope.yaml',
      'diff --prune -l app=x -f DIR/kept -f DIR/undecodable.yaml',
      'apply -l app=x -f DIR/nope.yaml',
      'diff -l app=nothing -f DIR/kept',
      'diff -f DIR/all',
      'diff -f DIR/empty.yaml',
    ]) {
      const [theirs, ours] = await Promise.all(['prune-real', 'prune-ours'].map(async (side) => cluster[side === 'prune-real' ? 'real' : 'ours'](`${line.replaceAll('DIR', join(cluster.folder, side))} -n ${side}`)))
      const view = (result: typeof theirs) => ({line, status: result!.status, stdout: masked(result!.stdout), stderr: masked(result!.stderr)})
      expect(view(ours)).toEqual(view(theirs))
    }
  }, 60_000)
})
