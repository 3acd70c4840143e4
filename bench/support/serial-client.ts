// The client kwok's CI benchmark drives a cluster with, rebuilt for the kwok bench: `kwokctl scale
// node|pod NAME --replicas N` renders N objects from a template and its loader creates them ONE
// AFTER ANOTHER through client-go's dynamic client with the rate limiter off
// (FakeAlwaysRateLimiter; the cluster runs with --disable-qps-limits), and `--replicas 0` pages
// through a list of the objects and deletes them one after another. So a phase is one request in
// flight at a time on one kept-alive connection, with a compiled client's small CPU per request,
// unlike `kubectl create -f`, whose builder, visitors and printer spend about 11 ms of CPU per
// object. `streams` above 1 runs that many such clients side by side (kwok uses 1).
import {readFileSync} from 'node:fs'
import {Agent, request} from 'node:https'
import {parse as parseYaml} from 'yaml'

interface Kubeconfig {
  readonly clusters: ReadonlyArray<{cluster: {server: string; 'certificate-authority-data'?: string}}>
  readonly users: ReadonlyArray<{user: {token?: string}}>
}

/** Objects asked for per list page, as client-go's pager asks. */
const listPageObjectsMax = 500
/**
 * A create or delete the server failed (5xx, as `etcdserver: request timed out` on a loaded
 * machine) or turned away (429) is sent again at most this often: kwokctl logs it and goes on, and
 * the phase's wait would then never end; the bench counts these (`retried`) and prints them.
 */
const serverFailureRetriesMax = 5

class ServerAnswer extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

export class SerialClient {
  readonly #server: URL
  readonly #token: string
  readonly #agent: Agent
  /** Requests sent again after a server failure since the client was made. */
  retried = 0

  constructor(kubeconfigPath: string) {
    const config = parseYaml(readFileSync(kubeconfigPath, 'utf8')) as Kubeconfig
    const cluster = config.clusters[0]!.cluster
    this.#server = new URL(cluster.server)
    this.#token = config.users[0]!.user.token ?? ''
    const ca = cluster['certificate-authority-data']
    // One kept-alive connection per request in flight, as Go's transport keeps them.
    this.#agent = new Agent({keepAlive: true, ...(ca ? {ca: Buffer.from(ca, 'base64').toString('utf8')} : {})})
  }

  close(): void {
    this.#agent.destroy()
  }

  /** Sends one request and reads its answer; a status outside 2xx is an error with the server's message. */
  send(method: string, path: string, body?: object): Promise<{status: number; json: unknown}> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((done, fail) => {
      const outgoing = request({
        agent: this.#agent, method, host: this.#server.hostname, port: this.#server.port, path,
        headers: {
          authorization: `Bearer ${this.#token}`, accept: 'application/json',
          ...(payload === undefined ? {} : {'content-type': 'application/json', 'content-length': Buffer.byteLength(payload)}),
        },
      }, (answer) => {
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => chunks.push(chunk))
        answer.on('error', fail)
        answer.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          const status = answer.statusCode ?? 0
          if (status < 200 || status > 299) fail(new ServerAnswer(status, `${method} ${path}: ${status} ${text.slice(0, 300)}`))
          else done({status, json: text ? JSON.parse(text) : undefined})
        })
      })
      outgoing.on('error', fail)
      outgoing.end(payload)
    })
  }

  /** send(), again after a server failure (see serverFailureRetriesMax). */
  async #sendRetried(method: string, path: string, body?: object): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.send(method, path, body)
        return
      } catch (error) {
        // A failed answer may come after the write was made: sent again, it finds it done.
        const alreadyDone = attempt > 0 && error instanceof ServerAnswer && ((method === 'POST' && error.status === 409) || (method === 'DELETE' && error.status === 404))
        if (alreadyDone) return
        const failed = error instanceof ServerAnswer && (error.status >= 500 || error.status === 429)
        if (!failed || attempt >= serverFailureRetriesMax) throw error
        this.retried++
      }
    }
  }

  /** POSTs each object to `collectionPath`, `streams` clients each sending one after another. */
  async createAll(collectionPath: (item: object) => string, items: readonly object[], streams: number): Promise<void> {
    let next = 0
    const stream = async () => {
      while (next < items.length) {
        const item = items[next++]!
        // kwokctl's loader creates with fieldValidation=Ignore.
        await this.#sendRetried('POST', `${collectionPath(item)}?fieldValidation=Ignore`, item)
      }
    }
    await Promise.all(Array.from({length: Math.max(1, streams)}, stream))
  }

  /**
   * Pages through the collection as client-go's pager does and deletes each page's objects before
   * asking for the next (kwokctl deletes from the pager's callback), one after another per stream.
   */
  async deleteAll(collectionPath: string, streams: number): Promise<number> {
    let deleted = 0
    let token = ''
    do {
      const page = (await this.send('GET', `${collectionPath}?limit=${listPageObjectsMax}${token ? `&continue=${encodeURIComponent(token)}` : ''}`)).json as {items: Array<{metadata: {name: string}}>; metadata: {continue?: string}}
      const names = page.items.map((item) => item.metadata.name)
      let next = 0
      const stream = async () => {
        while (next < names.length) await this.#sendRetried('DELETE', `${collectionPath}/${names[next++]!}`)
      }
      await Promise.all(Array.from({length: Math.max(1, streams)}, stream))
      deleted += names.length
      token = page.metadata.continue ?? ''
    } while (token)
    return deleted
  }
}
