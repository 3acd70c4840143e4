// etcd's v3 HTTP gateway served in this process by a node:http server on a free loopback port,
// in front of an embedded cluster on real SQLite files in a temporary folder.
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import type {Watcher, WatchRequest} from '../../src/core/etcd/api.js'
import {EmbeddedCluster} from '../../src/core/etcd/cluster.js'
import {EmbeddedClient} from '../../src/core/etcd/embedded-client.js'
import {etcdErrors} from '../../src/core/mvcc/errors.js'
import type {EtcdGatewayContext} from '../../src/core/server/etcd-http.js'
import {serveEtcdGateway} from '../../src/core/server/etcd-gateway.js'
import type {Clock} from '../../src/core/util/clock.js'
import {temporaryFolder} from './temp.js'

export interface GatewayHarness {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly client: EmbeddedClient
  /** What the gateway is given, for calling serveEtcdGateway directly. */
  readonly context: EtcdGatewayContext
  close(): Promise<void>
}

export interface GatewayOptions {
  readonly clock?: Clock
  readonly seed?: number
  readonly member?: string
  /** Sees each watch the gateway opens. */
  readonly watchOpened?: (watcher: Watcher) => void
}

/** Tokens as the front door keeps them: an unknown token is etcd's `invalid auth token`. */
function tokenMap(): EtcdGatewayContext['tokens'] {
  const users = new Map<string, string>()
  return {
    remember: (token, user) => void users.set(token, user),
    userOfToken: (token) => {
      if (token === undefined) return undefined
      const user = users.get(token)
      if (user === undefined) throw etcdErrors.invalidAuthToken()
      return user
    },
  }
}

export async function startGateway(options: GatewayOptions = {}): Promise<GatewayHarness> {
  const member = options.member ?? 'infra1'
  const client = new EmbeddedClient(EmbeddedCluster.open(temporaryFolder(), {seed: options.seed ?? 3, ...(options.clock ? {clock: options.clock} : {})}), {endpoint: member})
  // The served member leads, as a single real etcd does (the recorded transcripts come from one):
  // leader-only answers such as transfer-leadership's then read the same.
  await client.maintenance.status()
  const leader = client.embedded.leader()
  if (leader && leader.layout.name !== member) {
    await client.forUser(leader.layout.name, undefined).maintenance.moveLeader(client.embedded.layout.members.find((entry) => entry.name === member)!.idNumber)
  }
  let url = ''
  const context: EtcdGatewayContext = {
    member,
    clientOf: (user) => {
      const served = client.forUser(member, user)
      const watchOpened = options.watchOpened
      if (!watchOpened) return served
      const watch = served.watch.watch.bind(served.watch)
      return Object.assign(served, {
        watch: {
          watch: (request: WatchRequest) => {
            const watcher = watch(request)
            watchOpened(watcher)
            return watcher
          },
        },
      })
    },
    tokens: tokenMap(),
    servedUrl: (name) => (name === member ? url : undefined),
  }
  const server: Server = createServer((request, response) => {
    serveEtcdGateway(request, response, context).catch((error: unknown) => response.destroy(error instanceof Error ? error : new Error(String(error))))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    client,
    context,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await client.close()
    },
  }
}
