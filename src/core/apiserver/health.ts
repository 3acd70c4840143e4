// kube-apiserver's health endpoints: /livez, /readyz and /healthz answer "ok" (text/plain) when
// every check passes, 500 with the failed checks otherwise; `?verbose` lists each check, `?exclude=`
// leaves checks out, and /readyz/<check> asks one. The checks are the ones that mean something
// here: the process answers (ping, log), the store answers a read (etcd), the bootstrap the API
// server did on first use is in place.
import type {Store} from '../store/store.js'

export interface HealthAnswer {
  readonly status: number
  readonly text: string
}

type Check = {readonly name: string; readonly run: () => Promise<string | null>}

const endpoints = ['/livez', '/readyz', '/healthz'] as const
type Endpoint = (typeof endpoints)[number]

/** The endpoint a path asks, and the one check it names (or null for all). */
function parse(path: string): {endpoint: Endpoint; check: string | null} | null {
  for (const endpoint of endpoints) {
    if (path === endpoint || path === `${endpoint}/`) return {endpoint, check: null}
    if (path.startsWith(`${endpoint}/`)) return {endpoint, check: path.slice(endpoint.length + 1)}
  }
  return null
}

/** Null when the store answers a read of a key that does not exist (a quorum read on the embedded cluster), else its error. */
export async function storeReadFailure(store: Store): Promise<string | null> {
  try {
    await store.get('/registry/health')
    return null
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

export class HealthChecks {
  private readonly checks: Record<Endpoint, Check[]>

  constructor(store: Store) {
    const ok = async () => null
    const etcd = () => storeReadFailure(store)
    const hooks: Check[] = ['rbac/bootstrap-roles', 'scheduling/bootstrap-system-priority-classes', 'start-system-namespaces-controller'].map((name) => ({name: `poststarthook/${name}`, run: ok}))
    const live: Check[] = [{name: 'ping', run: ok}, {name: 'log', run: ok}, {name: 'etcd', run: etcd}, ...hooks]
    this.checks = {
      '/livez': live,
      '/healthz': live,
      '/readyz': [...live.slice(0, 3), {name: 'etcd-readiness', run: etcd}, {name: 'informer-sync', run: ok}, ...hooks, {name: 'shutdown', run: ok}],
    }
  }

  static handles(path: string): boolean {
    return parse(path) !== null
  }

  async answer(path: string, query: Readonly<Record<string, string>>): Promise<HealthAnswer | null> {
    const asked = parse(path)
    if (!asked) return null
    const name = asked.endpoint.slice(1)
    const all = this.checks[asked.endpoint]
    if (asked.check !== null) {
      const check = all.find((entry) => entry.name === asked.check)
      if (!check) return null
      const failure = await check.run()
      return failure === null ? {status: 200, text: 'ok'} : {status: 500, text: `internal server error: ${failure}`}
    }
    const excluded = new Set((query.exclude ?? '').split(',').filter(Boolean))
    const lines: string[] = []
    let failed = false
    for (const check of all) {
      if (excluded.has(check.name)) {
        lines.push(`[+]${check.name} excluded: ok`)
        continue
      }
      const failure = await check.run()
      failed ||= failure !== null
      lines.push(failure === null ? `[+]${check.name} ok` : `[-]${check.name} failed: reason withheld`)
    }
    if (failed) return {status: 500, text: `${lines.join('\n')}\n${name} check failed\n`}
    if (query.verbose === undefined) return {status: 200, text: 'ok'}
    return {status: 200, text: `${lines.join('\n')}\n${name} check passed\n`}
  }
}
