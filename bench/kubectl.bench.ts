// kubectl latency, as ratios measured side by side in one run:
// - `kubemu kubectl get pods -A` with 1,000 and then 10,000 pods in the store, against `node -e 0`
//   (the floor of any Node CLI) and against `kubemu etcdctl get /registry/pods --prefix
//   --keys-only` on the same data;
// - `kubemu kubectl apply -f` of a 100-object manifest (created, then unchanged);
// - where the time of `get pods -A` goes: process start, module loading, then in one process
//   opening the cluster, discovery, the list as a server-side Table, and printing.
// Run: npm run build && npx vite-node bench/kubectl.bench.ts
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {openKubernetes} from '../src/core/apiserver/open.js'
import {AttachedHost} from '../src/core/host/attached-host.js'
import {runKubectl} from '../src/core/kubectl/kubectl.js'

const runs = Number(process.env.BENCH_RUNS ?? 11)
const kubemu = resolve(import.meta.dirname, '../bin/kubemu')
const home = mkdtempSync(join(tmpdir(), 'kubemu-kubectl-bench-'))
const env = {...process.env, KUBEMU_HOME: home, KUBECONFIG: ''}

function median(argv: string[], count = runs): number {
  const times: number[] = []
  for (let run = 0; run < count; run++) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, argv, {env, maxBuffer: 256 * 1024 * 1024})
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    if (result.status !== 0) throw new Error(`${argv.join(' ')} failed: ${result.stderr}`)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]!
}

async function addPods(from: number, to: number): Promise<void> {
  const connection = await openKubernetes({environment: env})
  const token = connection.api.credentials.adminToken()
  const headers = {authorization: `Bearer ${token}`, 'content-type': 'application/json'}
  if (from === 0) {
    for (const namespace of ['bench-a', 'bench-b']) {
      await connection.api.handle({method: 'POST', path: '/api/v1/namespaces', headers, body: JSON.stringify({apiVersion: 'v1', kind: 'Namespace', metadata: {name: namespace}})})
      await connection.api.handle({method: 'POST', path: `/api/v1/namespaces/${namespace}/serviceaccounts`, headers, body: JSON.stringify({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'default'}})})
    }
  }
  const batch = 200
  for (let offset = from; offset < to; offset += batch) {
    await Promise.all(
      Array.from({length: Math.min(batch, to - offset)}, (_, index) => {
        const number = offset + index
        const namespace = number % 2 === 0 ? 'bench-a' : 'bench-b'
        const pod = {apiVersion: 'v1', kind: 'Pod', metadata: {name: `pod-${String(number).padStart(5, '0')}`, labels: {app: 'bench'}}, spec: {containers: [{name: 'c', image: 'nginx:1.27'}]}}
        return connection.api.handle({method: 'POST', path: `/api/v1/namespaces/${namespace}/pods`, headers, body: JSON.stringify(pod)}).then((response) => {
          if (response.status !== 201) throw new Error(`creating ${pod.metadata.name}: ${JSON.stringify(response.body)}`)
        })
      }),
    )
  }
  await connection.close()
}

async function inProcessPhases(): Promise<Record<string, number>> {
  const phases: Record<string, number> = {}
  let mark = performance.now()
  const lap = (name: string) => {
    const now = performance.now()
    phases[name] = now - mark
    mark = now
  }
  const connection = await openKubernetes({environment: env})
  const host = new AttachedHost(connection.api, {folder: connection.folder})
  lap('open cluster, check bootstrap')
  const {ResourceMapper} = await import('../src/core/kubectl/resources.js')
  const {KubectlSession} = await import('../src/core/kubectl/session.js')
  const {parseKubectlFlags} = await import('../src/core/kubectl/flags.js')
  const {globalFlags} = await import('../src/core/kubectl/session.js')
  const session = new KubectlSession(parseKubectlFlags([], globalFlags), {stdout: () => {}, stderr: () => {}, readStdin: async () => '', environment: env, host})
  await ResourceMapper.discover(session)
  lap('discovery')
  const response = await session.request('GET', '/api/v1/pods', {accept: 'application/json;as=Table;v=v1;g=meta.k8s.io', query: {includeObject: 'Metadata'}})
  lap('list as a Table')
  let printed = 0
  await runKubectl(['get', 'pods', '-A'], {stdout: (text) => (printed += text.length), stderr: () => {}, readStdin: async () => '', environment: env, host})
  lap('whole get pods -A in process (again, warm)')
  void response
  void printed
  await connection.close()
  return phases
}

function report(pods: number, floor: number): void {
  const get = median([kubemu, 'kubectl', 'get', 'pods', '-A'])
  const keys = median([kubemu, 'etcdctl', 'get', '/registry/pods', '--prefix', '--keys-only'])
  console.log(`get pods -A with ${pods} pods (median of ${runs})`)
  console.log(`  node -e 0:                          ${floor.toFixed(1)} ms`)
  console.log(`  kubemu etcdctl get --keys-only:     ${keys.toFixed(1)} ms`)
  console.log(`  kubemu kubectl get pods -A:         ${get.toFixed(1)} ms`)
  console.log(`  ratio to node -e 0:                 ${(get / floor).toFixed(2)}`)
  console.log(`  ratio to etcdctl keys-only:         ${(get / keys).toFixed(2)}`)
}

try {
  await addPods(0, 1000)
  const floor = median(['-e', '0'])
  const moduleLoad = median(['-e', `import(${JSON.stringify(resolve(import.meta.dirname, '../dist/kubectl-main.js'))})`])
  report(1000, floor)
  await addPods(1000, 10_000)
  report(10_000, floor)
  console.log('where the time of get pods -A goes (10,000 pods)')
  console.log(`  process start (node -e 0):          ${floor.toFixed(1)} ms`)
  console.log(`  loading kubectl's modules:          ${(moduleLoad - floor).toFixed(1)} ms`)
  for (const [phase, milliseconds] of Object.entries(await inProcessPhases())) console.log(`  ${`${phase}:`.padEnd(36)}${milliseconds.toFixed(1)} ms`)

  const manifest = join(home, 'manifest.yaml')
  const objects: string[] = ['apiVersion: v1\nkind: Namespace\nmetadata:\n  name: applied\n']
  for (let index = 0; index < 99; index++) {
    objects.push(index % 2 === 0
      ? `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-${index}\n  namespace: applied\ndata:\n  key: value-${index}\n`
      : `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${index}\n  namespace: applied\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web-${index}}\n  template:\n    metadata:\n      labels: {app: web-${index}}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n`)
  }
  writeFileSync(manifest, objects.join('---\n'))
  const created = median([kubemu, 'kubectl', 'apply', '-f', manifest], 1)
  const unchanged = median([kubemu, 'kubectl', 'apply', '-f', manifest])
  console.log('apply -f of a 100-object manifest')
  console.log(`  created (one run):                  ${created.toFixed(1)} ms (${(created / floor).toFixed(1)}x node -e 0)`)
  console.log(`  unchanged (median):                 ${unchanged.toFixed(1)} ms (${(unchanged / floor).toFixed(1)}x node -e 0)`)
} finally {
  rmSync(home, {recursive: true, force: true})
}
