// The scheduling queue's backoff: podInitialBackoffSeconds doubled per failed attempt, capped at
// podMaxBackoffSeconds, before a released pod may be tried again; collapsed delays release all.
import {describe, expect, it} from 'vitest'
import {PodBackoff} from '../../src/core/scheduler/backoff.js'
import {buildProfiles} from '../../src/core/scheduler/profile.js'
import {parseSchedulerConfiguration} from '../../src/core/scheduler/configuration.js'
import {pod} from './fixtures.js'

describe('scheduling queue backoff', () => {
  it('doubles the wait per failed attempt up to the maximum', () => {
    const backoff = new PodBackoff(1000, 5000)
    const web = pod('web')
    expect(backoff.release('default/web', web, 0)).toBe(true)
    const waits: number[] = []
    let now = 0
    for (let attempt = 0; attempt < 5; attempt++) {
      backoff.failed('default/web', now)
      expect(backoff.release('default/web', web, now)).toBe(false)
      const ready = backoff.nextDue()!
      waits.push(ready - now)
      expect(backoff.due(ready - 1, false)).toEqual([])
      expect(backoff.due(ready, false)).toEqual([['default/web', web]])
      now = ready
    }
    expect(waits).toEqual([1000, 2000, 4000, 5000, 5000])
    backoff.failed('default/web', now)
    expect(backoff.release('default/web', web, now)).toBe(false)
    expect(backoff.hasDue(now, true)).toBe(true)
    expect(backoff.due(now, true)).toEqual([['default/web', web]])
    backoff.forget('default/web')
    expect(backoff.release('default/web', web, now)).toBe(true)
  })

  it('takes its durations from the configuration', () => {
    const [profile] = buildProfiles(parseSchedulerConfiguration('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\npodInitialBackoffSeconds: 2\npodMaxBackoffSeconds: 30\n'))
    expect(profile).toMatchObject({podInitialBackoffSeconds: 2, podMaxBackoffSeconds: 30})
  })
})
