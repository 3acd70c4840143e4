// The simple tokens of etcd's Authenticate, as the front door hands them out: a token names the
// user it was issued to, works on every member's port, and stops working as etcd's do — after
// --auth-token-ttl of idleness (each use restarts the count), when the user is deleted or its
// password changes, and when auth is disabled.
import {etcdErrors, unconvertedAuthError} from '../mvcc/errors.js'
import type {Clock} from '../util/clock.js'

/** etcd's default --auth-token-ttl. */
export const authTokenTtlSecondsDefault = 300
/** Tokens remembered at once; the oldest is forgotten first (its client authenticates again). */
export const authTokensMax = 10_000

/**
 * What a token depends on, read from the replicated auth state: null while auth is disabled or
 * once the user is gone; otherwise a value that changes when the user's password changes or auth
 * is enabled again (etcd then invalidates the user's tokens).
 */
export type TokenStamp = (user: string) => string | null

interface IssuedToken {
  readonly user: string
  readonly stamp: string | null
  /** When the token was last used, on the cluster clock. */
  usedAtMilliseconds: number
}

export interface AuthTokensOptions {
  readonly clock: Clock
  readonly stampOf: TokenStamp
  readonly ttlSeconds?: number
}

export class AuthTokens {
  private readonly tokens = new Map<string, IssuedToken>()
  private readonly ttlMilliseconds: number

  constructor(private readonly options: AuthTokensOptions) {
    this.ttlMilliseconds = (options.ttlSeconds ?? authTokenTtlSecondsDefault) * 1000
  }

  remember(token: string, user: string): void {
    if (this.tokens.size >= authTokensMax) this.tokens.delete(this.tokens.keys().next().value!)
    this.tokens.set(token, {user, stamp: this.options.stampOf(user), usedAtMilliseconds: this.options.clock.nowMilliseconds()})
  }

  /**
   * The user a request runs as: undefined when it carries no token; throws `etcdserver: invalid
   * auth token` for a token that is unknown, expired, or void (its user was deleted or changed
   * its password since, or auth was disabled), as etcd checks any token a request carries.
   */
  userOfToken(token: string | undefined): string | undefined {
    if (token === undefined || token === '') return undefined
    const issued = this.tokens.get(token)
    if (!issued) throw etcdErrors.invalidAuthToken()
    const now = this.options.clock.nowMilliseconds()
    const stamp = this.options.stampOf(issued.user)
    if (now - issued.usedAtMilliseconds >= this.ttlMilliseconds || stamp === null || stamp !== issued.stamp) {
      this.tokens.delete(token)
      throw etcdErrors.invalidAuthToken()
    }
    issued.usedAtMilliseconds = now
    return issued.user
  }
}

/**
 * What an RPC does with the request's token, as etcd 3.4 does: `checked` ones refuse a bad token
 * with `etcdserver: invalid auth token`; `maintenance` ones (and alarms) with the auth store's own
 * error (`auth: …`, which reaches clients as Unknown); `ignored` ones (member list, status, lease
 * queries, move-leader) never look at it.
 */
export type TokenUse = 'checked' | 'maintenance' | 'ignored'

/** The user a call runs as, by its token use: `caller` resolves the request's token (and throws etcd's error for a bad one). */
export function callerFor(use: TokenUse, caller: () => string | undefined): string | undefined {
  if (use === 'ignored') return undefined
  try {
    return caller()
  } catch (error) {
    throw use === 'maintenance' ? unconvertedAuthError(error) : error
  }
}
