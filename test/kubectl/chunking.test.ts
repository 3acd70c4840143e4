// kubectl reads lists in chunks (--chunk-size, default 500; 0 reads them whole): get (each type,
// -A, the first list of -w), describe of a type and its events, events, drain. Beside the real
// kubectl 1.32 on one API server: the same requests at -v=6 and the same output however many chunks.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'
import {realKubectl} from '../support/real-kubectl.js'


/** The list requests a -v=6 log shows (discovery left out: kubemu's comes from its own cache). */
function listRequests(stderr: string): string[] {
  return [...stderr.matchAll(/round_trippers\.go:\d+\] GET (\S+) (\d+ [A-Za-z ]+?) in \d+ milliseconds/g)]
    .map(([, url, status]) => `${url!.replace(/^https?:\/\/[^/]+/, '')} ${status}`)
    .filter((line) => /configmaps|events|pods|secrets/.test(line))
}

const masked = (text: string) => text.replace(/ {2}\d+(?:m\d+)?s( +|$)/gm, '  AGE$1').replace(/ +/g, ' ')

describe.runIf(existsSync(realKubectl))('kubectl list chunking beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const real = (line: string) => runShell(`${realKubectl} --kubeconfig ${join(cluster.folder, 'kubeconfig')} ${line}`, {cwd: cluster.folder, env: process.env})

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create namespace chunks')).status).toBe(0)
    for (let index = 1; index <= 5; index++) expect((await cluster.ours(`create configmap c${index} -n chunks --from-literal=n=${index}`)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    'get cm -n chunks',
    'get cm -n chunks --chunk-size=2',
    'get cm -n chunks --chunk-size=0',
    'get cm -n chunks --chunk-size=2 -o name',
    'get cm -n chunks --chunk-size=2 -o json',
    'get cm -n chunks --chunk-size=2 -o jsonpath={.items[*].metadata.name}',
    'get cm -n chunks --chunk-size=2 --no-headers',
    'get cm,secrets -n chunks --chunk-size=2',
    'get cm -A --chunk-size=3 -o name',
    'get cm -n chunks --chunk-size=2 -l n!=3',
    'get cm -n chunks --chunk-size=2 --sort-by=.metadata.name -o name',
    'get cm -n chunks --chunk-size=2 --request-timeout=5s -o name',
    'describe cm -n chunks --chunk-size=2',
    'events -n chunks --chunk-size=2',
  ]) {
    it(`prints the same and asks the same lists for: kubectl ${line}`, async () => {
      const [theirs, ours] = [await real(`${line} -v=6`), await cluster.ours(`${line} -v=6`)]
      expect(ours.status).toBe(theirs.status)
      expect(masked(ours.stdout)).toBe(masked(theirs.stdout))
      const requests = listRequests(theirs.stderr)
      expect(requests.length).toBeGreaterThan(0)
      // describe fetches each object again and orders its events' field selector as Go's map does: compare the lists it reads.
      const lists = (entries: string[]) => (line.startsWith('describe') ? entries.filter((entry) => /configmaps\?/.test(entry)) : entries)
      expect(lists(listRequests(ours.stderr))).toEqual(lists(requests))
    }, 30_000)
  }

  it('joins the chunks into one table with one header', async () => {
    const ours = await cluster.ours('get cm -n chunks --chunk-size=2 -v=6')
    expect(ours.stdout.split('\n').filter((row) => row.startsWith('NAME'))).toHaveLength(1)
    expect(ours.stdout.split('\n').filter((row) => /^c\d/.test(row))).toHaveLength(5)
    expect(listRequests(ours.stderr).filter((entry) => entry.includes('configmaps'))).toHaveLength(3)
  })

  it('reads the first list of get -w in chunks, as the real kubectl', async () => {
    const [theirs, ours] = [await real('get cm -n chunks -w --chunk-size=2 --request-timeout=1s -v=6'), await cluster.ours('get cm -n chunks -w --chunk-size=2 --request-timeout=1s -v=6')]
    expect(ours.status).toBe(theirs.status)
    expect(masked(ours.stdout)).toBe(masked(theirs.stdout))
    const lists = (stderr: string) => listRequests(stderr).filter((entry) => entry.includes('configmaps') && !entry.includes('watch=true'))
    expect(lists(theirs.stderr)).toHaveLength(3)
    expect(lists(ours.stderr)).toEqual(lists(theirs.stderr))
  }, 30_000)
})
