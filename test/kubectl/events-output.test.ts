// kubectl events: --types checked (any case) before any request, and -o json/yaml/name printing the
// typed EventList (Go's field order, zero times as null, no managedFields unless asked), templates
// with the managedFields (parsed before any request), beside the real kubectl 1.32 on one API server.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'
import {realKubectl} from '../support/real-kubectl.js'


const event = (name: string, reason: string, type: string, time: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: {name, namespace: 'default'},
    involvedObject: {kind: 'Pod', namespace: 'default', name: 'web', uid: '00000000-0000-4000-8000-000000000001', apiVersion: 'v1'},
    reason,
    message: `${reason} happened`,
    source: {component: 'tester'},
    firstTimestamp: time,
    lastTimestamp: time,
    count: 1,
    type,
  })

describe.runIf(existsSync(realKubectl))('kubectl events beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const real = (line: string) => runShell(`${realKubectl} --kubeconfig ${join(cluster.folder, 'kubeconfig')} ${line}`, {cwd: cluster.folder, env: process.env})

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create -f -', event('web.1', 'Started', 'Normal', '2026-01-01T00:00:00Z'))).status).toBe(0)
    expect((await cluster.ours('create -f -', event('web.2', 'BackOff', 'Warning', '2026-01-01T00:01:00Z'))).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  // json and yaml drop managedFields unless --show-managed-fields; the templates see them.
  const templated = ['events -o jsonpath={.items}', 'events -o jsonpath={.items[*].metadata.managedFields[*].manager}', "events -o go-template='{{range .items}}{{len .metadata.managedFields}}{{end}}'", "events -o go-template --template='{{len .items}}'", "events --template='{{len .items}}'", 'events -o json --show-managed-fields', 'events -o yaml --show-managed-fields', "events -o go-template='{{len'", "events -n none -o go-template='{{len'", "events -n none -o jsonpath='{.a'", 'events -o jsonpath']
  for (const line of ['events --types=Foo', 'events --types=normal,Bar', 'events -o json', 'events -o yaml', 'events -o name', 'events --types=WARNING -o json', 'events -o wide', ...templated]) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const [theirs, ours] = [await real(line), await cluster.ours(line)]
      expect({status: ours.status, stdout: ours.stdout, stderr: ours.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 30_000)
  }
})
