// How each verb's resource builder takes -f objects without an apiVersion (or a kind), beside the
// real kubectl 1.32 on one API server: rollout, set, expose and debug decode into kubectl's Go
// types and refuse them (`Object 'apiVersion' is missing in '…'`, rollout restart|pause|resume
// bare); the others read them unstructured, map a core kind at its preferred version and reach the
// server through a client of no version (its 404), except patch, scale and autoscale, which build
// their client from the mapping and take the file's object as the object (no GET).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

const files: Record<string, string> = {
  'noapi-deploy.yaml': 'kind: Deployment\nmetadata:\n  name: a\n',
  'noapi-cm.yaml': 'kind: ConfigMap\nmetadata:\n  name: a\n',
  'noapi-order.yaml': 'metadata:\n  name: a\n  labels: {z: "1", b: "2"}\nkind: Deployment\n',
  'noapi-json.json': '{"metadata": {"name": "a"},\n "kind": "Pod"}\n',
  'nokind.yaml': 'apiVersion: v1\nmetadata:\n  name: a\n',
  'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
  'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n',
  'nolabels.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: nl\nspec:\n  containers:\n  - name: c\n    image: nginx\n',
}

const typedVerbs = ['rollout status', 'rollout history', 'rollout undo', 'rollout restart', 'rollout pause', 'rollout resume', 'set env A=1', 'set image c=x', 'set resources --limits=cpu=1', 'set sa x', 'set subject --user=u', 'set selector a=b', 'expose --port=80', 'debug --image=busybox --profile=general']
const unstructuredVerbs = ['patch -p {}', 'scale --replicas=2', 'scale --replicas=2 --dry-run=client', 'autoscale --max=2', 'certificate approve', 'apply view-last-applied', 'apply set-last-applied', 'edit', 'label a=b']

describe.runIf(existsSync(realKubectl))('-f objects without apiVersion or kind, verb by verb, beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const path = (name: string) => join(cluster.folder, name)

  beforeAll(async () => {
    // edit's editor changes nothing: what is compared is how the objects were read.
    process.env.EDITOR = 'true'
    cluster = await referenceCluster()
    for (const [name, text] of Object.entries(files)) writeFileSync(path(name), text)
    for (const line of ['create cm a', 'create deployment a --image=nginx', 'run a --image=nginx']) expect((await cluster.ours(line)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster?.close()
  })

  const lines = [
    ...['noapi-deploy.yaml', 'noapi-cm.yaml', 'noapi-order.yaml', 'noapi-json.json', 'nokind.yaml'].flatMap((file) => [...typedVerbs, ...unstructuredVerbs].map((verb) => `${verb} -f FILE/${file}`)),
    'scale --replicas=2 -f FILE/cm.yaml',
    'scale --replicas=3 -f FILE/deploy.yaml -o yaml',
    'patch -f FILE/cm.yaml -p {}',
    'autoscale --max=2 -f FILE/deploy.yaml --dry-run=client -o yaml',
    'expose -f FILE/deploy.yaml --port=80',
    'expose -f FILE/deploy.yaml --port=80 --selector=a=b --dry-run=client -o yaml',
    'expose -f FILE/nolabels.yaml --port=80',
    'expose -f FILE/cm.yaml deploy/a --port=80',
    'edit -f FILE/cm.yaml cm/a',
  ]
  for (const line of lines) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const command = line.replaceAll('FILE', cluster.folder)
      const [theirs, ours] = [await cluster.real(command), await cluster.ours(command)]
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 30_000)
  }
})
