// The tutorials' web pages, through the CLI: a ConfigMap mounted on nginx's document root is what
// curl gets back (from another pod, through a NodePort from outside), a page an exec wrote too, and
// the image's own pages are files in the container (ls, cat), hidden by a mount as a mount hides them.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

const mountedNginx = `apiVersion: v1
kind: Pod
metadata: {name: site, labels: {app: site}}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    volumeMounts: [{name: page, mountPath: /usr/share/nginx/html}]
  volumes: [{name: page, configMap: {name: page}}]
`

describe("nginx serves the container's files", {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '11'})
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
  const ipOf = async (pod: string) => (await run(`kubectl get pod ${pod} -o jsonpath='{.status.podIP}'`)).stdout

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run("kubectl create configmap page --from-literal=index.html='hello from a ConfigMap' --from-literal=about.txt=about")).status).toBe(0)
    expect((await run('kubectl apply -f -', mountedNginx)).status).toBe(0)
    expect((await run('kubectl run plain --image=nginx:1.27')).status).toBe(0)
    expect((await run('kubectl expose pod site --port=80 --type=NodePort')).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/site pod/plain --timeout=60s')).status).toBe(0)
  }, 300_000)

  it('answers with the mounted ConfigMap from another pod and from outside through a NodePort', async () => {
    expect(await run('kubectl exec plain -- curl -s http://site/')).toMatchObject({status: 0, stdout: 'hello from a ConfigMap'})
    expect(await run("kubectl exec plain -- curl -s -w ' %{http_code} %{content_type}' http://site/about.txt")).toMatchObject({status: 0, stdout: 'about 200 text/plain'})
    const nodePort = (await run(`kubectl get svc site -o jsonpath='{.spec.ports[0].nodePort}'`)).stdout
    expect(await run(`curl -s http://172.18.0.5:${nodePort}/`)).toMatchObject({status: 0, stdout: 'hello from a ConfigMap'})
  })

  it("keeps the image's pages as files, hidden by the mount, and serves what an exec wrote", async () => {
    expect(await run('kubectl exec plain -- ls /usr/share/nginx/html')).toMatchObject({status: 0, stdout: '50x.html\nindex.html\n'})
    expect(await run('kubectl exec site -- ls /usr/share/nginx/html')).toMatchObject({status: 0, stdout: 'about.txt\nindex.html\n'})
    expect((await run('kubectl exec plain -- curl -s localhost/')).stdout).toContain('<title>Welcome to nginx!</title>')
    expect((await run("kubectl exec plain -- sh -c 'echo changed by exec > /usr/share/nginx/html/index.html'")).status).toBe(0)
    const plainIp = (await run(`kubectl get pod plain -o jsonpath='{.status.podIP}'`)).stdout
    expect(await run(`kubectl exec site -- curl -s http://${plainIp}/`)).toMatchObject({status: 0, stdout: 'changed by exec\n'})
  })

  it("answers when a container's script fetches its own page before nginx starts (the replay of its files does not replay itself)", async () => {
    const selfFetching = `apiVersion: v1
kind: Pod
metadata: {name: self-fetch}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    command: ["sh", "-c", "echo hello > /usr/share/nginx/html/index.html && curl -s localhost > /tmp/got; exec nginx -g 'daemon off;'"]
`
    // A replay that replayed itself grew without end: the bound keeps a failure from hanging the suite.
    const bounded = (line: string, stdin?: string) => runShell(`timeout 120 ${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
    expect((await bounded('kubectl apply -f -', selfFetching)).status).toBe(0)
    expect((await bounded('kubectl wait --for=condition=Ready pod/self-fetch --timeout=60s')).status).toBe(0)
    expect(await bounded(`kubectl exec plain -- curl -s http://${await ipOf('self-fetch')}/`)).toMatchObject({status: 0, stdout: 'hello\n'})
  })

  it("serves what the container's own script wrote before it started nginx (the hostname demo behind a Service)", async () => {
    const script = "echo served by $(hostname) > /usr/share/nginx/html/index.html && exec nginx -g 'daemon off;'"
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: hostnames}
spec:
  replicas: 2
  selector: {matchLabels: {app: hostnames}}
  template:
    metadata: {labels: {app: hostnames}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        command: ["/bin/sh", "-c"]
        args: [${JSON.stringify(script)}]
`
    expect((await run('kubectl apply -f -', deployment)).status).toBe(0)
    expect((await run('kubectl expose deployment hostnames --port=80')).status).toBe(0)
    expect((await run('kubectl rollout status deployment hostnames --timeout=60s')).status).toBe(0)
    const pods = (await run(`kubectl get pods -l app=hostnames -o jsonpath='{.items[*].metadata.name}'`)).stdout.split(' ')
    expect(pods).toHaveLength(2)
    for (let attempt = 0; attempt < 4; attempt++) {
      const answer = await run('kubectl exec plain -- curl -s http://hostnames/')
      expect(answer.status).toBe(0)
      expect(pods.map((pod) => `served by ${pod}\n`)).toContain(answer.stdout)
    }
  })
})
