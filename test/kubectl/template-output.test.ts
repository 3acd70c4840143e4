// Templates beside the real kubectl 1.32 on one API server: -o jsonpath-as-json prints each
// template node's results as an indented JSON array; a go-template that fails while it runs (index
// out of range) prints what it wrote, then kubectl's debugging help on stdout and its error line;
// go-templates run as Go's text/template does (its builtins and their errors, fmt's verbs, parse
// errors with their line, kubectl's exists and base64decode); jsonpath's out-of-range indexes and
// slices fail as client-go's do, custom columns after their header.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'
import {realKubectl} from '../support/real-kubectl.js'


describe.runIf(existsSync(realKubectl))('kubectl templates beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const real = (line: string) => runShell(`${realKubectl} --kubeconfig ${join(cluster.folder, 'kubeconfig')} ${line}`, {cwd: cluster.folder, env: process.env})

  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const name of ['a', 'b']) expect((await cluster.ours(`create configmap ${name} --from-literal=key=${name}`)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    "get cm -o jsonpath-as-json='{.items[0].metadata.name}'",
    "get cm -o jsonpath-as-json='{range .items[*]}{.metadata.name}{end}'",
    "get cm a -o jsonpath-as-json='{.data}'",
    'get cm -o jsonpath-as-json=\'{.items[*].metadata.name}{"x"}\'',
    'get cm -o jsonpath-as-json=\'{.items[?(@.metadata.name=="b")].data}\'',
    "get cm -l none=here -o go-template='{{(index .items 0).metadata.name}}'",
    // client-go's jsonpath: an index or slice reaching outside the list fails, with its debugging help.
    "get cm -l none=here -o jsonpath='{.items[0].metadata.name}'",
    "get cm -o jsonpath='{.items[5].metadata.name}'",
    "get cm -o jsonpath='{.items[-1].metadata.name}{.items[1:1].metadata.name}'",
    "get cm -o jsonpath='{.items[0:9].metadata.name}'",
    "get cm -o jsonpath='{.items[1:0].metadata.name}'",
    "get cm -o jsonpath='{.items[0:2:0].metadata.name}'",
    "get cm -o jsonpath='{.items[0].metadata.name[0]}'",
    "get cm -o custom-columns=N:.metadata.name,M:.metadata.managedFields[4].manager",
    "get cm -o go-template='{{index .items 50}}'",
    "get cm -o go-template='{{index .items 2}}'",
    "get cm a -o go-template='{{index .nothing 0}}'",
    'get cm a -o go-template=\'{{.metadata.name}}{{"\\n"}}{{index .metadata.managedFields 1}}\'',
    'get cm -o go-template=\'{{range .items}}{{.metadata.name}} {{index .metadata.managedFields 1}}{{end}}\'',
    // Go's text/template over the decoded object: builtins, their errors, fmt's verbs and numbers.
    ...[
      '{{len 3}}',
      '{{len .nope}}',
      '{{.metadata.name | printf "%d"}}',
      '{{index .metadata.labels "x" "y"}}',
      '{{slice .metadata.name 1 3}}|{{slice .metadata.name 2 1}}',
      '{{template "x"}}',
      '{{eq .kind 3}}',
      '{{lt .kind "a"}} {{le 1 2}} {{ge 2.5 1.5}} {{eq 1 2 1}}',
      '{{range .metadata.name}}x{{end}}',
      '{{html "<a&b>"}} {{js "it\\x27s <x>"}} {{urlquery "a b&c=d"}}',
      '{{printf "%s-%v|%d" .kind}} {{printf "%d" 3 4}} {{printf "%5.2f|%x|%q|%e|%g" 3.14159 255 "a" 1234.5678 0.000001}}',
      '{{1000000}} {{1e6}} {{0x10}} {{print 1 2 "a" "b" 3}}',
      '{{base64decode "YWJj"}} {{base64decode "YQ="}}',
      '{{base64decode 3}}',
      '{{call .kind}}',
      '{{foo}}',
      '{{base64encode "a"}}',
      '{{$x}}',
      '{{.kind.}}',
      '{{if 1}}x',
      '{{exists . "metadata" "name"}}|{{exists . "nope"}}',
      '{{range $k, $v := .data}}{{$k}}={{$v}};{{else}}none{{end}}{{range .nope}}x{{else}}empty{{end}}',
      '{{with .metadata.name}}{{.x}}{{end}}',
      '{{.metadata.name.x}}',
      '{{nil}}',
      '{{"x" 1}}',
      '{{if and .kind (eq .kind "ConfigMap")}}y{{else if .x}}z{{else}}n{{end}}{{block "b" .}}B{{end}}',
    ].map((template) => `get cm a -o go-template='${template}'`),
  ]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const [theirs, ours] = [await real(line), await cluster.ours(line)]
      // UIDs and times are the same objects' for both; only kubectl's own stamps could differ.
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
      if (/'\{\{index \.(items 50|items 2|nothing 0)/.test(line)) expect(theirs.status).toBe(1)
    }, 30_000)
  }
})
