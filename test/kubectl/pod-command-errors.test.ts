// exec, logs and set beside the real kubectl on `kubemu up`: a command without its pod, a container
// the pod does not have, an object that is not there before the arguments are checked. Both
// kubectls run each line: stdout, stderr and the exit code must be the same.
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startUpWithKubectls, type UpKubectls} from '../support/up-kubectls.js'

describe('exec, logs and set errors beside the real kubectl on up', {timeout: 300_000}, () => {
  let kubectls: UpKubectls | null = null
  beforeAll(async () => {
    kubectls = await startUpWithKubectls()
    expect((await kubectls.real('run p --image=nginx')).status).toBe(0)
    expect((await kubectls.real('create deployment d --image=nginx')).status).toBe(0)
    expect((await kubectls.real('wait --for=condition=Ready pod/p --timeout=60s')).status).toBe(0)
  }, 120_000)
  afterAll(async () => {
    await kubectls?.up.stop()
  })

  for (const line of [
    // A bare `--` before the command: no pod named.
    'exec -- ls',
    'exec -c nope -- ls',
    // The command without `--`: refused since kubectl 1.31.
    'exec p ls',
    'exec p',
    // The API server refuses a container the pod does not have (kubectl falls back from WebSocket to SPDY to learn why).
    'exec p -c nope -- ls',
    'exec missing -c nope -- ls',
    // logs finds the container in the pod itself.
    'logs p -c nope',
    'logs p nope',
    // set reads the objects before it checks what to change.
    'set image deploy/missing app=x',
    'set image deploy/missing',
    'set image deploy/missing deploy/d',
    'set image deploy/d',
    'set env deploy/missing A=1',
    'set env deploy/missing',
    'set env deploy/d',
  ]) {
    it(`fails as the real kubectl does: kubectl ${line}`, async () => {
      const {real, ours} = kubectls!
      const [theirs, mine] = [await real(line), await ours(line)]
      expect({status: mine.status, stdout: mine.stdout, stderr: mine.stderr}).toEqual({status: theirs.status, stdout: theirs.stdout, stderr: theirs.stderr})
    }, 60_000)
  }
})
