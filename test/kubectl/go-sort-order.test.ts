// Orders with ties, beside the real kubectl 1.32 on one API server: kubectl sorts events and
// `get --sort-by` results with Go's unstable sort (pdqsort), so objects with equal keys come out
// in that sort's order, not in the server's (describe's Events table too). Long lists with few distinct keys (and some objects
// without the key) drive every branch of the algorithm: the ninther, the equal-key partition, the
// pattern breaking after an unbalanced split.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'


/** A scramble with ties: n items over `distinct` keys. */
const keyOf = (index: number, distinct: number) => (index * 7 + (index >> 2)) % distinct
const second = (offset: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, offset)).toISOString().replace('.000Z', 'Z')

/** The pods' UIDs, which `describe` finds their events by (held by a scheduling gate: no events of their own). */
const podUids = new Map<string, string>()

function event(index: number, namespace: string): Record<string, unknown> {
  const time = second(keyOf(index, 4))
  return {
    apiVersion: 'v1',
    kind: 'Event',
    // Names whose byte order (the server's list order) is not the index order.
    metadata: {name: `web-${(index * 37) % 101}.${index.toString(16)}`, namespace},
    involvedObject: {kind: 'Pod', namespace, name: `web-${index % 4}`, uid: podUids.get(`${namespace}/web-${index % 4}`) ?? '', apiVersion: 'v1'},
    reason: index % 3 === 0 ? 'Pulled' : 'Started',
    message: `event ${index}`,
    source: {component: 'tester'},
    firstTimestamp: time,
    lastTimestamp: index % 17 === 5 ? null : time,
    ...(index % 17 === 5 ? {eventTime: `${time.slice(0, -1)}.${String(index * 1000).padStart(6, '0')}Z`, reportingComponent: 'tester', reportingInstance: 'x'} : {}),
    count: 1,
    type: index % 5 === 0 ? 'Warning' : 'Normal',
  }
}

function configMap(index: number): Record<string, unknown> {
  const labels: Record<string, string> = {set: 'ties'}
  if (index % 11 !== 3) labels.tier = `t${keyOf(index, 3)}`
  if (index % 13 !== 4) labels.size = ['1', '500m', '2', '1k', '10', '9'][keyOf(index, 6)]!
  return {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `cm-${(index * 29) % 97}-${index}`, namespace: 'default', labels}, data: {n: `v${keyOf(index, 5)}`}}
}

const list = (items: unknown[]) => JSON.stringify({apiVersion: 'v1', kind: 'List', items})

describe.runIf(existsSync(realKubectl))('orders with ties beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create namespace other')).status).toBe(0)
    const pods = Array.from({length: 4}, (_, index) => ({apiVersion: 'v1', kind: 'Pod', metadata: {name: `web-${index}`, namespace: 'default'}, spec: {schedulingGates: [{name: 'example.com/hold'}], containers: [{name: 'web', image: 'nginx'}]}}))
    expect((await cluster.ours('create -f -', list(pods))).status).toBe(0)
    const listed = JSON.parse((await cluster.ours('get pods -o json')).stdout) as {items: Array<{metadata: {name: string; uid: string}}>}
    for (const pod of listed.items) podUids.set(`default/${pod.metadata.name}`, pod.metadata.uid)
    const created = await cluster.ours('create -f -', list([...Array.from({length: 90}, (_, index) => event(index, 'default')), ...Array.from({length: 30}, (_, index) => event(index + 90, 'other')), ...Array.from({length: 70}, (_, index) => configMap(index))]))
    expect(created.stderr).toBe('')
  }, 120_000)
  afterAll(async () => {
    await cluster.close()
  })

  const lines = [
    'events',
    'events -A',
    'events --types=Warning',
    'events -o name',
    'get events --sort-by=.lastTimestamp -o name',
    // Only the test's own events: the cluster's (kube-system's) come and age between the two kubectls' runs.
    'get events -A --sort-by=.lastTimestamp --field-selector source=tester',
    'get events --sort-by=.firstTimestamp -o custom-columns=NAME:.metadata.name',
    'get events --sort-by=.type --no-headers',
    'get cm -l set=ties --sort-by=.metadata.labels.tier -o name',
    'get cm -l set=ties --sort-by=.metadata.labels.tier',
    'get cm -l set=ties --sort-by=.metadata.labels.size -o name',
    'get cm -l set=ties --sort-by=.data.n -o name',
    'get cm -l set=ties --sort-by=.metadata.name -o name',
    'describe pod web-0',
    'describe pod web-1',
    'describe pods',
  ]
  /**
   * The cluster's own events (kube-system's, seconds old) and the objects just created age between
   * the two kubectls' runs: an age in seconds is masked (in the last column too), and the column
   * padding it moves is compared as one gap. The order is compared whole.
   */
  const agesMasked = (text: string) => text.replace(/ \d+s( \(x\d+ over \d+s\))?(?= |$)/gm, ' Ns$1').replace(/\(x(\d+) over \d+s\)/g, '(x$1 over Ns)').replace(/ {2,}/g, '  ')
  for (const line of lines) {
    it(`prints the same for: kubectl ${line}`, async () => {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)]
      expect(theirs.status).toBe(0)
      expect({status: ours.status, stdout: agesMasked(ours.stdout), stderr: ours.stderr}).toEqual({status: theirs.status, stdout: agesMasked(theirs.stdout), stderr: theirs.stderr})
    }, 30_000)
  }
})
