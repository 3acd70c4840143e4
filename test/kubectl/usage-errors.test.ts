// A command missing what it needs (a required flag, its resources, a subcommand) gets kubectl
// 1.32's own error lines and exit code: beside the real kubectl on one API server, the same
// stdout, stderr and exit status for each line.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'

const realKubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32'

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
})
