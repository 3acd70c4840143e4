// Ages kubemu's kubectl computes itself (describe's events) under a seeded `up` whose clock runs:
// the cluster's timestamps count from the seeded epoch plus the time up has run, which a one-shot
// process cannot tell from the cluster's folder (its clock stands on the epoch), so it asks up.
// Before, describe printed `<invalid>` (an event later than its now). The real kubectl counts from
// wall time, far past a seeded epoch (e.g. 704d); kubemu's kubectl counts in the cluster's time,
// as the API server's tables (get events) do for both kubectls.
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {realKubectl} from '../support/up-with-real-kubectl.js'

/** The Age column of describe's Events table. */
function eventAges(description: string): string[] {
  const events = description.slice(description.indexOf('Events:'))
  return events
    .split('\n')
    .slice(3)
    .filter((line) => line.trim().length > 0)
    .map((line) => line.trim().split(/\s+/)[2]!)
}

/** Seconds of a Go duration as kubectl prints an age (5s, 4m17s, 1h2m). */
function ageSeconds(age: string): number {
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(age)
  if (!match || age === '') return Number.NaN
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)
}

describe('kubemu kubectl against a seeded up whose clock runs', {timeout: 180_000}, () => {
  const processes = upProcessesOfSuite()

  it('ages describe’s events in the cluster’s time, as the server ages get events, never <invalid>', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const ours = (line: string) => runShell(`timeout 60 ${kubemu} kubectl ${line}`, {cwd: home, env})
    const up = new UpProcess(home, ['--seed', '3'])
    processes.push(up)
    await up.until(/leads kube-controller-manager/)
    expect((await ours('create deployment web --image=nginx')).status).toBe(0)
    expect((await ours('rollout status deploy/web --timeout=60s')).status).toBe(0)
    const described = await ours('describe pods -l app=web')
    expect(described.status).toBe(0)
    const ages = eventAges(described.stdout)
    expect(ages.length).toBeGreaterThan(0)
    // The server's table, in the cluster's time: what describe's ages must agree with (to the
    // seconds between the two commands).
    const table = existsSync(realKubectl) ? await runShell(`${realKubectl} --kubeconfig=${join(home, 'default', 'kubeconfig')} get events --no-headers`, {cwd: home, env}) : await ours('get events --no-headers')
    const served = table.stdout.trim().split('\n').map((line) => ageSeconds(line.split(/\s+/)[0]!))
    for (const age of ages) {
      const seconds = ageSeconds(age)
      expect({age, valid: seconds >= 0}).toEqual({age, valid: true})
      expect(seconds).toBeLessThanOrEqual(Math.max(...served) + 5)
    }
  })
})
