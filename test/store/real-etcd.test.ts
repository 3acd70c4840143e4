// Everything that needs a real etcd, in one file so that only one real cluster (on the Procfile
// ports) runs at a time: the conformance suite, whose transcripts must be identical on kubemu
// and on a fresh real etcd 3.4, then the store suite on the real backend, then a shell script in
// real etcdctl syntax that must print the same against both.
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {writeShims} from '../../src/core/env.js'
import {openRealEtcdStore} from '../../src/core/store/backends.js'
import {storeSuite} from './store-suite.js'
import {apiServerSuite} from '../apiserver/api-suite.js'
import {EtcdStore} from '../../src/core/store/store.js'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import type {EtcdClient} from '../../src/core/etcd/api.js'
import {RealEtcdClient} from '../../src/core/store/real-etcd-client.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import {startEtcdFrontDoor} from '../../src/core/server/etcd-grpc.js'
import {RealEtcdCluster} from '../support/real-etcd.js'
import {runShell} from '../support/shell.js'
import {temporaryFolder} from '../support/temp.js'
import {type Connect, Recorder, conformanceCases} from './conformance-cases.js'

async function transcripts(client: EtcdClient, connect: Connect): Promise<Map<string, unknown[]>> {
  const results = new Map<string, unknown[]>()
  const recorder = new Recorder()
  for (const item of conformanceCases) {
    const before = recorder.lines.length
    await item.run(client, recorder, connect)
    results.set(item.name, recorder.lines.slice(before))
  }
  return results
}

let etcd: RealEtcdCluster | null = null

beforeAll(async () => {
  if (!RealEtcdCluster.available()) throw new Error('etcd is not installed: apt-get install -y etcd-server etcd-client')
  etcd = await RealEtcdCluster.start()
}, 60_000)

afterAll(async () => {
  await etcd?.stop()
})

describe('store conformance: kubemu against real etcd 3.4', () => {
  let real: Map<string, unknown[]>
  let embedded: Map<string, unknown[]>
  let throughFrontDoor: Map<string, unknown[]>

  beforeAll(async () => {
    const realClient = new RealEtcdClient('http://127.0.0.1:2379')
    real = await transcripts(realClient, (user, password) => new RealEtcdClient('http://127.0.0.1:2379', {user, password}))
    await realClient.close()
    const folder = temporaryFolder()
    const embeddedClient = new EmbeddedClient(EmbeddedCluster.open(folder, {seed: 1}), {endpoint: 'infra1'})
    // Further clients share the cluster; only the first one closes it.
    const connect: Connect = (user, password) => {
      const extra = new EmbeddedClient(embeddedClient.embedded, {endpoint: 'infra1', user, password})
      return Object.assign(extra, {close: async () => {}})
    }
    embedded = await transcripts(embeddedClient, connect)
    await embeddedClient.close()
    // The same cases through `kubemu up`'s etcd front door, by the gRPC client that talks to real etcd.
    const store = new LazyEmbeddedStore(temporaryFolder(), {seed: 1})
    const door = await startEtcdFrontDoor(await store.embeddedClient(), [{member: 'infra1', host: '127.0.0.1', port: 0}])
    const url = door.urls.get('infra1')!
    frontDoorUrl = url
    const grpcClient = new RealEtcdClient(url)
    throughFrontDoor = await transcripts(grpcClient, (user, password) => new RealEtcdClient(url, {user, password}))
    await grpcClient.close()
    await door.close()
    await store.close()
  }, 120_000)

  // Member lists report the client URL the front door serves (a free port here), as up's does.
  let frontDoorUrl = ''
  const served = (transcript: unknown[]) => JSON.parse(JSON.stringify(transcript).replaceAll('"http://127.0.0.1:2379"', JSON.stringify(frontDoorUrl))) as unknown[]
  const same = (expected: unknown[], actual: unknown[], name: string) => {
    for (let index = 0; index < Math.max(expected.length, actual.length); index++) {
      const label = (expected[index] as [string] | undefined)?.[0] ?? (actual[index] as [string] | undefined)?.[0]
      expect(JSON.stringify(actual[index]), `${name}: ${label}`).toBe(JSON.stringify(expected[index]))
    }
  }
  for (const item of conformanceCases) {
    it(item.name, () => same(real.get(item.name)!, embedded.get(item.name)!, item.name))
    it(`${item.name} (through the etcd front door, over gRPC)`, () => same(served(real.get(item.name)!), throughFrontDoor.get(item.name)!, item.name))
  }
})

