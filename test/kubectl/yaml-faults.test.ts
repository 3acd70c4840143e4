// A malformed manifest gets the real kubectl 1.32's error line (sigs.k8s.io/yaml's go-yaml words
// and line numbers, counted from each `---` document's start) and exit code, and changes nothing;
// one without a usable kind or apiVersion gets its validation's or, with --validate=false (and
// always in get, describe and delete, which do not validate), its decoder's or the server's answer; %YAML/%TAG directives and `---` lines are read as kubectl reads them.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

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

/**
 * Directives and separators: kubectl cuts the stream at `---` lines before go-yaml sees it, so a
 * directive never has its `---`; go-yaml's fault for the first one it meets, or kubectl's
 * reader's for a separator with more than a comment after it. Read with --dry-run=client, so the
 * documents before the fault print the same from both kubectls and change nothing.
 */
const cm = (name: string) => `${configMap}metadata:\n  name: ${name}\n`
const directives: Record<string, string> = {
  'a repeated %YAML directive': `%YAML 1.1\n%YAML 1.1\n---\n${cm('a')}`,
  'a repeated %YAML directive of another version': `%YAML 1.1\n%YAML 1.2\n---\n${cm('a')}`,
  'a repeated %YAML directive after comments': `# head\n\n%YAML 1.1\n%YAML 1.1\n---\n${cm('a')}`,
  'a repeated %YAML directive in the second document': `${cm('a')}---\n%YAML 1.1\n%YAML 1.1 # again\n---\n${cm('b')}`,
  'a repeated %YAML directive with CRLF line ends': `%YAML 1.1\r\n%YAML 1.1\r\n---\r\n${cm('a')}`,
  'a repeated %TAG handle': `%TAG !x! tag:a,2000:\n%TAG !x! tag:b,2000:\n---\n${cm('a')}`,
  'a %YAML 1.2 directive': `%YAML 1.2\n---\n${cm('a')}`,
  'a %YAML 1.2 directive after blank lines': `\n\n%YAML 1.2\n---\n${cm('a')}`,
  'a %YAML 1.1 directive alone': `%YAML 1.1\n---\n${cm('a')}`,
  'two %TAG directives alone': `%TAG !! tag:a\n%TAG ! tag:b\n---\n${cm('a')}`,
  'a directive without its ---': `%YAML 1.1\n${cm('a')}`,
  'a directive at the end of the stream': `${cm('a')}---\n%YAML 1.1`,
  'a %YAML version without a dot': `%YAML 1\n---\n${cm('a')}`,
  'a %YAML version without a minor': `\n%YAML 1.\n---\n${cm('a')}`,
  'a %YAML version too long': `%YAML 1234567890.1\n---\n${cm('a')}`,
  'text after a %YAML version': `%YAML 1.1 x\n---\n${cm('a')}`,
  'an unknown directive': `%FOO bar\n---\n${cm('a')}`,
  'a directive without a name': `%\n---\n${cm('a')}`,
  'a %TAG handle not closed': `%TAG !x tag:a\n---\n${cm('a')}`,
  'a %TAG without a prefix': `%TAG !x! \n---\n${cm('a')}`,
  'a repeated %YAML directive after the content': `${cm('a')}%YAML 1.1\n%YAML 1.1\nb: 2\n`,
  'an unknown directive after the content': `${cm('a')}%FOO\n`,
  'a separator with a value after it': `${cm('a')}---\n${cm('b')}--- x\n${cm('c')}`,
  'a separator of four dashes': `${cm('a')}----\n${cm('b')}`,
  'a separator with a comment after it': `${cm('a')}--- # next\n${cm('b')}---# and\n${cm('c')}`,
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

  for (const [what, text] of Object.entries(directives)) {
    for (const line of ['create --dry-run=client -o name -f -', 'apply --dry-run=client -f -']) {
      it(`${line} does as the real kubectl on ${what}`, async () => {
        const [theirs, ours] = [await cluster.real(line, text), await cluster.ours(line, text)]
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

  // Only the writers validate: get, describe and delete map the kind as they find it (a core kind
  // at no version, a path the server does not serve; another kind not at all) or fail to decode it.
  const unvalidated = {...undecodable, 'a Deployment without apiVersion': 'kind: Deployment\nmetadata: {name: a}\n', 'a Namespace without apiVersion': 'kind: Namespace\nmetadata: {name: default}\n', 'an object not there': `${configMap}metadata: {name: absent}\n`}
  for (const [what, text] of Object.entries(unvalidated)) {
    for (const line of ['get -f -', 'get -o name -f -', 'describe -f -', 'delete -f -']) {
      it(`${line} does as the real kubectl on ${what}`, async () => {
        const [theirs, ours] = [await cluster.real(line, text), await cluster.ours(line, text)]
        // (describe finds the Namespace: its describer reads it at the version discovery maps it to.)
        if (!(line.startsWith('describe') && what.startsWith('a Namespace'))) expect(theirs.status).not.toBe(0)
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
