// kubectl's verbs and flags as kubectl 1.32 runs them, beside it on the same API server: get -f,
// config view with templates, the warning of delete -n for a cluster-scoped kind, the create
// generators' refusals, -l on files, --record, create poddisruptionbudget.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'

/** stdout, stderr's first line and the exit code; ages and the server's port masked. */
function seen(result: ShellResult) {
  const mask = (text: string) => text.replace(/\b(?:\d+[ydhm])*\d+[ydhms]\b/g, 'AGE')
  const stderr = result.stderr.split('\n').filter((row) => !row.includes('memcache.go'))
  return {stdout: mask(result.stdout), stderr: mask(stderr[0] ?? ''), status: result.status}
}

const objects = `apiVersion: v1
kind: ConfigMap
metadata: {name: listed, namespace: other}
data: {a: "1"}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
`

const labelled = `apiVersion: v1
kind: ConfigMap
metadata: {name: first, labels: {tier: a}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: second, labels: {tier: b}}
`

describe('kubemu kubectl runs verbs and flags as the real kubectl', () => {
  let cluster: ReferenceCluster
  let file: string

  beforeAll(async () => {
    cluster = await referenceCluster()
    file = join(cluster.folder, 'objects.yaml')
    writeFileSync(file, objects)
    writeFileSync(join(cluster.folder, 'one.yaml'), objects.split('---\n')[0]!)
    writeFileSync(join(cluster.folder, 'labelled.yaml'), labelled)
    // Metadata that does not decode into ObjectMeta: kubectl refuses it before sending anything.
    const undecodable = {'name-bool': {name: true}, 'label-number': {name: 'a', labels: {x: 1}}, 'labels-array': {name: 'a', labels: []}, 'generation-fraction': {name: 'a', generation: 1.5}, 'metadata-string': 'text', 'finalizers-string': {name: 'a', finalizers: 'x'}}
    for (const [name, metadata] of Object.entries(undecodable)) writeFileSync(join(cluster.folder, `${name}.json`), JSON.stringify({kind: 'ConfigMap', apiVersion: 'v1', metadata}))
    expect((await cluster.ours('create namespace other')).status).toBe(0)
    expect((await cluster.ours('create configmap listed -n other --from-literal=a=1')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const same = async (line: string) => {
    const real = await cluster.real(line.replaceAll('FOLDER', cluster.folder))
    const ours = await cluster.ours(line.replaceAll('FOLDER', cluster.folder))
    expect({line, ...seen(ours)}).toEqual({line, ...seen(real)})
  }

  for (const line of [
    'get -f FOLDER/objects.yaml',
    'get -f FOLDER/one.yaml -o name',
    "get -f FOLDER/one.yaml -o jsonpath='{.data.a}'",
    'get -f FOLDER/objects.yaml cm',
    "config view -o jsonpath='{.contexts[*].name}'",
    "config view --minify -o jsonpath='{.users[0].name}'",
    "config view --template='{{.kind}}'",
    'config view -o wide',
    'delete namespace nothing-here -n other',
    'delete clusterrole nothing-here -n other --ignore-not-found',
    // Each generator words a refusal its own way; namespace and role pass it through.
    'create deployment Bad --image=nginx',
    'create configmap Bad',
    'create secret generic Bad',
    'create serviceaccount Bad',
    'create service nodeport Bad --tcp=80',
    'create job Bad --image=busybox',
    'create quota Bad --hard=pods=1',
    'create priorityclass Bad --value=1',
    'create token missing',
    'create namespace Bad',
    'create -f FOLDER/name-bool.json',
    'create -f FOLDER/label-number.json --validate=false',
    'apply -f FOLDER/labels-array.json',
    'create -f FOLDER/generation-fraction.json --dry-run=client',
    'create -f FOLDER/metadata-string.json',
    'replace -f FOLDER/finalizers-string.json',
    // -o json|yaml of several objects written: create prints each, apply one List with empty metadata.
    'create -f FOLDER/objects.yaml --dry-run=client -o yaml',
    'create -f FOLDER/objects.yaml --dry-run=client -o json',
    'apply -f FOLDER/objects.yaml --dry-run=client -o yaml',
    'apply -f FOLDER/objects.yaml --dry-run=client -o json',
    'create clusterrole admin --verb=get --resource=pods',
    'create rolebinding Bad --clusterrole=view --user=a --dry-run=server',
    'create pdb Bad --selector=app=a --min-available=1',
    // -l picks objects from files for create, apply and delete (not for get).
    'create -f FOLDER/labelled.yaml -l tier=none',
    'apply -f FOLDER/labelled.yaml -l tier=none',
    'delete -f FOLDER/labelled.yaml -l tier=none',
    'apply -f FOLDER/labelled.yaml -l tier=a --dry-run=server',
    'get -f FOLDER/labelled.yaml -l tier=a',
    "create pdb budget --selector='app notin (a),!d,e' --min-available=50% --dry-run=client -o yaml",
    "create pdb budget --selector=app=a,c --max-unavailable=2 --dry-run=client -o json",
    'create pdb budget --selector=app!=a --max-unavailable=2 --dry-run=client',
    'create pdb budget --selector=app=a --min-available=1 --max-unavailable=2 --dry-run=client',
    'create pdb budget --selector=app=a --min-available=1Gi --dry-run=client',
    'create pdb budget --min-available=1 --dry-run=client',
    // Selectors parse with apimachinery's grammar and words.
    "create -f FOLDER/labelled.yaml -l 'tier in (a' --dry-run=server",
    "delete -f FOLDER/labelled.yaml -l 'tier,'",
    "create pdb budget --selector='app in (b,,a)' --min-available=1 --dry-run=client -o json",
    "create pdb budget --selector='app in ()' --min-available=1 --dry-run=client -o json",
    "create pdb budget --selector='a<x' --min-available=1 --dry-run=client",
    "create pdb budget --selector='app=-bad-' --min-available=1 --dry-run=client",
    "create pdb budget --selector='a in (b c)' --min-available=1 --dry-run=client",
    "create pdb budget --selector='!a=b' --min-available=1 --dry-run=client",
    "create pdb budget --selector='Bad Key=1' --min-available=1 --dry-run=client",
    // --request-timeout ends a watch quietly (the server sends the watch's headers at once).
    'get cm -n other --watch --request-timeout=1s',
    'get cm --request-timeout=soon',
  ]) {
    it(`prints the same for: kubectl ${line}`, () => same(line), 30_000)
  }

  // --record writes the command line (its words, then each flag by its long name) where
  // `rollout history` reads it, through a patch, the scale subresource, set image and apply.
  it('records the change cause as kubectl does with --record', async () => {
    const causes: Record<string, string[]> = {}
    for (const [side, run] of [['real', cluster.real], ['ours', cluster.ours]] as const) {
      const name = `recorded-${side}`
      const steps = [
        `create deployment ${name} --image=nginx`,
        `set image deploy/${name} nginx=nginx:2 --record`,
        `scale deploy ${name} --replicas=2 --record -n default`,
        `annotate deploy ${name} note=x --record -o name`,
        `patch deploy ${name} -p '{"metadata":{"labels":{"c":"d"}}}' --record`,
      ]
      causes[side] = []
      for (const step of steps) {
        const result = await run(step)
        expect({step, status: result.status, notice: result.stderr.split('\n').filter((row) => row.startsWith('Flag '))}).toEqual({step, status: 0, notice: step.includes('--record') ? ['Flag --record has been deprecated, --record will be removed in the future'] : []})
        const cause = await run(`get deploy ${name} -o jsonpath='{.metadata.annotations.kubernetes\\.io/change-cause}'`)
        causes[side]!.push(cause.stdout.replace(/^kubectl\S*/, 'kubectl').replaceAll(side, 'SIDE'))
      }
    }
    expect(causes.ours).toEqual(causes.real)
    expect(causes.ours![2]).toBe('kubectl scale deploy recorded-SIDE --replicas=2 --record=true --namespace=default')
  }, 60_000)

  it('version -o json is indented by two spaces, as kubectl marshals it', async () => {
    const head = (result: ShellResult) => result.stdout.split('\n').slice(0, 3)
    expect(head(await cluster.ours('version -o json'))).toEqual(head(await cluster.real('version -o json')))
  })
})
