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
    // The default grace period is 30 s: nginx ends well before it, so kubectl's own 15 s wait suffices.
    expect(await real('delete pod web --timeout=15s')).toMatchObject({status: 0, stdout: 'pod "web" deleted\n'})
    // A shell's sleep as PID 1 ignores SIGTERM: right after the delete the pod is still there, Terminating.
    expect(await real('delete pod sleeper --grace-period=4 --wait=false')).toMatchObject({status: 0, stdout: 'pod "sleeper" deleted\n'})
    expect((await real("get pod sleeper -o jsonpath='{.metadata.deletionGracePeriodSeconds}'")).stdout).toBe('4')
    expect((await real('wait --for=delete pod/sleeper --timeout=60s')).status).toBe(0)
    expect(await real('get pods -o name')).toMatchObject({status: 0, stdout: ''})
  })
})
