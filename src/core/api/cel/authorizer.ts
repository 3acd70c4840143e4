// Kubernetes' authorizer library for CEL ("kubernetes.authz"): authorizer.group(g).resource(r)
// .namespace(n).name(x).fieldSelector(s).labelSelector(s).check(verb), authorizer.path(p).check(verb), serviceAccount(ns, name), and
// the Decision's allowed/reason/errored/error. The authorizer is asynchronous and CEL is not: a
// check whose decision is not known yet is recorded as pending and answered "not allowed"; the
// caller asks the authorizer for the pending checks and evaluates again (CEL is deterministic),
// for at most authorizationRoundsMax rounds.
import type {CelKit} from './kit.js'

/** One authorization question, as kube's AttributesRecord (the request's user unless serviceAccount). */
export interface AuthorizationCheck {
  readonly serviceAccount: readonly [namespace: string, name: string] | null
  readonly verb: string
  readonly resourceRequest: boolean
  readonly path: string
  readonly group: string
  readonly resource: string
  readonly subresource: string
  readonly namespace: string
  readonly name: string
}

export interface AuthorizationAnswer {
  readonly allowed: boolean
  readonly reason: string
  readonly error: string
}

/** The most evaluation rounds one expression gets to learn its checks' decisions. */
export const authorizationRoundsMax = 8
/** The most distinct checks one evaluation may ask. */
export const authorizationChecksMax = 64

/** The decisions known to one admission request's evaluations, and the checks still to ask. */
export class AuthorizationSession {
  readonly answers = new Map<string, AuthorizationAnswer>()
  readonly pending = new Map<string, AuthorizationCheck>()

  constructor(private readonly authorize: (check: AuthorizationCheck) => Promise<AuthorizationAnswer>) {}

  answer(check: AuthorizationCheck): AuthorizationAnswer {
    const key = JSON.stringify(check)
    const known = this.answers.get(key)
    if (known) return known
    if (this.answers.size + this.pending.size >= authorizationChecksMax) return {allowed: false, reason: '', error: `more than ${authorizationChecksMax} authorization checks in one request`}
    this.pending.set(key, check)
    return {allowed: false, reason: '', error: ''}
  }

  /** Runs `evaluate` until it asks nothing new (or the rounds run out), asking the authorizer between rounds. */
  async evaluate<T>(evaluate: () => T): Promise<T> {
    for (let round = 1; ; round++) {
      const result = withSession(this, evaluate)
      if (this.pending.size === 0 || round >= authorizationRoundsMax) return result
      const asked = [...this.pending]
      this.pending.clear()
      for (const [key, check] of asked) this.answers.set(key, await this.authorize(check))
    }
  }
}

let current: AuthorizationSession | null = null

function withSession<T>(session: AuthorizationSession, run: () => T): T {
  const previous = current
  current = session
  try {
    return run()
  } finally {
    current = previous
  }
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

type CheckSpec = Partial<AuthorizationCheck> & Pick<AuthorizationCheck, 'serviceAccount'> & {fieldSelector?: string; labelSelector?: string}

export function authorizerFunctions({cel, opaque}: CelKit) {
  const {celMethod, CelScalar} = cel
  const authorizer = opaque('kubernetes.authorization.Authorizer')
  const pathCheck = opaque('kubernetes.authorization.PathCheck')
  const groupCheck = opaque('kubernetes.authorization.GroupCheck')
  const resourceCheck = opaque('kubernetes.authorization.ResourceCheck')
  const decision = opaque('kubernetes.authorization.Decision')
  const spec = (value: unknown, type: typeof authorizer) => JSON.parse(type.text(value as never)) as CheckSpec
  const answerOf = (value: unknown) => JSON.parse(decision.text(value as never)) as AuthorizationAnswer
  const decide = (check: AuthorizationCheck) => {
    if (!current) throw new Error('authorizer checks are not available here')
    return decision.value(JSON.stringify(current.answer(check)))
  }
  // The selectors reach kube's authorizer with the check (kube 1.32, AuthorizeWithSelectors); its Node and RBAC
  // authorizers, the ones kubemu runs, decide without them, so they are kept on the check and change no decision.
  const resourceField = (field: 'subresource' | 'namespace' | 'name' | 'fieldSelector' | 'labelSelector') =>
    celMethod(field, resourceCheck.type, [CelScalar.STRING], resourceCheck.type, function (text) {
      return resourceCheck.value(JSON.stringify({...spec(this, resourceCheck), [field]: text}))
    })
  return [
    celMethod('path', authorizer.type, [CelScalar.STRING], pathCheck.type, function (path) {
      if (path.trim().length === 0) throw new Error('path must not be empty')
      return pathCheck.value(JSON.stringify({...spec(this, authorizer), path}))
    }),
    celMethod('group', authorizer.type, [CelScalar.STRING], groupCheck.type, function (group) {
      return groupCheck.value(JSON.stringify({...spec(this, authorizer), group}))
    }),
    celMethod('serviceAccount', authorizer.type, [CelScalar.STRING, CelScalar.STRING], authorizer.type, function (namespace, name) {
      if (name.length > 253 || !dnsSubdomain.test(name)) throw new Error('Invalid service account name')
      if (namespace.length > 63 || !dnsLabel.test(namespace)) throw new Error('Invalid service account namespace')
      return authorizer.value(JSON.stringify({serviceAccount: [namespace, name]}))
    }),
    celMethod('resource', groupCheck.type, [CelScalar.STRING], resourceCheck.type, function (resource) {
      if (resource.trim().length === 0) throw new Error('resource must not be empty')
      return resourceCheck.value(JSON.stringify({...spec(this, groupCheck), resource}))
    }),
    resourceField('subresource'),
    resourceField('namespace'),
    resourceField('name'),
    resourceField('fieldSelector'),
    resourceField('labelSelector'),
    celMethod('check', pathCheck.type, [CelScalar.STRING], decision.type, function (verb) {
      const {serviceAccount, path = ''} = spec(this, pathCheck)
      return decide({serviceAccount, verb, resourceRequest: false, path, group: '', resource: '', subresource: '', namespace: '', name: ''})
    }),
    celMethod('check', resourceCheck.type, [CelScalar.STRING], decision.type, function (verb) {
      const {serviceAccount, group = '', resource = '', subresource = '', namespace = '', name = ''} = spec(this, resourceCheck)
      return decide({serviceAccount, verb, resourceRequest: true, path: '', group, resource, subresource, namespace, name})
    }),
    celMethod('allowed', decision.type, [], CelScalar.BOOL, function () {
      return answerOf(this).allowed
    }),
    celMethod('reason', decision.type, [], CelScalar.STRING, function () {
      return answerOf(this).reason
    }),
    celMethod('errored', decision.type, [], CelScalar.BOOL, function () {
      return answerOf(this).error.length > 0
    }),
    celMethod('error', decision.type, [], CelScalar.STRING, function () {
      return answerOf(this).error
    }),
  ]
}

/** The `authorizer` variable and `authorizer.requestResource` (the request's own resource). */
export function authorizerValues({opaque}: CelKit, request: {group: string; resource: string; subresource: string; namespace: string; name: string}) {
  return {
    authorizer: opaque('kubernetes.authorization.Authorizer').value(JSON.stringify({serviceAccount: null})),
    'authorizer.requestResource': opaque('kubernetes.authorization.ResourceCheck').value(JSON.stringify({serviceAccount: null, ...request})),
  }
}
