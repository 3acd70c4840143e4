// A child process for the crash test: opens the cluster, then writes keys until it is killed,
// printing "ack N" after the cluster acknowledged write N. Runs the built code (dist/).
import {EmbeddedCluster} from '../../dist/core/etcd/cluster.js'
import {EmbeddedClient} from '../../dist/core/etcd/embedded-client.js'

const [folder, firstText, seedText, batchText] = process.argv.slice(2)
const encoder = new TextEncoder()
const cluster = EmbeddedCluster.open(folder, {seed: Number(seedText), lockWaitMilliseconds: 30_000})
const client = new EmbeddedClient(cluster, {endpoint: ['infra1', 'infra2', 'infra3'][Number(seedText) % 3]})
process.stdout.write('opened\n')
const batch = Number(batchText)
for (let next = Number(firstText); ; next += batch) {
  if (batch === 1) {
    await client.kv.put({key: encoder.encode(`k${next}`), value: encoder.encode(`v${next}`)})
  } else {
    // Many proposals at once: one Ready persists them together.
    const requests = Array.from({length: batch}, (_, offset) => ({
      id: `crash-${process.pid}-${next + offset}`,
      put: {key: encoder.encode(`k${next + offset}`), value: encoder.encode(`v${next + offset}`)},
    }))
    const outcomes = await cluster.proposeAll(client.serving(), requests, 5000)
    if (outcomes.some((outcome) => !outcome.ok)) throw new Error('a batched put failed')
  }
  process.stdout.write(`ack ${next + batch - 1}\n`)
}
