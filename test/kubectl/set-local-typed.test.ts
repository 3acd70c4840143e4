// kubectl set image/env/resources/serviceaccount/selector (--local -o yaml|json and on the server)
// beside the real kubectl 1.32: kubectl decodes
// the file into its Go type and prints that, so the output has the type's zero structs
// (`creationTimestamp: null`, `strategy: {}`, `resources: {}`, `status: {}`), its required zeros
// (a DaemonSet's numberReady: 0), canonical quantities, no unknown fields, and -o json in the Go
// struct's field order (maps sorted); several files print as YAML documents.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'


const template = (app: string, extra = '') => `  selector:
    matchLabels: {app: ${app}}
  template:
    metadata:
      labels: {app: ${app}}
    spec:
      containers:
      - name: web
        image: nginx${extra}
`

const manifests: Record<string, string> = {
  deployment: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n${template('web')}`,
  pod: `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {b: "2", a: "1"}
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
    resources:
      limits: {memory: 1024Mi, cpu: "0.5"}
    env:
    - {name: X, value: "1"}
    - {name: E, value: ""}
`,
  daemonset: `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: d\nspec:\n${template('d')}`,
  statefulset: `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: s
  annotations: {x: "z"}
spec:
  serviceName: s
  replicas: 2
${template('s', '\n        volumeMounts:\n        - {name: data, mountPath: /data}')}  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`,
  job: `apiVersion: batch/v1
kind: Job
metadata:
  name: j
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: web
        image: busybox
        command: [sh, -c, "echo hi"]
`,
  cronjob: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: c
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: web
            image: busybox
`,
  service: `apiVersion: v1
kind: Service
metadata:
  name: s
spec:
  selector: {app: a, tier: b}
  ports:
  - port: 80
`,
  replicaset: `apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: r
  unknownField: 1
spec:
  replicas: 0
  minReadySeconds: 0
${template('r', '\n        args: []\n        securityContext: {}')}`,
}

describe.runIf(existsSync(realKubectl))('kubectl set --local prints the typed object as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    for (const [name, text] of Object.entries(manifests)) writeFileSync(join(cluster.folder, `${name}.yaml`), text)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** Runs `line` (its `-f` files in the cluster folder) with both kubectls; returns the real one's result once ours matched it. */
  const sameAsReal = async (line: string) => {
    const absolute = line.replace(/-f (\S+)/g, (_, file: string) => `-f ${join(cluster.folder, file)}`)
    const [theirs, ours] = [await cluster.real(absolute), await cluster.ours(absolute)]
    expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    return theirs
  }

  const edits = ['set image --local web=nginx:2', 'set env --local A=1', 'set resources --local --limits=cpu=200m,memory=512Mi', 'set serviceaccount --local robot']
  for (const name of Object.keys(manifests).filter((kind) => kind !== 'service')) {
    for (const edit of edits) {
      for (const output of ['yaml', 'json']) {
        const line = `${edit} -f ${name}.yaml -o ${output}`
        it(`prints the same for: kubectl ${line}`, async () => {
          expect((await sameAsReal(line)).status).toBe(0)
        }, 30_000)
      }
    }
  }
  const selectorLines = [
    'set selector --local -f service.yaml app=x -o yaml',
    'set selector --local -f service.yaml app=x,env=prod -o json',
    'set selector --local -f service.yaml a=b --resource-version=7 -o yaml',
    'set selector --local -f service.yaml app=x',
    "set selector --local -f service.yaml 'app=x,env in (a,b),!old'",
    'set selector --local -f service.yaml app!=x',
    "set selector --local -f service.yaml 'x>1'",
    'set selector --local -f service.yaml a=b=c',
    'set selector --local -f service.yaml',
    'set selector --local -f deployment.yaml app=x',
  ]
  for (const line of selectorLines) {
    it(`prints the same for: kubectl ${line}`, async () => {
      await sameAsReal(line)
    }, 30_000)
  }

  it('sets a Service selector on the server as the real kubectl does', async () => {
    expect((await cluster.ours(`create -f ${join(cluster.folder, 'service.yaml')}`)).status).toBe(0)
    for (const line of ['set selector service s app=web', 'set selector service s app=web', 'set selector svc/s app=db,tier=x --dry-run=server -o name', 'set selector service s', 'set selector service nothere a=b']) {
      await sameAsReal(line)
    }
    const selector = await cluster.ours("get service s -o jsonpath='{.spec.selector}'")
    expect(selector.stdout).toBe('{"app":"web"}')
  }, 60_000)

  it('sets a service account on the server as the real kubectl does, and fails alike without one', async () => {
    expect((await cluster.ours(`create -f ${join(cluster.folder, 'deployment.yaml')}`)).status).toBe(0)
    for (const line of ['set serviceaccount deployment web robot', 'set sa deployment/web robot2 --dry-run=server -o name', 'set sa deployment web', 'set sa', 'set sa deployment nothere x']) {
      await sameAsReal(line)
    }
    const account = await cluster.ours("get deployment web -o jsonpath='{.spec.template.spec.serviceAccountName}'")
    expect(account.stdout).toBe('robot')
  }, 60_000)

  for (const output of ['yaml', 'json', 'name']) {
    const line = `set image --local -f deployment.yaml -f pod.yaml -f statefulset.yaml web=nginx:3 -o ${output}`
    it(`prints the same for: kubectl ${line}`, async () => {
      expect((await sameAsReal(line)).status).toBe(0)
    }, 30_000)
  }
})
