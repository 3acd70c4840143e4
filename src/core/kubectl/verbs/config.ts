// `kubectl config`: view (redacted unless --raw, --minify), get-contexts, get-clusters,
// get-users, current-context, use-context, set-context (--current), set-credentials,
// set-cluster, delete-context, delete-cluster, delete-user, rename-context — reading and writing kubeconfig files as
// clientcmd does, with kubectl's messages.
import {goJson} from '../../util/go-json.js'
import {outputFormatOf, printTemplated} from '../output.js'
import {tabwrite} from '../../printers/kubectl/table.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../verb.js'
import {byName, formatKubeconfig, type Kubeconfig, saveKubeconfig, withContextFields} from '../kubeconfig.js'
import type {KubectlSession} from '../session.js'
import {kubectlHelp} from '../help/help.js'

const redactedUserFields = ['token', 'password', 'client-key-data']
const omittedDataFields = ['client-certificate-data', 'client-key-data', 'certificate-authority-data']

function redact(config: Kubeconfig): Kubeconfig {
  const mark = (value: Record<string, unknown>) => {
    const copy = {...value}
    for (const field of omittedDataFields) if (copy[field] !== undefined) copy[field] = 'DATA+OMITTED'
    for (const field of redactedUserFields) if (copy[field] !== undefined && !omittedDataFields.includes(field)) copy[field] = 'REDACTED'
    return copy
  }
  return {
    ...config,
    clusters: config.clusters.map((entry) => ({name: entry.name, value: mark(entry.value)})),
    users: config.users.map((entry) => ({name: entry.name, value: mark(entry.value)})),
  }
}

function minify(config: Kubeconfig, contextName: string): Kubeconfig {
  if (!contextName) throw new KubectlError('current-context must exist in order to minify')
  const context = config.contexts.find((entry) => entry.name === contextName)
  if (!context) throw new KubectlError(`cannot locate context ${contextName}`)
  return {
    ...config,
    currentContext: contextName,
    contexts: [context],
    clusters: config.clusters.filter((entry) => entry.name === context.value.cluster),
    users: config.users.filter((entry) => entry.name === context.value.user),
  }
}

