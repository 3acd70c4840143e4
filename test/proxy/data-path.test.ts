// The Service data path end to end through the CLI: kube-proxy's rules on a node, requests from
// outside through NodePort and LoadBalancer addresses spread over the endpoints (within binomial
// bounds for a fixed seed: SEED=… replays a failure), scaling, readiness, session affinity,
// curl's exit codes, and a request from a pod traced hop by hop.
import {createHash} from 'node:crypto'
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')
const seed = Number(process.env.SEED ?? 20_261_203)
const worker1 = '172.18.0.5'

/** kube-proxy's hash, from its published algorithm: sha256, base32 (RFC 4648), 16 characters. */
function chainHash(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  const bits = [...createHash('sha256').update(text).digest()].map((byte) => byte.toString(2).padStart(8, '0')).join('')
  return Array.from({length: 16}, (_, index) => alphabet[parseInt(bits.slice(index * 5, index * 5 + 5), 2)]).join('')
}

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{containerPort: 80}]
`

describe('the Service data path', {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: String(seed)})
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
  const nodePortOf = async (service: string) => Number((await run(`kubectl get svc ${service} -o jsonpath='{.spec.ports[0].nodePort}'`)).stdout)
  /** How many of `count` requests from outside each endpoint answered (from curl -v's endpoint lines). */
  const spread = async (url: string, count: number) => {
    const result = await run(`curl -sv ${Array.from({length: count}, () => url).join(' ')}`)
    expect(result.status, result.stderr).toBe(0)
    const counts: Record<string, number> = {}
    for (const match of result.stderr.matchAll(/\* kubemu endpoint: \S+ → (\d+\.\d+\.\d+\.\d+:\d+)/g)) counts[match[1]!] = (counts[match[1]!] ?? 0) + 1
    return counts
  }

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl apply -f -', deployment('web', 3))).status).toBe(0)
    expect((await run('kubectl expose deployment web --type=NodePort --port=80')).status).toBe(0)
  }, 300_000)

  it("prints the node's rules in iptables-save form with kube-proxy's chain names, the same on every call", async () => {
    const first = await run(`node rules worker-1 --table nat`)
    expect(first.status, first.stderr).toBe(0)
    const clusterIP = (await run(`kubectl get svc web -o jsonpath='{.spec.clusterIP}'`)).stdout
    const svc = `KUBE-SVC-${chainHash('default/webtcp')}`
    expect(first.stdout).toMatch(/^\*nat\n:PREROUTING ACCEPT \[0:0\]\n/)
    expect(first.stdout).toContain(`:${svc} - [0:0]\n`)
    expect(first.stdout).toContain(`-A KUBE-SERVICES -d ${clusterIP}/32 -p tcp -m comment --comment "default/web cluster IP" -m tcp --dport 80 -j ${svc}\n`)
    expect(first.stdout).toContain(`-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web" -m tcp --dport ${await nodePortOf('web')} -j KUBE-EXT-${chainHash('default/webtcp')}\n`)
    expect(first.stdout).toContain('-A KUBE-SVC-NPX46M4PTMTKRN6Y ')
    const ips = (await run(`kubectl get pods -l app=web -o jsonpath='{.items[*].status.podIP}'`)).stdout.split(' ').sort()
    for (const ip of ips) expect(first.stdout).toContain(`-j DNAT --to-destination ${ip}:80\n`)
    expect(first.stdout).toMatch(/-m statistic --mode random --probability 0\.33333333349 -j KUBE-SEP-/)
    expect(first.stdout.endsWith('COMMIT\n')).toBe(true)
    expect((await run(`node rules worker-1 --table nat`)).stdout).toBe(first.stdout)
    expect(await run('node rules nowhere')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): nodes "nowhere" not found\n'})
  })

  it(`spreads 300 requests over the 3 pods within binomial bounds (seed ${seed}), then all to the one pod left after scaling to 1`, async () => {
    const nodePort = await nodePortOf('web')
    const counts = await spread(`http://${worker1}:${nodePort}/`, 300)
    // n = 300, p = 1/3: mean 100, standard deviation 8.2; 4.5 deviations either side.
    expect(Object.keys(counts), `seed ${seed}`).toHaveLength(3)
    for (const count of Object.values(counts)) expect(count, `seed ${seed}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(63)
    for (const count of Object.values(counts)) expect(count, `seed ${seed}: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(137)
    expect((await run('kubectl scale deployment web --replicas=1')).status).toBe(0)
    const after = await spread(`http://${worker1}:${nodePort}/`, 20)
    expect(Object.values(after)).toEqual([20])
  })

  it('leaves an endpoint that is not ready out of the rules', async () => {
    // A Service without a selector and its EndpointSlice written by hand: one endpoint ready, one not.
    const [ready, notReady] = (await run(`kubectl get pods -l app=web -o jsonpath='{.items[0].status.podIP}'`)).stdout.split(' ').concat('10.244.9.9')
    const manifest = `apiVersion: v1
kind: Service
metadata: {name: manual}
spec:
  type: NodePort
  ports: [{port: 80, nodePort: 30888}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: manual-1, labels: {kubernetes.io/service-name: manual}}
addressType: IPv4
ports: [{name: "", port: 80, protocol: TCP}]
endpoints:
- {addresses: ["${ready}"], conditions: {ready: true}}
- {addresses: ["${notReady}"], conditions: {ready: false}}
`
    expect((await run('kubectl apply -f -', manifest)).status).toBe(0)
    const rules = await run('node rules worker-2 --table nat')
    expect(rules.stdout).toContain(`-A KUBE-SVC-${chainHash('default/manualtcp')} -m comment --comment "default/manual -> ${ready}:80" -j KUBE-SEP-`)
    expect(rules.stdout).not.toContain(`${notReady}:80`)
    const counts = await spread(`http://${worker1}:30888/`, 10)
    expect(counts).toEqual({[`${ready}:80`]: 10})
  })

  it('pins a client to one pod with sessionAffinity ClientIP', async () => {
    expect((await run('kubectl apply -f -', deployment('sticky', 3))).status).toBe(0)
    expect((await run('kubectl expose deployment sticky --type=NodePort --port=80 --session-affinity=ClientIP')).status).toBe(0)
    const rules = await run('node rules worker-1 --table nat')
    expect(rules.stdout).toMatch(/-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-\S+ --mask 255\.255\.255\.255 --rsource -j KUBE-SEP-/)
    const counts = await spread(`http://${worker1}:${await nodePortOf('sticky')}/`, 20)
    expect(Object.values(counts)).toEqual([20])
    // The node remembers the client across commands, as its kernel's recent list does.
    for (let command = 0; command < 3; command++) expect(await spread(`http://${worker1}:${await nodePortOf('sticky')}/`, 2)).toEqual({[Object.keys(counts)[0]!]: 2})
  })

  it('reaches a LoadBalancer address from outside and answers with curl exit codes when it cannot', async () => {
    expect((await run('kubectl expose deployment web --name=web-lb --type=LoadBalancer --port=8080 --target-port=80')).status).toBe(0)
    expect((await run(`kubectl get svc web-lb -o jsonpath='{.status.loadBalancer.ingress[0].ip}'`)).stdout).toBe('172.18.255.200')
    const page = await run('curl -s http://172.18.255.200:8080/')
    expect(page.status, page.stderr).toBe(0)
    expect(page.stdout).toContain('<title>Welcome to nginx!</title>')
    expect((await run('kubectl create service nodeport empty --tcp=80:80 --node-port=30999')).status).toBe(0)
    expect(await run(`curl http://${worker1}:30999/`)).toMatchObject({status: 7, stdout: '', stderr: `curl: (7) Failed to connect to ${worker1} port 30999 after 0 ms: Couldn't connect to server\n`})
    expect(await run('curl -m 5 http://203.0.113.9/')).toMatchObject({status: 28, stderr: 'curl: (28) Connection timed out after 5001 milliseconds\n'})
    expect(await run('curl http://nowhere.example/')).toMatchObject({status: 6, stderr: 'curl: (6) Could not resolve host: nowhere.example\n'})
  })

  it('traces a request from a pod: the source node, the rule chain, the endpoint and why, the pod, the response', async () => {
    const pod = (await run(`kubectl get pods -l app=sticky -o jsonpath='{.items[0].metadata.name}'`)).stdout
    const clusterIP = (await run(`kubectl get svc web -o jsonpath='{.spec.clusterIP}'`)).stdout
    const traced = await run(`trace-request --from ${pod} http://${clusterIP}/`)
    expect(traced.status, traced.stderr).toBe(0)
    expect(traced.stdout).toMatch(/^REQUEST +GET http:\/\/.*\nNODE +worker-\d: kube-proxy \(iptables mode\) rules \(synced at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\) apply to 10\.244\./)
    expect(traced.stdout).toContain(`-j KUBE-SVC-${chainHash('default/webtcp')}`)
    expect(traced.stdout).toMatch(/\nENDPOINT +KUBE-SEP-\S+ → 10\.244\.\d+\.\d+:80 \(default\/web-/)
    expect(traced.stdout).toMatch(/\nPOD +10\.244\.\d+\.\d+:80 is pod default\/web-\S+ on node worker-\d\n/)
    expect(traced.stdout).toContain('RESULT    200 OK\n')
  })

  it("refuses a node port nothing listens on, and shows the rules the node's kube-proxy synced: a stopped node keeps its last ones", async () => {
    expect(await run(`curl http://${worker1}:31111/`)).toMatchObject({status: 7, stdout: '', stderr: `curl: (7) Failed to connect to ${worker1} port 31111 after 0 ms: Couldn't connect to server\n`})
    const stats = await run('node rules worker-2 --stats')
    expect(stats.stdout).toMatch(/^kube-proxy: +kube-system\/kube-proxy-\S+\nmode: +iptables\nsyncs: +[1-9]\d*\nlast sync: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nlast sync cause: +.+\nsync period: +30s \(next resync at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ if nothing changes\)\nservice ports: +\d+\n/)
    expect((await run('node stop worker-2')).status).toBe(0)
    expect((await run('kubectl create service clusterip late --tcp=80:80')).status).toBe(0)
    // A Service without endpoints: REJECT in the filter table.
    const late = '-m comment --comment "default/late:80-80 has no endpoints"'
    expect((await run('node rules worker-2 --table filter')).stdout).not.toContain(late)
    expect((await run('node rules worker-1 --table filter')).stdout).toContain(late)
    expect((await run('node start worker-2')).status).toBe(0)
    expect((await run('node rules worker-2 --table filter')).stdout).toContain(late)
  })
})
