// `kubemu up` through the CLI: it serves the API and runs the loops with real delays; one-shot
// commands go through it; a second `up` is refused; a stopped master's standby takes over.
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {identityLeaseName} from '../../src/core/host/apiserver-leases.js'
import {masterComponents as components} from '../../src/core/api/masters.js'
import {runShell} from '../support/shell.js'
import {kubemu, UpProcess, upProcessesOfSuite} from '../support/up-process.js'
import {temporaryFolder} from '../support/temp.js'

describe('kubemu up', () => {
  const processes = upProcessesOfSuite()

  it('serves one-shot commands, runs the loops with real delays, refuses a second up, and a standby master takes over', async () => {
    const home = temporaryFolder()
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    const first = new UpProcess(home)
    processes.push(first)
    await first.until(/leader election: \S+ leads/)
    expect(first.output).toMatch(/Kubernetes API at https:\/\/127\.0\.0\.1:\d+ /)
    // The real kubectl over HTTPS, trusting the cluster's CA, as the admin of the kubeconfig.
    const secureUrl = /Kubernetes API at (https:\/\/\S+)/.exec(first.output)![1]!
    // up pointed the cluster's kubeconfig at the port it serves (--port 0: a free one).
    const kubeconfig = join(home, 'default', 'kubeconfig')
    expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: ${secureUrl}\n`)
    const real = (line: string) => runShell(`kubectl --kubeconfig=${kubeconfig} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home}})
    expect(await real('get namespaces -o name')).toMatchObject({status: 0, stdout: 'namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n'})
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: from-real-kubectl}\ndata: {a: b}\n'
    expect(await runShell(`kubectl --kubeconfig=${kubeconfig} apply -f -`, {cwd: home, env: process.env, stdin: manifest})).toMatchObject({status: 0, stdout: 'configmap/from-real-kubectl created\n'})
    expect((await kubectl("get configmap from-real-kubectl -o jsonpath='{.data.a}'")).stdout).toBe('b')
    // client-go's typed clients send protobuf: kubectl create <kind>, auth can-i.
    expect(await real('create configmap typed --from-literal=a=b')).toMatchObject({status: 0, stdout: 'configmap/typed created\n'})
    expect(await real('create secret generic typed --from-literal=password=hunter2')).toMatchObject({status: 0, stdout: 'secret/typed created\n'})
    expect((await kubectl("get secret typed -o jsonpath='{.data.password}'")).stdout).toBe(Buffer.from('hunter2').toString('base64'))
    expect(await real('auth can-i create pods')).toMatchObject({status: 0, stdout: 'yes\n'})
    expect(await real('auth can-i create pods --as=nobody')).toMatchObject({status: 1, stdout: 'no\n'})
    // cluster-info lists the cluster services (CoreDNS) after the control plane, as kubectl does.
    const clusterInfo = await real('cluster-info')
    expect(clusterInfo.stdout).toContain(`CoreDNS is running at ${secureUrl}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n`)
    expect(await kubectl('cluster-info')).toMatchObject({status: 0, stdout: clusterInfo.stdout})
    // A watch over TLS until the control plane has done its work.
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: real}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: real}}\n  template:\n    metadata: {labels: {app: real}}\n    spec: {containers: [{name: web, image: nginx}]}\n'
    expect((await runShell(`kubectl --kubeconfig=${kubeconfig} apply -f -`, {cwd: home, env: process.env, stdin: deployment})).status).toBe(0)
    expect(await real('wait --for=condition=Available deployment/real --timeout=60s')).toMatchObject({status: 0, stdout: 'deployment.apps/real condition met\n'})
    expect((await kubectl('create deployment web --image=nginx --replicas=2')).stdout).toBe('deployment.apps/web created\n')
    expect((await kubectl('wait --for=condition=Available deployment/web --timeout=60s')).stdout).toBe('deployment.apps/web condition met\n')
    await first.until(/kubelet\/worker-\d +Started +pod\/default\/web-/)
    expect(first.output).toMatch(/deployment-controller +ScalingReplicaSet +deployment\/default\/web: Scaled up replica set web-\w+ from 0 to 2/)
    // A client's write wakes the loops at once, as watch events wake kube-controller-manager: a
    // namespace's default ServiceAccount is there for the next command.
    for (const namespace of ['quick-1', 'quick-2', 'quick-3']) {
      expect(await runShell(`kubectl --kubeconfig=${kubeconfig} create namespace ${namespace} && kubectl --kubeconfig=${kubeconfig} run p -n ${namespace} --image=nginx`, {cwd: home, env: process.env})).toMatchObject({status: 0, stdout: `namespace/${namespace} created\npod/p created\n`})
    }
    // Each master's kube-apiserver holds its identity Lease, as kube-apiserver 1.26+ does.
    const identityLeases = "get leases -n kube-system -l apiserver.kubernetes.io/identity=kube-apiserver -o jsonpath='{range .items[*]}{.metadata.labels.kubernetes\\.io/hostname} {.metadata.name} {.spec.holderIdentity}{\"\\n\"}{end}'"
    const identities = (await kubectl(identityLeases)).stdout.trim().split('\n').sort()
    expect(identities.map((line) => line.split(' ')[0])).toEqual(['control-plane', 'control-plane2', 'control-plane3'])
    for (const line of identities) {
      const [node, name, holderIdentity] = line.split(' ')
      expect(name).toBe(identityLeaseName(node!))
      expect(holderIdentity).toMatch(new RegExp(`^${name}_[0-9a-f-]{36}$`))
    }
    const holder = (await kubectl("get lease kube-scheduler -n kube-system -o jsonpath='{.spec.holderIdentity}'")).stdout
    const leading = /^(control-plane\d?)_[0-9a-f-]{36}$/.exec(holder)?.[1]
    expect(leading).toBeDefined()

    // A second up on the same cluster is refused: one process drives the members.
    const second = await runShell(`${kubemu} up --port 0 --etcd-ports 0,0,0`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    expect(second.status).toBe(1)
    expect(second.stderr).toMatch(new RegExp(`^Error: kubemu up is already running for this cluster \\(pid ${first.child.pid}, ports \\d+, \\d+, \\d+, \\d+\\)`))

    // The leading master stops: its Lease runs out (15 s of cluster time), a standby takes over.
    const master = (line: string) => runShell(`${kubemu} master ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    expect(await master(`stop ${leading}`)).toMatchObject({status: 0, stdout: `master ${leading} stopped: etcd member infra${leading === 'control-plane' ? 1 : leading!.slice(-1)}, kube-apiserver, kube-scheduler and kube-controller-manager\n`})
    expect((await runShell(`${kubemu} time advance 20s`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})).status).toBe(0)
    await first.until(new RegExp(`leader election: (?!${leading}_)control-plane\\d?_\\S+ leads kube-scheduler`))
    expect((await kubectl('scale deployment web --replicas=3')).status).toBe(0)
    expect((await kubectl('wait --for=jsonpath={.status.readyReplicas}=3 deployment/web --timeout=60s')).status).toBe(0)
    const taken = await kubectl("get lease kube-controller-manager -n kube-system -o jsonpath='{.spec.holderIdentity} {.spec.leaseTransitions}'")
    expect(taken.stdout).toMatch(/^control-plane\d?_\S+ 1$/)
    expect(taken.stdout.startsWith(`${leading}_`)).toBe(false)
    const elected = await kubectl("get events -n kube-system --field-selector reason=LeaderElection -o jsonpath='{range .items[*]}{.message}{\"\\n\"}{end}'")
    expect(elected.stdout).toMatch(/became leader\n.*became leader\n/s)
    // The stopped master's identity Lease runs out after an hour; another API server's collector deletes it.
    expect((await runShell(`${kubemu} time advance 2h`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})).status).toBe(0)
    const remaining = (await kubectl(identityLeases)).stdout.trim().split('\n').map((line) => line.split(' ')[0]).sort()
    expect(remaining).toEqual(['control-plane', 'control-plane2', 'control-plane3'].filter((node) => node !== leading))
    expect(await master(`start ${leading}`)).toMatchObject({status: 0})
  }, 120_000)

  it('serves the etcd v3 API: the real etcdctl reads what the control plane wrote and watches it write', async () => {
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBECONFIG: '', ETCDCTL_API: '3'}
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads/)
    const endpoints = /etcdctl --endpoints=(\S+)/.exec(up.output)![1]!
    const [first] = endpoints.split(',')
    const etcdctl = (line: string, endpoint = first!) => runShell(`etcdctl --endpoints=${endpoint} ${line}`, {cwd: home, env: environment})
    const ours = (line: string) => runShell(`${kubemu} etcdctl ${line}`, {cwd: home, env: environment})

    // The same keys as kubemu's own etcdctl reads from the member's file.
    const keys = 'get /registry/namespaces/ --prefix --keys-only'
    const real = await etcdctl(keys)
    expect(real).toMatchObject({status: 0, stderr: ''})
    expect(real.stdout).toContain('/registry/namespaces/kube-system\n')
    expect((await ours(keys)).stdout).toBe(real.stdout)

    // Member lists name the client ports up serves (here free ones), so --cluster reaches them.
    const [port1, port2, port3] = endpoints.split(',')
    expect((await etcdctl('member list')).stdout).toBe(
      `8211f1d0f64f3269, started, infra1, http://127.0.0.1:12380, http://${port1}, false\n` +
        `91bc3c398fb3c146, started, infra2, http://127.0.0.1:22380, http://${port2}, false\n` +
        `fd422379fda50e48, started, infra3, http://127.0.0.1:32380, http://${port3}, false\n`,
    )
    const clusterHealth = await etcdctl('endpoint health --cluster')
    expect(clusterHealth.status).toBe(0)
    expect(clusterHealth.stderr.split('\n').filter((line) => line.includes(' is healthy: ')).map((line) => line.split(' ')[0]).sort()).toEqual(endpoints.split(',').map((endpoint) => `http://${endpoint}`).sort())
    const status = await etcdctl('endpoint status -w json', endpoints)
    const members = (JSON.parse(status.stdout) as Array<{Status: {header: {member_id: number}; leader: number}}>).map((entry) => entry.Status)
    expect(members).toHaveLength(3)
    expect(new Set(members.map((member) => member.leader)).size).toBe(1)
    // With the scheme, as tutorials write them: etcdctl's per-endpoint clients then send the whole URL as :authority.
    const withScheme = endpoints.split(',').map((endpoint) => `http://${endpoint}`).join(',')
    const health = await etcdctl('endpoint health', withScheme)
    expect(health.status).toBe(0)
    // etcdctl 3.4 prints health on stderr.
    const healthLines = health.stderr.split('\n').filter(Boolean)
    expect(healthLines).toHaveLength(3)
    for (const endpoint of endpoints.split(',')) expect(healthLines.some((line) => line.startsWith(`http://${endpoint} is healthy: successfully committed proposal: took = `))).toBe(true)
    expect((await etcdctl('endpoint status -w table', withScheme)).stdout).toContain(`| ${withScheme.split(',')[0]} | 8211f1d0f64f3269 |  3.4.23 |`)

    // Writes through the front door, and a watch that sees the API server's writes to etcd.
    expect(await etcdctl('put /kubemu-test/greeting hello')).toMatchObject({status: 0, stdout: 'OK\n'})
    expect((await etcdctl('get /kubemu-test/greeting --print-value-only', endpoints.split(',')[2])).stdout).toBe('hello\n')
    const watch = spawn('etcdctl', [`--endpoints=${first}`, 'watch', '/registry/configmaps/default/', '--prefix'], {env: environment})
    let watched = ''
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => (watched += chunk))
    const watchExited = new Promise((resolve) => watch.on('exit', resolve))
    try {
      // The watch is registered once etcdctl has the created response; a put after a revision it sees proves it.
      await new Promise<void>((resolve) => setImmediate(resolve))
      for (let attempt = 0; attempt < 100 && !watched.includes('PUT'); attempt++) {
        expect((await runShell(`${kubemu} kubectl create configmap probe-${attempt} --from-literal=a=b`, {cwd: home, env: environment})).status).toBe(0)
      }
      expect(watched).toMatch(/^PUT\n\/registry\/configmaps\/default\/probe-\d+\n\{"kind":"ConfigMap"/)
    } finally {
      watch.kill('SIGINT')
      await watchExited
    }
    expect(await etcdctl('lease timetolive 1234')).toMatchObject({status: 0, stdout: 'lease 0000000000001234 already expired\n'})
    // kubemu's own etcdctl, which cannot open the cluster while `up` holds it, goes through the front door.
    expect(await ours('put /kubemu-test/from-ours yes')).toMatchObject({status: 0, stdout: 'OK\n', stderr: ''})
    expect((await etcdctl('get /kubemu-test/ --prefix')).stdout).toBe('/kubemu-test/from-ours\nyes\n/kubemu-test/greeting\nhello\n')
    // The same JSON, but for the header's revision: the control plane writes between the two reads.
    const withoutRevision = (output: string) => output.replace(/"revision":\d+/, '"revision":0')
    expect(withoutRevision((await ours('get /kubemu-test/ --prefix -w json')).stdout)).toBe(withoutRevision((await etcdctl('get /kubemu-test/ --prefix -w json')).stdout))
    // As the real etcdctl: clientv3's warn line for the failed call, then etcdctl's error.
    const oursRevoked = await ours('lease revoke 1234')
    expect(oursRevoked.status).toBe(1)
    expect(oursRevoked.stderr).toMatch(/^\{"level":"warn","ts":"[^"]+","caller":"clientv3\/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"endpoint:\/\/client-[0-9a-f-]{36}\/[^"]+","attempt":0,"error":"rpc error: code = NotFound desc = etcdserver: requested lease not found"\}\nError: failed to revoke lease \(etcdserver: requested lease not found\)\n$/)
    // etcdctl's default endpoint names infra1, whose /metrics up serves on a port of its own.
    expect((await ours('check datascale')).stdout).toMatch(/^Start data scale check for work load \[10000 key-value pairs, 1024 bytes per key-value, 50 concurrent clients\]\.\nPASS: Approximate system memory used : [\d.]+ MB\.\n$/)
    const snapshot = join(home, 'while-up.db')
    expect(await ours(`snapshot save ${snapshot}`)).toMatchObject({status: 0, stdout: `Snapshot saved at ${snapshot}\n`})
    expect((await ours(`snapshot status ${snapshot} -w json`)).status).toBe(0)
    // The real etcdctl's snapshot over gRPC: the member's snapshot file and its SHA-256, which kubemu reads as its own.
    const streamed = join(home, 'streamed.db')
    expect(await etcdctl(`snapshot save ${streamed}`)).toMatchObject({status: 0, stdout: `Snapshot saved at ${streamed}\n`})
    const bytes = readFileSync(streamed)
    expect(createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest().equals(bytes.subarray(bytes.length - 32))).toBe(true)
    const streamedStatus = JSON.parse((await ours(`snapshot status ${streamed} -w json`)).stdout) as {revision: number; totalKey: number}
    expect(streamedStatus.totalKey).toBeGreaterThan(0)
    // clientv3's retry interceptor logs a JSON warning line first, as it does against a real etcd.
    const revoked = await etcdctl('lease revoke 1234')
    expect({status: revoked.status, error: revoked.stderr.split('\n').filter((line) => !line.startsWith('{"level":"warn"'))}).toEqual({status: 1, error: ['Error: failed to revoke lease (etcdserver: requested lease not found)', '']})

    // Three API servers behind the front port, each caching RBAC: a binding made through one is
    // honoured by every one at once (three requests in a row go round the three), and one deleted
    // past them all, through etcd, stops being honoured as soon as their RBAC watch sees it.
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: environment})
    const canI = async () => Promise.all([0, 1, 2].map(async () => (await kubectl('auth can-i list secrets --as=alice')).stdout))
    expect(await canI()).toEqual(['no\n', 'no\n', 'no\n'])
    expect((await kubectl('create rolebinding alice-view --clusterrole=admin --user=alice')).status).toBe(0)
    expect(await canI()).toEqual(['yes\n', 'yes\n', 'yes\n'])
    expect(await etcdctl('del /registry/rolebindings/default/alice-view')).toMatchObject({status: 0, stdout: '1\n'})
    expect(await canI()).toEqual(['no\n', 'no\n', 'no\n'])
  }, 60_000)

  it('the masters\' mirror pods follow their components while up runs: a stopped master crash-loops, a started one runs', async () => {
    const home = temporaryFolder()
    const kubectl = (line: string) => runShell(`${kubemu} kubectl ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    const up = new UpProcess(home)
    processes.push(up)
    await up.until(/leader election: \S+ leads/)
    const pods = components.map((component) => `pod/${component}-control-plane2`).join(' ')
    // The kubelets post their mirror pods after the election; wait for them to exist first
    // (a wait for a condition on a missing pod fails at once, as kubectl's does).
    expect((await kubectl(`wait -n kube-system --for=create --timeout=60s ${pods}`)).status).toBe(0)
    expect((await kubectl(`wait -n kube-system --for=condition=Ready --timeout=60s ${pods}`)).status).toBe(0)
    // A stopped master, as a user stops it (through up's runtime); up's kubelets see it on their next round.
    const kubemuCommand = (line: string) => runShell(`${kubemu} ${line}`, {cwd: home, env: {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}})
    expect((await kubemuCommand('master stop control-plane2')).status).toBe(0)
    expect((await kubectl(`wait -n kube-system --for=condition=Ready=false --timeout=60s ${pods}`)).status).toBe(0)
    const listed = await kubectl('get pods -n kube-system --no-headers')
    for (const component of components) expect(listed.stdout).toMatch(new RegExp(`^${component}-control-plane2 +0/1 +CrashLoopBackOff +\\d+ `, 'm'))
    expect(listed.stdout).toMatch(/^etcd-control-plane3 +1\/1 +Running +0 /m)
    expect((await kubemuCommand('master start control-plane2')).status).toBe(0)
    expect((await kubectl(`wait -n kube-system --for=condition=Ready --timeout=60s ${pods}`)).status).toBe(0)
  }, 120_000)
})
