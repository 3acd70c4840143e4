// Deterministic runs through the real CLI: a script of 30 commands run in two fresh KUBEMU_HOME
// folders with the same seed prints the same bytes (UIDs, pod names, IPs, node ports, timestamps,
// raft terms and indexes, leader identities, the trace); another seed gives other UIDs; a seed
// that is not a number, or one that contradicts the cluster's, is refused with one line.
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {runShell, type ShellResult} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

/** What a tutorial would run: after the first, every command continues the cluster's seeded streams. */
const script = [
  'kubectl create deployment web --image=nginx:1.27 --replicas=3',
  'kubectl get pods -o wide',
  'kubectl get deployment web -o yaml',
  'kubectl get replicasets -o wide',
  'kubectl scale deployment web --replicas=5',
  'kubectl get pods -o wide',
  'kubectl expose deployment web --port=80 --type=NodePort',
  'kubectl get service web -o yaml',
  'kubectl get endpoints web',
  'kubectl describe deployment web',
  'kubectl set image deployment/web nginx=nginx:1.28',
  'kubectl rollout status deployment/web',
  'kubectl rollout history deployment/web',
  'kubectl get pods -o wide',
  "kubectl create job pi --image=perl:5.34 -- perl -e 'print 1'",
  'kubectl get jobs',
  'kubectl get pods -l job-name=pi -o yaml',
  "kubectl create cronjob tick --image=busybox:1.36 --schedule='*/1 * * * *' -- date",
  'time advance 2m',
  'kubectl get jobs,cronjobs',
  'kubectl get events',
  'kubectl describe pods -l app=web',
  'kubectl run solo --image=busybox:1.36 --restart=Never -- sleep 1',
  'kubectl get pod solo -o wide',
  'kubectl delete pods -l app=web',
  'kubectl get pods -o wide',
  'status',
  'trace deployment/web',
  'etcdctl get /registry/deployments/default/web -w json',
  'kubectl get all -o wide',
]

const run = (home: string, line: string, environment: NodeJS.ProcessEnv = {}): Promise<ShellResult> =>
  runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '', NO_COLOR: '1', ...environment}})

/** The script's output in a fresh home, each command's status and streams in order. */
async function transcript(lines: readonly string[]): Promise<string> {
  const home = temporaryFolder()
  let text = ''
  for (const [index, line] of lines.entries()) {
    const result = await run(home, line)
    text += `--- ${script[index]}\nexit ${result.status}\n${result.stdout}${result.stderr}`
  }
  return text
}

const uidOf = (text: string) => /^ {2}uid: (\S+)$/m.exec(text)?.[1]

describe('deterministic runs', {timeout: 1_800_000}, () => {
  it('prints the same bytes for the same 30 commands in two fresh homes with the same seed', async () => {
    expect(script).toHaveLength(30)
    // The seed given once, when the first command creates the cluster; then given on every command.
    // The two homes share nothing: their scripts run side by side (each one's commands in order).
    const [first, second] = await Promise.all([transcript([`--seed 42 ${script[0]}`, ...script.slice(1)]), transcript(script.map((line) => `--seed=42 ${line}`))])
    expect(first).toBe(second)
    // Every command worked, and the output carries what a seed fixes.
    expect(first.match(/^exit (\d+)$/gm)).toEqual(script.map(() => 'exit 0'))
    expect(first).toContain('deployment.apps/web created\n')
    expect(first).toContain('creationTimestamp: "2025-01-01T00:00:00Z"')
    expect(first).toMatch(/nodePort: \d+/)
    expect(first).toMatch(/web-[a-z0-9]{9,10}-[a-z0-9]{5} +1\/1 +Running/)
    expect(first).toMatch(/kube-system\/kube-scheduler +control-plane\d?_[0-9a-f-]{36}/)
    expect(first).toContain('cluster time 2025-01-01T00:00:00Z -> 2025-01-01T00:02:00Z')
  }, 300_000)

  it('gives other UIDs under another seed, and random ones without a seed', async () => {
    // One fresh home per seed, side by side.
    const uids = await Promise.all(
      ['42', '7', ''].map(async (seed) => {
        const home = temporaryFolder()
        expect((await run(home, script[0]!, {KUBEMU_SEED: seed})).status).toBe(0)
        const yaml = (await run(home, 'kubectl get deployment web -o yaml')).stdout
        if (seed === '') expect(yaml).not.toContain('creationTimestamp: "2025-01-01T00:00:00Z"')
        return uidOf(yaml)
      }),
    )
    expect(uids.every((uid) => uid !== undefined && /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(uid))).toBe(true)
    expect(new Set(uids).size).toBe(3)
  })

  it('refuses a seed that is not a whole number, and one that contradicts the cluster\'s, changing nothing', async () => {
    const home = temporaryFolder()
    const invalid = 'give a whole number from 0 to 4294967295'
    expect(await run(home, '--seed abc kubectl get pods')).toEqual({status: 1, stdout: '', stderr: `Error: invalid --seed "abc": ${invalid}\n`})
    expect(await run(home, '--seed')).toEqual({status: 1, stdout: '', stderr: `Error: invalid --seed "": ${invalid}\n`})
    expect(await run(home, 'up --seed=x1 --port 0 --etcd-ports off')).toMatchObject({status: 1, stderr: `Error: invalid --seed "x1": ${invalid}\n`})
    expect(await run(home, 'kubectl get pods', {KUBEMU_SEED: 'abc'})).toEqual({status: 1, stdout: '', stderr: `error: invalid KUBEMU_SEED "abc": ${invalid}\n`})
    expect(await run(home, 'etcdctl get a', {KUBEMU_SEED: '4294967296'})).toMatchObject({status: 1, stderr: `Error: invalid KUBEMU_SEED "4294967296": ${invalid}\n`})
    expect(readdirSync(home)).toEqual([])

    expect((await run(home, '--seed 5 kubectl create namespace one')).status).toBe(0)
    const contradiction = `this cluster was created with seed 5, not 6: a seed applies from a cluster's creation (remove ${join(home, 'default')} to create it again with another)`
    expect(await run(home, '--seed 6 kubectl get namespaces')).toEqual({status: 1, stdout: '', stderr: `error: ${contradiction}\n`})
    expect(await run(home, 'status', {KUBEMU_SEED: '6'})).toMatchObject({status: 1, stderr: `Error: ${contradiction}\n`})
    expect((await run(home, 'kubectl get namespace one -o name')).stdout).toBe('namespace/one\n')

    const unseeded = temporaryFolder()
    expect((await run(unseeded, 'kubectl create namespace one')).status).toBe(0)
    expect(await run(unseeded, '--seed 5 kubectl get namespaces')).toEqual({status: 1, stdout: '', stderr: `error: this cluster was created without a seed: a seed applies from a cluster's creation (remove ${join(unseeded, 'default')} to create it again with seed 5)\n`})
  })
})
