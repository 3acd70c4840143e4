// What a new user types from the docs, through the CLI: curl's -o/-w from a pod and from outside,
// `run -it --rm` ending with the container's exit code, and the logs of a container crash-looping
// (the run that just ended, as the kubelet answers) with curl's progress meter, and NetworkPolicy
// deny and allow on the path from a pod.
import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'

const projectRoot = join(import.meta.dirname, '..', '..')
const kubemu = join(projectRoot, 'bin', 'kubemu')

describe('curl and run as the docs use them', {timeout: 600_000}, () => {
  let home: string
  const environment = () => ({...process.env, KUBEMU_HOME: home, KUBECONFIG: '', KUBEMU_SEED: '7'})
  const run = (line: string, stdin?: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: environment(), stdin})
  let webPod = ''

  beforeAll(async () => {
    home = temporaryFolder()
    expect((await run('kubectl create deployment web --image=nginx --replicas=2')).status).toBe(0)
    expect((await run('kubectl expose deployment web --port=80 --type=NodePort')).status).toBe(0)
    expect((await run('kubectl rollout status deployment web')).status).toBe(0)
    webPod = (await run(`kubectl get pods -l app=web -o jsonpath='{.items[0].metadata.name}'`)).stdout
  }, 300_000)

  it("answers curl -o /dev/null -w '%{http_code}' from a pod, and refuses options curl does not know", async () => {
    expect(await run(`kubectl exec ${webPod} -- curl -s -o /dev/null -w '%{http_code}\\n' http://web`)).toMatchObject({status: 0, stdout: '200\n', stderr: ''})
    expect(await run(`kubectl exec ${webPod} -- curl -sS -m 2 -w '%{http_code} %{exitcode}\\n' http://web:81`)).toMatchObject({status: 28, stdout: '000 28\n', stderr: 'curl: (28) Connection timed out after 2001 milliseconds\ncommand terminated with exit code 28\n'})
    expect(await run(`kubectl exec ${webPod} -- curl --bogus http://web`)).toMatchObject({status: 2, stderr: "curl: option --bogus: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\ncommand terminated with exit code 2\n"})
  })

  it('answers kubemu curl -o and -w from outside through a NodePort', async () => {
    const nodePort = (await run(`kubectl get svc web -o jsonpath='{.spec.ports[0].nodePort}'`)).stdout
    const page = join(home, 'page.html')
    const result = await run(`curl -s -o ${page} -w '%{http_code} %{remote_ip}:%{remote_port} %{content_type}\\n' http://172.18.0.5:${nodePort}/`)
    expect(result).toMatchObject({status: 0, stdout: `200 172.18.0.5:${nodePort} text/html\n`, stderr: ''})
    expect((await runShell(`cat ${page}`, {cwd: home, env: environment()})).stdout).toContain('<title>Welcome to nginx!</title>')
    expect(await run(`curl -s -w '%{http_code}' http://172.18.0.5:31999/`)).toMatchObject({status: 7, stdout: '000'})
  })

  it("answers the hello-node tutorial: agnhost netexec named as the command, behind a LoadBalancer", async () => {
    expect((await run('kubectl create deployment hello-node --image=registry.k8s.io/e2e-test-images/agnhost:2.39 -- /agnhost netexec --http-port=8080')).status).toBe(0)
    expect((await run('kubectl expose deployment hello-node --type=LoadBalancer --port=8080')).status).toBe(0)
    expect((await run('kubectl rollout status deployment hello-node')).status).toBe(0)
    const pod = (await run(`kubectl get pods -l app=hello-node -o jsonpath='{.items[0].metadata.name}'`)).stdout
    const address = (await run(`kubectl get svc hello-node -o jsonpath='{.status.loadBalancer.ingress[0].ip}'`)).stdout
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    expect(await run(`curl -s http://${address}:8080/hostname`)).toMatchObject({status: 0, stdout: pod, stderr: ''})
  })

  it("ends run -it --rm with the container's exit code and kubectl's line, the pod deleted", async () => {
    const failed = await run("kubectl run fails --image=busybox -it --rm --restart=Never -- sh -c 'echo before; exit 3'")
    expect(failed).toMatchObject({status: 3, stdout: 'before\npod "fails" deleted\n', stderr: 'pod default/fails terminated (Error)\n'})
    expect(await run('kubectl run hello --image=busybox -it --rm --restart=Never -- echo hello')).toMatchObject({status: 0, stdout: 'hello\npod "hello" deleted\n'})
    expect((await run('kubectl get pods fails hello')).stderr).toBe('Error from server (NotFound): pods "fails" not found\nError from server (NotFound): pods "hello" not found\n')
  })

  it('shows the logs of the run that just ended while the container waits in CrashLoopBackOff', async () => {
    expect((await run('kubectl run curl --image=curlimages/curl -- curl http://web')).status).toBe(0)
    expect((await run('time advance 15s')).status).toBe(0)
    const pod = await run("kubectl get pod curl -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}'")
    expect(pod.stdout).toBe('CrashLoopBackOff')
    const logs = await run('kubectl logs curl')
    expect(logs.status, logs.stderr).toBe(0)
    expect(logs.stdout).toContain('<title>Welcome to nginx!</title>')
    // Not on a terminal and without -s, curl drew its progress meter on stderr, which the log holds too.
    expect(logs.stdout.startsWith('  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n')).toBe(true)
    expect(logs.stdout).toMatch(/\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0\r100   615  100   615    0     0 +\d+k      0 --:--:-- --:--:-- --:--:-- +\d+k\n$/)
  })
  it('enforces NetworkPolicy on the path from a pod: a deny-all times out and trace-request names the policy, an allow lets the client through', async () => {
    const denyAll = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-web}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
`
    const allowClient = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-client}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {run: client}}}]
    ports: [{port: 80}]
`
    expect((await run("kubectl run client --image=curlimages/curl -- sleep 3600")).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/client')).status).toBe(0)
    expect((await run('kubectl apply -f -', denyAll)).status).toBe(0)
    expect(await run("kubectl exec client -- curl -sS -m 3 -w '%{http_code}' http://web")).toMatchObject({status: 28, stdout: '000', stderr: 'curl: (28) Connection timed out after 3001 milliseconds\ncommand terminated with exit code 28\n'})
    const traced = await run('trace-request --from client http://web')
    expect(traced.stdout).toMatch(/\nPOLICY +NetworkPolicy default\/deny-web denies 10\.244\.\d+\.\d+ → default\/web-\S+:80: packets dropped\n/)
    expect(traced.stdout).toContain('RESULT    timeout (denied by NetworkPolicy default/deny-web)\n')
    expect((await run('kubectl apply -f -', allowClient)).status).toBe(0)
    expect(await run("kubectl exec client -- curl -s -o /dev/null -w '%{http_code}' http://web")).toMatchObject({status: 0, stdout: '200'})
  })
})
