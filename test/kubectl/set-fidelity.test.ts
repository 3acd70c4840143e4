// kubectl set image and set env beside the real kubectl 1.32: malformed arguments, files with
// --local, --list (and --resolve, -c, -e) and --from, each with the real one's output and exit code.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'


const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: e}
spec:
  selector: {matchLabels: {app: e}}
  template:
    metadata: {labels: {app: e}}
    spec:
      initContainers:
      - name: init
        image: busybox
        env: [{name: I, value: "1"}]
      containers:
      - name: app
        image: nginx
        env:
        - {name: A, value: "1"}
        - {name: B, value: "x y"}
        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: U, valueFrom: {secretKeyRef: {name: s, key: USER}}}
        - {name: M, valueFrom: {configMapKeyRef: {name: c, key: MODE}}}
        - {name: R, valueFrom: {resourceFieldRef: {resource: limits.cpu, divisor: 1m}}}
        - {name: E}
      - name: side
        image: busybox
`

const pod = `apiVersion: v1
kind: Pod
metadata: {name: p, labels: {b: "2", a: "x"}, annotations: {n: "1"}}
spec:
  containers:
  - name: app
    image: nginx
    resources: {limits: {cpu: 1500m, memory: 1Gi}, requests: {cpu: 100m}}
    env:
    - {name: U, valueFrom: {secretKeyRef: {name: nope, key: USER}}}
    - {name: V, valueFrom: {secretKeyRef: {name: s, key: NOPE}}}
    - {name: W, valueFrom: {configMapKeyRef: {name: c, key: NOPE}}}
    - {name: X, valueFrom: {secretKeyRef: {name: nope, key: OTHER}}}
    - {name: L, valueFrom: {fieldRef: {fieldPath: metadata.labels}}}
    - {name: LA, valueFrom: {fieldRef: {fieldPath: "metadata.labels['a']"}}}
    - {name: NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: C, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
    - {name: M, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: RC, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
`

/** What differs between two copies of one object made one after the other: its uid, version and times. */
const masked = (text: string) =>
  text
    .replace(/(uid|resourceVersion): .*/g, '$1: …')
    .replace(/"?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"?/g, 'TIME')

describe.runIf(existsSync(realKubectl))('kubectl set beside the real kubectl', () => {
  let cluster: ReferenceCluster
  let file: string

  beforeAll(async () => {
    cluster = await referenceCluster()
    file = join(cluster.folder, 'e.yaml')
    writeFileSync(file, deployment)
    for (const line of ['create secret generic s --from-literal=USER=bob', 'create configmap c --from-literal=MODE=dev']) expect((await cluster.real(line)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  /** Runs the line with each kubectl on a fresh copy of the objects; the outputs and what is left must be equal. */
  async function compare(line: string, stdin?: string) {
    const outcomes = []
    for (const kubectl of ['real', 'ours'] as const) {
      await cluster.real('delete deployment e --ignore-not-found')
      expect((await cluster.real(`apply -f ${file}`)).status).toBe(0)
      const result = await cluster[kubectl](line.replaceAll('FILE', file), stdin)
      const left = await cluster.real("get deployment e -o jsonpath={.spec.template.spec}")
      outcomes.push({status: result.status, stdout: masked(result.stdout), stderr: result.stderr, left: left.stdout})
    }
    expect(outcomes[1]).toEqual(outcomes[0])
  }

  for (const line of [
    'set image deploy/e app',
    'set image deploy/e =x',
    'set image deploy/e app=',
    'set image deploy/e a=b=c',
    'set image deploy/e nope=x',
    'set image deploy/e app=x nope=y',
    'set image deploy/e *=x:1 app=y',
    'set image deploy/e app=x other',
    'set image deploy e app=x',
    'set image deploy/e app-',
    'set image deploy/e app=x -',
    'set image deploy/e app=x -f FILE',
    'set image deploy/e app=x --local -o name',
    'set image -f FILE app=q --local',
    'set image -f FILE app=q',
    'set image -f FILE',
    'set image deploy/nope deploy/nope2 deploy/e app=x',
    'set image deploy/nope app=x',
    'set image deploy/e app=nginx',
    'set resources deploy/e --limits=cpu=-1',
    'set env deploy/e --list',
    'set env deploy/e --list --resolve',
    'set env deploy/e --list -c app',
    'set env deploy/e --list -c init',
    'set env deploy/e --list -c nope',
    "set env deploy/e --list -c 'a*'",
    'set env deploy -l app=e --list',
    'set env deploy/e --list -o yaml',
    'set env deploy/e --list A=2',
    'set env deploy/e --list --resolve -c init -e Q=1 Z=2',
    'set env deploy/e --list --from=secret/s -c side',
    'set env deploy/e --from=secret/s --dry-run=client -o yaml',
    'set env deploy/e --from=configmap/c --prefix=P_ --keys=MODE -c side',
    'set env deploy/e --from=secret/nope',
    'set env deploy/e --from=foo/x',
    'set env deploy/e --from=deploy/e',
    'set env deploy/e -e A=9 --dry-run=client -o yaml',
    'set env deploy/e A=2 --overwrite=false',
    'set env deploy/e A=2 A-',
    'set env deploy/e A=1 B-',
    'set env deploy/e X-',
    'set env deploy/e --keys=A',
    "set env deploy/e 'A B=1'",
    'set env deploy/e --list --all -l a=b',
    'set env deploy/e A- --dry-run=client -o name',
    'set env deploy/e foo',
    'set env deploy/e B=1 deploy/x',
    'set env -f FILE --local --list',
  ]) {
    it(`${line} does what the real kubectl does`, () => compare(line), 30_000)
  }

  it('set env - reads KEY=VALUE lines from stdin, as the real kubectl does', () => compare('set env deploy/e - -c side --dry-run=client -o yaml', 'S=1 # a comment\n# only a comment\nT=two=2\n'), 30_000)

  it('set env --list --resolve reads what the references name, and tells what it cannot', async () => {
    await cluster.real('delete pod p --ignore-not-found')
    expect((await cluster.real('apply -f -', pod)).status).toBe(0)
    for (const line of ['set env pod/p --list --resolve', 'set env pod/p --list']) {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect(theirs.stdout).toContain('# U from secret nope, key USER')
      expect(ours).toEqual(theirs)
    }
  }, 30_000)
})
