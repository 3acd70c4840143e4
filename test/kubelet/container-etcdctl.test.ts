// etcdctl inside an etcd container, as a learner runs it on a kubeadm cluster
// (`kubectl exec -n kube-system etcd-control-plane -- etcdctl member list`): etcd's images ship
// etcdctl, and it reaches the cluster's members. Through `kubemu up` with the real kubectl 1.32,
// and one-shot with kubemu's kubectl. Other images do not ship it; a container's own command never
// writes through it (it is replayed); what would stream for ever answers at once.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {kubemu} from '../support/up-process.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {kubectlsOnUp} from '../support/up-with-real-kubectl.js'

describe('etcdctl in the etcd static pods through up', () => {
  const {ours, real, home} = kubectlsOnUp()
  const hostEtcdctl = (line: string) => runShell(`${kubemu} etcdctl ${line}`, {cwd: home(), env: {...process.env, KUBEMU_HOME: home(), KUBECONFIG: ''}})

  it('lists the members and reads the keys Kubernetes stores, as etcdctl on the host does', async () => {
    const inPod = await real('-n kube-system exec etcd-control-plane2 -- etcdctl member list -w table')
    expect(inPod.status).toBe(0)
    expect(inPod.stdout).toBe((await hostEtcdctl('member list -w table')).stdout)
    expect(inPod.stdout).toMatch(/\| started \| infra2 \|/)
    const keys = await real(`-n kube-system exec etcd-control-plane2 -- sh -c 'ETCDCTL_API=3 etcdctl get /registry/namespaces --prefix --keys-only | grep default'`)
    expect(keys).toEqual({stdout: '/registry/namespaces/default\n', stderr: '', status: 0})
    // kubemu's kubectl execs the same way.
    expect(await ours('-n kube-system exec etcd-control-plane3 -- etcdctl member list -w table')).toEqual(inPod)
  })

  it('writes what the exec pipes in, reads it back from the host, and honours the container\'s ETCDCTL_ variables', async () => {
    expect(await real('-n kube-system exec -i etcd-control-plane -- etcdctl put /from-pod', 'piped value')).toEqual({stdout: 'OK\n', stderr: '', status: 0})
    expect((await hostEtcdctl('get /from-pod --print-value-only')).stdout).toBe('piped value\n')
    const shell = await real(`-n kube-system exec etcd-control-plane -- sh -c 'echo second | etcdctl put /from-pod >/dev/null; ETCDCTL_WRITE_OUT=fields etcdctl get /from-pod | grep Value'`)
    expect(shell).toEqual({stdout: '"Value" : "second\\n"\n', stderr: '', status: 0})
    // An empty pipe is still a pipe: put gets no value, and the exec's own input stays for the next command.
    expect(await real(`-n kube-system exec -i etcd-control-plane -- sh -c 'printf "" | etcdctl put /empty; cat'`, 'for cat\n')).toEqual({
      stdout: 'for cat\n', stderr: 'Error: put command needs 1 argument and input from stdin or 2 arguments\n', status: 0,
    })
    expect((await hostEtcdctl('get /empty')).stdout).toBe('')
    // The etcd pods mount no certificates: a TLS file named in the container is not there (nothing on the host is read).
    expect(await real('-n kube-system exec etcd-control-plane -- etcdctl --cacert=/etc/kubernetes/pki/etcd/ca.crt get /x')).toEqual({
      stdout: '', stderr: 'Error: open /etc/kubernetes/pki/etcd/ca.crt: no such file or directory\ncommand terminated with exit code 128\n', status: 128,
    })
    // The host's own variables do not reach the container: this up's endpoints are its defaults.
    const health = await real('-n kube-system exec etcd-control-plane -- etcdctl endpoint health --cluster')
    expect(health.status).toBe(0)
    // etcdctl 3.4 prints the health lines on stderr.
    expect(health.stderr.split('\n').filter((line) => line.includes('is healthy'))).toHaveLength(3)
  })

  it('is not found where the image does not ship it, and refuses at once what would outlive the exec', async () => {
    expect(await real('-n kube-system exec kube-apiserver-control-plane -- etcdctl get /x')).toEqual({
      stdout: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "etcdctl": executable file not found in $PATH: unknown\r\n',
      stderr: 'command terminated with exit code 126\n',
      status: 126,
    })
    const watch = await real('-n kube-system exec etcd-control-plane -- etcdctl watch /x')
    expect(watch.status).toBe(1)
    expect(watch.stderr).toContain('Error: kubemu runs "etcdctl watch" from the host only')
  })

  it('never writes from a container\'s own command (replayed whenever its run is looked at)', async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata: {name: etcd-client}
spec:
  containers:
  - {name: client, image: "registry.k8s.io/etcd:3.4.23-0", command: [etcdctl, put, /replayed, "yes"]}
`
    expect((await real('apply -f -', manifest)).status).toBe(0)
    expect((await real('wait --for=condition=Ready pod/etcd-client --timeout=60s')).status).toBe(0)
    expect((await real('logs etcd-client')).status).toBe(0)
    expect(await hostEtcdctl('get /replayed')).toEqual({stdout: '', stderr: '', status: 0})
    // An exec into it runs etcdctl for real.
    expect((await real('exec etcd-client -- etcdctl put /replayed by-exec')).stdout).toBe('OK\n')
    expect((await hostEtcdctl('get /replayed --print-value-only')).stdout).toBe('by-exec\n')
  }, 90_000)

  it('refuses an exec into a container that does not run (a stopped master\'s) as the kubelet does', async () => {
    const kubemuCommand = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home(), env: {...process.env, KUBEMU_HOME: home(), KUBECONFIG: ''}})
    expect((await kubemuCommand('master stop control-plane3')).status).toBe(0)
    expect((await kubemuCommand('time advance 20s')).status).toBe(0)
    const refused = {stdout: '', stderr: 'error: unable to upgrade connection: container not found ("etcd")\n', status: 1}
    // The real kubectl tries WebSocket, then SPDY; both are refused with the kubelet's words.
    expect(await real('-n kube-system exec etcd-control-plane3 -- etcdctl member list')).toEqual(refused)
    expect(await ours('-n kube-system exec etcd-control-plane3 -- etcdctl member list')).toEqual(refused)
    expect(await real('-n kube-system exec -i etcd-control-plane3 -- sh', '')).toEqual(refused)
    // A container the pod does not have is the API server's refusal, as before.
    expect((await real('-n kube-system exec etcd-control-plane3 -c nope -- ls')).stderr).toBe('Error from server (BadRequest): container nope is not valid for pod etcd-control-plane3\n')
    expect((await kubemuCommand('master start control-plane3')).status).toBe(0)
  }, 60_000)
})

describe('etcdctl in the etcd static pods under up --etcd-tls, with kubeadm\'s certificates', () => {
  const {ours, real, home} = kubectlsOnUp(['--etcd-tls'])
  const pki = '/etc/kubernetes/pki/etcd'
  const courseFlags = `--cacert ${pki}/ca.crt --cert ${pki}/server.crt --key ${pki}/server.key`

  it('shows kubeadm\'s TLS flags and mounts, and runs the course\'s etcdctl line with the mounted files', async () => {
    const etcdPod = JSON.parse((await real('-n kube-system get pod etcd-control-plane2 -o json')).stdout) as {spec: {containers: Array<{command: string[]; volumeMounts: unknown[]}>; volumes: unknown[]}}
    const [etcd] = etcdPod.spec.containers
    expect(etcd!.command).toEqual(expect.arrayContaining([
      '--advertise-client-urls=https://127.0.0.1:22379', '--cert-file=/etc/kubernetes/pki/etcd/server.crt', '--client-cert-auth=true', '--key-file=/etc/kubernetes/pki/etcd/server.key',
      '--listen-client-urls=https://127.0.0.1:22379', '--listen-metrics-urls=http://127.0.0.1:22381', '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
    ]))
    expect(etcd!.volumeMounts).toEqual([{mountPath: '/var/lib/etcd', name: 'etcd-data'}, {mountPath: pki, name: 'etcd-certs'}])
    expect(etcdPod.spec.volumes).toEqual([{hostPath: {path: pki, type: 'DirectoryOrCreate'}, name: 'etcd-certs'}, {hostPath: {path: '/var/lib/etcd', type: 'DirectoryOrCreate'}, name: 'etcd-data'}])
    const apiServer = JSON.parse((await real('-n kube-system get pod kube-apiserver-control-plane -o json')).stdout) as {spec: {containers: Array<{command: string[]}>}}
    expect(apiServer.spec.containers[0]!.command.filter((flag) => flag.startsWith('--etcd-'))).toEqual([
      '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt', '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt', '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
      '--etcd-servers=https://127.0.0.1:2379,https://127.0.0.1:22379,https://127.0.0.1:32379',
    ])
    // The mount holds the cluster's own certificates (kubeadm's set, no peer certificates: kubemu's peers talk in-process).
    expect(await real(`-n kube-system exec etcd-control-plane -- ls ${pki}`)).toEqual({stdout: 'ca.crt\nca.key\nhealthcheck-client.crt\nhealthcheck-client.key\nserver.crt\nserver.key\n', stderr: '', status: 0})
    expect((await real(`-n kube-system exec etcd-control-plane -- cat ${pki}/ca.crt`)).stdout).toBe(readFileSync(join(home(), 'default', 'pki', 'etcd', 'ca.crt'), 'utf8'))
    const keys = await real(`-n kube-system exec etcd-control-plane -- sh -c "ETCDCTL_API=3 etcdctl ${courseFlags} get /registry/namespaces/default --keys-only"`)
    expect(keys).toEqual({stdout: '/registry/namespaces/default\n\n', stderr: '', status: 0})
    expect(await ours(`-n kube-system exec etcd-control-plane3 -- etcdctl ${courseFlags} get /registry/namespaces/default --keys-only`)).toEqual(keys)
    // Relative to the shell's directory, and from ETCDCTL_ variables; the health-check client's certificate too.
    const health = await real(`-n kube-system exec etcd-control-plane -- sh -c 'cd ${pki} && ETCDCTL_CACERT=ca.crt etcdctl --cert healthcheck-client.crt --key healthcheck-client.key endpoint health'`)
    expect(health.status).toBe(0)
    expect(health.stderr).toMatch(/^127\.0\.0\.1:\d+ is healthy: successfully committed proposal: took = /)
  })

  it('fails as etcdctl fails without a client certificate, and a file the pod does not mount is not there', async () => {
    const bare = await real('-n kube-system exec etcd-control-plane -- etcdctl get /x')
    expect(bare.status).toBe(1)
    // Its warn line names the pod's loopback endpoint (etcdctl's default), as a kubeadm etcd pod's etcdctl does, not up's port.
    expect(bare.stderr).toMatch(/^\{"level":"warn",.*"target":"endpoint:\/\/client-[0-9a-f-]{36}\/127\.0\.0\.1:2379","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"\}\nError: context deadline exceeded\ncommand terminated with exit code 1\n$/)
    const caOnly = await real(`-n kube-system exec etcd-control-plane -- etcdctl --cacert ${pki}/ca.crt endpoint health`)
    expect(caOnly.status).toBe(1)
    expect(caOnly.stderr).toMatch(/\n127\.0\.0\.1:\d+ is unhealthy: failed to commit proposal: context deadline exceeded\nError: unhealthy cluster\ncommand terminated with exit code 1\n$/)
    // The API server's client certificate lives beside the etcd folder, which the etcd pod does not mount.
    expect(await real(`-n kube-system exec etcd-control-plane -- etcdctl --cacert ${pki}/ca.crt --cert /etc/kubernetes/pki/apiserver-etcd-client.crt --key /etc/kubernetes/pki/apiserver-etcd-client.key get /x`)).toEqual({
      stdout: '', stderr: 'Error: open /etc/kubernetes/pki/apiserver-etcd-client.crt: no such file or directory\ncommand terminated with exit code 128\n', status: 128,
    })
  })
})

describe('etcdctl in an etcd static pod, one-shot', () => {
  it('writes through the cluster the command opened, and busybox has no etcdctl', async () => {
    const home = temporaryFolder()
    const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}
    const run = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env})
    expect(await run('kubectl -n kube-system exec etcd-control-plane -- etcdctl put /one-shot v')).toEqual({stdout: 'OK\n', stderr: '', status: 0})
    expect((await run('etcdctl get /one-shot --print-value-only')).stdout).toBe('v\n')
    expect((await run('kubectl run bb --image=busybox -- sleep 3600')).status).toBe(0)
    expect((await run('kubectl wait --for=condition=Ready pod/bb --timeout=60s')).status).toBe(0)
    expect(await run(`kubectl exec bb -- sh -c 'etcdctl get /one-shot'`)).toEqual({stdout: '', stderr: 'sh: etcdctl: not found\ncommand terminated with exit code 127\n', status: 127})
  }, 90_000)
})
