// What kubectl prints after changing objects on the server, beside the real kubectl 1.32: the set
// verbs (but set selector), the create generators, run, expose and autoscale decode the server's
// answer into its Go type (-o json in struct order: kind first, metadata's name, namespace, uid …),
// while scale, label, annotate and patch print unstructured objects (keys sorted): scale and label
// the object as read (label's changed), annotate and patch the server's answer. Label says
// labeled, unlabeled or not labeled; patch never adds the dry-run words; a patch starting with `{`
// goes to the server as written.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'


/** What two runs cannot share: generated names, addresses, times and versions. */
const masked = (text: string) =>
  text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UID')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, 'TIME')
    .replace(/(resourceVersion"?: "?)\d+/g, '$1RV')
    .replace(/10\.\d+\.\d+\.\d+/g, 'CLUSTER-IP')
    .replace(/kube-api-access-[a-z0-9]{5}/g, 'kube-api-access-XXXXX')

describe.runIf(existsSync(realKubectl))('kubectl prints the server’s answer typed or unstructured as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create deployment web --image=nginx')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const sameAsReal = async (line: string) => {
    const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
    expect({status: ours.status, stdout: masked(ours.stdout), stderr: ours.stderr}).toEqual({status: theirs.status, stdout: masked(theirs.stdout), stderr: theirs.stderr})
    return theirs
  }

  const typedLines = [
    'set image deploy/web nginx=nginx:1.25 -o json --dry-run=server',
    'set image deploy/web nginx=nginx:1.25 -o json --dry-run=client',
    'set env deploy/web A=1 -o json --dry-run=server',
    'set resources deploy/web --limits=cpu=1 -o json --dry-run=server',
    'set serviceaccount deploy/web robot -o json --dry-run=server',
    'create deployment web2 --image=nginx -o json --dry-run=server',
    'create deployment web2 --image=nginx -o yaml --dry-run=server',
    'create configmap cm --from-literal=a=b -o json --dry-run=server',
    'create secret generic s --from-literal=a=b -o json --dry-run=server',
    'create namespace n1 -o json --dry-run=server',
    'create role r --verb=get --resource=pods -o json --dry-run=server',
    'create job j --image=busybox -o json --dry-run=server',
    'create service clusterip s1 --tcp=80:80 -o json --dry-run=server',
    'expose deploy/web --port=80 -o json --dry-run=server',
    'autoscale deploy/web --max=3 -o json --dry-run=server',
    'run p1 --image=nginx -o json --dry-run=server',
  ]
  const unstructuredLines = [
    'scale deploy/web --replicas=3 -o yaml --dry-run=server',
    'scale deploy/web --replicas=3 -o json --dry-run=client',
    'scale deploy/web --replicas=3 -o jsonpath={.spec.replicas} --dry-run=server',
    'label deploy/web a=b -o json --dry-run=server',
    'label deploy/web a=b -o json --dry-run=client',
    'label deploy/web a=b -o yaml --record --dry-run=server',
    'label deploy/web app- -o json --dry-run=server',
    'annotate deploy/web a=b -o json --dry-run=server',
    'annotate deploy/web a=b -o json --dry-run=client',
    'annotate deploy/web a=b --template={{.metadata.name}} --dry-run=server',
    `patch deploy/web -p '{"spec":{"replicas":2}}' -o yaml --dry-run=server`,
    `patch deploy/web -p '{"spec":{"replicas":2}}' -o json --dry-run=server`,
    // A client dry run prints the object patched as read: no new generation, the managed fields as they were.
    `patch deploy/web -p '{"spec":{"replicas":3}}' --dry-run=client -o yaml`,
    `patch deploy/web -p '{"spec":{"replicas":3}}' --dry-run=client -o json --show-managed-fields`,
  ]
  for (const line of [...typedLines, ...unstructuredLines]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      expect((await sameAsReal(line)).status).toBe(0)
    }, 30_000)
  }

  const messageLines = [
    'set selector deploy/web app=x -o json --dry-run=server',
    'label deploy/web app- --dry-run=server',
    'label deploy/web app=web --dry-run=server',
    'label deploy/web app=web --dry-run=client',
    'label deploy/web app=x --overwrite app- --dry-run=server',
    'annotate deploy/web a- --dry-run=server',
    'annotate deploy/web deployment.kubernetes.io/revision=1 --dry-run=server',
    "patch deploy/web -p '{spec:{replicas:2}}' -o json",
    "patch deploy/web -p 'spec: {replicas: 2}' --dry-run=server",
    "patch deploy/web -p 'spec: {replicas: 2}' --dry-run=client",
    `patch deploy/web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":2}]' --dry-run=server -o name`,
  ]
  for (const line of messageLines) {
    it(`says the same for: kubectl ${line}`, async () => {
      await sameAsReal(line)
    }, 30_000)
  }

  describe('rollout', () => {
    beforeAll(async () => {
      const daemonSet = 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: d\nspec:\n  selector:\n    matchLabels: {app: d}\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n      - name: web\n        image: nginx\n'
      writeFileSync(join(cluster.folder, 'ds.yaml'), daemonSet)
      for (const line of ['create deployment roll --image=nginx', 'set image deploy/roll nginx=nginx:1.25', `create -f ${join(cluster.folder, 'ds.yaml')}`, 'set image ds/d web=nginx:2', 'annotate deploy/roll a=b']) {
        expect((await cluster.ours(line)).status).toBe(0)
      }
    }, 60_000)

    // undo prints the object as read (typed), with the rollback's words; a client dry run
    // describes the template it would restore; history -o prints ReplicaSets or the object
    // with each revision applied.
    const rolloutLines = [
      'rollout undo deploy/roll -o json --dry-run=server',
      'rollout undo deploy/roll --dry-run=server',
      'rollout undo deploy/roll -o yaml --dry-run=client',
      'rollout undo deploy/roll --dry-run=client',
      'rollout undo deploy/roll --to-revision=2 --dry-run=server',
      'rollout undo ds/d --dry-run=client',
      'rollout undo ds/d --dry-run=server -o name',
      'rollout history deploy/roll -o json',
      'rollout history deploy/roll -o name',
      'rollout history deploy/roll --revision=1',
      'rollout history deploy/roll --revision=1 -o jsonpath={.metadata.name}',
      'rollout history ds/d -o yaml',
      'rollout history ds/d --revision=1 -o json',
    ]
    for (const line of rolloutLines) {
      it(`prints the same for: kubectl ${line}`, async () => {
        expect((await sameAsReal(line)).status).toBe(0)
      }, 30_000)
    }

    it('restarts, pauses, resumes and rolls back printing the server’s answer typed, as the real kubectl', async () => {
      // Each changes the object, so the real kubectl and ours take turns on two Deployments.
      for (const name of ['turn-real', 'turn-ours']) expect((await cluster.ours(`create deployment ${name} --image=nginx`)).status).toBe(0)
      for (const line of ['rollout restart deploy/NAME -o json', 'rollout pause deploy/NAME -o yaml', 'rollout resume deploy/NAME -o name', 'rollout undo deploy/NAME -o json', 'get deploy NAME -o jsonpath={.metadata.annotations}']) {
        const theirs = await cluster.real(line.replace('NAME', 'turn-real'))
        const ours = await cluster.ours(line.replace('NAME', 'turn-ours'))
        const same = (text: string) => masked(text).replaceAll('turn-real', 'turn-ours').replace(/-[a-z0-9]{8,10}\b/g, '-HASH')
        expect({status: ours.status, stdout: same(ours.stdout), stderr: same(ours.stderr)}).toEqual({status: theirs.status, stdout: same(theirs.stdout), stderr: same(theirs.stderr)})
      }
    }, 60_000)
  })
})
