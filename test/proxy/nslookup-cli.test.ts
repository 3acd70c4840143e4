// DNS from a pod as busybox's nslookup prints CoreDNS's answers, through the CLI: a ClusterIP
// Service by its short name (the pod's search domains), a headless Service's pod IPs, a
// StatefulSet pod's hostname, SRV for a named port, ExternalName's CNAME, PTR, a type the name
// has no record of, and a name nothing answers.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')
const header = 'Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n'

const manifests = `apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: pg, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: postgres, ports: [{name: pg, containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: example.com}
---
apiVersion: v1
kind: Service
metadata: {name: lonely}
spec:
  clusterIP: None
  selector: {app: nobody}
  ports: [{name: pg, port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: c, image: busybox, command: [sleep, '3600']}]
`

describe('nslookup from a pod', {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: ''})
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
  const lookup = (query: string) => run(`kubectl exec client -- nslookup ${query}`)
  const jsonpath = async (what: string, path: string) => (await run(`kubectl get ${what} -o jsonpath='${path}'`)).stdout

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl apply -f -', manifests)).status).toBe(0)
    expect((await run('kubectl rollout status statefulset db')).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/client')).status).toBe(0)
  }, 300_000)

  it('answers A records for a Service by its short name and across namespaces', async () => {
    expect(await lookup('kubernetes')).toMatchObject({status: 0, stdout: `${header}Name:\tkubernetes.default.svc.cluster.local\nAddress: 10.96.0.1\n\n`})
    expect(await lookup('kube-dns.kube-system')).toMatchObject({status: 0, stdout: `${header}Name:\tkube-dns.kube-system.svc.cluster.local\nAddress: 10.96.0.10\n\n`})
  })

  it("answers a headless Service with its pods' IPs, a StatefulSet pod by hostname, SRV for a named port", async () => {
    const db0 = await jsonpath('pod db-0', '{.status.podIP}')
    const db1 = await jsonpath('pod db-1', '{.status.podIP}')
    const headless = await lookup('db')
    expect(headless.status).toBe(0)
    expect(headless.stdout.startsWith(header)).toBe(true)
    expect(headless.stdout.match(/Address: (\S+)/g)?.map((line) => line.slice('Address: '.length)).sort()).toEqual([db0, db1].sort())
    expect(await lookup('db-1.db')).toMatchObject({status: 0, stdout: `${header}Name:\tdb-1.db.default.svc.cluster.local\nAddress: ${db1}\n\n`})
    const srv = await lookup('-type=SRV _pg._tcp.db.default.svc.cluster.local')
    // CoreDNS lists the endpoints in the EndpointSlice's order, so the two lines come in either order.
    expect(srv.status).toBe(0)
    expect(srv.stdout.startsWith(header) && srv.stdout.endsWith('\n\n')).toBe(true)
    expect(srv.stdout.slice(header.length, -2).split('\n').sort()).toEqual([0, 1].map((ordinal) => `_pg._tcp.db.default.svc.cluster.local\tservice = 0 50 5432 db-${ordinal}.db.default.svc.cluster.local`))
  })

  it('answers CNAME for ExternalName, PTR for a Service IP, no answer for a missing type, NXDOMAIN otherwise', async () => {
    expect(await lookup('ext')).toMatchObject({status: 0, stdout: `${header}ext.default.svc.cluster.local\tcanonical name = example.com\n\n`})
    expect(await lookup('-type=PTR 10.96.0.10')).toMatchObject({status: 0, stdout: `${header}10.0.96.10.in-addr.arpa\tname = kube-dns.kube-system.svc.cluster.local\n\n`})
    expect(await lookup('-type=AAAA kubernetes')).toMatchObject({status: 1, stdout: `${header}*** Can't find kubernetes: No answer\n\n`, stderr: 'command terminated with exit code 1\n'})
    const missing = await lookup('nosuch')
    expect(missing).toMatchObject({status: 1, stderr: 'command terminated with exit code 1\n'})
    expect(missing.stdout).toMatch(/\*\* server can't find nosuch\S*: NXDOMAIN\n/)
    // CoreDNS has no record for a headless Service without ready endpoints: NXDOMAIN, as for a name it does not know.
    const empty = await lookup('lonely.default.svc.cluster.local')
    expect(empty).toMatchObject({status: 1, stdout: `${header}** server can't find lonely.default.svc.cluster.local: NXDOMAIN\n\n`, stderr: 'command terminated with exit code 1\n'})
  })
})
