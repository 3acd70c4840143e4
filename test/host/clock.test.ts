// The cluster clock through the real CLI, one-shot: `kubemu time` shows it, `kubemu time advance`
// moves it and runs what happens in between in order (a stopped node's NotReady after 40 s and
// its pods' eviction 300 s later, a CronJob every five minutes, etcd leases running out), and
// bad durations change nothing.
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {formatAdvance} from '../../src/core/printers/host.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const kubemu = join(import.meta.dirname, '..', '..', 'bin', 'kubemu')

function cluster() {
  const home = temporaryFolder()
  const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', NO_COLOR: '1'}
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env, ...(stdin === undefined ? {} : {stdin})})
  return {home, run, kubectl: (line: string, stdin?: string) => run(`kubectl ${line}`, stdin)}
}

const offsetOf = (output: string) => /\(wall clock \+ (\S+)\)/.exec(output)?.[1]

describe('the cluster clock', () => {
  it('counts an advance\'s steps in English: 1 step, 2 steps', () => {
    const from = Date.UTC(2026, 11, 6, 7, 0, 0)
    expect(formatAdvance({from, to: from + 300_000, steps: 1})).toBe('cluster time 2026-12-06T07:00:00Z -> 2026-12-06T07:05:00Z (+5m0s, 1 step)\n')
    expect(formatAdvance({from, to: from + 300_000, steps: 2})).toBe('cluster time 2026-12-06T07:00:00Z -> 2026-12-06T07:05:00Z (+5m0s, 2 steps)\n')
  })

  it('shows cluster time and refuses durations that are negative or malformed, leaving it unchanged', async () => {
    const {run} = cluster()
    const shown = await run('time')
    expect(shown.status).toBe(0)
    expect(shown.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\t\(wall clock \+ 0s\)\n$/)
    for (const [argument, reason] of [['-5m', 'the cluster clock only moves forward'], ['5 minutes', 'give a Go duration such as 90s, 6m or 1h30m'], ['9000h', 'at most 8784h at once']]) {
      const refused = await run(`time advance '${argument}'`)
      expect(refused.status).toBe(1)
      expect(refused.stderr).toBe(`Error: invalid duration "${argument}": ${reason}\n`)
      expect(refused.stderr).not.toMatch(/\n\s+at /)
    }
    expect(offsetOf((await run('time')).stdout)).toBe('0s')
    const advanced = await run('time advance 90s')
    expect(advanced.status).toBe(0)
    expect(advanced.stdout).toMatch(/^cluster time \S+ -> \S+ \(\+1m30s, (1 step|\d+ steps)\)\n$/)
    expect(offsetOf((await run('time')).stdout)).toBe('1m30s')
  })

  it('runs a stopped node through NotReady after 40 s and its pods through eviction 300 s later, replaced elsewhere', async () => {
    const {run, kubectl} = cluster()
    expect((await kubectl('create deployment web --image=nginx --replicas=3')).status).toBe(0)
    const onWorker1 = (await kubectl("get pods -o jsonpath='{range .items[?(@.spec.nodeName==\"worker-1\")]}{.metadata.name}{\"\\n\"}{end}'")).stdout.trim().split('\n').filter(Boolean)
    expect(onWorker1.length).toBeGreaterThan(0)
    expect((await kubectl('expose deployment web --port=80')).status).toBe(0)
    const addresses = async () => (await kubectl("get endpoints web -o jsonpath='{.subsets[*].addresses[*].nodeName}'")).stdout.split(' ').filter(Boolean).sort()
    expect(await addresses()).toHaveLength(3)
    expect((await run('node stop worker-1')).status).toBe(0)
    // Wall time passes between commands too: the kubelet's last heartbeat is the anchor.
    const renewed = Date.parse((await kubectl("get lease worker-1 -n kube-node-lease -o jsonpath='{.spec.renewTime}'")).stdout)
    expect((await run('time advance 4m')).status).toBe(0)
    const ready = JSON.parse((await kubectl("get node worker-1 -o jsonpath='{.status.conditions[?(@.type==\"Ready\")]}'")).stdout) as {status: string; lastTransitionTime: string}
    expect(ready.status).toBe('Unknown')
    // NotReady nodeMonitorGracePeriod (40 s) after the last heartbeat. The clock runs here, so the
    // wall time a busy machine takes over the replay's step moves cluster time on too; the step
    // lands on the grace period's end, and kube-controller-manager's own monitor looks every 5 s.
    const notReadyAfter = Date.parse(ready.lastTransitionTime) - renewed
    expect(notReadyAfter).toBeGreaterThanOrEqual(40_000)
    expect(notReadyAfter).toBeLessThanOrEqual(45_000)
    // Its pods are no longer Ready, so the Service stops sending to them.
    expect(await addresses()).not.toContain('worker-1')
    expect(await addresses()).toHaveLength(3 - onWorker1.length)
    // 4m30s after the stop: NotReady at most 40 s in, eviction 300 s after that: not yet.
    const before = await kubectl('get pods -o name')
    for (const pod of onWorker1) expect(before.stdout).toContain(`pod/${pod}\n`)
    expect(before.stdout.trim().split('\n')).toHaveLength(3)
    expect((await run('time advance 2m')).status).toBe(0)
    const events = await kubectl("get events --field-selector reason=TaintManagerEviction -o jsonpath='{range .items[*]}{.involvedObject.name}{\"\\n\"}{end}'")
    expect(events.stdout.trim().split('\n').sort()).toEqual([...onWorker1].sort())
    const notReady = (await kubectl("get events --field-selector reason=NodeNotReady -o jsonpath='{.items[0].lastTimestamp}'")).stdout
    const evicted = (await kubectl("get events --field-selector reason=TaintManagerEviction -o jsonpath='{.items[0].lastTimestamp}'")).stdout
    // Eviction exactly tolerationSeconds (300 s) after the unreachable taint, to the second.
    expect(Date.parse(evicted) - Date.parse(notReady)).toBe(300_000)
    const running = await kubectl("get pods -o jsonpath='{range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{\"\\n\"}{end}'")
    expect(running.stdout.trim().split('\n').filter(Boolean).sort()).toEqual([...onWorker1].sort())
    const replacements = await kubectl("get pods -o jsonpath='{range .items[?(@.status.phase==\"Running\")]}{.spec.nodeName}{\"\\n\"}{end}'")
    expect(replacements.stdout.trim().split('\n').filter((node) => node !== 'worker-1')).toHaveLength(3)
  })

  it('puts a node\'s pods back in their Services once its kubelet reports again', async () => {
    const {run, kubectl} = cluster()
    expect((await kubectl('create deployment web --image=nginx --replicas=3')).status).toBe(0)
    expect((await kubectl('expose deployment web --port=80')).status).toBe(0)
    const addresses = async () => (await kubectl("get endpoints web -o jsonpath='{.subsets[*].addresses[*].nodeName}'")).stdout.split(' ').filter(Boolean).sort()
    // Where the three land depends on what else the workers run (CoreDNS's replicas take room).
    const placed = await addresses()
    expect(placed).toHaveLength(3)
    const stopped = placed[0]!
    expect((await run(`node stop ${stopped}`)).status).toBe(0)
    expect((await run('time advance 1m')).status).toBe(0)
    expect(await addresses()).toEqual(placed.filter((node) => node !== stopped))
    expect((await run(`node start ${stopped}`)).status).toBe(0)
    expect(await addresses()).toEqual(placed)
  })

  it('fires a */5 CronJob twelve times over an hour, and expires etcd leases on the cluster clock', async () => {
    const {run, kubectl} = cluster()
    expect((await kubectl("create cronjob tick --image=busybox --schedule='*/5 * * * *'")).status).toBe(0)
    const granted = await run('etcdctl lease grant 120')
    const lease = /^lease ([0-9a-f]+) granted with TTL\(120s\)\n$/.exec(granted.stdout)![1]!
    expect((await run(`etcdctl put short-lived yes --lease=${lease}`)).status).toBe(0)
    // Advance from a whole five minutes on, so that the hour holds exactly twelve schedules.
    expect((await run('time advance 1h')).status).toBe(0)
    const created = await kubectl("get events --field-selector reason=SuccessfulCreate,involvedObject.kind=CronJob -o jsonpath='{range .items[*]}{.count}{\"\\n\"}{end}'")
    const total = created.stdout.trim().split('\n').filter(Boolean).reduce((sum, count) => sum + Number(count), 0)
    expect(total).toBeGreaterThanOrEqual(12)
    expect(total).toBeLessThanOrEqual(13)
    expect((await run('etcdctl get short-lived')).stdout).toBe('')
    expect((await run(`etcdctl lease timetolive ${lease}`)).stdout).toBe(`lease ${lease} already expired\n`)
  })
})
