// ipvs mode, the periodic resync and multi-container pods end to end through the CLI: the
// kube-proxy ConfigMap switched to ipvs and the DaemonSet restarted, `node rules` prints what an
// ipvs node shows, requests from outside go round robin (and stick with ClientIP affinity), rules
// flushed behind kube-proxy's back come back at its resync; containers of one pod share localhost.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')
const worker1 = '172.18.0.5'

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: 'nginx:1.27', ports: [{containerPort: 80}]}
`

const sidecarPod = `apiVersion: v1
kind: Pod
metadata: {name: duo, labels: {app: duo}}
spec:
  containers:
  - {name: front, image: 'nginx:1.27', ports: [{containerPort: 80}]}
  - {name: echo, image: hashicorp/http-echo, args: ['-text=from the second container'], ports: [{containerPort: 5678}]}
---
apiVersion: v1
kind: Service
metadata: {name: duo}
spec:
  selector: {app: duo}
  ports: [{port: 80, targetPort: 5678}]
`

describe('ipvs mode, resync and multi-container pods through the CLI', {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '20261203'})
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
  const nodePort = async () => Number((await run(`kubectl get svc web -o jsonpath='{.spec.ports[0].nodePort}'`)).stdout)
  /** The endpoint each request reached, in order, from curl -v's endpoint lines. */
  const endpoints = async (url: string, count: number) => {
    const result = await run(`curl -sv ${Array.from({length: count}, () => url).join(' ')}`)
    expect(result.status, result.stderr).toBe(0)
    return [...result.stderr.matchAll(/\* kubemu endpoint: \S+ → (\d+\.\d+\.\d+\.\d+:\d+)/g)].map((match) => match[1]!)
  }

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl apply -f -', deployment)).status).toBe(0)
    expect((await run('kubectl expose deployment web --type=NodePort --port=80')).status).toBe(0)
    const configMap = JSON.parse((await run('kubectl get configmap kube-proxy -n kube-system -o json')).stdout) as {data: Record<string, string>}
    configMap.data['config.conf'] = configMap.data['config.conf']!.replace('mode: iptables', 'mode: ipvs')
    expect((await run('kubectl replace -f -', JSON.stringify(configMap))).status).toBe(0)
    expect((await run('kubectl rollout restart daemonset kube-proxy -n kube-system')).status).toBe(0)
  }, 300_000)

  it('prints ipvsadm -Ln, kube-ipvs0, the ipsets and the iptables part of a node in ipvs mode', async () => {
    const clusterIP = (await run(`kubectl get svc web -o jsonpath='{.spec.clusterIP}'`)).stdout
    const ips = (await run(`kubectl get pods -l app=web -o jsonpath='{.items[*].status.podIP}'`)).stdout.split(' ')
    const rules = await run('node rules worker-1')
    expect(rules.status, rules.stderr).toBe(0)
    expect(rules.stdout).toMatch(/^# ipvsadm -Ln\nIP Virtual Server version 1\.2\.1 \(size=4096\)\nProt LocalAddress:Port Scheduler Flags\n {2}-> RemoteAddress:Port {11}Forward Weight ActiveConn InActConn\n/)
    expect(rules.stdout).toContain(`\nTCP  ${clusterIP}:80 rr\n`)
    expect(rules.stdout).toContain(`\nTCP  ${worker1}:${await nodePort()} rr\n`)
    for (const ip of ips) expect(rules.stdout).toContain(`  -> ${`${ip}:80`.padEnd(28)} Masq    1      0          0         \n`)
    expect(rules.stdout).toContain(`\n# ip addr show kube-ipvs0\n3: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default \n`)
    expect(rules.stdout).toContain(`    inet ${clusterIP}/32 scope global kube-ipvs0\n`)
    expect(rules.stdout).toContain(`\n# ipset list\nName: KUBE-LOOP-BACK\nType: hash:ip,port,ip\n`)
    expect(rules.stdout).toContain(`\n${clusterIP},tcp:80\n`)
    expect(rules.stdout).toContain(`Name: KUBE-NODE-PORT-TCP\nType: bitmap:port\n`)
    expect(rules.stdout).toContain('\n# iptables-save\n*filter\n')
    expect(rules.stdout).toContain('-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ\n')
    expect(rules.stdout).not.toContain('KUBE-SVC-')
    expect((await run('node rules worker-1 --stats')).stdout).toMatch(/\nmode: +ipvs \(scheduler rr\)\n/)
  })

  it('balances requests round robin over the real servers, and pins them with ClientIP affinity', async () => {
    const url = `http://${worker1}:${await nodePort()}/`
    const reached = await endpoints(url, 6)
    expect(new Set(reached.slice(0, 3)).size).toBe(3)
    expect(reached.slice(3)).toEqual(reached.slice(0, 3))
    expect((await run(`kubectl patch svc web -p '{"spec":{"sessionAffinity":"ClientIP"}}'`)).status).toBe(0)
    expect((await run('node rules worker-1')).stdout).toContain(' rr persistent 10800\n')
    expect(new Set(await endpoints(url, 8)).size).toBe(1)
    expect((await run(`kubectl patch svc web -p '{"spec":{"sessionAffinity":"None"}}'`)).status).toBe(0)
  })

  it('loses Service rules flushed behind kube-proxy\'s back until its periodic resync puts them back', async () => {
    const url = `http://${worker1}:${await nodePort()}/`
    const flushed = await run('node rules worker-1 --flush')
    expect(flushed.stdout, flushed.stderr).toMatch(/^node\/worker-1: Service rules flushed; kube-proxy puts them back at its next sync \(its periodic resync comes every 30s, next at \S+\)\n$/)
    expect((await run('node rules worker-1')).stdout).not.toContain('Masq')
    expect(await run(`curl -s ${url}`)).toMatchObject({status: 7})
    expect((await run('time advance 31s')).status).toBe(0)
    const stats = (await run('node rules worker-1 --stats')).stdout
    expect(stats).toContain('last sync cause:  periodic resync (syncPeriod 30s)\n')
    expect(stats).not.toContain('flushed:')
    expect((await run(`curl -s ${url}`)).status).toBe(0)
    expect(await run('node rules nowhere --flush')).toMatchObject({status: 1, stderr: 'Error from server (NotFound): nodes "nowhere" not found\n'})
  })

  it('lets the containers of one pod reach each other on localhost, and a Service reach its second container', async () => {
    expect((await run('kubectl apply -f -', sidecarPod)).status).toBe(0)
    expect(await run('kubectl exec duo -c front -- wget -qO- http://localhost:5678/')).toMatchObject({status: 0, stdout: 'from the second container\n'})
    expect(await run('kubectl exec duo -c echo -- curl -s http://127.0.0.1:80/')).toMatchObject({status: 0, stdout: expect.stringContaining('<title>Welcome to nginx!</title>')})
    expect(await run('kubectl exec duo -c front -- curl http://localhost:9999/')).toMatchObject({status: 7, stderr: expect.stringContaining("curl: (7) Failed to connect to localhost port 9999 after 0 ms: Couldn't connect to server")})
    const pod = (await run(`kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}'`)).stdout
    expect(await run(`kubectl exec ${pod} -- curl -s http://duo/`)).toMatchObject({status: 0, stdout: 'from the second container\n'})
    const traced = await run(`trace-request --from ${pod} http://duo/`)
    expect(traced.stdout).toMatch(/\nNODE +worker-\d: kube-proxy \(ipvs mode\) rules/)
    expect(traced.stdout).toMatch(/ipvs: TCP \d+\.\d+\.\d+\.\d+:80 rr is the virtual server of default\/duo \(cluster IP\), 1 real server/)
  })
})
