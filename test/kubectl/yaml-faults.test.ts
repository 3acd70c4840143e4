// A malformed manifest gets the real kubectl 1.32's error line (sigs.k8s.io/yaml's go-yaml words
// and line numbers, counted from each `---` document's start) and exit code, and changes nothing;
// one without a usable kind or apiVersion gets its validation's or, with --validate=false, its
// decoder's or the server's answer.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

const realKubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'
const configMap = 'apiVersion: v1\nkind: ConfigMap\n'

const malformed: Record<string, string> = {
  'a key indented too far': `${configMap}metadata:\n  name: a\n   labels: x\n`,
  'a key indented too little': `${configMap}metadata:\n    name: a\n  labels: {}\n`,
  'a tab as indentation': `${configMap}metadata:\n\tname: a\n`,
  'an unclosed double quote': `${configMap}metadata:\n  name: "a\ndata: {}\n`,
  'an unclosed single quote': `${configMap}metadata:\n  name: 'a\n`,
  'an unclosed bracket': `${configMap}metadata:\n  name: a\n  finalizers: [a, b\ndata: {}\n`,
  'an unclosed bracket at the end': `${configMap}metadata:\n  name: a\n  finalizers: [a, b\n`,
  'an unclosed brace': `${configMap}metadata: {name: a\ndata: {}\n`,
  'key: value: x': `${configMap}metadata:\n  name: a: x\n`,
  'a key without a colon': `${configMap}metadata\n  name: a\n`,
  'a key alone at the end': `${configMap}metadata:\n  name: a\n  labels:\n    a: b\n  c\n`,
  'a sequence inside a mapping': `${configMap}metadata:\n  name: a\n  - b\n`,
  'a mapping outdented': `${configMap}metadata:\n  name: a\ndata:\n  a: "1"\n b: "2"\n`,
  'text after a quoted value': `${configMap}metadata:\n  name: a\n  labels:\n    a: "x" y\n`,
  'a value starting with @': `${configMap}metadata:\n  name: @a\n`,
  'an alias of no anchor': `${configMap}metadata: {name: a}\ndata:\n  a: &x "1"\n  b: *x\n  c: *y\n`,
  'a fault in the second document': `${configMap}metadata:\n  name: a: b\n---\n${configMap}metadata:\n  name: x\n`,
  'an invalid first document before a fault': 'apiVersion: v1\nmetadata: {name: a}\n---\nkind: : :\n',
  'JSON with a trailing comma': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a",}}\n',
  'JSON without a comma': '{"apiVersion": "v1" "kind": "ConfigMap"}\n',
  'JSON with an unquoted key': '  {apiVersion: "v1"}\n',
  'JSON cut short': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}\n',
  'JSON with a misspelt literal': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"x": tru}}\n',
  'JSON with a trailing comma in an array': '{"a": [1, 2,]}',
  'JSON with a leading zero': '{"a": 01}',
  'JSON with a bad escape': '{"a": "x\\q"}',
  'JSON with a bad number': '{"a": 1.}',
  'JSON with a tab in a string': '{"a": "b\tc"}',
  'JSON without a colon': '{"a" 1}',
  'JSON with an invalid first value before a fault': '{"a": 1} x',
  'an undefined tag handle': `${configMap}metadata: {name: a}\ndata:\n  a: !x!y z\n`,
  'a scalar document': 'hello\n',
  'a number document': '3\n',
  'a list document': '- a\n- b\n',
}

/** Documents that parse but that kubectl's validation or its decoder refuses. */
const undecodable: Record<string, string> = {
  'no kind': 'apiVersion: v1\nmetadata:\n  name: a\n',
  'an empty kind': 'apiVersion: v1\nkind: ""\nmetadata: {name: "a<b"}\n',
  'a number as kind': 'apiVersion: v1\nkind: 3\nmetadata: {name: a}\n',
  'no apiVersion': 'kind: ConfigMap\nmetadata:\n  name: a\n',
  'an empty apiVersion': 'apiVersion: ""\nkind: ConfigMap\nmetadata: {name: a}\n',
  'a number as apiVersion': 'apiVersion: 3\nkind: ConfigMap\nmetadata: {name: a}\n',
  'neither kind nor apiVersion': 'metadata: {name: a}\n',
  'numbers as both': 'kind: 3\napiVersion: 3\nmetadata: {name: a}\n',
  'a scalar': 'hello\n',
  'a list': '- a\n- b\n',
}

describe.runIf(existsSync(realKubectl))('malformed manifests beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const [what, text] of Object.entries(malformed)) {
    for (const verb of ['create', 'apply']) {
      it(`${verb} -f - fails as the real kubectl does on ${what}`, async () => {
        const [theirs, ours] = [await cluster.real(`${verb} -f -`, text), await cluster.ours(`${verb} -f -`, text)]
        expect(theirs.status).not.toBe(0)
        expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
      }, 30_000)
    }
  }

  for (const [what, text] of Object.entries(undecodable)) {
    for (const line of ['create -f -', 'create --validate=false -f -', 'apply --validate=false -f -', 'replace --validate=ignore -f -']) {
      it(`${line} fails as the real kubectl does on ${what}`, async () => {
        const [theirs, ours] = [await cluster.real(line, text), await cluster.ours(line, text)]
        expect(theirs.status).not.toBe(0)
        expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
      }, 30_000)
    }
  }

  it('sends an unknown field with --validate=false, refuses it by default and warns of it with --validate=warn', async () => {
    const text = `${configMap}metadata:\n  name: odd\nbogus: 1\n`
    for (const line of ['create --dry-run=server -o name -f -', 'create --dry-run=server --validate=false -o name -f -', 'create --dry-run=server --validate=warn -o name -f -']) {
      const [theirs, ours] = [await cluster.real(line, text), await cluster.ours(line, text)]
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }
  }, 30_000)

  it('takes the last of a repeated key, as the real kubectl does', async () => {
    const text = `${configMap}kind: Secret\nmetadata:\n  name: a\n  name: b\n`
    const line = 'create --dry-run=client -o name -f -'
    const [theirs, ours] = [await cluster.real(line, text), await cluster.ours(line, text)]
    expect(theirs).toEqual({status: 0, stdout: 'secret/b\n', stderr: ''})
    expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
  }, 30_000)
})
