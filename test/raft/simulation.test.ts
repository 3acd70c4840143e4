// Randomized Raft simulation. Every seed is a different world of faults; a failure prints the
// seed, and `SEED=<n> npx vitest run test/raft/simulation.test.ts` replays exactly that world.
import {describe, expect, it} from 'vitest'
import {byTestLength} from '../support/long-tests.js'
import {SimulatedCluster} from './simulated-cluster.js'

/** 150 seeds by default, 500 with KUBEMU_TESTS_LONG=1; RAFT_SEEDS sets any number. */
const seedCount = Number(process.env.RAFT_SEEDS ?? byTestLength(150, 500))
const chaosTicks = Number(process.env.RAFT_TICKS ?? 2000)
const settleTicksMax = 3000
const votersMin = 3
const votersMax = 5

function runSeed(seed: number): void {
  const cluster = new SimulatedCluster(seed, 3)
  const random = cluster.random
  cluster.faults = {drop: 0.05, duplicate: 0.02, delayTicksMax: 3}
  let proposals = 0
  for (let tick = 0; tick < chaosTicks; tick++) {
    const roll = random.next()
    const ids = [...cluster.members.values()].filter((member) => !member.removed).map((member) => member.id)
    if (roll < 0.3) {
      cluster.propose(random.pick(ids), `v${seed}-${proposals++}`)
    } else if (roll < 0.305) {
      cluster.crash(random.pick(ids))
    } else if (roll < 0.325) {
      cluster.start(random.pick(ids))
    } else if (roll < 0.33) {
      // A partition that often isolates the leader.
      const leader = cluster.leader()
      const isolated = leader && random.chance(0.5) ? leader.id : random.pick(ids)
      cluster.partition = [[isolated], ids.filter((id) => id !== isolated)]
    } else if (roll < 0.333) {
      const shuffled = [...ids].sort(() => random.next() - 0.5)
      const cut = 1 + random.nextInt(shuffled.length - 1)
      cluster.partition = [shuffled.slice(0, cut), shuffled.slice(cut)]
    } else if (roll < 0.345) {
      cluster.partition = null
    } else if (roll < 0.348) {
      changeMembership(cluster)
    } else if (roll < 0.35) {
      const leader = cluster.leader()
      if (leader) leader.raft!.transferLeadership(random.pick(cluster.voters()))
    }
    cluster.step()
  }
  const settled = cluster.settle(settleTicksMax)
  expect(settled, `seed ${seed}: the cluster did not settle:\n${cluster.describe()}`).toBe(true)
  const live = cluster.live().filter((member) => cluster.voters().includes(member.id))
  const reference = cluster.machineOf(cluster.leader()!.id)
  for (const member of live) {
    expect(cluster.machineOf(member.id), `seed ${seed}: ${member.id} diverged`).toEqual(reference)
  }
  const applied = new Set(reference)
  for (const value of cluster.acknowledged) {
    expect(applied.has(value), `seed ${seed}: acknowledged ${value} was lost`).toBe(true)
  }
}

function changeMembership(cluster: SimulatedCluster): void {
  const leader = cluster.leader()
  if (!leader) return
  const {voters, learners} = leader.raft!.confState()
  const random = cluster.random
  if (learners.length > 0) {
    cluster.proposeConfChange({type: 'addNode', nodeId: random.pick(learners)})
  } else if (voters.length < votersMax && random.chance(0.5)) {
    const id = cluster.newMemberId()
    if (cluster.proposeConfChange({type: 'addLearner', nodeId: id})) cluster.start(id)
  } else if (voters.length > votersMin) {
    cluster.proposeConfChange({type: 'removeNode', nodeId: random.pick(voters)})
  }
}

/** Seeds per test: small groups report progress and keep the worker responsive. */
const seedsPerGroup = 50

describe('raft simulation', () => {
  const only = process.env.SEED
  const seeds = only ? [Number(only)] : Array.from({length: seedCount}, (_, index) => index + 1)
  for (let first = 0; first < seeds.length; first += seedsPerGroup) {
    const group = seeds.slice(first, first + seedsPerGroup)
    it(`keeps the five safety properties and loses no acknowledged proposal, seeds ${group[0]}-${group[group.length - 1]}`, async () => {
      for (const seed of group) {
        try {
          runSeed(seed)
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error)
          throw new Error(`seed ${seed} failed (replay with SEED=${seed}): ${message}`, {cause: error})
        }
        // Let the worker answer the test runner between seeds.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }, 600_000)
  }
})
