// etcd's gRPC API spoken directly (no client library in between), to compare raw responses and
// status codes of kubemu's front door with a real etcd's.
import {fileURLToPath} from 'node:url'
import * as grpc from '@grpc/grpc-js'
import * as protoLoader from '@grpc/proto-loader'
import {type EtcdFrontDoor, startEtcdFrontDoor} from '../../src/core/server/etcd-grpc.js'
import {LazyEmbeddedStore} from '../../src/core/store/lazy-embedded-store.js'
import type {Clock} from '../../src/core/util/clock.js'
import {temporaryFolder} from './temp.js'

type Wire = Record<string, any>
const protoFolder = fileURLToPath(new URL('../../data/etcd-proto/', import.meta.url))
const definition = protoLoader.loadSync('rpc.proto', {includeDirs: [protoFolder], keepCase: true, longs: String, enums: Number, defaults: true, oneofs: true})
const services = grpc.loadPackageDefinition(definition).etcdserverpb as unknown as Record<string, new (address: string, credentials: grpc.ChannelCredentials) => any>

/** What a unary call answered: OK, or the status code's name and details. */
export type Outcome = 'OK' | `${string}: ${string}`

export class EtcdProbe {
  private readonly clients = new Map<string, any>()

  constructor(private readonly endpoint: string) {}

  private client(service: string): any {
    let client = this.clients.get(service)
    if (!client) this.clients.set(service, (client = new services[service]!(this.endpoint, grpc.credentials.createInsecure())))
    return client
  }

  private metadata(token: string | undefined): grpc.Metadata {
    const metadata = new grpc.Metadata()
    if (token !== undefined) metadata.set('token', token)
    return metadata
  }

  call(service: string, method: string, request: Wire, token?: string): Promise<{outcome: Outcome; response: Wire | null}> {
    return new Promise((resolve) =>
      this.client(service)[method](request, this.metadata(token), {deadline: Date.now() + 10_000}, (error: grpc.ServiceError | null, response: Wire) =>
        resolve(error ? {outcome: `${grpc.status[error.code]}: ${error.details}`, response: null} : {outcome: 'OK', response}),
      ),
    )
  }

  async token(name: string, password: string): Promise<string> {
    const {response, outcome} = await this.call('Auth', 'Authenticate', {name, password})
    if (!response) throw new Error(`authenticate ${name}: ${outcome}`)
    return String(response.token)
  }

  /** A watch stream: send requests, and wait for responses. */
  watch(token?: string): WatchStream {
    return new WatchStream(this.client('Watch').Watch(this.metadata(token)))
  }

  /** The responses of a server stream (Snapshot) until it ends, and how it ended. */
  serverStream(service: string, method: string, request: Wire, token?: string): Promise<{messages: number; outcome: Outcome}> {
    return new Promise((resolve) => {
      const stream = this.client(service)[method](request, this.metadata(token))
      let messages = 0
      stream.on('data', () => messages++)
      stream.on('error', (error: grpc.ServiceError) => resolve({messages, outcome: `${grpc.status[error.code]}: ${error.details}`}))
      stream.on('end', () => resolve({messages, outcome: 'OK'}))
    })
  }

  close(): void {
    for (const client of this.clients.values()) client.close()
  }
}

export class WatchStream {
  readonly responses: Wire[] = []
  private readonly waiters: Array<() => void> = []

  constructor(private readonly stream: grpc.ClientDuplexStream<Wire, Wire>) {
    stream.on('data', (response: Wire) => {
      this.responses.push(response)
      for (const wake of this.waiters.splice(0)) wake()
    })
    stream.on('error', () => {})
  }

  send(request: Wire): void {
    this.stream.write(request)
  }

  /** Resolves once `done` holds for the responses so far (the test's timeout bounds the wait). */
  async until(done: (responses: Wire[]) => boolean): Promise<Wire[]> {
    while (!done(this.responses)) await new Promise<void>((resolve) => this.waiters.push(resolve))
    return this.responses
  }

  close(): void {
    this.stream.cancel()
  }
}

/** A one-member embedded cluster in a temporary folder behind the etcd front door, on a free port. */
export async function startTestFrontDoor(options: {clock?: Clock} = {}): Promise<{store: LazyEmbeddedStore; door: EtcdFrontDoor; endpoint: string}> {
  const store = new LazyEmbeddedStore(temporaryFolder(), {seed: 1, ...options})
  const door = await startEtcdFrontDoor(await store.embeddedClient(), [{member: 'infra1', host: '127.0.0.1', port: 0}])
  return {store, door, endpoint: door.urls.get('infra1')!.replace('http://', '')}
}
