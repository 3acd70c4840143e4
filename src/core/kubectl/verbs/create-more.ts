// More `kubectl create` generators: job, cronjob, service (clusterip, nodeport, loadbalancer,
// externalname), quota, priorityclass, role, clusterrole, rolebinding, clusterrolebinding,
// secret docker-registry and tls, and token (the TokenRequest API).
import {existsSync, readFileSync} from 'node:fs'
import type {KubeObject} from '../../api/object.js'
import {canonicalQuantity} from '../../api/quantity.js'
import {parseGoDuration} from '../../etcdctl/flags.js'
import {KubectlError, KubectlPlainError, ServerError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../verb.js'
import {objectPath, requestNamed, ResourceMapper} from '../resources.js'
import type {KubectlSession} from '../session.js'
import {asTypedObject} from '../typed-object.js'
import {ChangedObjectPrinter} from '../output.js'
import {fileSources, generatorFlags, oneName, sortedRecord, submitGenerated} from './create-common.js'

const jobGenerator: KubectlVerb = {
  name: 'job',
  flags: [...generatorFlags, {name: 'image', kind: 'string'}, {name: 'from', kind: 'string'}],
  run: async (session, args) => {
    const [name, ...command] = args
    if (!name) throw new KubectlError("exactly one NAME is required, got 0\nSee 'kubectl create job -h' for help and examples")
    const image = session.flag('image')
    const from = session.flag('from')
    if ((!image && !from) || (image && from)) throw new KubectlError('either --image or --from must be specified')
    if (command.length > 0 && from) throw new KubectlError('cannot specify --from and command')
    if (from) return submitGenerated(session, await jobFromCronJob(session, name, from))
    const container: Record<string, unknown> = {name, image}
    if (command.length > 0) container.command = command
    container.resources = {}
    return submitGenerated(session, {kind: 'Job', apiVersion: 'batch/v1', metadata: {name, creationTimestamp: null}, spec: {template: {metadata: {creationTimestamp: null}, spec: {containers: [container], restartPolicy: 'Never'}}}, status: {}})
  },
}

/**
 * `create job NAME --from=cronjob/CJ`: the CronJob's job template as a Job it controls (no
 * blockOwnerDeletion), marked as instantiated by hand, as kubectl 1.32 builds it.
 */
async function jobFromCronJob(session: KubectlSession, name: string, from: string): Promise<KubeObject> {
  const parts = from.split('/')
  if (parts.length > 2) throw new KubectlError('arguments in resource/name form may not have more than one slash')
  const [typeText, sourceName] = parts as [string, string | undefined]
  const mapper = await ResourceMapper.discover(session)
  const resource = mapper.resolve(typeText)
  if (sourceName === undefined) throw new KubectlError('from must be an existing cronjob')
  const source = (await requestNamed(session, resource, resource.namespaced ? session.namespace() : '', sourceName)).body as KubeObject
  if (resource.group !== 'batch' || resource.kind !== 'CronJob') throw new KubectlError(`unknown object type *${resource.version}.${resource.kind}`)
  const template = (source.spec as {jobTemplate?: {metadata?: {labels?: Record<string, string>; annotations?: Record<string, string>}; spec?: unknown}} | undefined)?.jobTemplate ?? {}
  const metadata: Record<string, unknown> = {
    name,
    creationTimestamp: null,
    annotations: {'cronjob.kubernetes.io/instantiate': 'manual', ...template.metadata?.annotations},
    ...(template.metadata?.labels ? {labels: template.metadata.labels} : {}),
    ownerReferences: [{apiVersion: 'batch/v1', kind: 'CronJob', name: source.metadata.name, uid: source.metadata.uid, controller: true}],
  }
  // A typed Job, as kubectl prints it (its pod template's metadata with creationTimestamp: null).
  return asTypedObject({kind: 'Job', apiVersion: 'batch/v1', metadata, spec: template.spec ?? {}, status: {}} as KubeObject)
}

const cronJobGenerator: KubectlVerb = {
  name: 'cronjob',
  aliases: ['cj'],
  flags: [...generatorFlags, {name: 'image', kind: 'string'}, {name: 'schedule', kind: 'string'}, {name: 'restart', kind: 'string'}],
  run: (session, args) => {
    const [name, ...command] = args
    if (!name) throw new KubectlError("exactly one NAME is required, got 0\nSee 'kubectl create cronjob -h' for help and examples")
    if (!session.flag('image')) throw new KubectlError('--image must be specified')
    if (!session.flag('schedule')) throw new KubectlError('--schedule must be specified')
    const container: Record<string, unknown> = {name, image: session.flag('image')}
    if (command.length > 0) container.command = command
    container.resources = {}
    const restart = session.flag('restart') || 'OnFailure'
    return submitGenerated(session, {
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: {name, creationTimestamp: null},
      spec: {schedule: session.flag('schedule'), jobTemplate: {metadata: {name, creationTimestamp: null}, spec: {template: {metadata: {creationTimestamp: null}, spec: {containers: [container], restartPolicy: restart}}}}},
      status: {},
    })
  },
}

function serviceGenerator(type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName'): KubectlVerb {
  const flags: KubectlFlag[] = [...generatorFlags, {name: 'tcp', kind: 'stringSlice'}]
  if (type === 'ClusterIP') flags.push({name: 'clusterip', kind: 'string'})
  if (type === 'NodePort') flags.push({name: 'node-port', kind: 'int', defaultValue: '0'})
  if (type === 'ExternalName') flags.push({name: 'external-name', kind: 'string'})
  return {
    name: type.toLowerCase(),
    flags,
    run: (session, args) => {
      const name = oneName(args, `kubectl create service ${type.toLowerCase()}`)
      const ports = session.list('tcp').map((entry) => {
        const [port, target] = entry.split(':')
        // kubectl parses the port as an unsigned integer before it builds anything.
        if (!/^\d+$/.test(port ?? '')) throw new KubectlError(`strconv.ParseUint: parsing ${JSON.stringify(port ?? '')}: invalid syntax`)
        const port1 = Number(port)
        const port2 = target === undefined ? port1 : /^\d+$/.test(target) ? Number(target) : target
        const result: Record<string, unknown> = {name: target === undefined ? port : `${port}-${target}`, protocol: 'TCP', port: port1, targetPort: port2}
        if (type === 'NodePort' && Number(session.flag('node-port')) > 0) result.nodePort = Number(session.flag('node-port'))
        return result
      })
      if (ports.length === 0 && type !== 'ExternalName' && session.flag('clusterip') !== 'None') throw new KubectlError('at least one tcp port specifier must be provided')
      const spec: Record<string, unknown> = {}
      if (ports.length > 0) spec.ports = ports
      // kubectl's generator selects app=NAME for every type, ExternalName included.
      spec.selector = {app: name}
      if (session.flag('clusterip')) spec.clusterIP = session.flag('clusterip')
      spec.type = type
      if (type === 'ExternalName') spec.externalName = session.flag('external-name')
      const metadata: Record<string, unknown> = {name, creationTimestamp: null, labels: {app: name}}
      return submitGenerated(session, {kind: 'Service', apiVersion: 'v1', metadata, spec, status: {loadBalancer: {}}})
    },
  }
}

const quotaGenerator: KubectlVerb = {
  name: 'quota',
  aliases: ['resourcequota'],
  flags: [...generatorFlags, {name: 'hard', kind: 'string'}, {name: 'scopes', kind: 'string'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create quota')
    const hard: Record<string, string> = {}
    for (const part of session.flag('hard').split(',').filter((entry) => entry.length > 0)) {
      const pair = part.split('=')
      if (pair.length !== 2) throw new KubectlError(`Invalid argument syntax ${part}, expected <resource>=<value>`)
      hard[pair[0]!] = canonicalQuantity(pair[1]!)
    }
    const sorted = Object.fromEntries(Object.keys(hard).sort().map((key) => [key, hard[key]]))
    const spec: Record<string, unknown> = {hard: sorted}
    if (session.flag('scopes')) spec.scopes = session.flag('scopes').split(',')
    return submitGenerated(session, {kind: 'ResourceQuota', apiVersion: 'v1', metadata: {name, creationTimestamp: null}, spec, status: {}})
  },
}

const priorityClassGenerator: KubectlVerb = {
  name: 'priorityclass',
  aliases: ['pc'],
  flags: [...generatorFlags, {name: 'value', kind: 'int', defaultValue: '0'}, {name: 'global-default', kind: 'bool'}, {name: 'description', kind: 'string'}, {name: 'preemption-policy', kind: 'string', defaultValue: 'PreemptLowerPriority'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create priorityclass')
    const object: KubeObject = {kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: {name, creationTimestamp: null}, value: Number(session.flag('value'))}
    if (session.flag('global-default') === 'true') object.globalDefault = true
    if (session.flag('description')) object.description = session.flag('description')
    object.preemptionPolicy = session.flag('preemption-policy')
    return submitGenerated(session, object)
  },
}

function bindingGenerator(kind: 'RoleBinding' | 'ClusterRoleBinding'): KubectlVerb {
  const flags: KubectlFlag[] = [...generatorFlags, {name: 'clusterrole', kind: 'string'}, {name: 'user', kind: 'stringArray'}, {name: 'group', kind: 'stringArray'}, {name: 'serviceaccount', kind: 'stringArray'}]
  if (kind === 'RoleBinding') flags.push({name: 'role', kind: 'string'})
  return {
    name: kind.toLowerCase(),
    flags,
    run: (session, args) => {
      const name = oneName(args, `kubectl create ${kind.toLowerCase()}`)
      const role = kind === 'RoleBinding' ? session.flag('role') : ''
      const clusterRole = session.flag('clusterrole')
      if (!role && !clusterRole) throw new KubectlError(kind === 'RoleBinding' ? 'exactly one of clusterrole or role must be specified' : 'clusterrole must be specified')
      if (role && clusterRole) throw new KubectlError('exactly one of clusterrole or role must be specified')
      // --user and --group come from the global flag set as well; the binding's own lists win.
      const users = session.list('user').length > 0 ? session.list('user') : session.flag('user') ? [session.flag('user')] : []
      const subjects: Record<string, unknown>[] = [
        ...users.map((user) => ({kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user})),
        ...session.list('group').map((group) => ({kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: group})),
        ...session.list('serviceaccount').map((account) => {
          const [namespace, accountName] = account.split(':')
          if (!namespace || !accountName) throw new KubectlError(`serviceaccount must be <namespace>:<name>`)
          return {kind: 'ServiceAccount', name: accountName, namespace}
        }),
      ]
      const object: KubeObject = {kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: {name, creationTimestamp: null}}
      if (subjects.length > 0) object.subjects = subjects
      object.roleRef = {apiGroup: 'rbac.authorization.k8s.io', kind: role ? 'Role' : 'ClusterRole', name: role || clusterRole}
      return submitGenerated(session, object)
    },
  }
}

const standardResourceVerbs = ['*', 'get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection', 'use', 'bind', 'escalate', 'impersonate']
const nonResourceUrlVerbs = ['*', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options']

function roleGenerator(kind: 'Role' | 'ClusterRole'): KubectlVerb {
  const flags: KubectlFlag[] = [...generatorFlags, {name: 'verb', kind: 'stringSlice'}, {name: 'resource', kind: 'stringSlice'}, {name: 'resource-name', kind: 'stringArray'}]
  if (kind === 'ClusterRole') flags.push({name: 'non-resource-url', kind: 'stringSlice'}, {name: 'aggregation-rule', kind: 'string'})
  return {
    name: kind.toLowerCase(),
    flags,
    run: async (session, args) => {
      const name = oneName(args, `kubectl create ${kind.toLowerCase()}`)
      const aggregation = kind === 'ClusterRole' ? aggregationLabels(session.flag('aggregation-rule')) : null
      if (aggregation) {
        if (session.list('verb').length > 0 || session.list('resource').length > 0 || session.list('resource-name').length > 0 || session.list('non-resource-url').length > 0) {
          throw new KubectlError('aggregation rule must be specified without nonResourceURLs, resources, verbs or resourceNames')
        }
        // An aggregated role's rules are the controller's to fill: kubectl sends them as null.
        return submitGenerated(session, {kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: {name, creationTimestamp: null}, aggregationRule: {clusterRoleSelectors: [{matchLabels: aggregation}]}, rules: null})
      }
      const verbs = session.list('verb')
      if (verbs.length === 0) throw new KubectlError('at least one verb must be specified')
      const resources = session.list('resource')
      const urls = kind === 'ClusterRole' ? session.list('non-resource-url') : []
      if (urls.length > 0) for (const verb of verbs) if (!nonResourceUrlVerbs.includes(verb)) throw new KubectlError(`invalid verb: '${verb}' for nonResourceURL`)
      for (const verb of verbs) if (!standardResourceVerbs.includes(verb)) session.io.stderr(`Warning: '${verb}' is not a standard resource verb\n`)
      if (resources.length === 0 && urls.length === 0) throw new KubectlError('at least one resource must be specified')
      const mapper = await ResourceMapper.discover(session)
      const byGroup = new Map<string, string[]>()
      for (const text of resources) {
        const [resourceText, subresource] = text.split('/')
        let group = ''
        let plural = resourceText!
        if (resourceText !== '*') {
          const found = mapper.find(resourceText!)
          if (!found) throw noResourceMatch(resourceText!)
          group = found.group
          plural = found.resource
        }
        byGroup.set(group, [...(byGroup.get(group) ?? []), subresource ? `${plural}/${subresource}` : plural])
      }
      const names = session.list('resource-name')
      const rules: Record<string, unknown>[] = [...byGroup].map(([group, plurals]) => ({verbs, apiGroups: [group], resources: plurals, ...(names.length > 0 ? {resourceNames: names} : {})}))
      if (urls.length > 0) rules.push({verbs, nonResourceURLs: urls})
      return submitGenerated(session, {kind, apiVersion: 'rbac.authorization.k8s.io/v1', metadata: {name, creationTimestamp: null}, rules})
    },
  }
}

/** --aggregation-rule's key=value pairs (a pflag string-to-string flag), or null when not given. */
function aggregationLabels(text: string): Record<string, string> | null {
  if (text === '') return null
  const labels: Record<string, string> = {}
  for (const pair of text.split(',')) {
    const equals = pair.indexOf('=')
    if (equals < 0) throw new KubectlError(`invalid argument "${text}" for "--aggregation-rule" flag: malformed pair, expect string=string\nSee 'kubectl create clusterrole --help' for usage.`)
    labels[pair.slice(0, equals)] = pair.slice(equals + 1)
  }
  return labels
}

const dockerRegistrySecret: KubectlVerb = {
  name: 'docker-registry',
  flags: [...generatorFlags, {name: 'docker-server', kind: 'string', defaultValue: 'https://index.docker.io/v1/'}, {name: 'docker-username', kind: 'string'}, {name: 'docker-password', kind: 'string'}, {name: 'docker-email', kind: 'string'}, {name: 'from-file', kind: 'stringSlice'}, {name: 'append-hash', kind: 'bool'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create secret docker-registry')
    const files = session.list('from-file')
    if (files.length === 0 && (!session.flag('docker-username') || !session.flag('docker-password') || !session.flag('docker-server'))) throw new KubectlError('either --from-file or the combination of --docker-username, --docker-password and --docker-server is required')
    const secret = (data: Record<string, string>) => ({kind: 'Secret', apiVersion: 'v1', metadata: {name, creationTimestamp: null}, data, type: 'kubernetes.io/dockerconfigjson'})
    // A file without a key name is the .dockerconfigjson; --from-file takes the place of the --docker-* flags.
    if (files.length > 0) return submitGenerated(session, secret(sortedRecord(fileSources(files.map((file) => (file.includes('=') ? file : `.dockerconfigjson=${file}`))).map(([key, content]): [string, string] => [key, content.toString('base64')]))))
    const username = session.flag('docker-username')
    const password = session.flag('docker-password')
    const entry: Record<string, string> = {username, password}
    if (session.flag('docker-email')) entry.email = session.flag('docker-email')
    entry.auth = Buffer.from(`${username}:${password}`).toString('base64')
    const config = JSON.stringify({auths: {[session.flag('docker-server')]: entry}})
    return submitGenerated(session, secret({'.dockerconfigjson': Buffer.from(config).toString('base64')}))
  },
}

const tlsSecret: KubectlVerb = {
  name: 'tls',
  flags: [...generatorFlags, {name: 'cert', kind: 'string'}, {name: 'key', kind: 'string'}, {name: 'append-hash', kind: 'bool'}],
  run: (session, args) => {
    const name = oneName(args, 'kubectl create secret tls')
    const read = (flag: string) => {
      const path = session.flag(flag)
      if (!path) throw new KubectlError('key and cert must be specified')
      if (!existsSync(path)) throw new KubectlError(`Cannot read file ${path}, open ${path}: no such file or directory`)
      return readFileSync(path)
    }
    const cert = read('cert')
    const key = read('key')
    // Go's tls.X509KeyPair's words, the certificate checked first.
    const privateKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----/
    if (!cert.toString().includes('-----BEGIN CERTIFICATE-----')) {
      if (privateKey.test(cert.toString())) throw new KubectlError('tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched')
      throw new KubectlError('tls: failed to find any PEM data in certificate input')
    }
    if (!privateKey.test(key.toString())) {
      if (key.toString().includes('-----BEGIN CERTIFICATE-----')) throw new KubectlError('tls: found a certificate rather than a key in the PEM for the private key')
      throw new KubectlError('tls: failed to find any PEM data in key input')
    }
    return submitGenerated(session, {kind: 'Secret', apiVersion: 'v1', metadata: {name, creationTimestamp: null}, data: {'tls.crt': cert.toString('base64'), 'tls.key': key.toString('base64')}, type: 'kubernetes.io/tls'})
  },
}

/** The formats kubectl's create token takes: its print flags have no table printer (no wide, no custom columns). */
const tokenOutputFormats = ['go-template', 'go-template-file', 'json', 'jsonpath', 'jsonpath-as-json', 'jsonpath-file', 'name', 'template', 'templatefile', 'yaml']

/** The printer of `create token -o …`, refusing before any request a format kubectl's has not. */
function tokenRequestPrinter(session: KubectlSession): ChangedObjectPrinter {
  const output = session.flag('output')
  const kind = output.split('=')[0]!
  if (!tokenOutputFormats.includes(kind)) throw new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${tokenOutputFormats.join(',')}`)
  return new ChangedObjectPrinter(output, session.flag('template'), session.flag('show-managed-fields') === 'true', session.flag('allow-missing-template-keys'))
}

const tokenGenerator: KubectlVerb = {
  name: 'token',
  flags: [
    {name: 'duration', kind: 'duration', defaultValue: '0s'},
    {name: 'audience', kind: 'stringArray'},
    {name: 'bound-object-kind', kind: 'string'},
    {name: 'bound-object-name', kind: 'string'},
    {name: 'bound-object-uid', kind: 'string'},
    {name: 'output', shorthand: 'o', kind: 'string'},
    {name: 'template', kind: 'string'},
    {name: 'show-managed-fields', kind: 'bool'},
    {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  ],
  run: async (session, args) => {
    const name = oneName(args, 'kubectl create token')
    // With -o the TokenRequest the server answered is printed (as kubectl's printer decodes it); the token alone otherwise.
    // --template alone leaves the token (kubectl prints the object only when -o names a format).
    const printer = session.flag('output') !== '' ? tokenRequestPrinter(session) : null
    if (session.flag('bound-object-kind') && !session.flag('bound-object-name')) throw new KubectlError('--bound-object-name is required if --bound-object-kind is provided')
    if (!session.flag('bound-object-kind') && session.flag('bound-object-name')) throw new KubectlError('--bound-object-name can only be set if --bound-object-kind is provided')
    const spec: Record<string, unknown> = {}
    if (session.list('audience').length > 0) spec.audiences = session.list('audience')
    const duration = parseGoDuration(session.flag('duration'))
    if (duration < 0) throw new KubectlError('--duration must be greater than or equal to 0')
    const seconds = Math.floor(duration / 1000)
    if (seconds > 0) spec.expirationSeconds = seconds
    if (session.flag('bound-object-kind')) {
      spec.boundObjectRef = {kind: session.flag('bound-object-kind'), apiVersion: 'v1', name: session.flag('bound-object-name'), ...(session.flag('bound-object-uid') ? {uid: session.flag('bound-object-uid')} : {})}
    }
    const mapper = await ResourceMapper.discover(session)
    const accounts = mapper.resolve('serviceaccounts')
    const body = {kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: {creationTimestamp: null}, spec, status: {token: '', expirationTimestamp: null}}
    let response
    try {
      response = await session.request('POST', `${objectPath(accounts, session.namespace(), name)}/token`, {body})
    } catch (error) {
      if (error instanceof ServerError) throw new KubectlError(`failed to create token: ${error.status.message ?? ''}`)
      throw error
    }
    const answered = response.body as KubeObject & {status: {token: string}}
    if (printer) session.io.stdout(printer.print(asTypedObject(answered), `tokenrequest.authentication.k8s.io/${answered.metadata?.name ?? name}`, '', true))
    else session.io.stdout(`${answered.status.token}\n`)
    return 0
  },
}

/** kubectl's NoResourceMatchError line for a `resource.group` it parsed (printed without "error: "). */
function noResourceMatch(text: string): KubectlPlainError {
  const dot = text.indexOf('.')
  if (dot < 0) return new KubectlPlainError(`the server doesn't have a resource type "${text}"`)
  return new KubectlPlainError(`the server doesn't have a resource type "${text.slice(0, dot)}" in group "${text.slice(dot + 1)}"`)
}

export const moreGenerators: readonly KubectlVerb[] = [
  jobGenerator,
  cronJobGenerator,
  {name: 'service', aliases: ['svc'], flags: [], subverbs: [serviceGenerator('ClusterIP'), serviceGenerator('NodePort'), serviceGenerator('LoadBalancer'), serviceGenerator('ExternalName')]},
  quotaGenerator,
  priorityClassGenerator,
  roleGenerator('Role'),
  roleGenerator('ClusterRole'),
  bindingGenerator('RoleBinding'),
  bindingGenerator('ClusterRoleBinding'),
  tokenGenerator,
]

export const secretGenerators: readonly KubectlVerb[] = [dockerRegistrySecret, tlsSecret]

