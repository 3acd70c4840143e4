// Bad input a script may hit, beside the real kubectl 1.32 (a sweep of issue 19's verbs and flags
// with both kubectls on one cluster): the same stdout, stderr and exit code. The root command's
// flag errors (an unknown flag, a flag without its value, before any verb); a group's unknown
// subcommand, named with every word after the group; create service's port that is not a number;
// create deployment with an empty --image (given, so not missing: no container, and the server
// refuses it); set's verbs on a kind without a pod template, named by its Go type; kubectl events' output
// formats (no table printers); -f of a folder that holds no manifest file.
import {afterAll, beforeAll, describe, it} from 'vitest'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {expectSameAsReal, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'

describe.runIf(existsSync(realKubectl))('bad input beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    await cluster.ours('create configmap c1 --from-literal=a=1')
    mkdirSync(join(cluster.folder, 'empty'))
    mkdirSync(join(cluster.folder, 'notes'))
    writeFileSync(join(cluster.folder, 'notes', 'README.txt'), 'not a manifest\n')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    '--bogus',
    '-n',
    '--namespace',
    'create secret bogus s t',
    'config bogus a b',
    'create deployment d --image=',
    'create deployment d --image= --dry-run=client -o yaml',
    'create service clusterip s --tcp=abc',
    'create service nodeport s --tcp=x:1',
    'set image cm/c1 a=b',
    'set env cm/c1 A=b',
    'set resources cm/c1 --limits=cpu=1',
    'set serviceaccount cm/c1 sa',
    'events -o bogus',
  ]) {
    it(`answers as the real kubectl: kubectl ${line}`, async () => {
      await expectSameAsReal(cluster, line)
    }, 30_000)
  }

  for (const verb of ['get', 'describe', 'apply', 'create', 'delete', 'diff', 'label x=y']) {
    it(`refuses -f of a folder without manifest files as the real kubectl: kubectl ${verb}`, async () => {
      for (const folder of ['empty', 'notes']) await expectSameAsReal(cluster, `${verb} -f ${join(cluster.folder, folder)}`)
    }, 30_000)
  }
})