// The Go structs' field order, which -o json keeps.
const clusterFieldOrder = ['server', 'tls-server-name', 'insecure-skip-tls-verify', 'certificate-authority', 'certificate-authority-data', 'proxy-url', 'disable-compression', 'extensions']
const userFieldOrder = ['client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'as', 'as-uid', 'as-groups', 'as-user-extra', 'username', 'password', 'auth-provider', 'exec', 'extensions']
const contextFieldOrder = ['cluster', 'user', 'namespace', 'extensions']

function inFieldOrder(value: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const result: Record<string, unknown> = {}
  for (const field of order) if (value[field] !== undefined) result[field] = value[field]
  for (const [field, item] of Object.entries(value)) if (!(field in result)) result[field] = item
  return result
}

const viewFlags: readonly KubectlFlag[] = [
  {name: 'output', shorthand: 'o', kind: 'string', defaultValue: 'yaml'},
  {name: 'raw', kind: 'bool'},
  {name: 'minify', kind: 'bool'},
  {name: 'flatten', kind: 'bool'},
  {name: 'merge', kind: 'string', defaultValue: 'true'},
  {name: 'template', kind: 'string'},
  {name: 'allow-missing-template-keys', kind: 'bool', defaultValue: 'true'},
  {name: 'show-managed-fields', kind: 'bool'},
]

function view(session: KubectlSession): Promise<number> {
  let config = session.kubeconfig().config
  if (session.flag('minify') === 'true') config = minify(config, session.flag('context') || config.currentContext)
  if (session.flag('raw') !== 'true') config = redact(config)
  const output = session.flag('template') && !session.flags.changed.has('output') ? '' : session.flag('output')
  // Go's nil slice for a kind with no entries, as clientcmd's types write it.
  const named = <T extends Record<string, unknown>>(list: Array<{name: string; value: T}>, field: string, order: readonly string[]) =>
    list.length === 0 ? null : byName(list).map((entry) => ({name: entry.name, [field]: inFieldOrder(entry.value, order)}))
  const asObject = () => ({kind: 'Config', apiVersion: 'v1', preferences: config.preferences, clusters: named(config.clusters, 'cluster', clusterFieldOrder), users: named(config.users, 'user', userFieldOrder), contexts: named(config.contexts.map(withContextFields), 'context', contextFieldOrder), 'current-context': config.currentContext})
  if (output === 'json') {
    session.io.stdout(`${goJson(asObject(), false)}\n`)
  } else if (output === 'yaml' || (output === '' && !session.flag('template'))) {
    session.io.stdout(formatKubeconfig(config))
  } else {
    const format = outputFormatOf(output, session.flag('template'))
    if (format.format !== 'jsonpath' && format.format !== 'go-template') {
      throw new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`)
    }
    session.io.stdout(printTemplated(format, [asObject()], true, false))
  }
  return Promise.resolve(0)
}

function save(session: KubectlSession, config: Kubeconfig): void {
  saveKubeconfig(session.kubeconfig(), config)
}

function printHelp(session: KubectlSession, path: string): number {
  session.io.stdout(kubectlHelp(path, session.io.environment) ?? '')
  return 0
}

/** delete-cluster and delete-user: the entry out of the kubeconfig, kubectl's line naming the file written. */
function deleteEntry(session: KubectlSession, list: 'clusters' | 'users', kind: string, name: string): number {
  const files = session.kubeconfig()
  const {config} = files
  if (!config[list].some((entry) => entry.name === name)) throw new KubectlError(`cannot delete ${kind} ${name}, not in ${files.paths[0]}`)
  save(session, {...config, [list]: config[list].filter((entry) => entry.name !== name)})
  session.io.stdout(`deleted ${kind} ${name} from ${files.paths[0]}\n`)
  return 0
}

const configVerbs: readonly KubectlVerb[] = [
  {name: 'view', flags: viewFlags, run: (session) => view(session)},
  {
    name: 'current-context',
    flags: [],
    run: async (session) => {
      const current = session.kubeconfig().config.currentContext
      if (!current) throw new KubectlError('current-context is not set')
      session.io.stdout(`${current}\n`)
      return 0
    },
  },
  {
    name: 'get-contexts',
    flags: [{name: 'output', shorthand: 'o', kind: 'string'}, {name: 'no-headers', kind: 'bool'}],
    run: async (session, args) => {
      const {config} = session.kubeconfig()
      const output = session.flag('output')
      if (output !== '' && output !== 'name') throw new KubectlError(`output must be one of '' or 'name': ${output}`)
      const wanted = args.length > 0 ? args : byName(config.contexts).map((entry) => entry.name)
      const rows: string[][] = []
      const errors: string[] = []
      for (const name of wanted) {
        const context = config.contexts.find((entry) => entry.name === name)
        if (!context) {
          errors.push(`error: context ${name} not found`)
          continue
        }
        if (output === 'name') session.io.stdout(`${name}\n`)
        else rows.push([name === config.currentContext ? '*' : '', name, context.value.cluster ?? '', context.value.user ?? '', context.value.namespace ?? ''])
      }
      if (output !== 'name') {
        const header = ['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']
        session.io.stdout(tabwrite(session.flag('no-headers') === 'true' ? rows : [header, ...rows]))
      }
      for (const error of errors) session.io.stderr(`${error}\n`)
      return errors.length > 0 ? 1 : 0
    },
  },
  {
    name: 'get-clusters',
    flags: [],
    run: async (session) => {
      session.io.stdout(`NAME\n${byName(session.kubeconfig().config.clusters).map((entry) => `${entry.name}\n`).join('')}`)
      return 0
    },
  },
  {
    name: 'get-users',
    flags: [],
    run: async (session) => {
      session.io.stdout(`NAME\n${byName(session.kubeconfig().config.users).map((entry) => `${entry.name}\n`).join('')}`)
      return 0
    },
  },
  {
    name: 'use-context',
    aliases: ['use'],
    flags: [],
    run: async (session, args) => {
      const name = args[0]
      if (!name) throw new KubectlError('Unexpected args: []')
      const {config} = session.kubeconfig()
      if (!config.contexts.some((entry) => entry.name === name)) throw new KubectlError(`no context exists with the name: "${name}"`)
      save(session, {...config, currentContext: name})
      session.io.stdout(`Switched to context "${name}".\n`)
      return 0
    },
  },
  {
    name: 'set-context',
    flags: [{name: 'current', kind: 'bool'}],
    run: async (session, args) => {
      const {config} = session.kubeconfig()
      let name = args[0] ?? ''
      if (session.flag('current') === 'true') {
        if (name) throw new KubectlError('you cannot specify both a context name and --current')
        name = config.currentContext
        if (!name) throw new KubectlError('no current context is set')
      }
      if (!name) throw new KubectlError('you must specify a non-empty context name or --current')
      const existing = config.contexts.find((entry) => entry.name === name)
      const value = {...(existing?.value ?? {})}
      if (session.flags.changed.has('cluster')) value.cluster = session.flag('cluster')
      if (session.flags.changed.has('user')) value.user = session.flag('user')
      if (session.flags.changed.has('namespace')) value.namespace = session.flag('namespace')
      for (const field of ['cluster', 'user', 'namespace'] as const) if (value[field] === '') delete value[field]
      const contexts = existing ? config.contexts.map((entry) => (entry.name === name ? {name, value} : entry)) : [...config.contexts, {name, value}]
      save(session, {...config, contexts})
      session.io.stdout(`Context "${name}" ${existing ? 'modified' : 'created'}.\n`)
      return 0
    },
  },
  {
    name: 'set-credentials',
    flags: [{name: 'client-certificate-data', kind: 'string'}, {name: 'embed-certs', kind: 'bool'}, {name: 'auth-provider', kind: 'string'}, {name: 'exec-command', kind: 'string'}],
    run: async (session, args) => {
      const name = args[0]
      if (!name) throw new KubectlError('you must specify a non-empty user name')
      const {config} = session.kubeconfig()
      const existing = config.users.find((entry) => entry.name === name)
      const value = {...(existing?.value ?? {})}
      if (session.flags.changed.has('token')) value.token = session.flag('token')
      if (session.flags.changed.has('username')) value.username = session.flag('username')
      if (session.flags.changed.has('password')) value.password = session.flag('password')
      if (session.flags.changed.has('client-certificate')) value['client-certificate'] = session.flag('client-certificate')
      if (session.flags.changed.has('client-key')) value['client-key'] = session.flag('client-key')
      const users = existing ? config.users.map((entry) => (entry.name === name ? {name, value} : entry)) : [...config.users, {name, value}]
      save(session, {...config, users})
      session.io.stdout(`User "${name}" set.\n`)
      return 0
    },
  },
  {
    name: 'set-cluster',
    flags: [{name: 'embed-certs', kind: 'bool'}, {name: 'proxy-url', kind: 'string'}],
    run: async (session, args) => {
      const name = args[0]
      if (!name) throw new KubectlError('you must specify a non-empty cluster name')
      const {config} = session.kubeconfig()
      const existing = config.clusters.find((entry) => entry.name === name)
      const value = {...(existing?.value ?? {})}
      if (session.flags.changed.has('server')) value.server = session.flag('server')
      if (session.flags.changed.has('insecure-skip-tls-verify')) value['insecure-skip-tls-verify'] = session.flag('insecure-skip-tls-verify') === 'true'
      if (session.flags.changed.has('certificate-authority')) value['certificate-authority'] = session.flag('certificate-authority')
      const clusters = existing ? config.clusters.map((entry) => (entry.name === name ? {name, value} : entry)) : [...config.clusters, {name, value}]
      save(session, {...config, clusters})
      session.io.stdout(`Cluster "${name}" set.\n`)
      return 0
    },
  },
  {
    name: 'delete-context',
    flags: [],
    run: async (session, args) => {
      const name = args[0]
      if (!name) throw new KubectlError('you must specify a context name')
      const files = session.kubeconfig()
      const {config} = files
      if (!config.contexts.some((entry) => entry.name === name)) throw new KubectlError(`cannot delete context ${name}, not in ${files.paths[0]}`)
      if (config.currentContext === name) session.io.stderr('warning: this removed your active context, use "kubectl config use-context" to select a different one\n')
      save(session, {...config, contexts: config.contexts.filter((entry) => entry.name !== name)})
      session.io.stdout(`deleted context ${name} from ${files.origins.get(`context/${name}`) ?? files.paths[0]}\n`)
      return 0
    },
  },
  {
    name: 'delete-cluster',
    flags: [],
    run: async (session, args) => {
      // Without exactly one name, kubectl prints the command's help and succeeds.
      if (args.length !== 1) return printHelp(session, 'config delete-cluster')
      return deleteEntry(session, 'clusters', 'cluster', args[0]!)
    },
  },
  {
    name: 'delete-user',
    flags: [],
    run: async (session, args) => {
      if (args.length !== 1) throw new KubectlError("user to delete is required\nSee 'kubectl config delete-user -h' for help and examples")
      return deleteEntry(session, 'users', 'user', args[0]!)
    },
  },
  {
    name: 'rename-context',
    flags: [],
    run: async (session, args) => {
      const [from, to] = args
      if (!from || !to) throw new KubectlError('Unexpected args: ' + JSON.stringify(args))
      const {config} = session.kubeconfig()
      if (!config.contexts.some((entry) => entry.name === from)) throw new KubectlError(`cannot rename the context "${from}", it's not in ${session.kubeconfig().paths[0]}`)
      if (config.contexts.some((entry) => entry.name === to)) throw new KubectlError(`cannot rename the context "${from}", the context "${to}" already exists in ${session.kubeconfig().paths[0]}`)
      save(session, {
        ...config,
        contexts: config.contexts.map((entry) => (entry.name === from ? {name: to, value: entry.value} : entry)),
        currentContext: config.currentContext === from ? to : config.currentContext,
      })
      session.io.stdout(`Context "${from}" renamed to "${to}".\n`)
      return 0
    },
  },
]

export const configVerb: KubectlVerb = {name: 'config', flags: [], subverbs: configVerbs}
