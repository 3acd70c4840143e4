// `kubemu trace` as a user runs it: after `create deployment`, the chain from kubectl's create
// through the controllers, the scheduler and the kubelet, in answer order, with the revisions
// etcd holds for those keys.
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '../..')

interface Step {
  component: string
  verb: string
  target: string
  code: number | null
  key: string | null
  revision: number | null
  raft: {term: number; index: number} | null
  mutatedBy: string[]
  via: string | null
}

describe('kubemu trace (CLI)', () => {
  it('lists the chain of a new Deployment in order, with the revisions etcd reports', async () => {
    const env = {...process.env, KUBEMU_HOME: temporaryFolder(), NO_COLOR: '1'}
    const run = (line: string) => runShell(`./bin/kubemu ${line}`, {cwd: root, env})
    expect((await run('kubectl create deployment web --image=nginx')).status).toBe(0)
    const traced = await run('trace deploy/web -o json')
    expect(traced.status).toBe(0)
    const trace = JSON.parse(traced.stdout) as {object: string; steps: Step[]}
    expect(trace.object).toBe('deployment.apps/web')
    const writes = trace.steps.filter((step) => step.verb !== 'event')
    expect(writes[0]).toMatchObject({component: 'kubectl (kubernetes-admin)', verb: 'create', target: 'deployments/web', code: 201, key: '/registry/deployments/default/web', via: null})
    const order = (predicate: (step: Step) => boolean) => writes.findIndex(predicate)
    const replicaSet = order((step) => step.component === 'deployment-controller' && step.verb === 'create' && step.target.startsWith('replicasets/'))
    const pod = order((step) => step.component === 'replicaset-controller' && step.verb === 'create' && step.target.startsWith('pods/'))
    const binding = order((step) => step.component === 'kube-scheduler' && step.target.endsWith('/binding'))
    const running = order((step) => step.component.startsWith('kubelet on ') && step.target.endsWith('/status'))
    expect([replicaSet, pod, binding, running].every((index) => index > 0)).toBe(true)
    expect(replicaSet < pod && pod < binding && binding < running).toBe(true)
    expect(writes[replicaSet]!.via).toBe(`watch deployments @ revision ${writes[0]!.revision}`)
    expect(writes[binding]!.via).toBe(`watch pods @ revision ${writes[pod]!.revision}`)
    expect(writes[pod]!.mutatedBy).toContain('ServiceAccount')
    const revisions = writes.map((step) => step.revision).filter((revision): revision is number => revision !== null)
    expect(revisions).toEqual([...revisions].sort((left, right) => left - right))
    // Each write names the raft entry that committed it: later revisions, later entries.
    const committed = writes.filter((step) => step.revision !== null && step.verb !== 'delete')
    expect(committed.every((step) => step.raft !== null && step.raft.index > 0 && step.raft.term > 0)).toBe(true)
    const indexes = committed.map((step) => step.raft!.index)
    expect(new Set(indexes).size).toBe(new Set(committed.map((step) => step.revision)).size)
    expect(indexes).toEqual([...indexes].sort((left, right) => left - right))
    // The last recorded write of each key is the revision etcd holds for it, in a term no later than etcd's.
    for (const key of ['/registry/deployments/default/web', writes[pod]!.key!]) {
      const last = writes.filter((step) => step.key === key && step.revision !== null).at(-1)!
      const etcd = JSON.parse((await run(`etcdctl get ${key} -w json`)).stdout) as {header: {raft_term: number}; kvs: Array<{mod_revision: number}>}
      expect(etcd.kvs[0]!.mod_revision).toBe(last.revision)
      expect(last.raft!.term).toBeLessThanOrEqual(etcd.header.raft_term)
    }
    const text = await run('trace deployment web')
    expect(text.stdout).toMatch(/^deployment\.apps\/web in namespace default: \d+ steps\n\n  1  \S+Z  kubectl \(kubernetes-admin\)\n     create deployments\/web -n default → 201, etcd \/registry\/deployments\/default\/web @ revision \d+ \(raft term \d+, index \d+\)\n/)
    expect(await run('trace pod/nope')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n'})
  }, 180_000)
})
