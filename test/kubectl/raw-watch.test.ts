// `get --raw` of a watch or a followed log prints what the server streams (one JSON line per watch
// event) until the server ends it (timeoutSeconds) or --request-timeout fails the read with Go's
// words, as kubectl 1.32's rawhttp copies the body; a named GET with ?watch is a get, as
// kube-apiserver's request info makes it; get's checks of --raw and --output-watch-events come
// first. One-shot (it printed `null`) the watch lists what exists.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync} from 'node:fs'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/real-kubectl.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu} from '../support/up-process.js'

/**
 * When --request-timeout ends a body being read, Go's HTTP client words it as the timer and the
 * read race: the real kubectl printed `context deadline exceeded`, `net/http: request canceled
 * (Client.Timeout or context cancellation while reading body)` and `context deadline exceeded
 * (Client.Timeout …)` in different runs; any of them is right.
 */
const timeoutWords = (stderr: string) => stderr.replace(/^error: (?:context deadline exceeded|net\/http: request canceled)(?: \(Client\.Timeout or context cancellation while reading body\))?$/m, 'error: REQUEST TIMEOUT')

describe.runIf(existsSync(realKubectl))('get --raw of a watch as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create ns rw')).status).toBe(0)
    for (const name of ['w1', 'w2']) expect((await cluster.ours(`create cm ${name} -n rw --from-literal=a=${name}`)).status).toBe(0)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  it('prints the events until the server or --request-timeout ends the watch', async () => {
    for (const line of [
      "get --raw '/api/v1/namespaces/rw/configmaps?watch=true&timeoutSeconds=1'",
      "get --raw '/api/v1/namespaces/rw/configmaps?watch=1&timeoutSeconds=1&labelSelector=nothing'",
      "get --raw '/api/v1/namespaces/rw/configmaps?watch=true' --request-timeout=1s",
      "get --raw '/api/v1/namespaces/rw/configmaps/w1?watch=true&timeoutSeconds=1'",
      "get --raw '/api/v1/namespaces/rw/configmaps/nope?watch=true&timeoutSeconds=1'",
      // get's Validate, in kubectl's order.
      'get --raw /api -w',
      'get --raw /api -l a=b',
      'get --raw /api -o json',
      'get --raw /api --output-watch-events',
      'get cm -n rw --output-watch-events',
    ]) {
      const [theirs, ours] = [await cluster.real(line), await cluster.ours(line)].map((result) => ({...result, stderr: timeoutWords(result.stderr)}))
      expect({line, ...ours}).toEqual({line, ...theirs})
    }
    const events = (await cluster.ours("get --raw '/api/v1/namespaces/rw/configmaps?watch=true&timeoutSeconds=1'")).stdout.trimEnd().split('\n').map((text) => JSON.parse(text))
    expect(events.map(({type, object}) => `${type} ${object.metadata.name}`)).toEqual(['ADDED w1', 'ADDED w2'])
  }, 60_000)

  it('prints the ADDED events of what exists one-shot, and ends at timeoutSeconds', async () => {
    const home = temporaryFolder()
    const oneShot = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    expect((await oneShot('create cm w1 --from-literal=a=b')).status).toBe(0)
    const watched = await oneShot("get --raw '/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&fieldSelector=metadata.name=w1'")
    const object = JSON.parse((await oneShot('get --raw /api/v1/namespaces/default/configmaps/w1')).stdout)
    expect(watched).toEqual({status: 0, stderr: '', stdout: `${JSON.stringify({type: 'ADDED', object})}\n`})
  }, 60_000)
})