storeSuite('a real etcd 3.4', async () => openRealEtcdStore('http://127.0.0.1:2379'), async () => {})

// The API conformance suite, unchanged, on kube-apiserver's real-etcd backend.
let apiClient: RealEtcdClient | null = null
apiServerSuite('real etcd 3.4', {
  open: async () => {
    apiClient = new RealEtcdClient('http://127.0.0.1:2379')
    return new EtcdStore(apiClient)
  },
  compact: async (revision) => {
    await apiClient!.kv.compact({revision, physical: true})
  },
  cleanup: async () => {},
})

describe('a script in real etcdctl syntax', () => {
  const script = join(dirname(fileURLToPath(import.meta.url)), '../scripts/etcdctl-script.sh')

  it('prints the same against kubemu (through the `kubemu env` shim) as against real etcd', async () => {
    const real = await runShell(`sh ${script}`, {cwd: temporaryFolder('kubemu-script-'), env: {...process.env, ETCDCTL_API: '3'}})
    expect(real.stderr.split('\n').filter((line) => line !== '' && !line.startsWith('{"level"'))).toEqual([])
    expect(real.status).toBe(0)
    const home = temporaryFolder()
    const embedded = await runShell(`sh ${script}`, {cwd: temporaryFolder('kubemu-script-'), env: {...process.env, KUBEMU_HOME: home, PATH: `${writeShims({KUBEMU_HOME: home})}:${process.env.PATH}`}})
    expect(embedded.stderr).toBe('')
    expect(embedded.status).toBe(0)
    expect(embedded.stdout).toBe(real.stdout)
    // Every part ran to its end.
    expect(real.stdout).toContain('leader: alice')
    expect(real.stdout).toContain('DELETE\n/demo/jobs/test')
    expect(real.stdout).toContain('second holder got the lock')
    expect(real.stdout).toContain('lease ID already expired')
  }, 120_000)
})

describe('the API server on a real etcd chosen with KUBEMU_ETCD_SERVERS', () => {
  it('bootstraps and stores objects in the real etcd, not in the cluster folder', async () => {
    const {openKubernetes} = await import('../../src/core/apiserver/open.js')
    const {existsSync} = await import('node:fs')
    const home = temporaryFolder()
    const environment = {...process.env, KUBEMU_HOME: home, KUBEMU_ETCD_SERVERS: 'http://127.0.0.1:2379,http://127.0.0.1:22379,http://127.0.0.1:32379'}
    const connection = await openKubernetes({environment})
    try {
      const response = await connection.api.handle({
        method: 'POST',
        path: '/api/v1/namespaces/default/configmaps',
        headers: {authorization: `Bearer ${connection.api.credentials.adminToken()}`, 'content-type': 'application/json'},
        body: JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'from-kubemu'}, data: {where: 'real etcd'}}),
      })
      expect(response.status).toBe(201)
    } finally {
      await connection.close()
    }
    expect(existsSync(join(connection.folder, 'infra1.db'))).toBe(false)
    const keys = await runShell('ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:22379 get /registry --prefix --keys-only', {cwd: home, env: process.env})
    expect(keys.stdout).toContain('/registry/configmaps/default/from-kubemu')
    expect(keys.stdout).toContain('/registry/minions/worker-1')
    expect(keys.stdout).toContain('/registry/services/specs/default/kubernetes')
  }, 60_000)
})
