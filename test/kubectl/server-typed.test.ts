// What kubectl prints after changing objects on the server, beside the real kubectl 1.32: the set
// verbs (but set selector), the create generators, run, expose and autoscale decode the server's
// answer into its Go type (-o json in struct order: kind first, metadata's name, namespace, uid …),
// while scale, label, annotate and patch print unstructured objects (keys sorted): scale and label
// the object as read (label's changed), annotate and patch the server's answer. Label says
// labeled, unlabeled or not labeled; patch never adds the dry-run words; a patch starting with `{`
// goes to the server as written.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

const realKubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'

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
})
