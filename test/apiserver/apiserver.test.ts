// The API conformance suite on the embedded cluster (the real-etcd run is in real-etcd.test.ts).
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {EtcdStore} from '../../src/core/store/store.js'
import {temporaryFolder} from '../support/temp.js'
import {apiServerSuite} from './api-suite.js'

let client: EmbeddedClient | null = null

apiServerSuite('the embedded cluster', {
  open: async () => {
    client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {seed: 5}), {endpoint: 'infra1'})
    return new EtcdStore(client)
  },
  compact: async (revision) => {
    await client!.kv.compact({revision, physical: true})
  },
  cleanup: async () => {},
})
