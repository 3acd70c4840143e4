// The control loops on an in-process API server with an injected clock: they converge when
// writes fail with 409 Conflict, when watches end with 410 Gone, and when events come twice.
// Randomized faults take a seed: SEED=… replays a failure.
import {afterEach, describe, expect, it} from 'vitest'
import type {ApiServer} from '../../src/core/apiserver/apiserver.js'
import type {ApiResponse, TrustedRequest, WatchEvent} from '../../src/core/api/wire.js'
import type {RequestHandler} from '../../src/core/client/client.js'
import {resources} from '../../src/core/client/resources.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster, type InProcessCluster} from '../support/in-process-cluster.js'
import type {SeededRandom} from '../../src/core/util/random.js'

interface Faults {
  /** The share of writes answered with 409 Conflict before they reach the server. */
  conflictRate: number
  /** Every watch ends with 410 Gone after this many batches (0: never). */
  goneAfterBatches: number
  /** Every watch batch is delivered twice. */
  duplicates: boolean
}

/** A request handler between the loops and the API server that injects faults. */
function faulty(api: ApiServer, faults: Faults, random: SeededRandom, counts: {conflicts: number; gone: number; duplicated: number}): RequestHandler {
  return {
    async handle(request: TrustedRequest): Promise<ApiResponse> {
      if (request.method !== 'GET' && !request.path.endsWith('/binding') && random.next() < faults.conflictRate) {
        counts.conflicts++
        return {status: 409, body: {kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'injected: the object has been modified; please apply your changes to the latest version and try again'}, warnings: []}
      }
      const response = await api.handle(request)
      const watch = response.watch
      if (!watch) return response
      let batches = 0
      let repeat: WatchEvent[] | null = null
      return {
        ...response,
        watch: {
          cancel: () => watch.cancel(),
          async next() {
            if (repeat) {
              const again = repeat
              repeat = null
              counts.duplicated++
              return again
            }
            if (faults.goneAfterBatches > 0 && ++batches > faults.goneAfterBatches) {
              counts.gone++
              watch.cancel()
              return [{type: 'ERROR', object: {kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Expired', code: 410, message: 'injected: too old resource version'}}]
            }
            const events = await watch.next()
            if (events && faults.duplicates) repeat = events
            return events
          },
        },
      }
    },
  }
}

describe('control loops converge under faults (injected clock)', () => {
  const clusters: InProcessCluster[] = []
  afterEach(async () => {
    for (const cluster of clusters.splice(0)) await cluster.close()
  })

  const scenario = async (faults: Faults) => {
    const seed = Number(process.env.SEED ?? 20261123)
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0))
    const cluster = await inProcessCluster(clock, seed)
    clusters.push(cluster)
    const {api, admin, random} = cluster
    const counts = {conflicts: 0, gone: 0, duplicated: 0}
    const handler = faulty(api, faults, random, counts)
    const template = (image: string) => ({metadata: {labels: {app: 'web'}}, spec: {containers: [{name: 'web', image, resources: {requests: {cpu: '100m'}}}]}})
    await admin.create(resources.deployments, {kind: 'Deployment', apiVersion: 'apps/v1', metadata: {name: 'web', namespace: 'default'}, spec: {replicas: 3, selector: {matchLabels: {app: 'web'}}, template: template('nginx:1.27')}} as never)
    const first = await cluster.settle(handler)
    const current = await admin.get<{spec: Record<string, unknown>} & import('../../src/core/api/object.js').KubeObject>(resources.deployments, 'default', 'web')
    await admin.update(resources.deployments, {...current, kind: 'Deployment', apiVersion: 'apps/v1', spec: {...current.spec, template: template('nginx:1.28')}} as never)
    const second = await cluster.settle(handler)
    const pods = (await admin.list<import('../../src/core/api/kinds.js').Pod>(resources.pods, 'default')).items
    const sets = (await admin.list<import('../../src/core/controllers/pod-control.js').Workload>(resources.replicaSets, 'default')).items
    const deployment = await admin.get<import('../../src/core/controllers/pod-control.js').Workload>(resources.deployments, 'default', 'web')
    return {seed, counts, first, second, pods, sets, deployment}
  }

  const expectConverged = (result: Awaited<ReturnType<typeof scenario>>) => {
    const context = `seed ${result.seed} (replay with SEED=${result.seed}): ${JSON.stringify(result.counts)}`
    expect(result.first.settled, context).toBe(true)
    expect(result.second.settled, context).toBe(true)
    expect(result.pods.map((pod) => `${pod.spec.containers[0]!.image} ${pod.status?.phase} ${pod.spec.nodeName?.startsWith('worker-')}`), context).toEqual(Array(3).fill('nginx:1.28 Running true'))
    expect(result.sets.map((set) => `${set.spec.template?.spec?.containers && (set.spec.template.spec.containers as Array<{image: string}>)[0]!.image}=${set.spec.replicas}`).sort(), context).toEqual(['nginx:1.27=0', 'nginx:1.28=3'])
    expect(result.deployment.status, context).toMatchObject({replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3})
  }

  it('without faults', async () => {
    const result = await scenario({conflictRate: 0, goneAfterBatches: 0, duplicates: false})
    expectConverged(result)
  }, 60_000)

  it('with a third of all writes answered 409 Conflict', async () => {
    const result = await scenario({conflictRate: 0.33, goneAfterBatches: 0, duplicates: false})
    expect(result.counts.conflicts).toBeGreaterThan(10)
    expectConverged(result)
  }, 60_000)

  it('with every watch ending in 410 Gone after 3 batches (informers relist)', async () => {
    const result = await scenario({conflictRate: 0, goneAfterBatches: 3, duplicates: false})
    expect(result.counts.gone).toBeGreaterThan(3)
    expectConverged(result)
  }, 60_000)

  it('with every watch batch delivered twice', async () => {
    const result = await scenario({conflictRate: 0, goneAfterBatches: 0, duplicates: true})
    expect(result.counts.duplicated).toBeGreaterThan(10)
    expectConverged(result)
  }, 60_000)

  it('with all three at once', async () => {
    const result = await scenario({conflictRate: 0.2, goneAfterBatches: 5, duplicates: true})
    expectConverged(result)
  }, 60_000)
})
