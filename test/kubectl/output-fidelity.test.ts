// kubemu's kubectl prints what kubectl 1.32 prints, on the same API server and objects: go
// templates with fields of a parenthesized pipeline, empty lists in every format, --template,
// --show-managed-fields, describe --show-events=false, JSONPath's relaxed forms and their errors.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'

const manifest = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}, {name: side, image: busybox}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b-settings, labels: {tier: x}}
data: {color: blue}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a-settings, labels: {tier: x}}
data: {color: red}
`

/** stdout, stderr's first line and the exit code; ages and times masked. */
function seen(result: ShellResult) {
  const mask = (text: string) => text.replace(/\b(?:\d+[ydhm])*\d+[ydhms]\b/g, 'AGE').replace(/"?time"?: "?[0-9T:Z-]+"?/g, 'time: T').replace(/creationTimestamp: "?[0-9T:Z-]+"?/g, 'creationTimestamp: T')
  const stderr = result.stderr.split('\n').filter((row) => !row.includes('memcache.go'))
  return {stdout: mask(result.stdout), stderr: mask(stderr[0] ?? ''), status: result.status}
}

describe('kubemu kubectl prints as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('apply -f -', manifest)).stderr).toBe('')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    // Field access on a parenthesized pipeline.
    "get deploy web -o go-template='{{(index .spec.template.spec.containers 0).name}}'",
    "get deploy web -o go-template='{{(index .spec.template.spec.containers 1).image}}{{\"\\n\"}}'",
    "get deploy -o go-template='{{range .items}}{{(index .spec.template.spec.containers 0).image}} {{end}}'",
    "get deploy web -o go-template='{{(index .spec.template.spec.containers 0).name'",
    "get deploy web -o go-template='{{ .spec.replicas | printf \"%d\" }}'",
    // An empty list in each format: only human output says "No resources found".
    'get secrets -l none=1',
    'get secrets -l none=1 -o wide',
    'get secrets -l none=1 -o name',
    'get secrets -l none=1 -o json',
    'get secrets -l none=1 -o yaml',
    "get secrets -l none=1 -o go-template='{{.kind}}'",
    "get secrets -l none=1 -o jsonpath='{.kind}'",
    'get secrets -l none=1 -o custom-columns=NAME:.metadata.name',
    'get secrets,cm -l none=1 -o name',
    // --template with and without -o.
    "get cm a-settings --template='{{.data.color}}'",
    "get cm -l tier=x -o go-template --template='{{range .items}}{{.metadata.name}} {{end}}'",
    "get cm -l tier=x -o jsonpath --template='{.items[*].metadata.name}'",
    'get cm -l tier=x -o go-template',
    "create configmap t --from-literal=a=b --dry-run=client --template='{{.data.a}}'",
    // Managed fields only when asked for.
    "get cm a-settings -o jsonpath='{.metadata.managedFields[*].manager}'",
    "get cm a-settings -o jsonpath='{.metadata.managedFields[*].manager}' --show-managed-fields",
    "get cm a-settings -o go-template='{{range .metadata.managedFields}}{{.manager}}{{end}}' --show-managed-fields",
    'describe cm a-settings --show-events=false',
    'describe deploy web --show-events=false',
    // JSONPath's relaxed forms and bad paths.
    'get cm -l tier=x --sort-by={metadata.name} -o name',
    'get cm -l tier=x --sort-by=metadata.name -o name',
    'get cm -l tier=x --sort-by={.metadata.name} -o name',
    'get cm -l tier=x -o custom-columns=NAME:{metadata.name},COLOR:data.color',
    'get cm -l tier=x --sort-by={{metadata.name} -o name',
    'get cm -l tier=x -o custom-columns=NAME:{{.metadata.name}',
    // A path that is not a relaxed one: one kind's table takes it as written (or prints no rows,
    // without an error); several kinds, other formats and a single object each do otherwise.
    "get cm -l tier=x --sort-by='{.metadata.name'",
    "get cm -l tier=x --sort-by='{.metadata.name}}'",
    "get cm -l tier=x --sort-by='metadata.name}'",
    "get cm -l tier=x --sort-by='.metadata.name['",
    "get cm -l tier=x --sort-by='{.metadata.name' -o name",
    "get cm,secrets -l tier=x --sort-by='{.metadata.name'",
    "get cm a-settings --sort-by='{.x' -o name",
    // A template that ends inside an action: the first construct left open is the error.
    "get cm -l tier=x -o jsonpath='{.items[*'",
    "get cm -l tier=x -o jsonpath='{range .items[*'",
    "get cm -l tier=x -o jsonpath='{.items[?(@.x'",
    "get cm -l tier=x -o jsonpath='{.items[*]'",
    // Malformed conditions (the real kubectl's wait on a met condition is compared under up).
    'wait --for=jsonpath=.data.color= cm/a-settings --timeout=1s',
    'wait --for=jsonpath=.data.color=a=b cm/a-settings --timeout=1s',
    'wait --for=jsonpath={{.data} cm/a-settings --timeout=1s',
  ]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const real = await cluster.real(line)
      const ours = await cluster.ours(line)
      if (process.env.SHOW_REFERENCE) console.log(`=== ${line}\n${ours.stdout}${ours.stderr}--- real\n${real.stdout}${real.stderr}`)
      expect({line, ...seen(ours)}).toEqual({line, ...seen(real)})
    }, 30_000)
  }
})
