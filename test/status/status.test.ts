// `kubemu status -o json` and `--watch` through the CLI: one-shot (members from their files, the
// controllers not running) and under `kubemu up` (the process that runs the cluster answers,
// work queues included; --watch follows it until Ctrl-C or a closed pipe).
import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import type {ClusterStatus} from '../../src/core/status/model.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'

const environment = (home: string) => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', NO_COLOR: '1'})
const runner = (home: string) => (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(home)})

describe('kubemu status -o json, one-shot', () => {
  it('has the members inside and out, the Leases, events and the chain of the latest change; --watch needs up', async () => {
    const home = temporaryFolder()
    const run = runner(home)
    expect((await run('kubectl create deployment web --image=nginx --replicas=2')).status).toBe(0)
    const result = await run('status -o json')
    expect(result).toMatchObject({status: 0, stderr: ''})
    const status = JSON.parse(result.stdout) as ClusterStatus
    expect(status).toMatchObject({apiVersion: 'kubemu.io/v1alpha1', kind: 'ClusterStatus', live: false, queues: {running: false, loops: []}})
    expect(status.members.map((member) => member.name)).toEqual(['infra1', 'infra2', 'infra3'])
    expect(status.members.filter((member) => member.role === 'leader')).toHaveLength(1)
    for (const member of status.members) {
      expect(member.role === 'leader' || member.role === 'follower', member.name).toBe(true)
      expect(member.appliedIndex!).toBeLessThanOrEqual(member.index!)
      expect(member.lastLogIndex!).toBeGreaterThanOrEqual(member.index!)
      expect(member.logEntries).toBe(member.lastLogIndex! - member.snapshotIndex!)
      expect(member.recentEntries.length).toBeLessThanOrEqual(40)
      expect(member.recentEntries.at(-1)).toEqual({index: member.lastLogIndex, term: member.term})
    }
    // The same term and index etcdctl reports for each member.
    for (const member of status.members) {
      const reported = JSON.parse((await run(`etcdctl endpoint status --endpoints=${member.endpoint} -w json`)).stdout) as Array<{Status: {raftTerm: number; raftIndex: number}}>
      expect({term: member.term, index: member.index}, member.name).toEqual({term: reported[0]!.Status.raftTerm, index: reported[0]!.Status.raftIndex})
    }
    expect(status.leases.map((lease) => lease.name)).toEqual(['kube-scheduler', 'kube-controller-manager'])
    for (const lease of status.leases) {
      expect(lease.holder).toMatch(/^control-plane\d?_/)
      expect(Date.parse(lease.renewTime!)).toBeLessThanOrEqual(status.time.now)
    }
    const web = status.nodes.flatMap((node) => node.pods).filter((pod) => pod.name.startsWith('default/web-'))
    expect(web.map((pod) => [pod.phase, pod.ready])).toEqual([['Running', true], ['Running', true]])
    expect(status.events.length).toBeGreaterThan(5)
    expect(status.events.length).toBeLessThanOrEqual(30)
    expect(status.latestChange?.root).toBe('deployment/default/web')
    expect(status.latestChange?.events[0]).toMatchObject({reason: 'ScalingReplicaSet', object: 'deployment/default/web', component: 'deployment-controller'})
    expect(status.latestChange?.events.filter((event) => event.reason === 'Scheduled')).toHaveLength(2)
    expect(status.services.find((service) => service.name === 'kube-system/kube-dns')?.endpoints).toHaveLength(2)

    const text = await run('status')
    expect(text.stdout).toMatch(/\nleader election\n {2}LEASE +HOLDER +RENEWED\n {2}kube-system\/kube-scheduler +control-plane\S* +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+s ago\)\n/)
    expect(text.stdout).toContain('\nwork queues\n  not running: the controllers run inside each one-shot command (kubemu up keeps them running)\n')
    expect(text.stdout).toMatch(/\nlast events \(5\)\n {2}TIME +TYPE +REASON +OBJECT +FROM +MESSAGE\n/)

    const watch = await run('status --watch')
    expect(watch).toMatchObject({status: 1, stdout: ''})
    expect(watch.stderr).toBe('Error: status --watch follows a running cluster: start `kubemu up` first (without it the cluster is suspended between commands; `kubemu status` shows one snapshot)\n')
  }, 120_000)
})

describe('kubemu status under up', () => {
  const ups = upProcessesOfSuite()

  it('answers from up (work queues, served endpoints) and --watch prints a block per change until Ctrl-C or a closed pipe', async () => {
    const home = temporaryFolder()
    const up = new UpProcess(home)
    ups.push(up)
    await up.until(/leads kube-controller-manager/)
    const run = runner(home)
    const status = JSON.parse((await run('status -o json')).stdout) as ClusterStatus
    expect(status.live).toBe(true)
    expect(status.queues.running).toBe(true)
    expect(status.queues.loops.map((loop) => loop.name)).toEqual(expect.arrayContaining(['deployment-controller', 'replicaset-controller', 'endpoints-controller']))
    expect(Object.fromEntries(status.members.map((member) => [member.name, member.endpoint]))).toEqual(up.etcdUrls())

    const watcher = spawn(kubemu, ['status', '--watch'], {cwd: home, env: environment(home)})
    let output = ''
    const exited = new Promise<number | null>((resolve) => watcher.on('exit', resolve))
    const seen = (pattern: RegExp) => new Promise<void>((resolve) => {
      const check = () => (pattern.test(output) ? resolve() : watcher.stdout.once('data', check))
      check()
    })
    watcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    await seen(/last events/)
    expect((await run('kubectl create deployment watched --image=nginx')).status).toBe(0)
    await seen(/default\/watched-\S+(?! \()/)
    watcher.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(output).not.toMatch(/\u001b\[/)
    expect(output.match(/^cluster time /gm)!.length).toBeGreaterThanOrEqual(2)
    expect(output).toMatch(/\n\ncluster time /)

    // A closed pipe ends it at once, without a word on stderr.
    const piped = await runShell(`${kubemu} status --watch -o json | head -c 20`, {cwd: home, env: environment(home)})
    expect(piped).toMatchObject({stdout: '{\n  "apiVersion": "k', stderr: ''})
  }, 120_000)
})
