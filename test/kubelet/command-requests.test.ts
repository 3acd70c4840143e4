// Requests a container's own command sends (`kubectl run … -- wget`, a loop in a client pod) leave
// one line each in the server's access log, at the moment the command sent them, however often
// the command is replayed; a backend behind a Service keeps the lines it answered; a deleted
// client sends nothing more. Through the CLI in one-shot mode, the cluster clock driven by `time advance`.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

const wgetLines = (log: string) => log.split('\n').filter((line) => line.includes('"GET / HTTP/1.1" 200 615 "-" "Wget"'))

describe("a container's own requests in the server's access log", {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '11'})
  const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment()})
  const webPods = async () => (await run("kubectl get pods -l app=web -o jsonpath='{.items[*].metadata.name}'")).stdout.split(' ').filter(Boolean)
  const webLines = async () => {
    const lines: string[][] = []
    for (const pod of await webPods()) lines.push(wgetLines((await run(`kubectl logs ${pod}`)).stdout))
    return lines
  }

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl create deployment web --image=nginx --replicas=2')).status).toBe(0)
    expect((await run('kubectl expose deployment web --port=80')).status).toBe(0)
    expect((await run('kubectl rollout status deployment/web --timeout=60s')).status).toBe(0)
  }, 300_000)

  it('kubectl run --rm -i … wget: one line in the log of the backend that answered, at the moment it was sent', async () => {
    const result = await run('kubectl run once --rm -i --restart=Never --image=busybox -- wget -qO- http://web')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('<title>Welcome to nginx!</title>')
    const lines = await webLines()
    expect(lines.flat()).toHaveLength(1)
    // Read again (each read replays the servers' runs): still one.
    expect((await webLines()).flat()).toHaveLength(1)
  })

  it("an exec probe's requests stay when the client is looked at again; no line from before the server's run", async () => {
    const prober = `apiVersion: v1
kind: Pod
metadata: {name: prober}
spec:
  containers:
  - name: sh
    image: busybox
    command: [sleep, '3600']
    readinessProbe: {exec: {command: [wget, -q, -O, /dev/null, 'http://late']}, periodSeconds: 10}
`
    expect((await run(`kubectl apply -f - <<'EOF'\n${prober}EOF`)).status).toBe(0)
    expect((await run('time advance 30s')).status).toBe(0)
    // The server comes after: the probe's earlier requests found nothing to log them.
    expect((await run('kubectl run late --image=nginx --labels=app=late')).status).toBe(0)
    expect((await run('kubectl expose pod late --port=80')).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/late --timeout=60s')).status).toBe(0)
    expect((await run('time advance 60s')).status).toBe(0)
    const startedAt = Date.parse((await run("kubectl get pod late -o jsonpath='{.status.containerStatuses[0].state.running.startedAt}'")).stdout)
    const lines = async () => wgetLines((await run('kubectl logs late')).stdout)
    const first = await lines()
    expect(first.length).toBeGreaterThanOrEqual(4)
    for (const line of first) expect(Date.parse(line.replace(/^.*\[(\d+)\/(\w+)\/(\d+):(\d+:\d+:\d+) \+0000\].*$/, '$2 $1 $3 $4 UTC'))).toBeGreaterThanOrEqual(startedAt)
    // Looking at the prober again (its logs, an exec) replays its command without its probes: their lines stay.
    expect((await run('kubectl logs prober')).status).toBe(0)
    expect((await run('kubectl exec prober -- true')).status).toBe(0)
    expect(await lines()).toEqual(first)
  })

  it('a client looping on the Service: a line per request it sent, in the backend that answered it, settled across reads; none after its deletion', async () => {
    const earlier = (await webLines()).flat()
    const before = earlier.length
    expect((await run(`kubectl run loop --image=busybox -- sh -c 'while true; do wget -q -O /dev/null http://web && echo sent; sleep 10; done'`)).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/loop --timeout=60s')).status).toBe(0)
    expect((await run('time advance 95s')).status).toBe(0)
    const sent = (await run('kubectl logs loop')).stdout.split('\n').filter((line) => line === 'sent').length
    expect(sent).toBeGreaterThanOrEqual(9)
    const first = await webLines()
    expect(first.flat().length - before).toBe(sent)
    // A second read moves no line to the other backend (each replay may pick another one for a request not settled yet).
    expect(await webLines()).toEqual(first)
    // Times follow the command's sleeps: 10 s apart.
    const loopLines = first.flat()
    for (const line of earlier) loopLines.splice(loopLines.indexOf(line), 1)
    const seconds = loopLines.map((line) => Date.parse(line.replace(/^.*\[(\d+)\/(\w+)\/(\d+):(\d+:\d+:\d+) \+0000\].*$/, '$2 $1 $3 $4 UTC')) / 1000).sort((a, b) => a - b)
    expect(seconds).toHaveLength(sent)
    for (let index = 1; index < seconds.length; index++) expect(seconds[index]! - seconds[index - 1]!).toBe(10)
    // Deleted at once (no grace): later requests were never sent.
    expect((await run('kubectl delete pod loop --grace-period=0 --force')).status).toBe(0)
    const atDeletion = (await webLines()).flat().length
    expect((await run('time advance 2m')).status).toBe(0)
    expect((await webLines()).flat().length).toBe(atDeletion)
  })
})
