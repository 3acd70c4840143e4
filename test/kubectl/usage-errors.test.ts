// A command missing what it needs (a required flag, its resources, a subcommand) gets kubectl
// 1.32's own error lines and exit code: beside the real kubectl on one API server, the same
// stdout, stderr and exit status for each line.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'
import {realKubectl} from '../support/real-kubectl.js'


describe.runIf(existsSync(realKubectl))('kubectl usage errors beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const real = (line: string) => runShell(`${realKubectl} --kubeconfig ${join(cluster.folder, 'kubeconfig')} ${line}`, {cwd: cluster.folder, env: process.env})

  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    // cobra's required flags, named in sorted order, before anything else is checked.
    'run',
    'run x',
    'create deployment',
    'create cronjob x',
    'create cronjob x --image=busybox',
    'scale deployment x',
    'autoscale deployment x',
    // The output format named: the allowed ones sorted.
    'get pods -o foo',
    // No resources named.
    'logs',
    'exec',
    'expose',
    'expose deployment',
    'set image',
    'set env',
    'set resources',
    'edit',
    'label',
    'annotate',
    'taint',
    'wait',
    'wait --for=delete',
    'cordon',
    'uncordon',
    'drain',
    'replace',
    'diff',
    'patch pod x',
    'auth can-i get',
    'auth can-i get pods x y',
    // logs names the namespace of what it did not find.
    'logs nope',
    'logs deploy/nope -n kube-system',
    // A command group without its subcommand: its help, on stderr (rollout's on stdout), exit 1.
    'config',
    'rollout',
    'set',
    'auth',
    'top',
    'create secret',
  ]) {
    it(`fails as the real kubectl does: kubectl ${line}`, async () => {
      const [theirs, ours] = [await real(line), await cluster.ours(line)]
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 30_000)
  }

  // A v1 List: the real kubectl validates it against the server's OpenAPI before it sends each item.
  const list = (items: string) => `apiVersion: v1\nkind: List\n${items}`
  const manifests: Record<string, string> = {
    'list.yaml': list('items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: listed}\n  data: {a: "1"}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: listed}\n  spec:\n    ports: [{port: 80}]\n    selector: {app: x}\n'),
    'unknown-field.yaml': list('items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: odd}\n  bogus: 1\n'),
    'no-version.yaml': list('items:\n- kind: ConfigMap\n  metadata: {name: nover}\n'),
    'items-not-list.yaml': list('items: 3\n'),
    'several-faults.yaml': list('items:\n- kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  metadata: {name: b}\n- 3\n- kind: Secret\n'),
  }
  for (const line of [
    'create -f list.yaml',
    'create -f list.yaml',
    'get -f list.yaml -o name',
    'delete -f list.yaml',
    'create -f unknown-field.yaml --dry-run=server',
    'create -f no-version.yaml',
    'create -f items-not-list.yaml',
    'create -f several-faults.yaml',
    'apply -f several-faults.yaml',
  ]) {
    it(`takes a List as the real kubectl does: kubectl ${line}`, async () => {
      for (const [name, text] of Object.entries(manifests)) writeFileSync(join(cluster.folder, name), text)
      // Ours runs in this process: the files by their full paths.
      const command = line.replace(/-f (\S+)/, (_, name: string) => `-f ${join(cluster.folder, name)}`)
      const theirs = await real(command)
      // The real kubectl's change undone, so that ours meets the same cluster.
      const file = join(cluster.folder, 'list.yaml')
      if (line === 'create -f list.yaml' && theirs.status === 0) expect((await real(`delete -f ${file}`)).status).toBe(0)
      if (line === 'delete -f list.yaml' && theirs.status === 0) expect((await real(`create -f ${file}`)).status).toBe(0)
      const ours = await cluster.ours(command)
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 30_000)
  }
})
