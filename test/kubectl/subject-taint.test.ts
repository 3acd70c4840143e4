// `kubectl set subject` and `kubectl taint … -o/--dry-run` beside the real kubectl 1.32: set
// subject adds the users, groups and service accounts a RoleBinding or ClusterRoleBinding lacks
// (named, from a file, --local), with kubectl's checks and words; taint prints the node it
// changed with -o and sends nothing on a client dry run.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {referenceCluster, type ReferenceCluster} from '../support/reference-kubectl.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

describe.runIf(existsSync(realKubectl))('set subject and taint -o/--dry-run as the real kubectl', () => {
  let cluster: ReferenceCluster

  beforeAll(async () => {
    cluster = await referenceCluster()
    // Each kubectl changes its own copy: the real one in namespace r, kubemu's in namespace o.
    for (const namespace of ['r', 'o']) {
      expect((await cluster.real(`create namespace ${namespace}`)).status).toBe(0)
      expect((await cluster.real(`create rolebinding rb -n ${namespace} --clusterrole=view --user=u`)).status).toBe(0)
      expect((await cluster.real(`create deployment a -n ${namespace} --image=nginx`)).status).toBe(0)
    }
    writeFileSync(join(cluster.folder, 'crb.yaml'), (await cluster.real('create clusterrolebinding crb --clusterrole=view --user=u --dry-run=client -o yaml')).stdout)
  }, 60_000)
  afterAll(async () => {
    await cluster.close()
  })

  const sameAsReal = async (line: string, mask = (text: string) => text) => {
    const [theirs, ours] = [await cluster.real(`-n r ${line}`), await cluster.ours(`-n o ${line}`)]
    const masked = (result: typeof theirs) => ({line, status: result.status, stdout: mask(result.stdout), stderr: result.stderr})
    expect(masked(ours)).toEqual(masked(theirs))
    return theirs
  }

  it('set subject adds what a binding lacks, and refuses as kubectl does', async () => {
    const crb = join(cluster.folder, 'crb.yaml')
    const objectOwn = (text: string) => text.replace(/(namespace|resourceVersion|uid|creationTimestamp): .*/g, '$1: X')
    expect((await sameAsReal('set subject rolebinding rb --user=x')).stdout).toBe('rolebinding.rbac.authorization.k8s.io/rb subjects updated\n')
    // Nothing to add: nothing printed.
    expect((await sameAsReal('set subject rolebinding rb --user=x')).stdout).toBe('')
    await sameAsReal('set subject rolebinding rb --user=b --user=a --group=g --serviceaccount=:sa -o yaml', objectOwn)
    for (const line of ['set subject rolebinding rb nope --user=z', 'set subject rolebinding rb', 'set subject rolebinding rb --serviceaccount=sa', 'set subject deployment a --user=q', `set subject -f ${crb} --local --serviceaccount=:x`, `set subject -f ${crb} --local --serviceaccount=a:x --dry-run=server`]) {
      expect((await sameAsReal(line)).status).toBe(1)
    }
    for (const line of ['set subject rolebinding rb --user=w --dry-run=client -o name', 'set subject rolebinding rb --user=w --dry-run=server', `set subject -f ${crb} --local --user=w -o yaml`, 'set subject --help']) {
      expect((await sameAsReal(line)).status).toBe(0)
    }
  }, 60_000)

  it('taint prints the node with -o and changes nothing on a dry run', async () => {
    const nodeOwn = (text: string) => text.replace(/("?(?:resourceVersion|time|lastHeartbeatTime|renewTime)"?: ).*/g, '$1X')
    for (const line of ['taint node worker-1 k=v:NoSchedule --dry-run=client', 'taint node worker-1 k=v:NoSchedule --dry-run=server', 'taint node worker-1 k=v:NoSchedule --dry-run=client -o name', 'taint node worker-1 k=v:NoSchedule --dry-run=client -o jsonpath={.spec.taints}', 'taint node worker-1 k=v:NoSchedule --dry-run=client -o yaml', 'taint node worker-1 k=v:NoSchedule --dry-run=server -o json', 'taint node control-plane node-role.kubernetes.io/control-plane:NoSchedule- --dry-run=client -o yaml']) {
      expect((await sameAsReal(line, nodeOwn)).status).toBe(0)
    }
    expect((await cluster.real('get node worker-1 -o jsonpath={.spec.taints}')).stdout).toBe('')
    // A real change, undone after each kubectl.
    for (const run of [cluster.real, cluster.ours]) {
      expect(await run('taint node worker-1 k=v:NoSchedule -o jsonpath={.spec.taints}')).toEqual({status: 0, stdout: '[{"effect":"NoSchedule","key":"k","value":"v"}]', stderr: ''})
      expect((await run('taint node worker-1 k- -o name')).stdout).toBe('node/worker-1\n')
    }
  }, 60_000)
})
