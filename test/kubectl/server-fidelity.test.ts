// What real kubectl meets on kubemu's API server, beside kubemu's kubectl on the same server:
// deletion without a grace period for kinds that have none, the CronJob controller's warning for
// a schedule that never fires, kube-apiserver's words for a body it cannot decode, kubectl's
// words for a resource in a group the server lacks.
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ControlPlane} from '../../src/core/controlplane/control-plane.js'
import {systemClock} from '../../src/core/util/clock.js'
import {SeededRandom} from '../../src/core/util/random.js'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import type {ShellResult} from '../support/shell.js'

/** stdout, stderr's first line (without the real kubectl's discovery cache chatter) and the exit code. */
function seen(result: ShellResult, mask: (text: string) => string = (text) => text) {
  const stderr = result.stderr.split('\n').filter((row) => !row.includes('memcache.go'))
  return {stdout: mask(result.stdout), stderr: mask(stderr[0] ?? ''), status: result.status}
}

describe('the API server and kubectl beside the real kubectl', () => {
  let cluster: ReferenceCluster
  const settle = async () => {
    const random = new SeededRandom(3)
    const plane = new ControlPlane(cluster.api, systemClock, () => random.next())
    try {
      expect((await plane.settle()).settled).toBe(true)
    } finally {
      plane.stop()
    }
  }
  const both = async (line: string, mask?: (text: string) => string) => {
    const real = await cluster.real(line)
    const ours = await cluster.ours(line)
    expect({line, ...seen(ours, mask)}).toEqual({line, ...seen(real, mask)})
    return real
  }

  beforeAll(async () => {
    cluster = await referenceCluster()
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  for (const side of ['real', 'ours'] as const) {
    it(`deletes Deployments and ReplicaSets at once with --grace-period=0 --cascade=orphan (${side} kubectl)`, async () => {
      const run = (line: string) => cluster[side](line)
      expect((await run(`create deployment web-${side} --image=nginx --replicas=2`)).status).toBe(0)
      await settle()
      // Without --wait: here the control plane runs only between commands (under up it runs throughout).
      const deleted = await run(`delete deployments,rs --all --cascade=orphan --grace-period=0 --wait=false`)
      expect(deleted.status).toBe(0)
      await settle()
      // Gone, not left with a deletionTimestamp.
      const left = await run('get deployments,replicasets -o name')
      expect({stdout: left.stdout, status: left.status}).toEqual({stdout: '', status: 0})
      // The orphaned pods stay, without an owner.
      const pods = await run(`get pods -l app=web-${side} -o jsonpath={.items[*].metadata.ownerReferences}`)
      expect(pods.stdout).toBe('')
      expect((await run(`delete pods -l app=web-${side} --grace-period=0 --force`)).status).toBe(0)
    }, 60_000)
  }

  it('warns InvalidSchedule for a CronJob schedule that never fires, as kube-controller-manager does', async () => {
    expect((await cluster.ours(`create cronjob never --image=busybox --schedule='59 23 31 2 *'`)).status).toBe(0)
    await settle()
    await both('get events --field-selector=reason=InvalidSchedule -o custom-columns=TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message')
    const real = await cluster.real('get events --field-selector=reason=InvalidSchedule -o jsonpath={.items[0].message}')
    expect(real.stdout).toBe('invalid schedule: 59 23 31 2 * : time difference between two schedules is less than 1 second')
  }, 60_000)

  for (const [name, body] of [
    ['not-json', 'not json{\n'],
    ['cut-short', '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"x"'],
    ['array', '[1, 2]'],
    ['bad-literal', '{"kind": nope}'],
  ] as const) {
    it(`answers an undecodable create body (${name}) as kube-apiserver does`, async () => {
      writeFileSync(join(cluster.folder, `${name}.txt`), body)
      const real = await both(`create --raw /api/v1/namespaces -f ${join(cluster.folder, `${name}.txt`)}`)
      expect(real.stderr).toMatch(/^Error from server \(BadRequest\): the object provided is unrecognized \(must be of type Namespace\): /)
      expect(real.stderr).not.toMatch(/JSON\.parse|Unexpected token|is not valid JSON/)
    }, 30_000)
  }

  it('answers create --raw with the server body', async () => {
    writeFileSync(join(cluster.folder, 'raw-ns.json'), '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"raw-one"}}')
    const uid = (text: string) => text.replace(/"(uid|resourceVersion|creationTimestamp|time)":"[^"]*"/g, '"$1":"X"')
    const real = await cluster.real(`create --raw /api/v1/namespaces -f ${join(cluster.folder, 'raw-ns.json')}`)
    expect(real.status).toBe(0)
    await both('get --raw /api/v1/namespaces/raw-one', uid)
    await both('get --raw /api/v1/namespaces/raw-none')
    writeFileSync(join(cluster.folder, 'raw-ns.json'), '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"raw-two"}}')
    const ours = await cluster.ours(`create --raw /api/v1/namespaces -f ${join(cluster.folder, 'raw-ns.json')}`)
    expect({...seen(ours, uid)}).toEqual({...seen(real, uid), stdout: uid(real.stdout).replaceAll('raw-one', 'raw-two')})
  }, 30_000)

  for (const line of [
    'create role r --verb=get --resource=deployments.invalid-group',
    'create role r --verb=get --resource=deployments.nope.x',
    'create role r --verb=get --resource=nope',
    'get deployments.nope',
    'get deployments.nope.x',
  ]) {
    it(`prints the same for: kubectl ${line}`, () => both(line), 30_000)
  }
})
