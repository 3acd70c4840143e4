// `kubectl config set-cluster`, `set-credentials` and `set-context`: an entry of the kubeconfig
// created or changed from flags as kubectl 1.32 does it (file paths made absolute then relative to
// the kubeconfig where they need no `..`, --embed-certs reading the files, one authentication
// method at a time, the auth provider's and exec plugin's settings), with its checks and messages.
import {existsSync, readFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {isJsonObject} from '../../api/object.js'
import {goQuote} from '../../server/go-json.js'
import {KubectlError} from '../errors.js'
import type {ClusterEntry, Kubeconfig, NamedEntry, UserEntry} from '../kubeconfig.js'
import type {KubectlSession} from '../session.js'
import type {KubectlVerb} from '../verb.js'
import {helpError} from './config-set.js'

/** An entry of one of the config's lists replaced (or added) by name. */
function withEntry<T>(list: ReadonlyArray<NamedEntry<T>>, name: string, value: T): Array<NamedEntry<T>> {
  return list.some((entry) => entry.name === name) ? list.map((entry) => (entry.name === name ? {name, value} : entry)) : [...list, {name, value}]
}

const given = (session: KubectlSession, flag: string) => session.flags.changed.has(flag)
const readBase64 = (path: string) => (existsSync(path) ? readFileSync(path).toString('base64') : '')

/** Go's os.Stat error for a path not there, in kubectl's check of a file to embed. */
function mustExist(flag: string, path: string): void {
  if (!existsSync(path)) throw new KubectlError(`could not stat ${flag} file ${path}: stat ${path}: no such file or directory`)
}

function setCluster(session: KubectlSession, name: string): void {
  const embed = session.flag('embed-certs') === 'true'
  const authority = session.flag('certificate-authority')
  const insecure = session.flag('insecure-skip-tls-verify') === 'true'
  if (name === '') throw new KubectlError('you must specify a non-empty cluster name')
  if (insecure && authority !== '') throw new KubectlError('you cannot specify a certificate authority and insecure mode at the same time')
  if (embed) {
    if (authority === '') throw new KubectlError('you must specify a --certificate-authority to embed')
    mustExist('certificate-authority', authority)
  }
  const config = session.kubeconfig(true).config
  const value: ClusterEntry = {...(config.clusters.find((entry) => entry.name === name)?.value ?? {})}
  const put = (field: string, text: string) => {
    if (text === '') delete value[field]
    else value[field] = text
  }
  if (given(session, 'server')) value.server = session.flag('server')
  if (given(session, 'tls-server-name')) put('tls-server-name', session.flag('tls-server-name'))
  if (given(session, 'proxy-url')) put('proxy-url', session.flag('proxy-url'))
  if (given(session, 'insecure-skip-tls-verify')) {
    if (insecure) {
      value['insecure-skip-tls-verify'] = true
      // Insecure mode clears any certificate authority.
      delete value['certificate-authority']
      delete value['certificate-authority-data']
    } else delete value['insecure-skip-tls-verify']
  }
  if (given(session, 'certificate-authority')) {
    if (embed) {
      put('certificate-authority-data', readBase64(authority))
      delete value['insecure-skip-tls-verify']
      delete value['certificate-authority']
    } else {
      const path = resolve(authority)
      value['certificate-authority'] = path
      delete value['insecure-skip-tls-verify']
      delete value['certificate-authority-data']
    }
  }
  session.saveKubeconfig({...config, clusters: withEntry(config.clusters, name, value)}, true)
}

/** cmdutil.ParsePairs: `key=value` to set, `key-` to remove, anything else refused in kubectl 1.32's words. */
function pairs(items: readonly string[], flag: string): {set: Array<[string, string]>; remove: string[]} {
  const set: Array<[string, string]> = []
  const remove: string[] = []
  const invalid: string[] = []
  for (const item of items) {
    const at = item.indexOf('=')
    if (at > 0) set.push([item.slice(0, at), item.slice(at + 1)])
    else if (at < 0 && item.endsWith('-') && item !== '-') remove.push(item.slice(0, -1))
    else invalid.push(item)
  }
  if (invalid.length > 0) throw new KubectlError(`invalid ${flag} format: ${invalid.join(', ')}`)
  return {set, remove}
}

const interactiveModes = ['IfAvailable', 'Never', 'Always']

function checkCredentials(session: KubectlSession, name: string): void {
  if (name === '') throw new KubectlError('you must specify a non-empty user name')
  const methods: string[] = []
  if (session.flag('token') !== '') methods.push('--token')
  if (session.flag('username') !== '' || session.flag('password') !== '') methods.push('--username/--password')
  if (methods.length > 1) throw new KubectlError(`you cannot specify more than one authentication method at the same time: ${methods.join(', ')}`)
  if (session.flag('embed-certs') === 'true') {
    const certificate = session.flag('client-certificate')
    const key = session.flag('client-key')
    if (certificate === '' && key === '') throw new KubectlError('you must specify a --client-certificate or --client-key to embed')
    if (certificate !== '') mustExist('client-certificate', certificate)
    if (key !== '') mustExist('client-key', key)
  }
  const mode = session.flag('exec-interactive-mode')
  if (given(session, 'exec-interactive-mode') && !interactiveModes.includes(mode)) throw new KubectlError(`invalid interactive mode type, can be only ${interactiveModes.join(', ')}`)
}

/** The exec plugin's settings changed by the --exec-* flags (only when the user has a plugin, or --exec-command makes one). */
function execWith(session: KubectlSession, existing: unknown, environment: ReturnType<typeof pairs> | null): Record<string, unknown> | undefined {
  let exec = isJsonObject(existing) ? {...existing} : undefined
  if (given(session, 'exec-command')) {
    if (exec) {
      exec.command = session.flag('exec-command')
      exec.args = null
    } else exec = {command: session.flag('exec-command'), args: null, env: null, provideClusterInfo: false}
  }
  if (!exec) return undefined
  if (given(session, 'exec-api-version')) {
    if (session.flag('exec-api-version') === '') delete exec.apiVersion
    else exec.apiVersion = session.flag('exec-api-version')
  }
  const args = session.flags.lists.get('exec-arg') ?? []
  if (args.length > 0) exec.args = args
  if (environment) {
    let variables = (Array.isArray(exec.env) ? exec.env : []).filter(isJsonObject)
    if (environment.remove.length > 0) variables = variables.filter((variable) => !environment.remove.includes(String(variable.name)))
    for (const [key, text] of environment.set) {
      const index = variables.findIndex((variable) => variable.name === key)
      if (index >= 0) variables[index] = {...variables[index], value: text}
      else variables.push({name: key, value: text})
    }
    exec.env = variables.length > 0 || environment.remove.length > 0 ? variables : exec.env
  }
  if (given(session, 'exec-interactive-mode')) exec.interactiveMode = session.flag('exec-interactive-mode')
  if (given(session, 'exec-provide-cluster-info')) exec.provideClusterInfo = session.flag('exec-provide-cluster-info') === 'true'
  return exec
}

function setCredentials(session: KubectlSession, name: string, providerArguments: ReturnType<typeof pairs> | null, environment: ReturnType<typeof pairs> | null): void {
  const config = session.kubeconfig(true).config
  const value: UserEntry = {...(config.users.find((entry) => entry.name === name)?.value ?? {})}
  const embed = session.flag('embed-certs') === 'true'
  const put = (field: string, text: string) => {
    if (text === '') delete value[field]
    else value[field] = text
  }
  for (const [flag, dataField] of [['client-certificate', 'client-certificate-data'], ['client-key', 'client-key-data']] as const) {
    if (!given(session, flag)) continue
    if (embed) {
      put(dataField, readBase64(session.flag(flag)))
      delete value[flag]
    } else {
      value[flag] = resolve(session.flag(flag))
      delete value[dataField]
    }
  }
  let setToken = false
  let setBasic = false
  if (given(session, 'token')) {
    put('token', session.flag('token'))
    setToken = session.flag('token') !== ''
  }
  for (const field of ['username', 'password']) {
    if (!given(session, field)) continue
    put(field, session.flag(field))
    setBasic ||= session.flag(field) !== ''
  }
  const provider = isJsonObject(value['auth-provider']) ? {...value['auth-provider']} : undefined
  let newProvider = provider
  if (given(session, 'auth-provider') && (!provider || provider.name !== session.flag('auth-provider'))) newProvider = {name: session.flag('auth-provider')}
  if (newProvider) {
    const settings: Record<string, unknown> = isJsonObject(newProvider.config) ? {...newProvider.config} : {}
    for (const key of providerArguments?.remove ?? []) delete settings[key]
    for (const [key, text] of providerArguments?.set ?? []) settings[key] = text
    // Never nil after kubectl's change: an empty map is written as `config: {}`.
    newProvider.config = settings
    value['auth-provider'] = newProvider
  }
  const exec = execWith(session, value.exec, environment)
  if (exec) value.exec = exec
  // One authentication method: setting a token clears basic auth, and the other way round.
  if (setToken || setBasic) {
    if (!setToken) delete value.token
    if (!setBasic) {
      delete value.username
      delete value.password
    }
  }
  session.saveKubeconfig({...config, users: withEntry(config.users, name, value)}, true)
}

function setContext(session: KubectlSession, config: Kubeconfig, name: string): boolean {
  const existing = config.contexts.find((entry) => entry.name === name)
  const value = {...(existing?.value ?? {})}
  if (given(session, 'cluster')) value.cluster = session.flag('cluster')
  if (given(session, 'user')) value.user = session.flag('user')
  if (given(session, 'namespace')) value.namespace = session.flag('namespace')
  for (const field of ['cluster', 'user', 'namespace'] as const) if (value[field] === '') delete value[field]
  session.saveKubeconfig({...config, contexts: withEntry(config.contexts, name, value)})
  return existing !== undefined
}

export const configEntryVerbs: readonly KubectlVerb[] = [
  {
    name: 'set-context',
    flags: [{name: 'current', kind: 'bool'}],
    run: async (session, args) => {
      if (args.length > 1) helpError(session, 'config set-context', `Unexpected args: [${args.join(' ')}]`)
      const {config} = session.kubeconfig(true)
      let name = args[0] ?? ''
      if (session.flag('current') === 'true') {
        if (name) throw new KubectlError('you cannot specify both a context name and --current')
        name = config.currentContext
        if (!name) throw new KubectlError('no current context is set')
      }
      if (!name) throw new KubectlError('you must specify a non-empty context name or --current')
      const existed = setContext(session, config, name)
      session.io.stdout(`Context ${goQuote(name)} ${existed ? 'modified' : 'created'}.\n`)
      return 0
    },
  },
  {
    name: 'set-credentials',
    flags: [
      {name: 'embed-certs', kind: 'bool'},
      {name: 'auth-provider', kind: 'string'},
      {name: 'auth-provider-arg', kind: 'stringSlice'},
      {name: 'exec-command', kind: 'string'},
      {name: 'exec-api-version', kind: 'string'},
      {name: 'exec-arg', kind: 'stringSlice'},
      {name: 'exec-env', kind: 'stringArray'},
      {name: 'exec-interactive-mode', kind: 'string'},
      {name: 'exec-provide-cluster-info', kind: 'bool'},
    ],
    run: async (session, args) => {
      // kubectl's complete(): on any error the command's help, then the error.
      let providerArguments: ReturnType<typeof pairs> | null = null
      let environment: ReturnType<typeof pairs> | null = null
      try {
        if (args.length !== 1) throw new KubectlError(`unexpected args: [${args.join(' ')}]`)
        const providerList = session.flags.lists.get('auth-provider-arg') ?? []
        if (providerList.length > 0) providerArguments = pairs(providerList, 'auth-provider-arg')
        const environmentList = session.flags.lists.get('exec-env') ?? []
        if (environmentList.length > 0) environment = pairs(environmentList, 'exec-env')
      } catch (error) {
        helpError(session, 'config set-credentials', (error as Error).message)
      }
      const name = args[0]!
      checkCredentials(session, name)
      setCredentials(session, name, providerArguments, environment)
      session.io.stdout(`User ${goQuote(name)} set.\n`)
      return 0
    },
  },
  {
    name: 'set-cluster',
    flags: [{name: 'embed-certs', kind: 'bool'}, {name: 'proxy-url', kind: 'string'}],
    run: async (session, args) => {
      if (args.length !== 1) helpError(session, 'config set-cluster', `Unexpected args: [${args.join(' ')}]`)
      const name = args[0]!
      setCluster(session, name)
      session.io.stdout(`Cluster ${goQuote(name)} set.\n`)
      return 0
    },
  },
]
