// The real kubectl's exec and `run -it --rm` against `kubemu up`: the output, the exit code it
// passes on, and the pod `--rm` deletes, without a hang after the output (kubectl waits on a watch
// for the pod's end: its headers must come before any event).
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {temporaryFolder} from '../support/temp.js'

describe('the real kubectl streams against kubemu up', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()

  it('exec passes on the output and exit code; run -it --rm prints the output, deletes the pod and exits with the container', async () => {
    const home = temporaryFolder()
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads kube-controller-manager/)
    const kubeconfig = join(home, 'default', 'kubeconfig')
    // A bounded wait: a hang shows as timeout's exit code 124.
    const real = (line: string) => runShell(`timeout 60 kubectl --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})

    expect((await real('run sleeper --image=busybox -- sleep 3600')).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/sleeper --timeout=50s')).status).toBe(0)
    expect(await real('exec sleeper -- echo hi')).toMatchObject({status: 0, stdout: 'hi\n', stderr: ''})
    expect(await real("exec sleeper -- sh -c 'echo oops >&2; exit 4'")).toMatchObject({status: 4, stdout: '', stderr: 'oops\ncommand terminated with exit code 4\n'})

    const once = await real('run -it --rm --restart=Never once --image=busybox -- echo hello')
    expect(once.stdout).toBe('hello\npod "once" deleted\n')
    expect(once.status, once.stderr).toBe(0)
    // Deleted with its grace period, as on a real cluster; its container has already ended, so the
    // kubelet removes it at once instead of waiting the 30 s grace period out.
    expect(await real('wait --for=delete pod/once --timeout=10s')).toMatchObject({status: 0})

    const failing = await real("run -it --rm --restart=Never failing --image=busybox -- sh -c 'echo out; exit 3'")
    expect(failing).toMatchObject({status: 3, stdout: 'out\npod "failing" deleted\n'})
    expect(failing.stderr).toContain('pod default/failing terminated (Error)\n')
  })
})
