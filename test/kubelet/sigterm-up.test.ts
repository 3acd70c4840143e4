// The real kubectl deleting pods on `kubemu up`: an nginx pod (nginx ends on SIGTERM) is gone at
// once, a `sleep 3600` pod (sleep as PID 1 ignores SIGTERM) only when --grace-period is over.
import {afterAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls} from '../support/up-kubectls.js'
import type {UpProcess} from '../support/up-process.js'

describe('the real kubectl deleting pods on kubemu up', {timeout: 300_000}, () => {
  let up: UpProcess | null = null
  afterAll(async () => {
    await up?.stop()
  })

  it('returns at once for an nginx pod and after the grace period for a sleep 3600 pod', async () => {
    const started = await startUpWithKubectls()
    up = started.up
    const {real} = started
    expect((await real('run web --image=nginx')).status).toBe(0)
    expect((await real('run sleeper --image=busybox -- sleep 3600')).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/web pod/sleeper --timeout=60s')).status).toBe(0)
    let began = Date.now()
    expect(await real('delete pod web')).toMatchObject({status: 0, stdout: 'pod "web" deleted\n'})
    // The default grace period is 30 s: nginx ends well before it.
    expect(Date.now() - began).toBeLessThan(10_000)
    began = Date.now()
    expect(await real('delete pod sleeper --grace-period=4')).toMatchObject({status: 0, stdout: 'pod "sleeper" deleted\n'})
    expect(Date.now() - began).toBeGreaterThanOrEqual(4_000)
    expect(await real('get pods -o name')).toMatchObject({status: 0, stdout: ''})
  })
})
