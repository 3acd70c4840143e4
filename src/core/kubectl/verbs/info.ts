// Verbs that describe the cluster rather than change it: version, api-resources, api-versions,
// cluster-info (and its dump, in cluster-info-dump.ts), and auth (can-i, with --list; whoami;
// reconcile, in auth-reconcile.ts).
import {goJson} from '../../util/go-json.js'
import {goYaml} from '../../printers/kubectl/go-yaml.js'
import {tabwrite} from '../../printers/kubectl/table.js'
import {ConnectionRefusedError, KubectlError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../verb.js'
import {type ApiResource, groupVersionOf, requestFailureText, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {combineResourceGroup, goList, type PolicyRule, sortedByRuleText} from '../describe/rbac.js'

export const kubectlVersion = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '70d3cc986aa8221cd1dfb1121852688902d3bf53',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T18:04:20Z',
  goVersion: 'go1.23.3',
  compiler: 'gc',
  platform: 'linux/amd64',
}
const kustomizeVersion = 'v5.5.0'

const versionVerb: KubectlVerb = {
  name: 'version',
  flags: [{name: 'client', kind: 'bool'}, {name: 'output', shorthand: 'o', kind: 'string'}],
  run: async (session, args) => {
    if (args.length > 0) throw new KubectlError(`extra arguments: [${args.join(' ')}]`)
    const output = session.flag('output')
    if (output !== '' && output !== 'json' && output !== 'yaml') throw new KubectlError('--output must be \'yaml\' or \'json\'')
    // kubectl prints what it knows and then the server's failure (a refused connection, a refused login).
    let server: unknown = null
    let serverError: Error | null = null
    if (session.flag('client') !== 'true') {
      try {
        server = (await session.request('GET', '/version')).body
      } catch (error) {
        if (!(error instanceof ServerError) && !(error instanceof ConnectionRefusedError)) throw error
        // discovery's ServerVersion reads the body raw: a refused login is client-go's generic error for the code.
        serverError = error instanceof ServerError && (error.code === 401 || error.code === 403) ? new ServerError({code: error.code, reason: error.status.reason, message: error.code === 401 ? 'the server has asked for the client to provide credentials' : 'unknown'}) : error
      }
    }
    if (output === '') {
      session.io.stdout(`Client Version: ${kubectlVersion.gitVersion}\nKustomize Version: ${kustomizeVersion}\n`)
      if (server) session.io.stdout(`Server Version: ${(server as {gitVersion: string}).gitVersion}\n`)
    } else {
      const document: Record<string, unknown> = {clientVersion: kubectlVersion, kustomizeVersion}
      if (server) document.serverVersion = server
      // kubectl's version marshals with two spaces, unlike its printers' four.
      // The YAML form ends with a blank line: kubectl prints the marshalled text with a newline of its own.
      session.io.stdout(output === 'json' ? `${goJson(document, false, '  ')}\n` : `${goYaml(document)}\n`)
    }
    if (serverError) throw serverError
    return 0
  },
}

/** cmdutil.UsageErrorf for a command that takes no arguments. */
function refuseArguments(verb: string, args: readonly string[]): void {
  if (args.length > 0) throw new KubectlError(`unexpected arguments: [${args.join(' ')}]\nSee 'kubectl ${verb} -h' for help and examples`)
}

function sortedResources(resources: readonly ApiResource[]): ApiResource[] {
  return [...resources].sort((left, right) => (left.group === right.group ? (left.resource < right.resource ? -1 : 1) : left.group < right.group ? -1 : 1))
}

const apiResourcesVerb: KubectlVerb = {
  name: 'api-resources',
  flags: [
    {name: 'output', shorthand: 'o', kind: 'string'},
    {name: 'namespaced', kind: 'bool', defaultValue: 'true'},
    {name: 'api-group', kind: 'string'},
    {name: 'no-headers', kind: 'bool'},
    {name: 'verbs', kind: 'stringSlice'},
    {name: 'sort-by', kind: 'string'},
    {name: 'cached', kind: 'bool'},
    {name: 'categories', kind: 'stringSlice'},
  ],
  run: async (session, args) => {
    refuseArguments('api-resources', args)
    const sortBy = session.flag('sort-by')
    if (sortBy !== '' && sortBy !== 'name' && sortBy !== 'kind') throw new KubectlError('--sort-by accepts only name or kind')
    // kubectl invalidates its discovery cache first, unless --cached.
    const mapper = await ResourceMapper.discover(session, undefined, session.flag('cached') === 'true' ? 'cache' : 'server')
    let resources = sortedResources(mapper.resources.filter((resource, index, all) => all.findIndex((other) => other.group === resource.group && other.resource === resource.resource) === index))
    if (session.flags.changed.has('namespaced')) resources = resources.filter((resource) => resource.namespaced === (session.flag('namespaced') === 'true'))
    if (session.flags.changed.has('api-group')) resources = resources.filter((resource) => resource.group === session.flag('api-group'))
    const verbs = session.list('verbs')
    if (verbs.length > 0) resources = resources.filter((resource) => verbs.every((verb) => resource.verbs.includes(verb)))
    const categories = session.list('categories')
    if (categories.length > 0) resources = resources.filter((resource) => categories.every((category) => resource.categories.includes(category)))
    if (session.flag('sort-by') === 'name') resources.sort((left, right) => (left.resource < right.resource ? -1 : 1))
    if (session.flag('sort-by') === 'kind') resources.sort((left, right) => (left.kind < right.kind ? -1 : 1))
    const output = session.flag('output')
    if (output === 'name') {
      session.io.stdout(resources.map((resource) => `${resource.resource}${resource.group ? `.${resource.group}` : ''}\n`).join(''))
      return 0
    }
    if (output !== '' && output !== 'wide') throw new KubectlError(`--output ${output} is not available`)
    const wide = output === 'wide'
    const header = ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', ...(wide ? ['VERBS', 'CATEGORIES'] : [])]
    const rows = resources.map((resource) => [
      resource.resource,
      resource.shortNames.join(','),
      groupVersionOf(resource),
      String(resource.namespaced),
      resource.kind,
      ...(wide ? [resource.verbs.join(','), resource.categories.join(',')] : []),
    ])
    session.io.stdout(tabwrite(session.flag('no-headers') === 'true' ? rows : [header, ...rows]))
    return 0
  },
}

const apiVersionsVerb: KubectlVerb = {
  name: 'api-versions',
  flags: [],
  run: async (session, args) => {
    refuseArguments('api-versions', args)
    // kubectl drops its discovery cache and asks the server once: a failure is api-versions' own
    // error after that one attempt's log line (never the cache's list, never a retry).
    let mapper: ResourceMapper
    try {
      mapper = await ResourceMapper.discover(session, 1, 'server')
    } catch (error) {
      if (!(error instanceof ServerError) && !(error instanceof ConnectionRefusedError)) throw error
      throw new KubectlError(`couldn't get available api versions from server: ${requestFailureText(error)}`)
    }
    const versions = [...new Set(mapper.resources.map(groupVersionOf))].sort()
    session.io.stdout(versions.map((version) => `${version}\n`).join(''))
    return 0
  },
}

/** The Services kubectl's cluster-info lists: those labelled as cluster services. */
const clusterServiceSelector = 'kubernetes.io/cluster-service=true'

interface ClusterService {
  metadata: {name: string; namespace?: string; labels?: Record<string, string>}
  spec?: {ports?: Array<{name?: string; port?: number}>}
  status?: {loadBalancer?: {ingress?: Array<{ip?: string; hostname?: string}>}}
}

/** Where kubectl says a cluster service runs: its load balancer's ports, or the API server's proxy path. */
function clusterServiceLink(server: string, service: ClusterService): string {
  const ports = service.spec?.ports ?? []
  const ingress = service.status?.loadBalancer?.ingress?.[0]
  if (ingress) return ports.map((port) => `http://${ingress.ip || ingress.hostname}:${port.port} `).join('')
  let name = service.metadata.name
  const first = ports[0]
  if (first) {
    const scheme = first.name === 'https' || first.port === 443 ? 'https' : ''
    // <scheme>:<name>:<port name>, each part only when known, as kubectl joins them.
    const port = first.name ?? ''
    name = scheme ? `${scheme}:${name}:${port}` : port ? `${name}:${port}` : name
  }
  return `${server}/api/v1/namespaces/${service.metadata.namespace}/services/${name}/proxy`
}

// auth reconcile's and cluster-info dump's flags: their modules (and what they import) load only when they run.
const reconcileFlags: readonly KubectlFlag[] = [
  {name: 'filename', shorthand: 'f', kind: 'stringArray'},
  {name: 'kustomize', shorthand: 'k', kind: 'string'},
  {name: 'recursive', shorthand: 'R', kind: 'bool'},
  {name: 'output', shorthand: 'o', kind: 'string'},
  {name: 'template', kind: 'string'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'show-managed-fields', kind: 'bool'},
  {name: 'dry-run', kind: 'string', defaultValue: 'none', noValueDefault: 'unchanged'},
  {name: 'remove-extra-permissions', kind: 'bool'},
  {name: 'remove-extra-subjects', kind: 'bool'},
]

const dumpFlags: readonly KubectlFlag[] = [
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'namespaces', kind: 'stringSlice'},
  {name: 'output-directory', kind: 'string'},
  {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'json'},
  {name: 'pod-running-timeout', kind: 'duration', defaultValue: '20s'},
  {name: 'template', kind: 'string'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'show-managed-fields', kind: 'bool'},
]

