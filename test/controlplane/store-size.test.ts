// After pods come and go, the members' files stay near the data they hold: kube-apiserver's
// compactor compacts etcd on cluster time, and the members give the freed space back.
import {existsSync, statSync} from 'node:fs'
import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'
import {compactionIntervalMilliseconds, compactWhenDue} from '../../src/core/apiserver/compactor.js'
import {resources} from '../../src/core/client/resources.js'
import {memberDatabasePath} from '../../src/core/etcd/cluster-files.js'
import {ManualClock} from '../../src/core/util/clock.js'
import {inProcessCluster} from '../support/in-process-cluster.js'

const podsPerRound = 100
const rounds = 2
const members = ['infra1', 'infra2', 'infra3']

/** The member's file and its WAL, as they take room on disk. */
function storeFileBytes(folder: string, member: string): number {
  const path = memberDatabasePath(folder, member)
  return statSync(path).size + (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0)
}

/** The live data as etcd's dbSizeInUse counts it after a compaction: the current keys and their values. */
function liveBytes(folder: string, member: string): {bytes: number; keys: number; historyRows: number} {
  const db = new Database(memberDatabasePath(folder, member), {readonly: true})
  try {
    const live = db.prepare('SELECT count(*) AS keys, sum(length(k.key) + length(h.value)) AS bytes FROM kv k JOIN kv_history h ON h.id = k.history_id').get() as {keys: number; bytes: number}
    const history = db.prepare('SELECT count(*) AS rows FROM kv_history').get() as {rows: number}
    return {...live, historyRows: history.rows}
  } finally {
    db.close()
  }
}

describe('store size after churn', () => {
  it('stays within twice the live data once the API server has compacted', async () => {
    const clock = new ManualClock()
    const cluster = await inProcessCluster(clock, 22)
    let steppedAt: number | undefined
    const compactorStep = async () => {
      if (await compactWhenDue(cluster.store, clock.nowMilliseconds(), steppedAt)) steppedAt = clock.nowMilliseconds()
    }
    await compactorStep()
    for (let round = 0; round < rounds; round++) {
      for (let index = 0; index < podsPerRound; index++) {
        await cluster.admin.create(resources.pods, {
          apiVersion: 'v1', kind: 'Pod', metadata: {name: `churn-${round}-${index}`, namespace: 'default', labels: {app: 'churn'}},
          spec: {containers: [{name: 'main', image: 'nginx:1.27', resources: {requests: {cpu: '10m', memory: '16Mi'}}}]},
        } as never)
      }
      await cluster.settle()
      const running = await cluster.admin.list(resources.pods, 'default')
      expect(running.items.filter((pod) => (pod as {status?: {phase?: string}}).status?.phase === 'Running').length).toBe(podsPerRound)
      for (let index = 0; index < podsPerRound; index++) await cluster.admin.delete(resources.pods, 'default', `churn-${round}-${index}`)
      await cluster.settle()
      clock.advance(compactionIntervalMilliseconds)
      await compactorStep()
    }
    // The revision noted at the last step is compacted an interval later.
    clock.advance(compactionIntervalMilliseconds)
    await compactorStep()
    expect((await cluster.admin.list(resources.pods, 'default')).items).toEqual([])
    await cluster.close()
    for (const member of members) {
      const live = liveBytes(cluster.folder, member)
      // Compacted: what history keeps beyond the current values is the last interval's changes.
      expect(live.historyRows).toBeLessThan(live.keys * 1.5)
      expect(storeFileBytes(cluster.folder, member)).toBeLessThanOrEqual(2 * live.bytes)
    }
  }, 120_000)
})
