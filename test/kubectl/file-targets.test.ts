// wait, rollout and describe with -f, beside the real kubectl 1.32: the objects the files name, in
// their own namespaces (a file without objects finds none, for get and delete too; arguments beside a file are refused in
// each verb's words), and a file kubectl cannot parse reported bare by describe and get's table
// printer, with `error: ` by the others.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {comparableKlog, referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'

/** Also the stream watcher's timing-dependent lines as an informer stops, and the watch's resourceVersion and timeoutSeconds. */
const comparable = (stderr: string) => comparableKlog(stderr, /streamwatcher\.go|very short watch/).replace(/(resourceVersion|timeoutSeconds)=\d+/g, '$1=N')

describe('kubectl wait, rollout and describe take their objects from files', () => {
  let cluster: ReferenceCluster
  const file = (name: string) => join(cluster.folder, name)
  beforeAll(async () => {
    cluster = await referenceCluster()
    expect((await cluster.ours('create namespace elsewhere')).status).toBe(0)
    expect((await cluster.ours('create configmap settings -n elsewhere --from-literal=a=1')).status).toBe(0)
    expect((await cluster.ours('create deployment web --image=nginx')).status).toBe(0)
    writeFileSync(file('settings.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: elsewhere\n')
    writeFileSync(file('web.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n')
    writeFileSync(file('empty.yaml'), '')
    writeFileSync(file('broken.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n')
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const line of [
    'wait -f settings.yaml --for=jsonpath={.data.a}=1 -v=6',
    'wait -f settings.yaml --for=delete --timeout=0',
    'wait -f settings.yaml cm/settings --for=delete',
    'wait -f empty.yaml --for=delete',
    'rollout history -f web.yaml',
    'rollout status -f settings.yaml',
    'rollout status -f web.yaml deploy/web',
    'rollout status -f empty.yaml',
    'describe -f settings.yaml',
    'describe -f empty.yaml',
    'describe -f broken.yaml',
    'get -f broken.yaml',
    'get -f broken.yaml -o name',
    'wait -f broken.yaml --for=delete',
    // Files of no objects: get finds nothing (a table's line, an empty List), delete says so.
    'get -f empty.yaml',
    'get -f empty.yaml -o json',
    'get -f empty.yaml -n elsewhere',
    'get -f empty.yaml -A',
    'delete -f empty.yaml',
  ]) {
    it(line, async () => {
      const command = line.replace(/-f (\S+)/, (_, name: string) => `-f ${file(name)}`)
      const real = await cluster.real(command)
      const view = (result: typeof real) => ({line, stdout: result.stdout, stderr: comparable(result.stderr), status: result.status})
      expect(view(await cluster.ours(command))).toEqual(view(real))
    })
  }
})