const clusterInfoVerb: KubectlVerb = {
  name: 'cluster-info',
  flags: [],
  subverbs: [{name: 'dump', flags: dumpFlags, run: async (session) => (await import('./cluster-info-dump.js')).runClusterInfoDump(session)}],
  run: async (session) => {
    const {config} = session.kubeconfig()
    const {clusterName} = session.context()
    const server = config.clusters.find((entry) => entry.name === clusterName)?.value.server ?? ''
    const dumpHint = "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    let served: boolean
    try {
      served = await session.served()
    } catch (error) {
      // Nothing listens there either: kubectl's five discovery attempts, its hint, then the refusal.
      if (!(error instanceof ConnectionRefusedError)) throw error
      session.logRefusedDiscovery(error, 5)
      session.io.stdout(dumpHint)
      throw error
    }
    if (!served) {
      // Nothing listens behind the kubeconfig's URL: saying it runs there would send real kubectl to a closed port.
      session.io.stdout(`Kubernetes control plane is not served at ${server}: \`kubemu up\` is not running, so each kubemu command runs the cluster in its own process\n${dumpHint}`)
      return 0
    }
    await session.request('GET', '/api')
    // kube-system's, unless -n names another namespace (the context's own does not count).
    const namespace = session.flags.changed.has('namespace') ? session.flag('namespace') : 'kube-system'
    const listed = await session.request('GET', `/api/v1/namespaces/${namespace}/services`, {query: {labelSelector: clusterServiceSelector}})
    const services = ((listed.body as {items?: ClusterService[]}).items ?? [])
    const paint = (code: number, text: string) => (session.io.stdoutColors ? `\u001b[0;${code}m${text}\u001b[0m` : text)
    const line = (name: string, link: string) => `${paint(32, name)} is running at ${paint(33, link)}\n`
    const lines = [line('Kubernetes control plane', server), ...services.map((service) => line(service.metadata.labels?.['kubernetes.io/name'] || service.metadata.name, clusterServiceLink(server, service)))]
    session.io.stdout(`${lines.join('')}${dumpHint}`)
    return 0
  },
}

