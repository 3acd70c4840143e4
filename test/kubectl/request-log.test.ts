// kubectl -v=6/7/8 logs each request in klog's format on stderr, as kubectl 1.32 does: the same
// lines for the same request, beside the real kubectl on one API server (times, process ids and
// durations masked; kubemu's discovery requests are its own, so the lines of one request compare).
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {runShell} from '../support/shell.js'
import {realKubectl} from '../support/real-kubectl.js'


/** The log lines of one request (from its first line to its status), masked where runs differ. */
function requestLines(stderr: string, request: string): string[] {
  const lines = stderr.split('\n').map((line) => line.replace(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /, 'I0000 00:00:00.000000       1 ').replace(/in \d+ milliseconds/, 'in N milliseconds'))
  const start = lines.findIndex((line) => line.includes(request))
  if (start < 0) return []
  const end = lines.findIndex((line, index) => index >= start && /round_trippers\.go:(560|581)\]/.test(line))
  return lines.slice(lines[start - 1]?.includes('"Request Body"') ? start - 1 : start, end + 1).filter((line) => !/User-Agent|Authorization/.test(line))
}

describe('kubectl -v request logging beside the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create configmap logged --from-literal=a=1')).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const [line, request] of [
    ['get cm logged -v=6', 'GET http://127.0.0.1:PORT/api/v1/namespaces/default/configmaps/logged'],
    ['get cm logged -v=7', 'GET http://127.0.0.1:PORT/api/v1/namespaces/default/configmaps/logged'],
    ['get cm logged -o name -v=8', 'GET http://127.0.0.1:PORT/api/v1/namespaces/default/configmaps/logged'],
    ['get cm missing -v=6', 'GET http://127.0.0.1:PORT/api/v1/namespaces/default/configmaps/missing'],
  ] as const) {
    it(`logs the same lines for: kubectl ${line}`, async () => {
      const port = /:(\d+)\//.exec(cluster.api ? (await cluster.real('config view -o jsonpath={.clusters[0].cluster.server}/')).stdout : '')![1]!
      const wanted = request.replace('PORT', port)
      const real = requestLines((await cluster.real(line)).stderr, wanted)
      const ours = requestLines((await cluster.ours(line)).stderr, wanted)
      expect(real.length).toBeGreaterThan(0)
      // -v=8's response headers and body differ in what the servers' HTTP layers add: compare up to them.
      const cut = (lines: string[]) => lines.slice(0, lines.findIndex((entry) => entry.includes('Response Headers:')) >>> 0)
      expect(cut(ours)).toEqual(cut(real))
    }, 30_000)
  }

  /** The method and URL of each request of a -v=6 log, past discovery; `pattern` (the object's name) masked. */
  const requests = (stderr: string, pattern: RegExp) =>
    stderr
      .split('\n')
      .filter((line) => line.includes('round_trippers.go:560'))
      .map((line) => line.replace(/^.*\] /, '').replace(/ in \d+ milliseconds$/, '').replace(pattern, 'NAME'))
      .filter((line) => !/\/(api|apis)\?|\/openapi\//.test(line))

  // A set verb reads each object once (kubectl's builder), then patches what it read.
  it.runIf(existsSync(realKubectl))('sends the same requests for: kubectl set image', async () => {
    for (const name of ['seta', 'setb']) expect((await cluster.ours(`create deployment ${name} --image=nginx:1.25`)).status).toBe(0)
    const real = requests((await cluster.real('set image deploy/seta nginx=nginx:1.26 -v=6')).stderr, /set[ab]/g)
    const ours = requests((await cluster.ours('set image deploy/setb nginx=nginx:1.26 -v=6')).stderr, /set[ab]/g)
    expect(real.map((line) => line.split(' ')[0])).toEqual(['GET', 'PATCH'])
    expect(ours).toEqual(real)
  }, 30_000)

  // rollout's patches name their field manager, so the object's managedFields name it too.
  it.runIf(existsSync(realKubectl))('sends the same requests for: kubectl rollout pause, resume and restart', async () => {
    for (const name of ['rolla', 'rollb']) expect((await cluster.ours(`create deployment ${name} --image=nginx:1.25`)).status).toBe(0)
    // (One restart each: a second one in the same second would have nothing to patch.)
    for (const verb of ['pause', 'resume', 'restart --field-manager=mine', 'history']) {
      const real = requests((await cluster.real(`rollout ${verb} deploy/rolla -v=6`)).stderr, /roll[ab]/g)
      const ours = requests((await cluster.ours(`rollout ${verb} deploy/rollb -v=6`)).stderr, /roll[ab]/g)
      expect(ours).toEqual(real)
    }
    const managers = async (name: string) => (await cluster.ours(`get deploy ${name} -o jsonpath={.metadata.managedFields[*].manager} --show-managed-fields`)).stdout
    expect(await managers('rollb')).toBe(await managers('rolla'))
  }, 30_000)

  // Before any request: the kubeconfig loaded (-v=6), then client-go's feature gates (-v=1 and up),
  // which Go prints in map order: compared as a set, after the first line that is not a gate (at
  // -v below 6 there is none, since the kubeconfig loader logs nothing). The kubectl 1.32 binary
  // itself, since the dispatcher on PATH logs no feature gates.
  const preamble = (stderr: string) => {
    const lines = stderr.split('\n').filter((line) => /loader\.go|envvar\.go/.test(line)).map((line) => line.replace(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +\d+ /, '').replace(/from file: .*/, 'from file: FILE'))
    return {first: lines.find((line) => !line.includes('Feature gate')) ?? '', all: [...lines].sort()}
  }
  for (const line of ['get cm logged -v=6', 'get cm logged -v=1 -o name', 'config view -v=4 -o name']) {
    it.runIf(existsSync(realKubectl))(`logs the same preamble for: kubectl ${line}`, async () => {
      const real = preamble((await runShell(`${realKubectl} --kubeconfig ${join(cluster.folder, 'kubeconfig')} ${line}`, {cwd: cluster.folder, env: process.env})).stderr)
      const ours = preamble((await cluster.ours(line)).stderr)
      expect(ours).toEqual(real)
      if (line.startsWith('get')) expect(ours.all.filter((entry) => entry.includes('Feature gate'))).toHaveLength(4)
    }, 30_000)
  }
})
