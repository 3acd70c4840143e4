// Verbs given several objects where some fail, beside the real kubectl 1.32 on `kubemu up`: each
// verb goes on or stops as kubectl's does (label, annotate, rollout's verbs and delete report every
// failure at the end, in kubectl's order; scale reads every object first and stops at the first
// failure to scale). The real kubectl works in namespace `r`, kubemu's in namespace `o`, on the
// same objects, so that each starts from the same state.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls, type UpKubectls} from '../support/up-kubectls.js'

describe('several objects, some failing, beside the real kubectl on up', {timeout: 300_000}, () => {
  let kubectls: UpKubectls
  beforeAll(async () => {
    kubectls = await startUpWithKubectls()
    for (const namespace of ['r', 'o']) {
      expect((await kubectls.real(`create namespace ${namespace}`)).status).toBe(0)
      expect((await kubectls.real(`create deployment a -n ${namespace} --image=nginx`)).status).toBe(0)
      expect((await kubectls.real(`create deployment b -n ${namespace} --image=nginx`)).status).toBe(0)
    }
  }, 120_000)
  afterAll(async () => {
    await kubectls?.up.stop()
  })

  /** Runs the line with both kubectls, each in its namespace; stdout, stderr and exit code must agree. */
  const sameAsReal = async (line: string) => {
    const theirs = await kubectls.real(`-n r ${line}`)
    const ours = await kubectls.ours(`-n o ${line}`)
    expect({line, ...ours}).toEqual({line, ...theirs})
    return theirs
  }

  it('label and annotate go on past a missing object and past a value they may not overwrite, and report each', async () => {
    for (const line of [
      'label deployment a nope b x=1',
      'label deployment a nope b x=2',
      'label deployment a b x=3',
      'label deployment a x=4',
      'label deployment a nope b x=5 --overwrite',
      'annotate deployment a nope b y=1',
      'annotate deployment a nope b y=2',
      'annotate deployment nope a y=1 -o name',
    ]) {
      expect((await sameAsReal(line)).status).toBe(1)
    }
  })

  it('scale reads every object first, then stops at the first it cannot scale', async () => {
    for (const line of [
      'scale deployment a nope b --replicas=2',
      'scale deployment a nope b --replicas=3 -o name',
      'scale deployment nope --replicas=1',
      'scale deployment nope nope2 --replicas=1',
      'scale deployment a nope b --current-replicas=9 --replicas=1',
      'scale deployment a nope b --replicas=1 --dry-run=client',
    ]) {
      expect((await sameAsReal(line)).status).toBe(1)
    }
  })

  it("rollout's verbs report what they could not read first (restart, pause, resume) or in turn (undo, history, status)", async () => {
    for (const line of [
      'rollout pause deployment a nope b',
      'rollout pause deployment a nope b',
      'rollout restart deployment a nope b',
      'rollout resume deployment a nope b',
      'rollout resume deployment a nope b',
      'rollout history deployment a nope b',
      'rollout undo deployment a nope b --to-revision=7',
      'rollout status deployment nope nope2',
      'set image deployment a nope b nginx=x',
      'delete deployment a nope b',
    ]) {
      expect((await sameAsReal(line)).status).toBe(1)
    }
  })
})
