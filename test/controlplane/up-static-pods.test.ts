// Under `kubemu up` the masters' static pods follow the faults up runs itself (it keeps which
// members and masters are stopped instead of reading the cluster folder at every loop turn): a
// stopped member's etcd pod and a stopped master's components go unready, and Ready again once
// started, as one-shot commands show them (test/controlplane/mirror-pods.test.ts).
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {temporaryFolder} from '../support/temp.js'

describe('static pods under kubemu up', () => {
  const processes = upProcessesOfSuite()

  it('a member or master stopped through up makes its static pods unready, started again Ready', async () => {
    const home = temporaryFolder()
    const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads/)
    const wait = (condition: string, pod: string) => run(`kubectl wait -n kube-system --for=${condition === 'create' ? condition : `condition=${condition}`} pod/${pod} --timeout=120s`)
    // The kubelets post the mirror pods once the control plane runs.
    expect(await wait('create', 'etcd-control-plane2')).toMatchObject({status: 0, stdout: 'pod/etcd-control-plane2 condition met\n'})
    expect(await wait('Ready', 'etcd-control-plane2')).toMatchObject({status: 0, stdout: 'pod/etcd-control-plane2 condition met\n'})

    expect((await run('member stop infra2')).status).toBe(0)
    expect(await wait('Ready=false', 'etcd-control-plane2')).toMatchObject({status: 0, stdout: 'pod/etcd-control-plane2 condition met\n'})
    // The member's master runs its other components.
    expect((await run("kubectl get pod kube-apiserver-control-plane2 -n kube-system -o jsonpath='{.status.containerStatuses[0].ready}'")).stdout).toBe('true')
    expect((await run('member start infra2')).status).toBe(0)
    expect(await wait('Ready', 'etcd-control-plane2')).toMatchObject({status: 0, stdout: 'pod/etcd-control-plane2 condition met\n'})

    expect((await run('master stop control-plane3')).status).toBe(0)
    for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) {
      expect(await wait('Ready=false', `${component}-control-plane3`)).toMatchObject({status: 0, stdout: `pod/${component}-control-plane3 condition met\n`})
    }
    expect((await run('master start control-plane3')).status).toBe(0)
    expect(await wait('Ready', 'kube-apiserver-control-plane3')).toMatchObject({status: 0, stdout: 'pod/kube-apiserver-control-plane3 condition met\n'})
  }, 300_000)
})
