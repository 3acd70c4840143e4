// kube-apiserver's authorizer chain for --authorization-mode=Node,RBAC: the Node authorizer first,
// RBAC when it has no opinion; a request nobody allows is denied with every reason given, one per
// line, as kube's union authorizer joins them.
import type {UserInfo} from '../../api/wire.js'
import type {NodeAuthorizer} from './node.js'
import type {Attributes, Decision, PolicyRule, RbacAuthorizer} from './rbac.js'

export class UnionAuthorizer {
  constructor(
    private readonly node: NodeAuthorizer,
    private readonly rbac: RbacAuthorizer,
  ) {}

  async authorize(attributes: Attributes): Promise<Decision> {
    const node = await this.node.authorize(attributes)
    if (node.decided) return {allowed: node.allowed, reason: node.reason}
    const rbac = await this.rbac.authorize(attributes)
    if (rbac.allowed) return rbac
    return {allowed: false, reason: [node.reason, rbac.reason].filter((reason) => reason.length > 0).join('\n')}
  }

  /** What RBAC grants a user in a namespace (SelfSubjectRulesReview). */
  rulesFor(user: UserInfo, namespace: string): Promise<{rules: PolicyRule[]; errors: string[]}> {
    return this.rbac.rulesFor(user, namespace)
  }
}
