// `kubectl config`: view (redacted unless --raw, --minify, --flatten), get-contexts, get-clusters,
// get-users, current-context, use-context, delete-context, delete-cluster, delete-user,
// rename-context (set-* in config-entries.ts, set/unset in config-set.ts) — reading and writing kubeconfig files as
// clientcmd does, with kubectl's messages.
import {existsSync, readFileSync, statSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {goJson} from '../../util/go-json.js'
import {outputFormatOf, printTemplated} from '../output.js'
import {tabwrite} from '../../printers/kubectl/table.js'
import {KubectlError} from '../errors.js'
import type {KubectlFlag} from '../flags.js'
import type {KubectlVerb} from '../verb.js'
import {byName, defaultKubeconfigFile, formatKubeconfig, type Kubeconfig} from '../kubeconfig.js'
import {goCluster, goContext, goPreferences, goUser} from '../kubeconfig-types.js'
import type {KubectlSession} from '../session.js'
import {kubectlHelp} from '../help/help.js'
import {configEntryVerbs} from './config-entries.js'
import {configSetVerbs, helpError} from './config-set.js'

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
  const {cluster, user} = context.value
  if (cluster && !config.clusters.some((entry) => entry.name === cluster)) throw new KubectlError(`cannot locate cluster ${cluster}`)
  if (user && !config.users.some((entry) => entry.name === user)) throw new KubectlError(`cannot locate user ${user}`)
  return {
    ...config,
    currentContext: contextName,
    contexts: [context],
    clusters: config.clusters.filter((entry) => entry.name === context.value.cluster),
    users: config.users.filter((entry) => entry.name === context.value.user),
  }
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

/**
 * clientcmd's FlattenConfig: each CA, client certificate and key file read into its data field
 * (paths relative to the file the entry came from); Go's error for a file not there.
 */
function flatten(session: KubectlSession, config: Kubeconfig): Kubeconfig {
  const {origins} = session.kubeconfig(true)
  const inline = <T extends Record<string, unknown>>(value: T, origin: string | undefined, pairs: ReadonlyArray<readonly [string, string]>): T => {
    const copy: Record<string, unknown> = {...value}
    for (const [pathField, dataField] of pairs) {
      const path = copy[pathField]
      if (typeof path !== 'string' || path === '') continue
      if (typeof copy[dataField] === 'string' && copy[dataField] !== '') throw new KubectlError('cannot have values for both path and contents')
      const absolute = resolve(dirname(origin ?? '.'), path)
      if (!existsSync(absolute)) throw new KubectlError(`open ${absolute}: no such file or directory`)
      if (statSync(absolute).isDirectory()) throw new KubectlError(`read ${absolute}: is a directory`)
      copy[dataField] = readFileSync(absolute).toString('base64')
      delete copy[pathField]
    }
    return copy as T
  }
  const users = byName(config.users).map((entry) => ({name: entry.name, value: inline(entry.value, origins.get(`user/${entry.name}`), [['client-certificate', 'client-certificate-data'], ['client-key', 'client-key-data']])}))
  const clusters = byName(config.clusters).map((entry) => ({name: entry.name, value: inline(entry.value, origins.get(`cluster/${entry.name}`), [['certificate-authority', 'certificate-authority-data']])}))
  return {...config, users, clusters}
}

function view(session: KubectlSession, args: readonly string[]): Promise<number> {
  if (args.length > 0) throw new KubectlError(`unexpected arguments: [${args.join(' ')}]\nSee 'kubectl config view -h' for help and examples`)
  if (session.flag('merge') === 'false' && !session.flag('kubeconfig')) throw new KubectlError('if merge==false a precise file must be specified')
  let config = session.kubeconfig(true).config
  if (session.flag('minify') === 'true') config = minify(config, session.flag('context') || config.currentContext)
  if (session.flag('flatten') === 'true') config = flatten(session, config)
  else if (session.flag('raw') !== 'true') config = redact(config)
  const output = session.flag('template') && !session.flags.changed.has('output') ? '' : session.flag('output')
  // Go's nil slice for a kind with no entries, as clientcmd's types write it (fields in the structs' order, which -o json keeps).
  const named = <T extends Record<string, unknown>>(list: Array<{name: string; value: T}>, field: string, asGo: (value: T) => Record<string, unknown>) =>
    list.length === 0 ? null : byName(list).map((entry) => ({name: entry.name, [field]: asGo(entry.value)}))
  const asObject = () => ({
    kind: 'Config',
    apiVersion: 'v1',
    preferences: goPreferences(config.preferences),
    clusters: named(config.clusters, 'cluster', goCluster),
    users: named(config.users, 'user', goUser),
    contexts: named(config.contexts, 'context', goContext),
    'current-context': config.currentContext,
    ...(config.extensions && config.extensions.length > 0 ? {extensions: config.extensions} : {}),
  })
  if (output === 'json') {
    session.io.stdout(`${goJson(asObject(), false)}\n`)
  } else if (output === 'yaml' || (output === '' && !session.flag('template'))) {
    session.io.stdout(formatKubeconfig(config))
  } else if (output === 'name') {
    // The name printer finds no metadata on a Config.
    session.io.stdout('config/<unknown>\n')
  } else {
    const format = outputFormatOf(output, session.flag('template'), session.flag('allow-missing-template-keys'))
    if (format.format !== 'jsonpath' && format.format !== 'go-template') {
      throw new KubectlError(`unable to match a printer suitable for the output format "${output}", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml`)
    }
    session.io.stdout(printTemplated(format, [asObject()], true, false))
  }
  return Promise.resolve(0)
}

function save(session: KubectlSession, config: Kubeconfig): void {
  session.saveKubeconfig(config)
}

function printHelp(session: KubectlSession, path: string): number {
  session.io.stdout(kubectlHelp(path, session.io.environment) ?? '')
  return 0
}

/** delete-cluster and delete-user: the entry out of the kubeconfig, kubectl's line naming the file written. */
function deleteEntry(session: KubectlSession, list: 'clusters' | 'users', kind: string, name: string): number {
  const files = session.kubeconfig(true)
  const {config} = files
  if (!config[list].some((entry) => entry.name === name)) throw new KubectlError(`cannot delete ${kind} ${name}, not in ${defaultKubeconfigFile(files)}`)
  save(session, {...config, [list]: config[list].filter((entry) => entry.name !== name)})
  session.io.stdout(`deleted ${kind} ${name} from ${defaultKubeconfigFile(files)}\n`)
  return 0
}

const configVerbs: readonly KubectlVerb[] = [
  {name: 'view', flags: viewFlags, run: (session, args) => view(session, args)},
  {
    name: 'current-context',
    flags: [],
    run: async (session) => {
      const current = session.kubeconfig(true).config.currentContext
      if (!current) throw new KubectlError('current-context is not set')
      session.io.stdout(`${current}\n`)
      return 0
    },
  },
  {
    name: 'get-contexts',
    flags: [{name: 'output', shorthand: 'o', kind: 'string'}, {name: 'no-headers', kind: 'bool'}],
    run: async (session, args) => {
      const {config} = session.kubeconfig(true)
      const output = session.flag('output')
      if (output !== '' && output !== 'name') throw new KubectlError(`--output ${output} is not available in kubectl config get-contexts; resetting to default output format`)
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
      session.io.stdout(`NAME\n${byName(session.kubeconfig(true).config.clusters).map((entry) => `${entry.name}\n`).join('')}`)
      return 0
    },
  },
  {
    name: 'get-users',
    flags: [],
    run: async (session) => {
      session.io.stdout(`NAME\n${byName(session.kubeconfig(true).config.users).map((entry) => `${entry.name}\n`).join('')}`)
      return 0
    },
  },
  {
    name: 'use-context',
    aliases: ['use'],
    flags: [],
    run: async (session, args) => {
      if (args.length !== 1) helpError(session, 'config use-context', `Unexpected args: [${args.join(' ')}]`)
      const name = args[0]!
      const {config} = session.kubeconfig(true)
      if (!config.contexts.some((entry) => entry.name === name)) throw new KubectlError(`no context exists with the name: "${name}"`)
      save(session, {...config, currentContext: name})
      session.io.stdout(`Switched to context "${name}".\n`)
      return 0
    },
  },
  {
    name: 'delete-context',
    flags: [],
    run: async (session, args) => {
      // Without exactly one name, kubectl prints the command's help and succeeds.
      if (args.length !== 1) return printHelp(session, 'config delete-context')
      const name = args[0]!
      const files = session.kubeconfig(true)
      const {config} = files
      if (!config.contexts.some((entry) => entry.name === name)) throw new KubectlError(`cannot delete context ${name}, not in ${defaultKubeconfigFile(files)}`)
      if (config.currentContext === name) session.io.stderr('warning: this removed your active context, use "kubectl config use-context" to select a different one\n')
      save(session, {...config, contexts: config.contexts.filter((entry) => entry.name !== name)})
      // kubectl names the file it would write first, whichever file held the context.
      session.io.stdout(`deleted context ${name} from ${defaultKubeconfigFile(files)}\n`)
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
      if (args.length !== 2) helpError(session, 'config rename-context', `Unexpected args: [${args.join(' ')}]`)
      const [from, to] = args as [string, string]
      const files = session.kubeconfig(true)
      const {config} = files
      // clientcmd keeps a renamed entry in the file it came from.
      const origin = files.origins.get(`context/${from}`)
      if (origin !== undefined && !config.contexts.some((entry) => entry.name === to)) files.origins.set(`context/${to}`, origin)
      if (!config.contexts.some((entry) => entry.name === from)) throw new KubectlError(`cannot rename the context "${from}", it's not in ${defaultKubeconfigFile(session.kubeconfig(true))}`)
      if (config.contexts.some((entry) => entry.name === to)) throw new KubectlError(`cannot rename the context "${from}", the context "${to}" already exists in ${defaultKubeconfigFile(session.kubeconfig(true))}`)
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

export const configVerb: KubectlVerb = {name: 'config', flags: [], subverbs: [...configVerbs, ...configEntryVerbs, ...configSetVerbs]}
