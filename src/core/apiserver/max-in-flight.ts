// kube-apiserver's max-in-flight limit (--max-requests-inflight, --max-mutating-requests-inflight):
// beyond so many requests being served at once, a request is refused at once with 429 and
// Retry-After, never queued, so that an overloaded server answers instead of stalling. As there,
// long-running requests (watches, exec, attach, logs, port-forward, proxy) are not counted and
// system:masters is never refused. It counts the requests that come through the front door:
// kubemu's own control plane reaches the API server in its process, as loops that kube gives
// their own priority levels.
import type {UserInfo} from '../api/wire.js'
import {systemGroups} from './authentication/user.js'
import type {RequestInfo} from './request.js'
import {longRunningSubresources} from './subresources.js'

/** kube-apiserver's defaults. */
export const requestsInFlightMaxDefault = 400
export const mutatingRequestsInFlightMaxDefault = 200
/** What the refusal tells the client to wait, as kube-apiserver's filter says it. */
export const retryAfterSeconds = 1

export interface InFlightLimits {
  /** Reads (get, list) served at once at most; 0 means no limit. */
  readonly requestsInFlightMax: number
  /** Writes served at once at most; 0 means no limit. */
  readonly mutatingRequestsInFlightMax: number
}

const readVerbs = new Set(['get', 'list', 'watch'])
const longRunningVerbs = new Set(['watch', 'proxy'])

/** The refusal: the answer is Go's http.Error text, not a Status, as kube-apiserver's. */
export class TooManyRequestsError extends Error {
  readonly body = 'Too many requests, please try again later.\n'
  readonly headers: Readonly<Record<string, string>> = {'retry-after': String(retryAfterSeconds), 'x-content-type-options': 'nosniff'}
  readonly contentType = 'text/plain; charset=utf-8'

  constructor() {
    super('Too many requests, please try again later.')
    this.name = 'TooManyRequestsError'
  }
}

export class InFlightLimiter {
  private reads = 0
  private writes = 0

  constructor(private readonly limits: InFlightLimits = {requestsInFlightMax: requestsInFlightMaxDefault, mutatingRequestsInFlightMax: mutatingRequestsInFlightMaxDefault}) {}

  /**
   * Counts the request in, or refuses it when its kind is at its limit (TooManyRequestsError).
   * Returns how to count it out once answered; null for a request that is not counted.
   */
  admit(info: RequestInfo, user: UserInfo): (() => void) | null {
    if (longRunningVerbs.has(info.verb) || (info.isResourceRequest && longRunningSubresources.has(info.subresource))) return null
    const mutating = !readVerbs.has(info.verb)
    const limit = mutating ? this.limits.mutatingRequestsInFlightMax : this.limits.requestsInFlightMax
    if (limit === 0) return null
    if ((mutating ? this.writes : this.reads) >= limit) {
      // A system:master is so powerful that it always gets an answer (kube's words).
      if (user.groups.includes(systemGroups.masters)) return null
      throw new TooManyRequestsError()
    }
    if (mutating) this.writes++
    else this.reads++
    let counted = true
    return () => {
      if (!counted) return
      counted = false
      if (mutating) this.writes--
      else this.reads--
    }
  }

  /** Requests being served now, by kind (kube's apiserver_current_inflight_requests). */
  inFlight(): {readOnly: number; mutating: number} {
    return {readOnly: this.reads, mutating: this.writes}
  }
}
