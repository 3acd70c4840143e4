// One run of bench/embedded-writes.bench.ts against a build's dist/ (argument 1): an embedded
// 3-member cluster in a temporary folder, written to as the API server writes pods (a create as a
// txn on mod_revision 0, then an update as a txn on the revision read), with one synced watch on
// the prefix asking for previous values (as the API server's). Prints JSON: CPU (user + system,
// every thread of the process) and wall time per write, once every event was seen.
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

const [dist, writesText] = process.argv.slice(2)
const writes = Number(writesText)
const load = async (path) => import(pathToFileURL(join(dist, path)).href)
const {EmbeddedCluster} = await load('core/etcd/cluster.js')
const {EmbeddedClient} = await load('core/etcd/embedded-client.js')
const folder = mkdtempSync(join(tmpdir(), 'kubemu-embedded-writes-'))
const client = new EmbeddedClient(EmbeddedCluster.open(folder, {}), {endpoint: 'infra1'})
const bytes = (text) => new TextEncoder().encode(text)
// About a pod's stored size (1.6 KiB).
const value = bytes(JSON.stringify({kind: 'Pod', spec: {containers: [{name: 'c', image: 'x'.repeat(1500)}]}}))
await client.kv.put({key: bytes('warm'), value})
const watcher = client.watch.watch({key: bytes('/registry/pods/'), rangeEnd: bytes('/registry/pods0'), prevKv: true})
await watcher.created()
let seen = 0
const watching = (async () => {
  for (let response = await watcher.next(); response; response = await watcher.next()) seen += response.events.length
})().catch(() => {})
const objects = Math.floor(writes / 2)
const cpuStarted = process.cpuUsage()
const started = performance.now()
for (let index = 0; index < objects * 2; index++) {
  const key = bytes(`/registry/pods/bench/pod-${index % objects}`)
  if (index < objects) {
    await client.kv.txn({compare: [{key, target: 'mod', result: 'equal', modRevision: 0}], success: [{requestPut: {key, value}}], failure: []})
  } else {
    const current = (await client.kv.range({key})).kvs[0]
    await client.kv.txn({compare: [{key, target: 'mod', result: 'equal', modRevision: current.modRevision}], success: [{requestPut: {key, value}}], failure: [{requestRange: {key}}]})
  }
}
while (seen < objects * 2) await new Promise((done) => setTimeout(done, 5))
const cpu = process.cpuUsage(cpuStarted)
const wall = performance.now() - started
watcher.cancel()
await watching
await client.close()
rmSync(folder, {recursive: true, force: true})
console.log(JSON.stringify({cpuMicrosecondsPerWrite: (cpu.user + cpu.system) / (objects * 2), wallMicrosecondsPerWrite: (wall * 1000) / (objects * 2)}))