const canIFlags: readonly KubectlFlag[] = [
  {name: 'all-namespaces', shorthand: 'A', kind: 'bool'},
  {name: 'list', kind: 'bool'},
  {name: 'no-headers', kind: 'bool'},
  {name: 'quiet', shorthand: 'q', kind: 'bool'},
  {name: 'subresource', kind: 'string'},
]


interface RulesReviewStatus {
  resourceRules?: Array<{verbs: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[]}>
  nonResourceRules?: Array<{verbs: string[]; nonResourceURLs?: string[]}>
  incomplete?: boolean
  evaluationError?: string
}


/**
 * kubectl's rules for `auth can-i --list`: each rule broken down to one group, resource, verb and
 * name (one URL and verb for non-resource rules), the resource ones merged again by group,
 * resource and name with their verbs in order, then sorted by their text.
 */
function compactedRules(status: RulesReviewStatus): PolicyRule[] {
  const rule = (fields: Partial<PolicyRule>): PolicyRule => ({verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: [], ...fields})
  const compacted: PolicyRule[] = []
  const simple = new Map<string, PolicyRule>()
  for (const resourceRule of status.resourceRules ?? []) {
    for (const group of resourceRule.apiGroups ?? []) {
      for (const resource of resourceRule.resources ?? []) {
        for (const verb of resourceRule.verbs) {
          const names = resourceRule.resourceNames ?? []
          for (const name of names.length > 0 ? names : [null]) {
            const key = JSON.stringify([group, resource, name])
            const existing = simple.get(key)
            if (existing) existing.verbs.push(verb)
            else simple.set(key, rule({apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: name === null ? [] : [name]}))
          }
        }
      }
    }
  }
  for (const nonResourceRule of status.nonResourceRules ?? []) {
    for (const url of nonResourceRule.nonResourceURLs ?? []) for (const verb of nonResourceRule.verbs) compacted.push(rule({nonResourceURLs: [url], verbs: [verb]}))
  }
  return sortedByRuleText([...compacted, ...simple.values()])
}

