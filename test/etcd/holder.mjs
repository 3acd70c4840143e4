// Holds the cluster (and its writer lock) after writing one key, until killed.
import {EmbeddedCluster} from '../../dist/core/etcd/cluster.js'
import {EmbeddedClient} from '../../dist/core/etcd/embedded-client.js'

const [folder] = process.argv.slice(2)
const client = new EmbeddedClient(EmbeddedCluster.open(folder, {seed: 2}), {endpoint: 'infra1'})
await client.kv.put({key: new TextEncoder().encode('held'), value: new TextEncoder().encode('by another process')})
process.stdout.write('ready\n')
setInterval(() => {}, 1000)
