// The Kubernetes-facing store on the embedded cluster (the real-etcd run is in real-etcd.test.ts).
import {openEmbeddedStore} from '../../src/core/store/backends.js'
import {temporaryFolder} from '../support/temp.js'
import {storeSuite} from './store-suite.js'

storeSuite('the embedded cluster', async () => openEmbeddedStore(temporaryFolder(), {seed: 3}), async () => {})