async function canIList(session: KubectlSession): Promise<number> {
  const namespace = session.flag('all-namespaces') === 'true' ? '' : session.namespace()
  const review = await session.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
    body: {kind: 'SelfSubjectRulesReview', apiVersion: 'authorization.k8s.io/v1', metadata: {creationTimestamp: null}, spec: {namespace}},
  })
  const status = (review.body as {status: RulesReviewStatus}).status
  if (status.incomplete) session.io.stderr(`warning: the list may be incomplete: ${status.evaluationError ?? ''}\n`)
  const rows = compactedRules(status).map((rule) => [combineResourceGroup(rule.resources, rule.apiGroups), goList(rule.nonResourceURLs), goList(rule.resourceNames), goList(rule.verbs)])
  const header = ['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']
  session.io.stdout(tabwrite(session.flag('no-headers') === 'true' ? rows : [header, ...rows]))
  return 0
}

/** The verbs `auth can-i` knows (others get a warning, and are asked all the same). */
const resourceVerbs = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'use', 'bind', 'impersonate', '*', 'approve', 'sign', 'escalate', 'attest'])
const nonResourceUrlVerbs = new Set(['get', 'put', 'post', 'head', 'options', 'delete', 'patch', '*'])

async function canI(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (session.flag('list') === 'true') {
    if (args.length > 0) throw new KubectlError('list option must be specified with no arguments')
    return canIList(session)
  }
  const [verb, target, name] = args
  if (args.length < 2 || args.length > 3) throw new KubectlError("you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'kubectl auth can-i -h' for help and examples.")
  let attributes: Record<string, unknown>
  if (target.startsWith('/')) {
    attributes = {nonResourceAttributes: {path: target, verb}}
    if (!nonResourceUrlVerbs.has(verb)) session.io.stderr(`Warning: verb '${verb}' is not a known verb\n\n`)
  } else {
    const slash = target.indexOf('/')
    const resourceText = slash >= 0 ? target.slice(0, slash) : target
    const resourceName = slash >= 0 ? target.slice(slash + 1) : name ?? ''
    // can-i's shortcut expander tries discovery twice and goes on without it when the server refuses it or is not there.
    const mapper = await ResourceMapper.discover(session, 2).catch((error: unknown) => {
      if (error instanceof ConnectionRefusedError || (error instanceof ServerError && (error.code === 401 || error.code === 403))) return ResourceMapper.none()
      throw error
    })
    let group = ''
    let resource = resourceText
    if (resourceText !== '*') {
      const found = mapper.find(resourceText)
      if (found) {
        group = found.group
        resource = found.resource
        if (!found.namespaced && session.flag('all-namespaces') !== 'true') session.io.stderr(`Warning: resource '${found.resource}' is not namespace scoped${found.group ? ` in group '${found.group}'` : ''}\n\n`)
      } else {
        const dot = resourceText.indexOf('.')
        if (dot > 0) {
          resource = resourceText.slice(0, dot)
          group = resourceText.slice(dot + 1)
        }
        session.io.stderr(`Warning: the server doesn't have a resource type '${resource}'\n\n`)
      }
    }
    // Told after the resource's warnings, as kubectl's Validate follows its Complete.
    if (!resourceVerbs.has(verb)) session.io.stderr(`Warning: verb '${verb}' is not a known verb\n\n`)
    attributes = {
      resourceAttributes: {
        namespace: session.flag('all-namespaces') === 'true' ? '' : session.namespace(),
        verb,
        group,
        resource,
        ...(session.flag('subresource') ? {subresource: session.flag('subresource')} : {}),
        ...(resourceName ? {name: resourceName} : {}),
      },
    }
  }
  const review = await session.request('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    body: {kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: {creationTimestamp: null}, spec: attributes},
  })
  const status = (review.body as {status: {allowed: boolean; denied?: boolean; reason?: string}}).status
  if (session.flag('quiet') !== 'true') {
    if (status.allowed) session.io.stdout('yes\n')
    else session.io.stdout(status.reason ? `no - ${status.reason}\n` : 'no\n')
  }
  return status.allowed ? 0 : 1
}

