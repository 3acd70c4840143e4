// The data path as a user drives it from inside the cluster, through the CLI in one-shot mode:
// 300 curls from a pod's shell (kubectl exec) spread over a Deployment's 3 pods within binomial
// bounds for a fixed seed (SEED=… replays a failure) and all go to the one pod left after scaling
// to 1; a readiness probe that starts failing takes its pod out of the EndpointSlice's ready
// endpoints and out of kube-proxy's rules.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')
const seed = Number(process.env.SEED ?? 20_261_204)

const netexec = `apiVersion: apps/v1
kind: Deployment
metadata: {name: echo}
spec:
  replicas: 3
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.52
        args: [netexec, --http-port=8080]
        ports: [{containerPort: 8080}]
`

/** Two pods behind one Service, both ready at first; `flaky` removes its readiness file after 60 s. */
const readiness = `apiVersion: v1
kind: Service
metadata: {name: gated}
spec:
  selector: {app: gated}
  ports: [{port: 80, targetPort: 80}]
${['steady', 'flaky'].map((name) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: gated}}
spec:
  containers:
  - name: main
    image: busybox
    command: [sh, -c, '${name === 'flaky' ? 'touch /tmp/ready; sleep 60; rm -f /tmp/ready; sleep 3600' : 'touch /tmp/ready; sleep 3600'}']
    ports: [{containerPort: 80}]
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
      periodSeconds: 5
      failureThreshold: 1
`).join('')}`

describe('requests from a pod', {timeout: 600_000}, () => {
  let home: string
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: String(seed)}, stdin})
  const podIp = async (name: string) => (await run(`kubectl get pod ${name} -o jsonpath='{.status.podIP}'`)).stdout
  /** Which pod answered each of `count` curls from the client pod's shell (netexec's /hostname). */
  const spread = async (count: number) => {
    const loop = `for i in ${Array.from({length: count}, (_, index) => index + 1).join(' ')}; do curl -s http://echo:8080/hostname; echo; done`
    const result = await run(`kubectl exec client -- sh -c '${loop}'`)
    expect(result.status, result.stderr).toBe(0)
    const counts: Record<string, number> = {}
    for (const name of result.stdout.split('\n').filter(Boolean)) counts[name] = (counts[name] ?? 0) + 1
    return counts
  }

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl apply -f -', netexec)).status).toBe(0)
    expect((await run('kubectl expose deployment echo --port=8080')).status).toBe(0)
    expect((await run('kubectl run client --image=curlimages/curl -- sleep 3600')).status).toBe(0)
  }, 300_000)

  it(`spreads 300 curls from a pod over the 3 pods within binomial bounds (seed ${seed}), then all to the one pod left after scaling to 1`, async () => {
    const pods = (await run(`kubectl get pods -l app=echo -o jsonpath='{.items[*].metadata.name}'`)).stdout.split(' ').sort()
    expect(pods).toHaveLength(3)
    const counts = await spread(300)
    expect(Object.keys(counts).sort(), `seed ${seed}`).toEqual(pods)
    // n = 300, p = 1/3: mean 100, standard deviation 8.2; 4.5 deviations either side.
    for (const count of Object.values(counts)) expect(count, `seed ${seed}: ${JSON.stringify(counts)}`).toBeGreaterThanOrEqual(63)
    for (const count of Object.values(counts)) expect(count, `seed ${seed}: ${JSON.stringify(counts)}`).toBeLessThanOrEqual(137)
    expect((await run('kubectl scale deployment echo --replicas=1')).status).toBe(0)
    // The one pod left: the only ready endpoint (pods being deleted may still be listed).
    const left = (await run(`kubectl get endpointslices -l kubernetes.io/service-name=echo -o jsonpath='{.items[*].endpoints[?(@.conditions.ready==true)].targetRef.name}'`)).stdout
    expect(pods).toContain(left)
    expect(await spread(20)).toEqual({[left]: 20})
  })

  it("takes a pod whose readiness probe fails out of the EndpointSlice's ready endpoints and out of the rules", async () => {
    expect((await run('kubectl apply -f -', readiness)).status).toBe(0)
    expect((await run('time advance 10s')).status).toBe(0)
    const [steady, flaky] = [await podIp('steady'), await podIp('flaky')]
    const readyOf = async () => (await run(`kubectl get endpointslices -l kubernetes.io/service-name=gated -o jsonpath='{range .items[*].endpoints[*]}{.addresses[0]}={.conditions.ready} {end}'`)).stdout.trim().split(' ').sort()
    const targets = async () => [...(await run('node rules worker-1 --table nat')).stdout.matchAll(/-A KUBE-SEP-\S+ -p tcp -m comment --comment "default\/gated" -m tcp -j DNAT --to-destination (\S+)\n/g)].map((match) => match[1]).sort()
    expect(await readyOf()).toEqual([`${flaky}=true`, `${steady}=true`].sort())
    expect(await targets()).toEqual([`${flaky}:80`, `${steady}:80`].sort())
    // The file goes at 60 s; the next probe (failureThreshold 1) makes the pod not ready.
    expect((await run('time advance 60s')).status).toBe(0)
    expect(await readyOf()).toEqual([`${flaky}=false`, `${steady}=true`].sort())
    expect(await targets()).toEqual([`${steady}:80`])
    expect((await run(`kubectl get pod flaky -o jsonpath='{.status.containerStatuses[0].ready}'`)).stdout).toBe('false')
    const events = (await run(`kubectl get events --field-selector involvedObject.name=flaky,reason=Unhealthy -o jsonpath='{.items[*].message}'`)).stdout
    expect(events).toContain("Readiness probe failed: cat: can't open '/tmp/ready': No such file or directory")
  })
})
