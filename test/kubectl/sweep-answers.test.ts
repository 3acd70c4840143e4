// Answers a sweep of CI-script commands found different from the real kubectl 1.32, compared on
// one API server: drain's --pod-selector check and its order (every node cordoned first), cordon's
// "already" with the dry-run words, taint specs (an invalid key, one key and effect twice),
// create token's negative --duration and its -o, auth can-i --list with arguments, api-resources --sort-by,
// a custom-columns file whose headers and paths do not pair, top's --use-protocol-buffers.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

const node = (name: string, unschedulable = false) => `apiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\nspec:\n  unschedulable: ${unschedulable}\n`

describe.runIf(existsSync(realKubectl))('sweep answers beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    writeFileSync(join(cluster.folder, 'columns.txt'), 'NAME DATA\nmetadata.name\n')
    for (const [name, unschedulable] of [['n1', true], ['n2', false]] as const) expect((await cluster.ours('create -f -', node(name, unschedulable))).status).toBe(0)
    expect((await cluster.ours('create serviceaccount sa')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster?.close()
  })

  const lines = [
    "drain n1 --pod-selector='bad sel'",
    'drain n1 n2 --dry-run=client --pod-selector=x=y',
    'cordon n1 --dry-run=client',
    'cordon n1 --dry-run=server',
    'uncordon n2 --dry-run=client',
    'taint nodes n2 =b:NoSchedule',
    "taint nodes n2 'a b=c:NoSchedule'",
    'taint nodes n2 a=b:NoSchedule a=c:NoSchedule',
    'taint nodes n2 a=b:NoSchedule a:NoSchedule',
    'create token sa --duration=-1s',
    // -o prints the TokenRequest the server answered (boundObjectRef: null kept); no table formats.
    'create token sa -o name',
    "create token sa --duration=1h -o jsonpath='{.spec}'",
    "create token sa -o go-template --template='{{.kind}} {{.metadata.name}}'",
    'create token sa -o wide',
    'create token sa -o custom-columns=N:.metadata.name',
    'auth can-i --list pods',
    'api-resources --sort-by=bogus',
    'get cm -o custom-columns-file=FOLDER/columns.txt',
    'top pod --use-protocol-buffers=false',
    'top pod -A --sum --containers',
    'top pod -A --sum --field-selector=metadata.namespace=kube-system',
  ]
  for (const line of lines) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const command = line.replaceAll('FOLDER', cluster.folder)
      const [theirs, ours] = [await cluster.real(command), await cluster.ours(command)]
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 30_000)
  }
})
