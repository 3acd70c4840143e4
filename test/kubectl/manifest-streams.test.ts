// A manifest stream with a bad document, beside the real kubectl 1.32: kubectl acts on the
// documents before a syntax fault or a failed validation (and on later files), goes on past one it
// cannot decode or map and past the server's refusals, and tells every error at the end — create
// and replace in the stream's order, apply its reading errors first — exiting 1.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`
const stream = (...documents: string[]) => documents.join('---\n')

const streams: Record<string, string> = {
  'a syntax fault in the third document': stream(configMap('s1'), configMap('s2'), configMap('s3: x'), configMap('s4')),
  'a document without a kind': stream(configMap('s1'), 'apiVersion: v1\nmetadata: {name: s2}\n', configMap('s3')),
  'an existing, an invalid and a faulty document': stream(configMap('pre'), configMap('S2'), configMap('s3: x'), configMap('s4')),
  'undecodable and unmapped documents': stream(configMap('s1'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s2, labels: 3}\n', configMap('s3'), 'apiVersion: v1\nkind: Foo\nmetadata: {name: s4}\n', configMap('s5')),
  'an unknown field and an existing name': stream(configMap('s1'), `${configMap('s2')}bogus: 1\n`, configMap('pre'), configMap('s4')),
  'two undecodable documents': stream('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: s1, labels: 3}\n', 'apiVersion: v1\nkind: Foo\nmetadata: {name: s2}\n', configMap('s3')),
  'a JSON stream cut short': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s1"}}\n{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "s2"}\n',
}

describe.runIf(existsSync(realKubectl))('manifest streams with a bad document beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** The command's output, exit code and the ConfigMaps left, from a namespace holding only `pre`. */
  async function outcome(kubectl: 'real' | 'ours', line: string, stdin?: string) {
    await cluster.real('delete configmap --all')
    await cluster.real('create configmap pre')
    const result = await cluster[kubectl](line, stdin)
    const left = await cluster.real("get configmaps -o jsonpath={.items[*].metadata.name}")
    return {status: result.status, stdout: result.stdout, stderr: result.stderr, left: left.stdout}
  }

  for (const [what, text] of Object.entries(streams)) {
    for (const line of ['create -f -', 'apply -f -', 'apply --server-side -f -', 'replace -f -', 'create --dry-run=client -o name -f -', 'create --validate=false -f -']) {
      it(`${line} on ${what} acts and fails as the real kubectl does`, async () => {
        const theirs = await outcome('real', line, text)
        const ours = await outcome('ours', line, text)
        if (!line.includes('dry-run')) expect(theirs.status).toBe(1)
        expect(ours).toEqual(theirs)
      }, 30_000)
    }
  }

  it('reads the files after a faulty one, in a folder and as several -f', async () => {
    const folder = join(cluster.folder, 'stream-files')
    mkdirSync(folder, {recursive: true})
    writeFileSync(join(folder, 'a.yaml'), configMap('f1'))
    writeFileSync(join(folder, 'b.yaml'), stream(configMap('f2'), configMap('f3: x')))
    writeFileSync(join(folder, 'c.yaml'), configMap('f4'))
    for (const line of [`create -f ${folder}`, `apply -f ${folder}`, `create -f ${join(folder, 'b.yaml')} -f ${join(folder, 'c.yaml')}`]) {
      const theirs = await outcome('real', line)
      const ours = await outcome('ours', line)
      expect(theirs.left).toBe('f1 f2 f4 pre'.replace(line.includes('b.yaml') ? 'f1 ' : '#', ''))
      expect(ours).toEqual(theirs)
    }
  }, 60_000)

  it('warns when apply patches an object apply did not create, except with --dry-run=client', async () => {
    for (const line of ['apply -f -', 'apply --dry-run=server -f -', 'apply --dry-run=client -f -']) {
      const theirs = await outcome('real', line, `${configMap('pre')}data: {a: b}\n`)
      const ours = await outcome('ours', line, `${configMap('pre')}data: {a: b}\n`)
      expect(ours).toEqual(theirs)
    }
  }, 30_000)
})
