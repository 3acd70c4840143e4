// The `kubernetes` Service's endpoints list every running API server, as kube-apiserver's lease
// endpoint reconciler writes them on a 3-master kind cluster, and kube-proxy renders one
// KUBE-SEP chain per master; a stopped master's address drops once its 15 s lease expires and
// comes back when it starts again. Through the CLI in one-shot mode.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {MasterLeases} from '../../src/core/apiserver/bootstrap-endpoints.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')
const masters = ['172.18.0.2', '172.18.0.3', '172.18.0.4']

describe('the kubernetes endpoints', {timeout: 300_000}, () => {
  let home: string
  const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
  const endpoints = async () => (await run(`kubectl get endpoints kubernetes -o jsonpath='{.subsets[0].addresses[*].ip}'`)).stdout
  const sliceAddresses = async () => (await run(`kubectl get endpointslice kubernetes -o jsonpath='{.endpoints[*].addresses[0]} {.metadata.labels.kubernetes\\.io/service-name}'`)).stdout
  /** The DNAT targets of the kubernetes Service's endpoint chains on worker-1. */
  const destinations = async () => [...(await run('node rules worker-1 --table nat')).stdout.matchAll(/-A KUBE-SEP-\S+ -p tcp -m comment --comment "default\/kubernetes:https" -m tcp -j DNAT --to-destination (\S+)\n/g)].map((match) => match[1]).sort()

  beforeAll(() => {
    home = temporaryFolder()
  })

  it('list the three masters, each a KUBE-SEP chain of KUBE-SVC-NPX46M4PTMTKRN6Y', async () => {
    expect(await endpoints()).toBe(masters.join(' '))
    expect(await sliceAddresses()).toBe(`${masters.join(' ')} kubernetes`)
    expect(await destinations()).toEqual(masters.map((address) => `${address}:6443`))
    const rules = (await run('node rules worker-1 --table nat')).stdout
    expect(rules).toContain('-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 172.18.0.2:6443" -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-')
    expect(rules).toContain('-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https -> 172.18.0.3:6443" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-')
  })

  it("drop a stopped master once its lease expires and list it again when it starts", async () => {
    expect((await run('master stop control-plane3')).status).toBe(0)
    expect((await run('time advance 20s')).status).toBe(0)
    expect(await endpoints()).toBe('172.18.0.2 172.18.0.3')
    expect(await sliceAddresses()).toBe('172.18.0.2 172.18.0.3 kubernetes')
    expect(await destinations()).toEqual(['172.18.0.2:6443', '172.18.0.3:6443'])
    expect((await run('master start control-plane3')).status).toBe(0)
    expect((await run('time advance 10s')).status).toBe(0)
    expect(await endpoints()).toBe(masters.join(' '))
    expect(await destinations()).toEqual(masters.map((address) => `${address}:6443`))
  })
})

describe('the master leases', () => {
  it('hold a stopped master for the 15 s TTL after its last renewal, and sort the addresses', () => {
    let running = ['control-plane3', 'control-plane', 'control-plane2']
    const leases = new MasterLeases(() => running)
    expect(leases.current(0)).toEqual(masters)
    running = ['control-plane', 'control-plane2']
    expect(leases.current(10_000)).toEqual(masters)
    expect(leases.current(14_999)).toEqual(masters)
    expect(leases.current(15_000)).toEqual(['172.18.0.2', '172.18.0.3'])
    // A new process takes the stored endpoints' addresses as renewed when the cluster last ran.
    const resumed = new MasterLeases(() => running)
    resumed.assume(masters, 20_000)
    expect(resumed.current(30_000)).toEqual(masters)
    expect(resumed.current(35_000)).toEqual(['172.18.0.2', '172.18.0.3'])
  })
})