async function whoAmI(session: KubectlSession): Promise<number> {
  let review: Awaited<ReturnType<KubectlSession['request']>>
  try {
    review = await session.request('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {body: {kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {creationTimestamp: null}}})
  } catch (error) {
    // whoami's own words for a review it may not create or the server does not serve.
    if (error instanceof ServerError && (error.code === 403 || error.code === 404)) throw new KubectlError('the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it')
    throw error
  }
  const output = session.flag('output')
  const body = review.body as {status: {userInfo: {username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]>}}}
  if (output === 'json') {
    // The typed review, fields in the Go struct's order.
    const {username, uid, groups, extra} = body.status.userInfo
    const userInfo = {...(username !== undefined ? {username} : {}), ...(uid !== undefined ? {uid} : {}), ...(groups !== undefined ? {groups} : {}), ...(extra !== undefined ? {extra} : {})}
    session.io.stdout(`${goJson({kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: {creationTimestamp: null}, status: {userInfo}}, false)}\n`)
    return 0
  }
  if (output === 'name') {
    // The review has no name: kubectl's name printer says so.
    session.io.stdout('selfsubjectreview.authentication.k8s.io/<unknown>\n')
    return 0
  }
  if (output === 'yaml') {
    session.io.stdout(goYaml(body))
    return 0
  }
  const info = body.status.userInfo
  const rows = [['ATTRIBUTE', 'VALUE'], ['Username', info.username ?? '']]
  if (info.uid) rows.push(['UID', info.uid])
  if (info.groups) rows.push(['Groups', goList(info.groups)])
  for (const key of Object.keys(info.extra ?? {}).sort()) rows.push([`Extra: ${key}`, goList(info.extra![key]!)])
  session.io.stdout(tabwrite(rows))
  return 0
}

const authVerb: KubectlVerb = {
  name: 'auth',
  flags: [],
  subverbs: [
    {name: 'can-i', flags: canIFlags, run: canI},
    {name: 'whoami', flags: [{name: 'output', shorthand: 'o', kind: 'string'}], run: (session) => whoAmI(session)},
    {name: 'reconcile', flags: reconcileFlags, run: async (session) => (await import('./auth-reconcile.js')).runReconcile(session)},
  ],
}

/** kubectl 1.32 ships no alpha commands: `alpha` says so and succeeds. */
const alphaVerb: KubectlVerb = {
  name: 'alpha',
  // Its help is the same sentence.
  flags: [{name: 'help', shorthand: 'h', kind: 'bool'}],
  run: async (session) => {
    session.io.stderr('No alpha commands are available in this version of kubectl\n')
    return 0
  },
}

export const infoVerbs: readonly KubectlVerb[] = [versionVerb, apiResourcesVerb, apiVersionsVerb, clusterInfoVerb, authVerb, alphaVerb]
